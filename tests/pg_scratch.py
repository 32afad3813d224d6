"""Throw-away PostgreSQL databases for the tests: one place that creates, names, skips and drops them.

The server is the one on 127.0.0.1:5432 unless ``HUNTER_TEST_PG_ADMIN_URL`` names another: a URL of any
database the user may connect to and create databases from. The databases use the ``C`` collation so that
string order is code-point order, the same as SQLite's and Python's, while ``C.UTF-8`` character classes keep
``lower()`` Unicode-aware; every test on PostgreSQL therefore sees the same ordering.

Import it as ``from pg_scratch import scratch_pg_database`` (``tests/`` is on ``sys.path``: ``tests/conftest.py``
puts it there, whichever directory or file pytest is asked to run); ``migrated_pg_database`` adds the schema.
The benchmarks have their own helper of the same name in ``bench/leads_query_bench.py``, which fails instead of
skipping and also reports the server version.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from leadhunter.db.migrate import upgrade
from leadhunter.runtime import session_factory

__all__ = ["PG_ADMIN_URL", "migrated_pg_database", "scratch_pg_database"]

PG_ADMIN_URL = os.environ.get("HUNTER_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""Where scratch databases are created from (``HUNTER_TEST_PG_ADMIN_URL`` overrides the local default)."""

_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,49}")
"""A prefix that is a plain lower-case identifier, so the database name needs no quoting and, with the 13
characters of its suffix, stays within PostgreSQL's 63-character limit."""


def _admin_url() -> URL:
    """The admin URL with the psycopg (3) driver, the one the application and its tests are installed with."""
    return make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")


@contextmanager
def scratch_pg_database(prefix: str = "leadhunter_test") -> Iterator[str]:
    """Create an empty PostgreSQL database named ``<prefix>_<12 random hex digits>``, yield its URL
    (``postgresql+psycopg://``, password included) and drop it ``WITH (FORCE)`` on exit.

    Why: tests on PostgreSQL need a database of their own (unique per xdist worker and module or test), which
    must disappear even if the test left connections open. The calling test is skipped, naming the server and
    the error, when the server cannot be reached (or refuses the login), so a machine without PostgreSQL runs
    the SQLite half of the suite. Schema, migrations and pooled engines are the caller's business: dispose of
    engines that pool connections to the database inside the ``with`` block, before it is dropped.
    """
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"database name prefix must be a lower-case identifier of at most 50 characters: {prefix!r}")
    admin_url = _admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
            )
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {admin_url.render_as_string()} (set HUNTER_TEST_PG_ADMIN_URL to "
                    f"use another server): {exc.orig}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def migrated_pg_database(prefix: str = "leadhunter_test") -> Iterator[str]:
    """A :func:`scratch_pg_database` migrated to the newest schema, for tests that run the application on it.

    Why: such tests reach the database through ``leadhunter.runtime.session_factory``, whose engine is cached per
    URL for the whole process; it is disposed of before the drop so that the cache keeps no pool of connections
    that ``WITH (FORCE)`` has cut.
    """
    with scratch_pg_database(prefix) as url:
        try:
            upgrade(url)
            yield url
        finally:
            session_factory(url).kw["bind"].dispose()
