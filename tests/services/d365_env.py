"""Shared set-up for the D365 push tests: a fake Entra and a fake Dataverse org over HTTPS (one CA), a migrated
database (a SQLite file per test, or this module's PostgreSQL database emptied per test), scanned companies,
and a real adapter client whose retry waits are short.

Import the fixtures into a test module with ``from services.d365_env import d365_fixture, db_url_fixture,
pg_module_url_fixture, sqlite_template_fixture  # noqa: F401`` (each registers the fixture named without
``_fixture``; a module may define its own ``db_url`` instead).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fakes.dataverse_server import DataverseServer
from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from leadhunter.config import Settings
from leadhunter.db.d365_models import D365LeadSync, D365PushAudit
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, utcnow
from leadhunter.integrations.common.http_policy import RetryPolicy
from leadhunter.integrations.common.send_gate import SendGate
from leadhunter.integrations.d365 import D365Config, DataverseClient
from leadhunter.runtime import session_factory
from leadhunter.services import d365_push
from leadhunter.services.d365_push import PushOptions, RunResult
from pg_scratch import migrated_pg_database

TENANT_ID = "5d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT_ID = "d365-app-0000-0000-0000-000000000001"
SECRET = "d365~secret"
FAST = PushOptions(backoff=0.05, max_backoff=0.2, lease=30.0, chunk_size=500)
"""Push options for tests: short backoffs (seconds), the production attempt limit (3)."""

__all__ = ["FAST", "FIXTURES", "D365Env", "d365_fixture", "db_url_fixture", "pg_module_url_fixture",
           "sqlite_template_fixture"]
FIXTURES = ("d365", "db_url", "pg_module_url", "sqlite_template")
"""The fixtures this module provides (the functions are named ``<name>_fixture``)."""


# ---- databases ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", name="sqlite_template")
def sqlite_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once per session (and xdist worker), to copy."""
    path = tmp_path_factory.mktemp("d365-template") / "hunter.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module", name="pg_module_url")
def pg_module_url_fixture() -> Iterator[str]:
    """A migrated PostgreSQL database for this module (and xdist worker), dropped afterwards; skips the test
    when the server is unreachable."""
    with migrated_pg_database("hunter_d365") as url:
        yield url


def _empty_pg(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            tables = conn.exec_driver_sql("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = "
                                          "current_schema() AND tablename <> 'alembic_version'").scalars().all()
            conn.exec_driver_sql("; ".join(["SET LOCAL session_replication_role = replica",
                                            *(f"DELETE FROM {t}" for t in tables)]))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"], name="db_url")
def db_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty migrated database: a copy of the SQLite template, or this module's PostgreSQL one emptied."""
    if request.param == "sqlite":
        target = tmp_path / "data" / "hunter.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_module_url")
    _empty_pg(url)
    return url


# ---- the environment ------------------------------------------------------------------------------------


