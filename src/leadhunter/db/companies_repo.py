"""Repository for companies, scans, changes, tags and raw leads. Takes a Session; never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, CompanyChange, MetricCounter, RawLead, Scan, Tag
from leadhunter.domain.changes import Change


def get_by_domains(session: Session, domains: Iterable[str]) -> dict[str, Company]:
    """Companies whose domain is in ``domains``, by domain (queried in batches of 500)."""
    wanted = list(dict.fromkeys(domains))
    found: dict[str, Company] = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        for company in session.scalars(select(Company).where(Company.domain.in_(batch))):
            found[company.domain] = company
    return found


def upsert_companies(session: Session, entries: Sequence[tuple[str, str, str | None]]) -> dict[str, Company]:
    """Ensure a company exists for each (domain, domain_unicode, name); a known company keeps its
    name unless it had none. Returns every company by domain, flushed (ids assigned)."""
    existing = get_by_domains(session, (d for d, _, _ in entries))
    for domain, shown, name in entries:
        company = existing.get(domain)
        if company is None:
            company = Company(domain=domain, domain_unicode=shown, name=name)
            session.add(company)
            existing[domain] = company
        elif name and not company.name:
            company.name = name
    session.flush()
    return existing


def add_raw_leads(session: Session, source: str, rows: Iterable[tuple[dict[str, Any], int | None]],
                  import_id: int | None = None) -> None:
    """Append one ``raw_leads`` row per (payload, company id)."""
    session.add_all(RawLead(source=source, payload=payload, company_id=company_id, import_id=import_id)
                    for payload, company_id in rows)


def apply_scan(session: Session, company: Company, report: dict[str, Any], job_id: int | None,
               scanned_at: datetime, changes: Sequence[Change], tags: set[str]) -> None:
    """Store a finished scan: the scan row, the company's current verdict, changes and auto tags."""
    session.add(Scan(company_id=company.id, job_id=job_id, scanned_at=scanned_at, status=report["status"],
                     report=report))
    if report["status"] != "failed":
        company.provider = report.get("provider")
        company.gateway = report.get("gateway")
        company.hosting_label = report.get("hosting_label")
        company.confidence = report.get("confidence")
        company.tenant_id = (report.get("tenant") or {}).get("tenant_id")
        company.dmarc_policy = (report.get("dmarc") or {}).get("policy")
        company.score = report.get("score")
        company.segment = report.get("segment")
        company.priority = report.get("priority")
        company.category = report.get("category")
        company.breakdown = report.get("breakdown")
        company.evidence = report.get("evidence")
        if not company.name:
            company.name = (report.get("tenant") or {}).get("brand")
    company.scan_status = report["status"]
    company.scanned_at = scanned_at
    for change in changes:
        session.add(CompanyChange(company_id=company.id, changed_at=scanned_at, kind=change.kind, old=change.old,
                                  new=change.new, detail=change.detail, alert=change.alert))
    replace_auto_tags(session, company.id, tags)


def replace_auto_tags(session: Session, company_id: int, tags: set[str]) -> None:
    """Make the company's automatic tags exactly ``tags``; manual tags are untouched."""
    current = {t.tag: t for t in session.scalars(select(Tag).where(Tag.company_id == company_id))}
    stale = [t.id for name, t in current.items() if t.auto and name not in tags]
    if stale:
        session.execute(delete(Tag).where(Tag.id.in_(stale)))
    for name in tags - set(current):
        session.add(Tag(company_id=company_id, tag=name, auto=True))


def latest_scans(session: Session, company_id: int, limit: int = 20) -> list[Scan]:
    """The most recent scans of a company, newest first."""
    stmt = select(Scan).where(Scan.company_id == company_id).order_by(Scan.scanned_at.desc(), Scan.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def changes_of(session: Session, company_id: int, limit: int = 100) -> list[CompanyChange]:
    """A company's change history, newest first."""
    stmt = select(CompanyChange).where(CompanyChange.company_id == company_id)
    return list(session.scalars(stmt.order_by(CompanyChange.changed_at.desc(), CompanyChange.id.desc()).limit(limit)))


def tags_of(session: Session, company_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tags by company id, sorted."""
    out: dict[int, list[str]] = {cid: [] for cid in company_ids}
    if company_ids:
        for tag in session.scalars(select(Tag).where(Tag.company_id.in_(company_ids)).order_by(Tag.tag)):
            out[tag.company_id].append(tag.tag)
    return out


def alerts(session: Session, limit: int = 100, include_acknowledged: bool = False) -> list[CompanyChange]:
    """Recent alert-worthy changes across all companies, newest first."""
    stmt = select(CompanyChange).where(CompanyChange.alert.is_(True))
    if not include_acknowledged:
        stmt = stmt.where(CompanyChange.acknowledged.is_(False))
    return list(session.scalars(stmt.order_by(CompanyChange.changed_at.desc(), CompanyChange.id.desc()).limit(limit)))


def add_counters(session: Session, name: str, counts: dict[str, int]) -> None:
    """Add ``counts`` to the ``name`` counters atomically (an UPDATE ... value + n, insert when new)."""
    for label, n in counts.items():
        if n <= 0:
            continue
        updated = session.execute(
            update(MetricCounter).where(MetricCounter.name == name, MetricCounter.label == label)
            .values(value=MetricCounter.value + n)
        )
        if getattr(updated, "rowcount", 0) == 0:
            try:
                with session.begin_nested():
                    session.add(MetricCounter(name=name, label=label, value=n))
            except IntegrityError:  # another worker inserted it first: add to theirs
                session.execute(update(MetricCounter).where(MetricCounter.name == name, MetricCounter.label == label)
                                .values(value=MetricCounter.value + n))
