"""Dynamics 365 (Dataverse Web API) lead adapter: client, payloads, mapping, errors."""
