"""Registration records stored beside the scan: source and fetch time, tags, the expire_soon alert, registrar and
nameserver changes; unknown answers never erase what is known; the score is never touched. SQLite and
PostgreSQL, against the loopback RDAP and WHOIS servers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fakes.rdap_server import DomainRecord, RdapServer
from fakes.whois_server import WhoisServer
from leadhunter.db import companies_repo
from leadhunter.db.models import Company, CompanyChange, Tag
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.runtime import session_factory
from leadhunter.scanners.registration.bootstrap import ServerDirectory, parse_rdap_overrides, parse_whois_overrides
from leadhunter.scanners.registration.cache import MemoryCache
from leadhunter.scanners.registration.ratelimit import Limit
from leadhunter.scanners.registration.stage import RegistrationOptions, RegistrationStage
from leadhunter.services.registration import due_for_refresh, refresh_registrations

NOW = datetime.now(UTC)
FAST = Limit(1000.0, 50)


def _day(days: int) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def registries() -> Iterator[tuple[RdapServer, WhoisServer]]:
    with RdapServer() as rdap, WhoisServer() as whois:
        yield rdap, whois


def _companies(factory: sessionmaker[Session], *domains: str) -> dict[str, int]:
    with factory.begin() as session:
        found = companies_repo.upsert_companies(session, [(d, d, None) for d in domains])
        for company in found.values():
            company.scanned_at, company.score, company.segment = NOW, 42, "Migration"
        companies_repo.replace_auto_tags(session, found[domains[0]].id, {"no-dmarc"})
        return {d: c.id for d, c in found.items()}


def _refresh(factory: sessionmaker[Session], registries: tuple[RdapServer, WhoisServer], ids: Sequence[int]) -> int:
    rdap, whois = registries
    directory = ServerDirectory({}, rdap_overrides=parse_rdap_overrides(f"com={rdap.registry_url}"),
                                whois_overrides=parse_whois_overrides(f"tr={whois.address}"))
    options = RegistrationOptions(verify=rdap.ca_file, allow_private=True, rdap_limit=FAST, whois_limit=FAST,
                                  whois_timeout=1.0, rdap_timeout=1.0)

    async def run() -> int:
        async with RegistrationStage(directory, options=options, cache=MemoryCache()) as stage:
            return await refresh_registrations(factory, stage, ids)
    return asyncio.run(run())


def _tags(factory: sessionmaker[Session], company_id: int) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(Tag.tag).where(Tag.company_id == company_id)))


def _changes(factory: sessionmaker[Session], company_id: int) -> list[tuple[str, bool]]:
    with factory() as session:
        rows = session.scalars(select(CompanyChange).where(CompanyChange.company_id == company_id)
                               .order_by(CompanyChange.id))
        return [(c.kind, c.alert) for c in rows]


def _record(factory: sessionmaker[Session], company_id: int) -> CompanyRegistration:
    with factory() as session:
        row = session.get(CompanyRegistration, company_id)
        assert row is not None
        session.expunge(row)
        return row


def test_records_tags_alert_and_changes(db_url: str, registries: tuple[RdapServer, WhoisServer]) -> None:
    rdap, whois = registries
    factory = session_factory(db_url)
    rdap.add(DomainRecord("lapsing.com", expires=_day(12), created=_day(-4000), registrar="Old Registrar"))
    rdap.add(DomainRecord("fresh.com", created=_day(-20), expires=_day(345)))
    whois.add_tr("ornek.com.tr", created="2005-Mar-24.", expires="2030-Mar-23.")
    ids = _companies(factory, "lapsing.com", "fresh.com", "ornek.com.tr", "nobody.com")

    assert _refresh(factory, registries, list(ids.values())) == 4
    lapsing = _record(factory, ids["lapsing.com"])
    assert (lapsing.outcome, lapsing.source, lapsing.registrar) == ("ok", "rdap", "Old Registrar")
    assert lapsing.server == rdap.registry_url and lapsing.fetched_at is not None and lapsing.checked_at is not None
    assert _record(factory, ids["ornek.com.tr"]).source == "whois"
    assert _record(factory, ids["nobody.com"]).outcome == "not_found"
    assert _tags(factory, ids["lapsing.com"]) == {"expire-soon", "no-dmarc"}
    assert _tags(factory, ids["fresh.com"]) == {"new-domain"}
    assert _tags(factory, ids["ornek.com.tr"]) == set()
    assert _changes(factory, ids["lapsing.com"]) == [("expire_soon", True)]

    # Fresh answers are not asked again (the database is the durable cache)...
    asked = len(rdap.requests)
    assert _refresh(factory, registries, list(ids.values())) == 0 and len(rdap.requests) == asked
    # ...a DNS rescan replacing its own auto tags keeps the registration tags...
    with factory.begin() as session:
        companies_repo.replace_auto_tags(session, ids["lapsing.com"], {"gateway"})
    assert _tags(factory, ids["lapsing.com"]) == {"expire-soon", "gateway"}
    # ...and the score is never touched.
    with factory() as session:
        assert {c.score for c in session.scalars(select(Company))} == {42}


def test_changes_and_unknown_keeps_what_is_known(db_url: str, registries: tuple[RdapServer, WhoisServer]) -> None:
    rdap, _ = registries
    factory = session_factory(db_url)
    rdap.add(DomainRecord("moving.com", registrar="Old Registrar", nameservers=["ns1.old.net"], expires=_day(300)))
    ids = _companies(factory, "moving.com")
    _refresh(factory, registries, [ids["moving.com"]])
    # A week later the registrar and nameservers changed.
    with factory.begin() as session:
        row = session.get(CompanyRegistration, ids["moving.com"])
        assert row is not None
        row.fetched_at = row.checked_at = NOW - timedelta(days=8)
    rdap.add(DomainRecord("moving.com", registrar="New Registrar", nameservers=["ns1.new.net"], expires=_day(300)))
    _refresh(factory, registries, [ids["moving.com"]])
    assert _changes(factory, ids["moving.com"]) == [("registrar_changed", False), ("nameservers_changed", False)]
    assert _record(factory, ids["moving.com"]).registrar == "New Registrar"

    # The registry times out next time: the stored record stays, the attempt and its reason are noted.
    with factory.begin() as session:
        row = session.get(CompanyRegistration, ids["moving.com"])
        assert row is not None
        row.fetched_at = row.checked_at = NOW - timedelta(days=8)
    rdap.fault("moving.com", "500", times=None)
    _refresh(factory, registries, [ids["moving.com"]])
    kept = _record(factory, ids["moving.com"])
    assert (kept.outcome, kept.registrar) == ("ok", "New Registrar")
    assert "HTTP 500" in (kept.last_error or "") and kept.checked_at > NOW - timedelta(minutes=5)
    assert len(_changes(factory, ids["moving.com"])) == 2


def test_due_for_refresh_lists_missing_and_stale(db_url: str, registries: tuple[RdapServer, WhoisServer]) -> None:
    rdap, _ = registries
    factory = session_factory(db_url)
    rdap.add(DomainRecord("known.com"))
    ids = _companies(factory, "known.com", "new.com")
    _refresh(factory, registries, [ids["known.com"]])
    with factory() as session:
        assert due_for_refresh(session, older_than=timedelta(days=7), now=NOW) == [ids["new.com"]]
        later = NOW + timedelta(days=8)
        assert set(due_for_refresh(session, older_than=timedelta(days=7), now=later)) == set(ids.values())
