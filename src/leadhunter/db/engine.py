"""Engines and session factories for the two runtime shapes: a SQLite file (embedded) or PostgreSQL.

SQLite gets the pragmas that make one file safe for an API, a worker and beat at once: WAL (readers
never block the writer), foreign keys enforced, a 5 s busy timeout instead of instant ``database is
locked``, and ``synchronous=NORMAL`` (durable at every checkpoint, safe with WAL). PostgreSQL gets
``pool_pre_ping`` so a connection dropped by a server restart is replaced, not handed out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long (milliseconds) a SQLite connection waits for a lock before failing."""

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (any SQLAlchemy URL; SQLite and PostgreSQL are the supported ones).

    For a SQLite file the parent directory is created and every new connection runs the pragmas above;
    ``:memory:`` databases skip the directory. Other databases get ``pool_pre_ping=True``. Extra keyword
    arguments go to :func:`sqlalchemy.create_engine` and win over these defaults.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, **{"pool_pre_ping": True, **kwargs})
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Apply the SQLite pragmas to one new DB-API connection (runs outside any transaction)."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded attributes after commit (``expire_on_commit=False``),
    so a service can return the rows it just committed without another round trip."""
    return sessionmaker(bind=engine, expire_on_commit=False)
