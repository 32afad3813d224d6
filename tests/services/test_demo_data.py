"""The demo data set on real databases: coverage of the rules, genuine verdicts, history, determinism."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, CompanyChange, MetricCounter, RawLead, Scan, Tag
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.domain.changes import detect_changes, verdict_of
from leadhunter.domain.provider_rules import PROVIDERS
from leadhunter.domain.scoring_rules import CATEGORIES, default_scoring_rules
from leadhunter.scanners.dns.resolver import Nameserver
from leadhunter.services import scan_jobs
from leadhunter.services.demo_data import BATCH, DEMO_MARKER, Catalogue, DemoSummary, generate_companies, seed_demo
from leadhunter.services.scanning import ScanOptions
from pg_scratch import scratch_pg_database

REGISTRATION_KINDS = {"expire_soon", "registrar_changed", "nameservers_changed"}

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
COUNT = 400  # more than the catalogue walk (every setup × strong/medium/weak, every story and fault)
CATALOGUE = Catalogue.from_toml(
    resources.files("leadhunter.domain").joinpath("data/providers.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module (and xdist worker), dropped afterwards; skips the test when
    the server is unreachable."""
    with scratch_pg_database("leadhunter_demo") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file, or this module's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hunter.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def _factory(url: str) -> sessionmaker[Session]:
    upgrade(url)
    return make_session_factory(make_engine(url))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    """A SQLite database seeded once through the service path (store_report), shared by the read-only tests."""
    factory = _factory(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'hunter.db'}")
    summary = seed_demo(factory, companies=COUNT, seed=11, now=NOW)
    assert summary.seeded and summary.companies == COUNT
    return factory


def _companies(factory: sessionmaker[Session]) -> list[Company]:
    with factory() as session:
        return list(session.scalars(select(Company)))


def test_every_provider_gateway_hosting_label_segment_and_category_appears(demo: sessionmaker[Session]) -> None:
    companies = _companies(demo)
    rules = default_scoring_rules()
    assert {c.provider for c in companies} >= set(PROVIDERS)
    assert {c.gateway for c in companies} - {None} == set(CATALOGUE.gateway)
    assert {c.hosting_label for c in companies} - {None} == set(CATALOGUE.hosting)
    assert {c.segment for c in companies} - {None} == {s.segment for s in rules.segments}
    assert {c.category for c in companies} - {None} == set(CATEGORIES)
    assert {c.confidence for c in companies} - {None} == {"high", "medium", "low"}
    assert {c.scan_status for c in companies} == {"ok", "partial", "failed"}
    assert {c.dmarc_policy for c in companies} == {None, "none", "quarantine", "reject"}


def test_verdicts_are_the_rules_own_outputs(demo: sessionmaker[Session]) -> None:
    rules = default_scoring_rules()
    checked = 0
    for company in _companies(demo):
        if company.score is None:
            continue
        items = company.breakdown or []
        if not any(i["kind"] == "rule" for i in items):  # hard fails carry the reason only
            raw = sum(i["points"] or 0 for i in items)
            assert company.score == max(rules.score_min, min(rules.score_max, raw)), company.domain
            segment = rules.segment_for(company.provider or "", company.score)
            assert segment is not None and company.segment == segment.segment
            category = rules.category_for(company.provider or "", company.score, company.segment)
            assert category is not None and company.category == category.category
            checked += 1
        assert company.evidence and company.evidence[0].startswith("mx: "), company.domain
    assert checked > COUNT // 2


