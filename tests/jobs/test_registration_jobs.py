"""The registration tasks: their own queue, the switch, the sweep in the schedule, and the lookup task run
against the loopback RDAP and WHOIS servers with settings from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fakes.rdap_server import DomainRecord, RdapServer
from fakes.whois_server import WhoisServer
from leadhunter.config import Settings
from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.jobs.celery_app import app
from leadhunter.jobs.registration_tasks import REGISTRATION_QUEUE, registration_lookup
from leadhunter.jobs.schedule import beat_schedule
from leadhunter.runtime import session_factory


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, RdapServer, WhoisServer]]:
    url = f"sqlite:///{tmp_path / 'hunter.db'}"
    upgrade(url)
    with RdapServer() as rdap, WhoisServer() as whois:
        for name, value in {"HUNTER_DATABASE_URL": url, "HUNTER_DATA_DIR": str(tmp_path),
                            "HUNTER_RDAP_SERVERS": f"com={rdap.registry_url}",
                            "HUNTER_WHOIS_SERVERS": f"tr={whois.address}",
                            "HUNTER_REGISTRATION_CA_FILE": rdap.ca_file, "HUNTER_ALLOW_PRIVATE_TARGETS": "true",
                            "HUNTER_WHOIS_RATE": "100", "HUNTER_RDAP_RATE": "100"}.items():
            monkeypatch.setenv(name, value)
        yield url, rdap, whois


def _companies(url: str, *domains: str) -> list[int]:
    with session_factory(url).begin() as session:
        found = companies_repo.upsert_companies(session, [(d, d, None) for d in domains])
        for company in found.values():
            company.scanned_at = datetime.now(UTC)
        return [found[d].id for d in domains]


def test_lookup_task_stores_records(env: tuple[str, RdapServer, WhoisServer]) -> None:
    url, rdap, whois = env
    rdap.add(DomainRecord("contoso.com"))
    whois.add_tr("ornek.com.tr")
    ids = _companies(url, "contoso.com", "ornek.com.tr")
    assert registration_lookup.run(ids) == 2
    with session_factory(url)() as session:
        stored = {r.company_id: (r.outcome, r.source) for r in session.scalars(select(CompanyRegistration))}
    assert stored == {ids[0]: ("ok", "rdap"), ids[1]: ("ok", "whois")}
    assert registration_lookup.run(ids) == 0  # idempotent: fresh records are not asked again


def test_switched_off_nothing_is_asked(env: tuple[str, RdapServer, WhoisServer],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    url, rdap, _ = env
    monkeypatch.setenv("HUNTER_REGISTRATION", "false")
    assert registration_lookup.run(_companies(url, "contoso.com")) == 0
    assert rdap.requests == []


def test_own_queue_and_sweep_behind_the_switch(tmp_path: Path) -> None:
    assert app.conf.task_routes["hunter.registration_lookup"] == {"queue": REGISTRATION_QUEUE}
    on = beat_schedule(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    assert on["registration-sweep"]["task"] == "hunter.registration_sweep"
    off = beat_schedule(Settings(data_dir=tmp_path, registration=False, _env_file=None))  # type: ignore[call-arg]
    assert "registration-sweep" not in off
