"""Alembic environment for Hunter's schema; configured by :mod:`leadhunter.db.migrate`, not an ini file."""

from __future__ import annotations

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import text

import leadhunter.db.alert_models  # noqa: F401  (its tables join Base.metadata)
from leadhunter.db import auth_models, d365_models, referral_models, registration_models, team_models  # noqa: F401  (their tables join Base.metadata)
from leadhunter.db.migrate import URL_ATTRIBUTE, migration_engine
from leadhunter.db.models import Base, UtcDateTime, include_object_for

config = context.config
target_metadata = Base.metadata
database_url: str = config.attributes.get(URL_ATTRIBUTE) or config.get_main_option("sqlalchemy.url") or ""
if not database_url:
    raise RuntimeError("no database URL: run migrations through leadhunter.db.migrate")


def render_item(kind: str, obj: object, _context: AutogenContext) -> str | Literal[False]:
    """Write the models' UTC datetime type as the plain column type it creates, so revisions do not
    import the models (a revision must keep working after the models move on)."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    """Emit the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(url=database_url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      target_metadata=target_metadata, render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations over one connection, in one transaction."""
    engine = migration_engine(database_url)
    try:
        with engine.connect() as connection:
            # Batch mode in every generated revision, whatever database it was generated against: SQLite can
            # only change a column or constraint by rebuilding the table, and the same revision files run on
            # both databases (on PostgreSQL batch operations are plain ALTERs).
            # include_object: autogenerate must not propose dropping what the models make outside the mapped
            # tables (SQLite's FTS5 search table) or creating the other database's indexes (``only_on``).
            context.configure(connection=connection, transactional_ddl=True, target_metadata=target_metadata,
                              render_as_batch=True, render_item=render_item, compare_type=True,
                              include_object=include_object_for(connection.dialect.name))
            with context.begin_transaction():
                context.run_migrations()
                if connection.dialect.name == "sqlite":
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows violating foreign keys: {broken[:10]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
