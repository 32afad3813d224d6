"""Waiting for the write lock, and telling a lock error from other database errors.

SQLite allows one writer at a time. The driver's default opens a *deferred* transaction before the first
write: the transaction may already hold a read snapshot when it asks for the write lock, and if another
writer committed since, SQLite fails at once (``database is locked``) without waiting at all. Here the
driver's implicit transactions are turned off and :class:`ImmediateWrites` opens ``BEGIN IMMEDIATE`` itself
right before the first writing statement, so the lock is taken before anything is read in the transaction.
Taking it is retried: each attempt lets SQLite's busy handler wait a random 0.2–0.6 s (random, so waiting
writers do not poll in step with a writer that commits at a steady pace), then sleeps a little jitter, until
``lock_wait_seconds`` are spent; then the ``database is locked`` error goes up (the API answers 503 with
``Retry-After``). Retrying the ``BEGIN`` alone is safe: nothing of the transaction has run yet.

:func:`is_lock_error` recognises the errors that mean "busy, try again later" on both databases.
"""

from __future__ import annotations

import random
import sqlite3
import time
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

DEFAULT_LOCK_WAIT_SECONDS = 15.0
"""How long (seconds) a SQLite write waits for the write lock before giving up."""

_WRITE_WORDS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT"})
_ATTEMPT_MS = (200, 600)  # each BEGIN IMMEDIATE attempt lets the busy handler wait this long (random)
_JITTER_S = 0.05  # and a random sleep up to this long between attempts
# PostgreSQL SQLSTATEs that mean "busy, retry": lock_not_available (lock_timeout, NOWAIT),
# serialization_failure, deadlock_detected.
PG_BUSY_STATES = frozenset({"55P03", "40001", "40P01"})
_HANDLER_KEY = "leadhunter.immediate_writes"
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


class ImmediateWrites:
    """Engine event handlers for SQLite: implicit transactions off, ``BEGIN IMMEDIATE`` before the first
    write of each transaction, retried for at most ``lock_wait_seconds``."""

    def __init__(self, *, lock_wait_seconds: float, busy_timeout_ms: int) -> None:
        self.lock_wait_seconds = lock_wait_seconds
        self.busy_timeout_ms = busy_timeout_ms
        self.pragmas = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={busy_timeout_ms}",
                        "PRAGMA synchronous=NORMAL")

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        """Apply the pragmas and turn the driver's own (deferred) transactions off."""
        record.info[_HANDLER_KEY] = self  # for begin_write
        dbapi_connection.isolation_level = None  # the driver then never BEGINs; before_cursor_execute does
        cursor = dbapi_connection.cursor()
        try:
            for pragma in self.pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    def before_cursor_execute(self, _conn: Any, cursor: Any, statement: str, _parameters: Any, _context: Any,
                              _executemany: bool) -> None:
        """Open ``BEGIN IMMEDIATE`` before a writing statement that has no transaction yet."""
        raw = cursor.connection
        if raw.in_transaction or _first_word(statement) not in _WRITE_WORDS:
            return
        self.begin_immediate(raw)

    def begin_immediate(self, raw: sqlite3.Connection) -> None:
        """Take the write lock, retrying with jitter until ``lock_wait_seconds`` are spent."""
        deadline = time.monotonic() + self.lock_wait_seconds
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            attempt_ms = max(1, min(left_ms, random.randint(*_ATTEMPT_MS)))  # noqa: S311 - jitter, not secrecy
            raw.execute(f"PRAGMA busy_timeout={attempt_ms}")
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _sqlite_busy(error) or time.monotonic() + 0.001 >= deadline:
                    raise
                time.sleep(random.uniform(0, min(_JITTER_S, max(0.0, deadline - time.monotonic()))))  # noqa: S311
            finally:
                raw.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")


def begin_write(session: Session) -> None:
    """Take the write lock now, before the transaction reads what it will write on (SQLite: ``BEGIN
    IMMEDIATE``, waited for and retried as any write is); reads that follow see no other writer's changes until
    the commit. Does nothing when a write already started the transaction, or on PostgreSQL, where
    ``SELECT ... FOR UPDATE`` locks the rows instead."""
    connection = session.connection()
    handler = connection.info.get(_HANDLER_KEY)
    if isinstance(handler, ImmediateWrites):
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            try:
                handler.begin_immediate(raw)  # type: ignore[arg-type]  # the pool's DBAPI connection is sqlite3's
            except sqlite3.OperationalError as error:  # wrapped as SQLAlchemy wraps a statement's error
                raise OperationalError("BEGIN IMMEDIATE", None, error) from error


def _first_word(statement: str) -> str:
    words = statement.lstrip(" \t\r\n(").split(None, 1)
    return words[0][:9].upper() if words else ""


def _sqlite_busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and str(error).startswith(_SQLITE_BUSY)


_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "database or disk is full")


def is_unavailable_error(error: BaseException) -> bool:
    """True when the database cannot be reached or written at all (PostgreSQL connection failures, class 08
    and the 57P0x shutdowns; SQLite's file that cannot be opened, a disk error or a full disk). A query the
    schema cannot answer (``no such table``, a bad column) is a defect instead: a 500, not a 503."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if original is None:
        return False
    if isinstance(original, sqlite3.OperationalError):
        return str(original).lower().startswith(_SQLITE_UNAVAILABLE)
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state is None:  # psycopg raises OperationalError without a state when it cannot connect
        return type(original).__name__ == "OperationalError"
    return str(state).startswith("08") or str(state) in {"57P01", "57P02", "57P03"}


def is_lock_error(error: BaseException) -> bool:
    """True for "the database is busy, try again": SQLite's ``database is locked``/``busy``, PostgreSQL's
    lock timeout, serialization failure or deadlock (as raised by the driver, or wrapped by SQLAlchemy)."""
    original = error.orig if isinstance(error, DBAPIError) else error
    if original is None:
        return False
    if _sqlite_busy(original):
        return True
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state in PG_BUSY_STATES
