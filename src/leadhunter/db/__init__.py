"""Persistence: SQLAlchemy models, repositories, Alembic migrations. Arrives with the service issue."""
