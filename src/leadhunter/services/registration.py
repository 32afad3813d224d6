"""Use case: refresh the registration records of companies (RDAP / WHOIS), beside their DNS scans.

Lookups run in the registration stage (its own per-server limits) outside any transaction; the results
are stored in one transaction with what follows from them: registrar and nameserver changes in the
change history, the ``expire-soon`` and ``new-domain`` tags, and an ``expire_soon`` alert when a domain
enters its expiry window. Registration never touches the score or the DNS verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import alerts_repo, companies_repo, registration_repo
from leadhunter.db.models import Company, CompanyChange, ScanJobItem
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.domain.registration import (
    EXPIRE_SOON_DAYS,
    NEW_DOMAIN_DAYS,
    REGISTRATION_TAGS,
    RegistrationFacts,
    RegistrationOutcome,
    registration_changes,
    registration_tags,
)
from leadhunter.scanners.registration.stage import RegistrationStage

_SHORT = 64  # CompanyChange.old / new hold at most this many characters; the full text goes to detail


@dataclass(frozen=True)
class RegistrationPolicy:
    """When to ask again (``ttl``, default 7 days) and the tag windows in days (expire-soon 30, new-domain 180)."""

    ttl: timedelta = timedelta(days=7)
    expire_soon_days: int = EXPIRE_SOON_DAYS
    new_domain_days: int = NEW_DOMAIN_DAYS


def chunk_company_ids(session: Session, job_id: int, chunk: int) -> list[int]:
    """The companies of one scan-job chunk (what a finished chunk hands to the registration queue)."""
    stmt = select(ScanJobItem.company_id).where(ScanJobItem.job_id == job_id, ScanJobItem.chunk == chunk)
    return list(session.scalars(stmt.order_by(ScanJobItem.id)))


def due_for_refresh(session: Session, *, older_than: timedelta, now: datetime, limit: int = 10_000) -> list[int]:
    """Scanned companies with no registration record, or whose last check is older than ``older_than``."""
    stmt = (select(Company.id).outerjoin(CompanyRegistration, CompanyRegistration.company_id == Company.id)
            .where(Company.scanned_at.is_not(None),
                   or_(CompanyRegistration.company_id.is_(None), CompanyRegistration.checked_at < now - older_than))
            .order_by(CompanyRegistration.checked_at.asc().nulls_first(), Company.id).limit(limit))
    return list(session.scalars(stmt))


async def refresh_registrations(factory: sessionmaker[Session], stage: RegistrationStage, company_ids: Sequence[int],
                                *, policy: RegistrationPolicy | None = None, now: datetime | None = None) -> int:
    """Look up and store the registration of ``company_ids`` whose stored answer is older than the TTL.

    Returns how many were looked up. Safe to run twice: a second run finds the answers fresh.
    """
    policy = policy or RegistrationPolicy()
    now = now or datetime.now(UTC)
    with factory() as session:
        fresh = registration_repo.fresh_ids(session, company_ids, younger_than=policy.ttl, now=now)
        wanted = [cid for cid in dict.fromkeys(company_ids) if cid not in fresh]
        domains: dict[int, str] = {}
        if wanted:
            domains = {cid: domain for cid, domain in session.execute(
                select(Company.id, Company.domain).where(Company.id.in_(wanted)))}
    if not domains:
        return 0
    found: dict[str, RegistrationFacts] = {}
    async for answer in stage.stream(domains.values()):
        found[answer.domain] = answer
    checked_at = datetime.now(UTC)
    with factory.begin() as session:
        rows = registration_repo.for_companies(session, list(domains))
        tags = companies_repo.tags_of(session, list(domains))
        for company_id, domain in domains.items():
            facts = found.get(domain)
            if facts is not None:
                store_registration(session, company_id, domain, facts, rows.get(company_id), set(tags[company_id]),
                           checked_at, now, policy)
    return len(domains)


def store_registration(session: Session, company_id: int, domain: str, facts: RegistrationFacts,
                       existing: CompanyRegistration | None, tags_before: set[str], checked_at: datetime,
                       now: datetime, policy: RegistrationPolicy) -> None:
    """Store one lookup's result with its changes, tags and alert (``tags_before``: the company's tags)."""
    ok = RegistrationOutcome.OK
    old = registration_repo.facts_of(existing, domain) if existing is not None and existing.outcome == ok else None
    row = registration_repo.store(session, company_id, facts, checked_at, existing)
    current = registration_repo.facts_of(row, domain)
    recorded = [CompanyChange(
        company_id=company_id, changed_at=checked_at, kind=f"{change.kind}_changed", old=change.before[:_SHORT],
        new=change.after[:_SHORT], detail=f"{change.kind} changed from {change.before} to {change.after}",
        alert=False) for change in registration_changes(old, current)]
    tags = set(registration_tags(current, now, expire_soon_days=policy.expire_soon_days,
                                 new_domain_days=policy.new_domain_days))
    if "expire-soon" in tags and "expire-soon" not in tags_before and current.expires is not None:
        day = current.expires.date().isoformat()
        recorded.append(CompanyChange(company_id=company_id, changed_at=checked_at, kind="expire_soon", old=None,
                                      new=day, detail=f"the domain expires on {day}", alert=True))
    session.add_all(recorded)
    alerts_repo.enqueue_for_changes(session, recorded)  # the alert outbox, in the same transaction
    companies_repo.replace_auto_tags(session, company_id, tags, family=REGISTRATION_TAGS)
