"""Adapters to Partner Center and Dynamics 365; they depend on the core, never the reverse."""
