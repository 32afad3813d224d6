"""Hunter."""
