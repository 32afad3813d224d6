"""Hunter: a lead-intelligence engine that turns company domains into scored, explained sales leads."""

__version__ = "0.1.0"
