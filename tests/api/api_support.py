"""A live API on loopback (uvicorn in a thread) with a dispatch recorder, over SQLite and over PostgreSQL.

Every test that uses ``api``, ``api_settings`` or ``database_url`` runs twice: ``[sqlite]`` on a fresh file in
its temp folder, ``[postgresql]`` on the local server (127.0.0.1:5432, or ``HUNTER_TEST_PG_ADMIN_URL``: see
tests/pg_scratch.py). The SQLite file is a copy of one migrated per session (and xdist worker): migrating
from nothing per test was most of a test's time. PostgreSQL gets one migrated database per test module (and
worker), emptied before each test with its id sequences restarted: creating and dropping a database per test
costs about a second each (the drop waits for a checkpoint), emptying one costs milliseconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from live_server import serve_app
from pg_scratch import migrated_pg_database

BACKENDS = ["sqlite", "postgresql"]


@dataclass
class LiveApi:
    """A running API: its base URL, an httpx client, the settings, and the chunks it dispatched."""

    url: str
    client: httpx.Client
    settings: Settings
    dispatched: list[tuple[int, int]] = field(default_factory=list)


def start_api(settings: Settings, dispatched: list[tuple[int, int]], *, port: int | None = None) -> Iterator[LiveApi]:
    """Serve ``create_app(settings)`` on a free loopback port (or ``port``) until the generator is closed."""
    upgrade(settings.database())
    app = create_app(settings, dispatch=lambda job, chunk: dispatched.append((job, chunk)),
                     broker_probe=lambda: "ok")
    with serve_app(app, startup_timeout=10, port=port) as url, \
            httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield LiveApi(url, client, settings, dispatched)


def settings_for(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    """Settings for an embedded instance in ``data_dir`` on ``database_url`` (loopback, auth off unless
    overridden, no tenant discovery, DNS pointed at a closed port)."""
    return Settings(data_dir=data_dir, database_url=database_url, api_host="127.0.0.1", tenant_discovery=False,
                    dns_nameservers="127.0.0.1:9", _env_file=None, **overrides)  # type: ignore[call-arg, arg-type]


# --- databases -------------------------------------------------------------------------------------------


def empty_pg_database(url: str) -> None:
    """Delete every row (the schema and its migration record stay) and restart the id sequences.

    DELETE rather than TRUNCATE: on a few rows it is ten times cheaper (TRUNCATE writes new files for every
    table and index). ``session_replication_role = replica`` switches the foreign-key triggers off for this
    one transaction, so the tables can be emptied in any order (the test server's user is a superuser).
    """
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            # Fail fast, naming the cause, if a previous test left a transaction open on a table.
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            tables = conn.exec_driver_sql(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'").scalars().all()
            sequences = conn.exec_driver_sql(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = current_schema()"
            ).scalars().all()
            conn.exec_driver_sql("; ".join(["SET LOCAL session_replication_role = replica",
                                            *(f"DELETE FROM {t}" for t in tables),
                                            *(f"ALTER SEQUENCE {s} RESTART" for s in sequences)]))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this test module (and xdist worker), dropped afterwards; skips the
    test when the server is unreachable."""
    with migrated_pg_database("leadhunter_api") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema, to copy (the migration engine leaves no WAL behind)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hunter.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database for one test: a SQLite file in its temp folder (a copy of the session's
    template), or this module's PostgreSQL database emptied."""
    if request.param == "sqlite":
        target = tmp_path / "data" / "hunter.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_module_url")
    empty_pg_database(url)
    return url


# --- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def api_settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for an embedded instance in a temp folder on this test's database (loopback, auth off)."""
    return settings_for(tmp_path / "data", database_url)


@pytest.fixture
def api(api_settings: Settings) -> Iterator[LiveApi]:
    """A live API with auth off (loopback default)."""
    yield from start_api(api_settings, [])
