"""Databases for the persistence tests: a SQLite file per test, a PostgreSQL database per test module.

PostgreSQL is the server on 127.0.0.1:5432 (override with ``HUNTER_TEST_PG_ADMIN_URL``); its scratch databases
come from ``tests/pg_scratch.py``, which explains their ``C`` collation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_scratch import scratch_pg_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file (not created yet) in the test's temporary folder, one level down so that
    creating the parent folder is exercised too."""
    return f"sqlite:///{tmp_path / 'data' / 'hunter.db'}"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test module, dropped afterwards."""
    with scratch_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test runs once on a SQLite file and once on this module's PostgreSQL database."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url