def test_scan_reports_carry_the_scanners_evidence(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        reports = [s.report for s in session.scalars(select(Scan))]
    by_provider = {r["provider"]: r for r in reports if r["status"] == "ok" and not r["gateway"]}
    m365 = by_provider["M365"]
    assert m365["mx"][0]["host"].endswith(".mail.protection.outlook.com") or m365["mx"][0]["host"].endswith(
        ".mx.microsoft")
    assert m365["tenant"]["status"] == "found" and m365["autodiscover"] == ["autodiscover.outlook.com"]
    behind = [r for r in reports if r["gateway"] and r["provider"] == "M365"]
    assert behind and all(any("inferred as M365" in e for e in r["evidence"]) for r in behind)
    unknown_behind = [r for r in reports if r["gateway"] and r["provider"] == "Unknown"]
    assert unknown_behind and all(r["confidence"] == "low" for r in unknown_behind)
    partial = [r for r in reports if r["status"] == "partial"]
    assert {lk["outcome"] for r in partial for lk in r["lookups"]} >= {"timeout"}
    assert any(r["mx_status"] == "unknown" for r in partial)  # a failed MX lookup: provider not guessed
    failed = [r for r in reports if r["status"] == "failed"]
    assert failed and all(r["message"].startswith("scan failed:") for r in failed)
    assert {r["spf"]["status"] for r in reports if r["spf"]} == {"valid", "invalid", "missing", "unknown"}


def test_change_history_follows_from_the_scans(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        changes = list(session.scalars(select(CompanyChange)))
        scans: dict[int, list[Scan]] = {}
        for scan in session.scalars(select(Scan).order_by(Scan.scanned_at)):
            scans.setdefault(scan.company_id, []).append(scan)
    kinds = Counter(c.kind for c in changes)
    assert set(kinds) >= {"provider_changed", "gateway_changed", "dmarc_added", "dmarc_tightened", "dmarc_removed",
                          "segment_changed"}
    assert any(c.alert for c in changes) and any(not c.alert for c in changes)
    for change in changes:  # each recorded change is what detect_changes says between two stored scans
        if change.kind in REGISTRATION_KINDS:
            continue  # from the registration record, not the scans (see test_demo_registration_facts)
        history = [s for s in scans[change.company_id] if s.status != "failed"]
        pairs = itertools.pairwise(history)
        expected = {(c.kind, c.old, c.new) for a, b in pairs for c in detect_changes(verdict_of(a.report),
                                                                                      verdict_of(b.report))}
        assert (change.kind, change.old, change.new) in expected
    assert sum(1 for s in scans.values() if len(s) > 1) >= len(kinds)


def test_demo_registration_facts(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        records = list(session.scalars(select(CompanyRegistration)))
        alerts = list(session.scalars(select(CompanyChange).where(CompanyChange.kind == "expire_soon")))
        tags = Counter(t.tag for t in session.scalars(select(Tag).where(Tag.auto.is_(True))))
        companies = session.scalar(select(func.count()).select_from(Company))
    assert len(records) == companies
    assert {r.outcome for r in records} == {"ok", "unknown"} and {r.source for r in records} == {"rdap", "whois"}
    assert all(r.source == "whois" for r in records if r.company_id and r.server and "trabis" in r.server)
    assert alerts and all(a.alert for a in alerts) and tags["expire-soon"] == len(alerts) and tags["new-domain"]
    assert any(r.withheld for r in records) and any(r.registrant_organization for r in records)


def test_tags_names_and_idn_domains_look_real(demo: sessionmaker[Session]) -> None:
    companies = _companies(demo)
    with demo() as session:
        tags = list(session.scalars(select(Tag)))
        raw = list(session.scalars(select(RawLead)))
    assert {t.tag for t in tags if t.auto} >= {"gateway", "hosting", "turkish-hosting", "no-dmarc", "spf-missing",
                                              "spf-invalid", "entra-tenant", "partial-scan", "no-mail"}
    assert {t.tag for t in tags if not t.auto} >= {"hot", "do-not-call"}
    idn = [c for c in companies if c.domain.startswith("xn--")]
    assert idn and all(c.domain_unicode != c.domain and not c.domain_unicode.isascii() for c in idn)
    assert any(c.domain.endswith(".com.tr") for c in companies) and any(c.domain.endswith(".co.uk") for c in companies)
    names = [c.name for c in companies if c.name]
    assert any("A.Ş." in n for n in names) and any(n.endswith(("Ltd", "Inc.", "LLC")) for n in names)
    assert len({c.domain for c in companies}) == COUNT
    assert len(raw) == COUNT and {r.source for r in raw} == {"demo"}
    assert all(c.created_at <= (c.scanned_at or NOW) for c in companies)


def test_generation_is_deterministic_for_a_seed() -> None:
    first = list(generate_companies(150, seed=5, now=NOW))
    assert first == list(generate_companies(150, seed=5, now=NOW))
    other = list(generate_companies(150, seed=6, now=NOW))
    assert [c.domain for c in first] != [c.domain for c in other]


def test_seeding_twice_changes_nothing(demo: sessionmaker[Session]) -> None:
    before = _snapshot(demo)
    summary = seed_demo(demo, companies=50, seed=99, now=NOW)
    assert (summary.seeded, summary.companies) == (False, COUNT)
    assert _snapshot(demo) == before


def _snapshot(factory: sessionmaker[Session]) -> dict[str, Any]:
    """Everything the demo stores, keyed by domain (database ids and update times left out)."""
    columns = [c.key for c in Company.__table__.columns if c.key not in ("id", "updated_at")]
    out: dict[str, Any] = {}
    with factory() as session:
        domains = {c.id: c.domain for c in session.scalars(select(Company))}
        for company in session.scalars(select(Company)):
            out[company.domain] = {"columns": {k: getattr(company, k) for k in columns},
                                   "scans": [], "changes": [], "tags": [], "raw": []}
        for scan in session.scalars(select(Scan).order_by(Scan.scanned_at, Scan.id)):
            out[domains[scan.company_id]]["scans"].append((scan.scanned_at, scan.status, scan.report, scan.job_id))
        for ch in session.scalars(select(CompanyChange).order_by(CompanyChange.changed_at, CompanyChange.id)):
            out[domains[ch.company_id]]["changes"].append((ch.changed_at, ch.kind, ch.old, ch.new, ch.detail, ch.alert))
        for tag in session.scalars(select(Tag).order_by(Tag.tag)):
            out[domains[tag.company_id]]["tags"].append((tag.tag, tag.auto))
        for lead in session.scalars(select(RawLead)):
            out[domains[lead.company_id or 0]]["raw"].append((lead.source, lead.payload))
    return out


def _clear(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        for model in (RawLead, Tag, CompanyChange, Scan, Company, MetricCounter):
            session.execute(delete(model))


def test_bulk_path_stores_exactly_what_the_service_path_stores(db_url: str) -> None:
    factory = _factory(db_url)
    _clear(factory)  # the PostgreSQL database is shared by the module
    assert seed_demo(factory, companies=260, seed=3, now=NOW).seeded
    by_service = _snapshot(factory)
    _clear(factory)
    assert seed_demo(factory, companies=260, seed=3, now=NOW, bulk=True).seeded
    by_bulk = _snapshot(factory)
    assert by_bulk.keys() == by_service.keys() and len(by_bulk) == 260
    for domain, stored in by_service.items():
        assert by_bulk[domain] == stored, domain


def test_an_interrupted_seeding_is_finished_by_the_next(db_url: str) -> None:
    """Batches are committed as they go: a seeding stopped after some of them (no marker yet) is carried on by
    the next run, which stores exactly what one uninterrupted run stores; a finished one is left alone."""
    factory = _factory(db_url)
    _clear(factory)
    assert seed_demo(factory, companies=450, seed=5, now=NOW).seeded
    whole = _snapshot(factory)
    with factory.begin() as session:  # as if stopped after the first two batches
        kept = list(session.scalars(select(Company.id).order_by(Company.id).limit(2 * BATCH)))
        for model in (RawLead, Tag, CompanyChange, Scan):
            session.execute(delete(model).where(model.company_id.not_in(kept)))
        session.execute(delete(Company).where(Company.id.not_in(kept)))
        session.execute(delete(MetricCounter).where(MetricCounter.name == DEMO_MARKER))
    summary = seed_demo(factory, companies=450, seed=5, now=NOW)
    assert (summary.seeded, summary.companies) == (True, 450)
    assert _snapshot(factory) == whole
    assert seed_demo(factory, companies=450, seed=5, now=NOW).seeded is False


def test_a_database_with_real_leads_is_never_seeded(db_url: str) -> None:
    factory = _factory(db_url)
    _clear(factory)
    with factory.begin() as session:
        session.add(Company(domain="real.com.tr", domain_unicode="real.com.tr"))
    assert seed_demo(factory, companies=20, seed=5, now=NOW) == DemoSummary(False, 1)


def _unused_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_rescan_without_dns_is_stored_as_partial_and_keeps_the_history(tmp_path: Path) -> None:
    factory = _factory(f"sqlite:///{tmp_path / 'hunter.db'}")
    seed_demo(factory, companies=30, seed=1, now=NOW)
    with factory.begin() as session:
        ids = list(session.scalars(select(Company.id).where(Company.provider == "M365").limit(3)))
        job, chunks = scan_jobs.create_scan_job(session, ids, "rescan")
        job_id = job.id
    # What `hunter demo` does offline: a nameserver nobody answers at, one short try, no tenant discovery.
    options = ScanOptions(nameservers=[Nameserver("127.0.0.1", _unused_udp_port())], dns_timeout=0.2, dns_retries=0,
                          tenant_discovery=False)
    for chunk in chunks:
        assert asyncio.run(scan_jobs.scan_chunk(factory, options, job_id, chunk)) == len(ids)
    with factory() as session:
        state = scan_jobs.progress(session, job_id)
        assert (state.status, state.partial, state.failed) == ("done", len(ids), 0)
        for cid in ids:
            company = session.get(Company, cid)
            assert company is not None and company.scan_status == "partial"
            history = list(session.scalars(select(Scan).where(Scan.company_id == cid).order_by(Scan.scanned_at)))
            assert history[-2].report["provider"] == "M365" and history[-1].report["mx_status"] == "unknown"
            # Lookup failed is not "record missing": the rescan raises no provider_changed alert to Unknown.
            kinds = set(session.scalars(select(CompanyChange.kind).where(
                CompanyChange.company_id == cid, CompanyChange.changed_at == history[-1].scanned_at)))
            assert "provider_changed" not in kinds


def test_every_footprint_signal_play_and_state_appears(demo: sessionmaker[Session]) -> None:
    from leadhunter.domain.footprint_rules import default_footprint_rules
    from leadhunter.domain.whitespace_rules import PLAY_KEYS, ROW_KEYS

    rules = default_footprint_rules()
    values: dict[str, set[object]] = {}
    states: dict[str, set[str]] = {}
    rows: dict[str, set[str]] = {}
    plays: set[str] = set()
    saas: set[str] = set()
    for company in _companies(demo):
        if not company.footprint:
            continue
        for key, signal in company.footprint["footprint"].items():
            states.setdefault(key, set()).add(signal["state"])
            values.setdefault(key, set()).add(signal["value"])
            saas.update(signal.get("tags") or ())
        for row in company.footprint["whitespace"]["rows"]:
            rows.setdefault(row["key"], set()).add(row["state"])
            if row["play"]:
                plays.add(row["play"]["key"])
    assert plays == set(PLAY_KEYS)
    assert all(states[key] == {"present", "absent", "unknown"} for key in ("intune", "entra_registration", "teams"))
    assert all("present" in states[key] for key in states)
    assert {r.name for r in rules.dns_hosts} <= values["dns_host"]
    assert {r.name for r in rules.web_hosts} <= values["web_host"]
    assert {r.name for r in rules.idps} | {"Other IdP"} <= values["federation"]
    assert {r.tag for r in rules.saas} == saas
    assert {"Exchange Online", "Own host"} <= values["exchange_autodiscover"]
    assert all(rows[key] >= {"in_use", "not_seen"} for key in ROW_KEYS)
    with demo() as session:
        tags = set(session.scalars(select(Tag.tag).distinct()))
        countries = set(session.scalars(select(Company.mail_country).distinct()))
    assert {f"play:{key}" for key in PLAY_KEYS} <= tags and {"intune", "teams", "web-aws", "adfs", "okta"} <= tags
    assert {"TR", "IE", "US"} <= countries
