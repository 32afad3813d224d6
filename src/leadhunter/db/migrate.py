"""Run the Alembic migrations that ship inside the package, configured in code (no ``alembic.ini``).

``upgrade(url)`` brings any database (an empty one included) to the newest schema; ``downgrade(url, rev)``
steps back. Both run in one transaction on PostgreSQL and on SQLite (where the migration connection
opens its own ``BEGIN`` so DDL is transactional too). To write a new revision against a scratch
database::

    from alembic import command
    from leadhunter.db.migrate import alembic_config
    command.revision(alembic_config("sqlite:///scratch.db"), "add x", autogenerate=True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, pool
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The migration environment (``env.py``, ``script.py.mako``, ``versions/``)."""

URL_ATTRIBUTE = "leadhunter.database_url"
"""Key under which :func:`alembic_config` hands the database URL to ``env.py``."""


def alembic_config(database_url: str) -> Config:
    """An Alembic :class:`~alembic.config.Config` for ``database_url`` and the packaged migrations.

    The URL travels in ``Config.attributes`` rather than the ini options, so passwords containing
    ``%`` need no escaping and are never written to a file.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes[URL_ATTRIBUTE] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at ``database_url`` up to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database at ``database_url`` down to ``revision`` (e.g. ``"-1"`` or ``"base"``)."""
    command.downgrade(alembic_config(database_url), revision)


def migration_engine(database_url: str) -> Engine:
    """An engine for running migrations (no pooling).

    On SQLite, foreign keys are left OFF while the schema changes: batch operations rebuild a table by
    copy, drop and rename, and with enforcement on, dropping a parent table would cascade-delete its
    children's rows. ``env.py`` runs ``PRAGMA foreign_key_check`` before committing instead. The driver's
    implicit transactions are replaced by an explicit ``BEGIN`` so DDL rolls back on failure.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=pool.NullPool)
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stops issuing its own BEGIN/COMMIT
        cursor = dbapi_connection.cursor()
        for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=OFF"):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
