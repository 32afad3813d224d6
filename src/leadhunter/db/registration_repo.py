"""Repository for registration records (``company_registrations``). Takes a Session; never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from leadhunter.db.models import Company
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.domain.registration import (
    RegistrationFacts,
    RegistrationOutcome,
    RegistrationSource,
    Withheld,
)


def for_companies(session: Session, company_ids: Sequence[int]) -> dict[int, CompanyRegistration]:
    """The stored records of ``company_ids`` (companies without one are absent)."""
    out: dict[int, CompanyRegistration] = {}
    for start in range(0, len(company_ids), 500):
        stmt = select(CompanyRegistration).where(CompanyRegistration.company_id.in_(company_ids[start:start + 500]))
        out.update({row.company_id: row for row in session.scalars(stmt)})
    return out


def facts_of(row: CompanyRegistration, domain: str) -> RegistrationFacts:
    """The stored record as domain facts."""
    return RegistrationFacts(
        domain=domain, outcome=RegistrationOutcome(row.outcome),
        source=RegistrationSource(row.source) if row.source else None, server=row.server,
        fetched_at=row.fetched_at, registrar=row.registrar, created=row.registered_at, expires=row.expires_at,
        last_changed=row.last_changed_at, statuses=tuple(row.statuses or ()), nameservers=tuple(row.nameservers or ()),
        registrant_organization=row.registrant_organization,
        withheld=tuple(Withheld(str(k), str(v)) for k, v in (row.withheld or {}).items()), reason=row.reason,
    )


def store(session: Session, company_id: int, facts: RegistrationFacts, checked_at: datetime,
          existing: CompanyRegistration | None) -> CompanyRegistration:
    """Store a lookup's result. An ``unknown`` outcome over a stored registry answer only notes the attempt
    (``checked_at``, ``last_error``): what is known is never replaced by "could not ask"."""
    if existing is not None and facts.outcome is RegistrationOutcome.UNKNOWN \
            and existing.outcome != RegistrationOutcome.UNKNOWN:
        existing.checked_at, existing.last_error = checked_at, facts.reason
        return existing
    row = existing or CompanyRegistration(company_id=company_id)
    row.outcome = facts.outcome.value
    row.source = facts.source.value if facts.source else None
    row.server = facts.server[:300] if facts.server else None
    row.fetched_at = facts.fetched_at if facts.outcome is not RegistrationOutcome.UNKNOWN else None
    row.checked_at = checked_at
    row.registrar = facts.registrar[:300] if facts.registrar else None
    row.registered_at, row.expires_at, row.last_changed_at = facts.created, facts.expires, facts.last_changed
    row.statuses, row.nameservers = list(facts.statuses), list(facts.nameservers)
    org = facts.registrant_organization
    row.registrant_organization = org[:300] if org else None
    row.withheld = {w.field: w.reason for w in facts.withheld}
    row.reason = facts.reason
    row.last_error = facts.reason if facts.outcome is RegistrationOutcome.UNKNOWN else None
    if existing is None:
        session.add(row)
    return row


def fresh_ids(session: Session, company_ids: Iterable[int], *, younger_than: timedelta,
              now: datetime) -> set[int]:
    """Companies whose stored registry answer is younger than ``younger_than`` (no need to ask again)."""
    ids = list(company_ids)
    fresh: set[int] = set()
    for start in range(0, len(ids), 500):
        stmt = select(CompanyRegistration.company_id).where(
            CompanyRegistration.company_id.in_(ids[start:start + 500]),
            CompanyRegistration.fetched_at.is_not(None),
            CompanyRegistration.fetched_at >= now - younger_than,
        )
        fresh.update(session.scalars(stmt))
    return fresh


def expires_within_condition(days: int, now: datetime) -> ColumnElement[bool]:
    """Companies whose domain expires between ``now`` and ``days`` days later (for the lead filter)."""
    return Company.id.in_(select(CompanyRegistration.company_id).where(
        CompanyRegistration.expires_at >= now, CompanyRegistration.expires_at <= now + timedelta(days=days)))


def registered_after_condition(when: datetime) -> ColumnElement[bool]:
    """Companies whose domain was registered on or after ``when`` (for the lead filter)."""
    return Company.id.in_(select(CompanyRegistration.company_id).where(CompanyRegistration.registered_at >= when))
