"""Celery tasks and the beat schedule. Arrives with the service issue."""
