"""A failed lookup is not a missing record: an inconclusive rescan keeps the last good verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, CompanyChange, Scan, Tag, utcnow
from leadhunter.runtime import session_factory
from leadhunter.services.scan_jobs import store_report

DOMAIN = "acme.com.tr"


def _factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'hunter.db'}"
    upgrade(url)
    return session_factory(url)


def _good() -> dict[str, Any]:
    return {"domain": DOMAIN, "status": "ok", "provider": "M365", "gateway": "Proofpoint", "hosting_label": None,
            "confidence": "high", "score": 80, "segment": "Existing", "priority": 4, "category": "P4",
            "dmarc": {"policy": "reject", "status": "valid"}, "spf": {"status": "valid"},
            "tenant": {"status": "found", "tenant_id": "0f0e0d0c-0000-4000-8000-000000000001"},
            "evidence": ["mx: acme-com-tr.mail.protection.outlook.com"], "breakdown": [], "lookups": []}


def _mx_timed_out() -> dict[str, Any]:
    return {"domain": DOMAIN, "status": "partial", "provider": "Unknown", "gateway": None, "hosting_label": None,
            "confidence": "low", "score": 0, "segment": "Skip", "priority": 7, "category": "P6",
            "dmarc": {"policy": None, "status": "error"}, "spf": {"status": "error"}, "tenant": {"status": "error"},
            "evidence": [], "breakdown": [], "lookups": [{"name": DOMAIN, "type": "MX", "outcome": "timeout"}]}


def _state(factory: sessionmaker[Session]) -> tuple[Company, set[str], int, list[str]]:
    with factory() as session:
        company = session.scalars(select(Company).where(Company.domain == DOMAIN)).one()
        session.expunge(company)
        tags = set(session.scalars(select(Tag.tag)))
        changes = list(session.scalars(select(CompanyChange.kind)))
        scans = len(session.scalars(select(Scan.id)).all())
    return company, tags, scans, changes


def _store(factory: sessionmaker[Session], report: dict[str, Any]) -> None:
    with factory.begin() as session:
        company = companies_repo.upsert_companies(session, [(DOMAIN, DOMAIN, "Acme")])[DOMAIN]
        store_report(session, company, report, None, utcnow())


def test_mx_timeout_on_rescan_keeps_verdict_tags_and_history(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _store(factory, _good())
    _, tags_before, _, _ = _state(factory)
    _store(factory, _mx_timed_out())
    after, tags_after, scans, changes = _state(factory)
    assert (after.provider, after.gateway, after.score, after.segment, after.dmarc_policy) == (
        "M365", "Proofpoint", 80, "Existing", "reject")
    assert after.scan_status == "partial"  # the attempt is visible, and kept as evidence
    assert scans == 2
    assert changes == []  # no "DMARC removed" or "segment moved" out of a timeout
    assert tags_after == tags_before == {"gateway", "entra-tenant"}


def test_failed_rescan_keeps_auto_tags(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _store(factory, _good())
    failed = {"domain": DOMAIN, "status": "failed", "message": "resolver unreachable", "hard_fail": "resolver",
              "score": 0, "breakdown": []}
    _store(factory, failed)
    company, tags, scans, changes = _state(factory)
    assert (company.provider, company.scan_status, scans, changes) == ("M365", "failed", 2, [])
    assert "no-mail" not in tags and tags == {"gateway", "entra-tenant"}


def test_first_scan_with_mx_timeout_is_stored_as_it_is(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _store(factory, _mx_timed_out())
    company, tags, _, _ = _state(factory)
    assert (company.provider, company.segment) == ("Unknown", "Skip")  # nothing better to keep
    assert "partial-scan" in tags


def _nxdomain() -> dict[str, Any]:
    reason = "The domain does not exist (NXDOMAIN): a typo in the list, or a lapsed registration"
    return {"domain": DOMAIN, "status": "failed", "reason": "nxdomain", "message": "the domain does not exist",
            "provider": "Unknown", "gateway": None, "hosting_label": None, "confidence": "high", "score": 0,
            "segment": "Skip", "priority": 7, "category": "P6", "hard_fail": reason,
            "dmarc": {"policy": None, "status": "missing"}, "spf": {"status": "missing"},
            "tenant": {"status": "skipped"}, "evidence": ["mx: the domain does not exist (NXDOMAIN)"],
            "breakdown": [{"kind": "rule", "key": "hard_fail", "points": None, "reason": reason}], "lookups": []}


def test_domain_gone_is_an_answer_the_verdict_follows(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _store(factory, _good())
    _store(factory, _nxdomain())
    company, tags, scans, changes = _state(factory)
    assert (company.scan_status, company.provider, company.score, company.segment, company.category) == (
        "failed", "Unknown", 0, "Skip", "P6")
    assert company.evidence == ["mx: the domain does not exist (NXDOMAIN)"]
    assert scans == 2 and "segment_changed" in changes and "provider_changed" not in changes
    assert tags == {"no-mail"}


def test_first_scan_of_a_domain_that_does_not_exist(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    _store(factory, _nxdomain())
    company, tags, _, _ = _state(factory)
    assert (company.scan_status, company.segment, company.category) == ("failed", "Skip", "P6")
    assert tags == {"no-mail"}
