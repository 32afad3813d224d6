"""Engines and session factories for the two runtime shapes: a SQLite file (embedded) or PostgreSQL.

SQLite gets the pragmas that make one file safe for an API, a worker and beat at once: WAL (readers
never block the writer), foreign keys enforced, a busy timeout instead of instant ``database is locked``,
and ``synchronous=NORMAL`` (durable at every checkpoint, safe with WAL).

SQLite writes start with ``BEGIN IMMEDIATE`` (see :mod:`leadhunter.db.write_lock`): a transaction takes the
file's one write lock before its first write, waiting and retrying (bounded, with jitter) while another
writer holds it, instead of failing later when a read snapshot cannot be upgraded. Reads before the first
write run outside a transaction, as with the driver's own default. PostgreSQL gets ``pool_pre_ping`` so a
connection dropped by a server restart is replaced, not handed out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.write_lock import DEFAULT_LOCK_WAIT_SECONDS, ImmediateWrites

SQLITE_BUSY_TIMEOUT_MS = 5000
"""The longest (milliseconds) one SQLite statement waits for a lock; the write lock itself is waited for up to
the engine's ``lock_wait_seconds`` in shorter, jittered attempts (:mod:`leadhunter.db.write_lock`)."""


def make_engine(url: str, *, lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS, **kwargs: Any) -> Engine:
    """An engine for ``url`` (any SQLAlchemy URL; SQLite and PostgreSQL are the supported ones).

    For a SQLite file the parent directory is created and every new connection runs the pragmas above;
    ``:memory:`` databases skip the directory. ``lock_wait_seconds`` (default 15) bounds how long a SQLite
    write waits for the write lock before ``database is locked`` is raised (the API answers 503). Other
    databases get ``pool_pre_ping=True``. Extra keyword arguments go to :func:`sqlalchemy.create_engine` and win
    over these defaults.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, **{"pool_pre_ping": True, **kwargs})
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    busy_ms = max(1, min(SQLITE_BUSY_TIMEOUT_MS, int(lock_wait_seconds * 1000)))
    writes = ImmediateWrites(lock_wait_seconds=lock_wait_seconds, busy_timeout_ms=busy_ms)
    event.listen(engine, "connect", writes.on_connect)
    event.listen(engine, "before_cursor_execute", writes.before_cursor_execute)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded attributes after commit (``expire_on_commit=False``),
    so a service can return the rows it just committed without another round trip."""
    return sessionmaker(bind=engine, expire_on_commit=False)