@dataclass
class D365Env:
    """The fakes, the database, and helpers to seed leads, build clients and drain push jobs."""

    entra: EntraServer
    dataverse: DataverseServer
    certificate: tuple[str, str]
    url: str
    data_dir: Path
    clients: list[DataverseClient] = field(default_factory=list)

    @property
    def factory(self) -> sessionmaker[Session]:
        return session_factory(self.url)

    def client(self, server: DataverseServer | None = None, **overrides: Any) -> DataverseClient:
        """A real adapter client for ``server`` (default: the org with the alternate key); retry waits short."""
        server = server or self.dataverse
        values: dict[str, Any] = {"org_url": server.org_url, "tenant_id": TENANT_ID, "client_id": CLIENT_ID,
                                  "client_secret": SECRET, "authority_host": self.entra.base_url,
                                  "verify": self.certificate[0],
                                  "retry": RetryPolicy(base_delay=0.01, max_delay=0.05, max_total_delay=2.0)}
        values.update(overrides)
        client = DataverseClient(D365Config(**values), gate=SendGate(max_in_flight=values.get("max_in_flight", 8)))
        self.clients.append(client)
        return client

    def settings(self, **overrides: Any) -> Settings:
        """Settings of an instance wired to the fakes (push on unless overridden)."""
        values: dict[str, Any] = {
            "data_dir": self.data_dir, "database_url": self.url, "d365_enabled": True,
            "d365_org_url": self.dataverse.org_url, "d365_authority": self.entra.base_url,
            "d365_tenant_id": TENANT_ID, "d365_client_id": CLIENT_ID, "d365_client_secret": SECRET,
            "d365_ca_file": self.certificate[0], "d365_retry_backoff": 0.05, "tenant_discovery": False,
            "dns_nameservers": "127.0.0.1:9", "api_host": "127.0.0.1", "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)

    def seed(self, n: int, *, prefix: str = "lead", scanned: bool = True, start: int = 0) -> list[int]:
        """``n`` companies ``<prefix>-0000.com.tr`` …, scanned (score, segment, …) unless told otherwise."""
        now = utcnow()
        rows = [{"domain": f"{prefix}-{i:04d}.com.tr", "domain_unicode": f"{prefix}-{i:04d}.com.tr",
                 "name": f"{prefix.title()} {i}", "created_at": now, "updated_at": now}
                for i in range(start, start + n)]
        if scanned:
            for i, row in enumerate(rows):
                row.update(scan_status="ok", scanned_at=now, provider="M365" if i % 2 else "Google",
                           gateway="Proofpoint" if i % 5 == 0 else None, score=40 + i % 60, segment="Migration",
                           priority=1 + i % 7, category=f"P{1 + i % 6}",
                           breakdown=[{"kind": "provider", "key": "M365", "points": 50, "reason": "Mail provider"}])
        with self.factory.begin() as session:
            session.execute(insert(Company), rows)
            domains = [r["domain"] for r in rows]
            found = {d: int(i) for d, i in session.execute(select(Company.domain, Company.id)
                                                           .where(Company.domain.in_(domains)))}
        return [found[d] for d in domains]

    def queue(self, ids: list[int], *, options: PushOptions = FAST, kind: str = "push") -> d365_push.PushRequest:
        """Queue ``ids`` as one push job (what the API does before dispatching)."""
        with self.factory.begin() as session:
            return d365_push.request_push(session, ids, requested_by="test", kind=kind, options=options)

    def drain(self, client: DataverseClient, job_id: int, chunks: list[int], *, options: PushOptions = FAST,
              rounds: int = 10, sleep: Callable[[float], None] = time.sleep) -> list[RunResult]:
        """Run every chunk until none has pending leads, waiting out ``retry_in`` like the task's retry does."""
        results: list[RunResult] = []
        pending = list(chunks)
        for _ in range(rounds):
            if not pending:
                break
            waits = []
            again = []
            for chunk in pending:
                result = d365_push.push_chunk(self.factory, client, job_id, chunk, options=options)
                results.append(result)
                if result.retry_in is not None:
                    again.append(chunk)
                    waits.append(result.retry_in)
            pending = again
            if waits:
                sleep(min(max(waits), 1.0))
        return results

    def sync(self, company_id: int) -> D365LeadSync:
        with self.factory() as session:
            row = session.get(D365LeadSync, company_id)
            assert row is not None
            return row

    def statuses(self) -> dict[str, int]:
        with self.factory() as session:
            return {s: int(n) for s, n in session.execute(select(D365LeadSync.status, func.count())
                                                          .group_by(D365LeadSync.status))}

    def audit(self, company_id: int | None = None) -> list[D365PushAudit]:
        with self.factory() as session:
            stmt = select(D365PushAudit).order_by(D365PushAudit.id)
            if company_id is not None:
                stmt = stmt.where(D365PushAudit.company_id == company_id)
            return list(session.scalars(stmt))

    def leads_per_domain(self, server: DataverseServer | None = None) -> dict[str, int]:
        """How many D365 leads the fake holds per ``hnt_domain``."""
        counts: dict[str, int] = {}
        for lead in (server or self.dataverse).leads:
            domain = str(lead.get("hnt_domain"))
            counts[domain] = counts.get(domain, 0) + 1
        return counts


@pytest.fixture(name="d365")
def d365_fixture(db_url: str, tmp_path: Path) -> Iterator[D365Env]:
    """Fake Entra + fake Dataverse (alternate key on hnt_domain) over HTTPS, and a migrated database."""
    tls = tmp_path / "tls"
    tls.mkdir()
    certificate = write_self_signed_cert(str(tls))
    # Seed 2: its injected failures (``transient_rate``) start at the third request, about one in ten after.
    with EntraServer(certificate=certificate) as entra, DataverseServer(entra, certificate=certificate,
                                                                        seed=2) as dataverse:
        entra.add_tenant(TENANT_ID, ["hunter-sales.example"])
        entra.add_app(CLIENT_ID, SECRET)
        env = D365Env(entra, dataverse, certificate, db_url, tmp_path / "data")
        try:
            yield env
        finally:
            for client in env.clients:
                client.close()
