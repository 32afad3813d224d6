"""Repository for Partner Center referrals: upsert by referral id, lists, links, the signals the scorer
receives, and which companies a new referral should get scanned. Takes a Session; never commits.

Sync-run bookkeeping (the lease that keeps runs from overlapping) is in :mod:`referral_runs_repo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Table, and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, ScanJob, ScanJobItem
from leadhunter.db.referral_models import LINKED, UNLINKED, PartnerCenterReferral
from leadhunter.domain.assessment import ReferralSignals

COSELL = "co-sell"
LEAD_TYPE_ORDER = (COSELL, "marketplace", "solution-provider")
"""Lead types, strongest first: a lead with several referrals shows the first of these it has."""

MAX_LIMIT = 500
REFERRALS: Table = PartnerCenterReferral.metadata.tables[PartnerCenterReferral.__tablename__]
LIKE_ESCAPE = "/"
_BATCH = 500  # ids per IN (...) query

Change = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral's column values as the sync stores them (the service maps the client's record to this).

    ``company_id`` is the company the referral's domain resolved to (None = unlinked, ``link_reason``
    says why). ``deal_value`` is in ``currency``. ``payload_hash`` fingerprints ``raw`` (the full
    vendor payload): an unchanged hash means nothing new arrived.
    """

    referral_id: str
    engagement_id: str | None
    name: str | None
    type: str | None
    qualification: str | None
    direction: str | None
    status: str | None
    substatus: str | None
    customer_name: str | None
    country: str | None
    domain: str | None
    domain_reason: str
    contacts: list[Any]
    team: list[Any]
    deal_value: Decimal | None
    currency: str | None
    tenant_id: str | None
    lead_type: str
    lead_type_reason: str
    company_id: int | None
    link_reason: str
    payload_hash: str
    raw: dict[str, Any]
    pc_created_at: datetime | None
    pc_updated_at: datetime | None
    customer_size: str | None = None  # Partner Center customerProfile.size, e.g. "51to250employees"


_COPIED = tuple(f.name for f in fields(ReferralRow) if f.name not in ("company_id", "link_reason"))


@dataclass(frozen=True)
class ReferralFilter:
    """Which referrals a list shows; empty fields do not filter. ``search`` is a case-insensitive
    substring of the customer name, domain, deal name or referral id (``%``/``_`` literal)."""

    lead_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    link_status: str | None = None
    search: str | None = None
    company_id: int | None = None  # only referrals linked to this company (the lead modal's list)


def get(session: Session, referral_id: str) -> PartnerCenterReferral | None:
    """The referral with this Partner Center id."""
    return session.scalar(select(PartnerCenterReferral).where(PartnerCenterReferral.referral_id == referral_id))


def by_referral_ids(session: Session, referral_ids: Iterable[str]) -> dict[str, PartnerCenterReferral]:
    """Stored referrals among ``referral_ids``, by referral id."""
    wanted = list(dict.fromkeys(referral_ids))
    found: dict[str, PartnerCenterReferral] = {}
    for start in range(0, len(wanted), _BATCH):
        stmt = select(PartnerCenterReferral).where(PartnerCenterReferral.referral_id.in_(wanted[start:start + _BATCH]))
        found.update((r.referral_id, r) for r in session.scalars(stmt))
    return found


@dataclass(frozen=True, slots=True)
class Upserted:
    """One referral after :func:`upsert`: what happened to it, the company it points at, its payload, and the
    company it pointed at before when an update moved it (else None)."""

    referral_id: str
    change: Change
    company_id: int | None
    raw: dict[str, Any]
    previous_company_id: int | None = None


def upsert(session: Session, rows: Sequence[ReferralRow], now: datetime) -> list[Upserted]:
    """Insert or update one row per referral id (the last of duplicates in ``rows`` wins), flushed.

    ``synced_at`` becomes ``now`` for every referral seen. An unchanged payload changes nothing else.
    A changed one updates every vendor field; its link follows the new domain unless the referral was
    linked by hand (``linked_by`` not ``"sync"``) or the new payload no longer yields a domain (a link,
    once made, is not dropped by a sparser payload).
    """
    latest = {row.referral_id: row for row in rows}
    existing = by_referral_ids(session, latest)
    out: list[Upserted] = []
    new: list[dict[str, Any]] = []
    for referral_id, row in latest.items():
        stored = existing.get(referral_id)
        if stored is None:
            linked = row.company_id is not None
            new.append({**{name: getattr(row, name) for name in _COPIED}, "company_id": row.company_id,
                        "link_status": LINKED if linked else UNLINKED, "link_reason": row.link_reason,
                        "linked_at": now if linked else None, "linked_by": "sync" if linked else None,
                        "first_seen_at": now, "synced_at": now, "updated_at": now})
            out.append(Upserted(referral_id, "new", row.company_id, row.raw))
            continue
        stored.synced_at = now
        if stored.payload_hash == row.payload_hash:
            out.append(Upserted(referral_id, "unchanged", stored.company_id, stored.raw))
            continue
        for name in _COPIED:
            setattr(stored, name, getattr(row, name))
        stored.updated_at = now
        before = stored.company_id
        if stored.linked_by in (None, "sync") and (row.company_id is not None or stored.company_id is None):
            _set_link(stored, row, now)
        moved = before if before is not None and before != stored.company_id else None
        out.append(Upserted(referral_id, "updated", stored.company_id, stored.raw, moved))
    if new:
        # A Core executemany, not ORM objects: nothing reads the new rows back, and on PostgreSQL it runs
        # pipelined, where a multi-row VALUES statement would cost psycopg a regex pass over its whole text.
        session.execute(insert(REFERRALS), new)
    session.flush()
    return out


def _set_link(stored: PartnerCenterReferral, row: ReferralRow, now: datetime) -> None:
    if row.company_id is None:
        stored.company_id, stored.link_status, stored.linked_at, stored.linked_by = None, UNLINKED, None, None
    elif stored.company_id != row.company_id:
        stored.company_id, stored.link_status, stored.linked_at, stored.linked_by = row.company_id, LINKED, now, "sync"
    stored.link_reason = row.link_reason


def link(referral: PartnerCenterReferral, company: Company, now: datetime, *, by: str, reason: str) -> None:
    """Point ``referral`` at ``company`` by hand (a later sync keeps this link)."""
    referral.company_id, referral.link_status, referral.linked_at = company.id, LINKED, now
    referral.linked_by, referral.link_reason = by[:64], reason


def list_referrals(session: Session, flt: ReferralFilter, *, offset: int = 0,
                   limit: int = 50) -> tuple[list[PartnerCenterReferral], int]:
    """A page of referrals, newest Partner Center update first (id breaks ties), and the total matching.
    Raises :class:`ValueError` for an out-of-range page (``limit`` 1..:data:`MAX_LIMIT`)."""
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit 1..{MAX_LIMIT}, got offset={offset} limit={limit}")
    conditions = _conditions(flt, session.get_bind().dialect.name)
    r = PartnerCenterReferral
    stmt = (select(r).where(*conditions)
            .order_by(r.pc_updated_at.is_(None), r.pc_updated_at.desc(), r.id.desc()).offset(offset).limit(limit))
    rows = list(session.scalars(stmt))
    if len(rows) < limit and (rows or offset == 0):
        return rows, offset + len(rows)
    return rows, session.scalar(select(func.count()).select_from(r).where(*conditions)) or 0


def _conditions(flt: ReferralFilter, dialect: str) -> list[ColumnElement[bool]]:
    r = PartnerCenterReferral
    out: list[ColumnElement[bool]] = []
    if flt.lead_types:
        out.append(r.lead_type.in_(flt.lead_types))
    if flt.statuses:
        out.append(r.status.in_(flt.statuses))
    if flt.link_status:
        out.append(r.link_status == flt.link_status)
    if flt.company_id is not None:
        out.append(r.company_id == flt.company_id)
    needle = (flt.search or "").strip()
    if needle:
        for char in (LIKE_ESCAPE, "%", "_"):
            needle = needle.replace(char, LIKE_ESCAPE + char)
        pattern = f"%{needle}%"
        columns = (r.customer_name, r.domain, r.name, r.referral_id)
        if dialect == "sqlite":  # SQLite's LIKE already ignores ASCII case
            out.append(or_(*(c.like(pattern, escape=LIKE_ESCAPE) for c in columns)))
        else:
            out.append(or_(*(func.lower(c).like(func.lower(pattern), escape=LIKE_ESCAPE) for c in columns)))
    return out


@dataclass(frozen=True, slots=True)
class LeadReferrals:
    """What the lead list shows about a company's referrals: the strongest ``lead_type``, ``count``."""

    lead_type: str | None
    count: int


def summary_for_companies(session: Session, company_ids: Sequence[int]) -> dict[int, LeadReferrals]:
    """Referral type and count per company (companies without referrals are absent)."""
    r = PartnerCenterReferral
    counts: dict[int, dict[str, int]] = {}
    for start in range(0, len(company_ids), _BATCH):
        batch = company_ids[start:start + _BATCH]
        stmt = (select(r.company_id, r.lead_type, func.count()).where(r.company_id.in_(batch))
                .group_by(r.company_id, r.lead_type))
        for company_id, lead_type, n in session.execute(stmt):
            assert company_id is not None  # filtered by IN
            counts.setdefault(company_id, {})[lead_type] = int(n)
    return {cid: LeadReferrals(_strongest(by_type), sum(by_type.values())) for cid, by_type in counts.items()}


def _strongest(types: Iterable[str]) -> str | None:
    present = set(types)
    return next((t for t in LEAD_TYPE_ORDER if t in present), next(iter(sorted(present)), None))


def referral_type_condition(lead_types: Sequence[str]) -> ColumnElement[bool]:
    """A condition over ``companies``: the company has a referral of one of ``lead_types``; the value
    ``"any"`` means any referral and ``"none"`` no referral at all."""
    r = PartnerCenterReferral
    wanted = [t for t in lead_types if t not in ("any", "none")]
    parts: list[ColumnElement[bool]] = []
    if wanted:
        parts.append(exists().where(r.company_id == Company.id, r.lead_type.in_(wanted)))
    if "any" in lead_types:
        parts.append(exists().where(r.company_id == Company.id))
    if "none" in lead_types:
        parts.append(~exists().where(r.company_id == Company.id))
    return or_(*parts)


def signals_for(session: Session, domains: Iterable[str]) -> dict[str, ReferralSignals]:
    """What the scorer receives per company domain: the tenant id of its most recently updated referral
    that carries one, and whether any of its referrals is a co-sell. Domains without referrals are absent."""
    r = PartnerCenterReferral
    wanted = list(dict.fromkeys(domains))
    out: dict[str, ReferralSignals] = {}
    for start in range(0, len(wanted), _BATCH):
        stmt = (select(Company.domain, r.tenant_id, r.lead_type).join(Company, Company.id == r.company_id)
                .where(Company.domain.in_(wanted[start:start + _BATCH]))
                .order_by(Company.domain, r.pc_updated_at.is_(None), r.pc_updated_at.desc(), r.id.desc()))
        for domain, tenant_id, lead_type in session.execute(stmt):
            seen = out.get(domain, ReferralSignals())
            out[domain] = ReferralSignals(seen.tenant_id or tenant_id, seen.cosell or lead_type == COSELL)
    return out


TENANT_FROM_SCAN, TENANT_FROM_REFERRAL = "scan", "referral"
"""Values of ``Company.tenant_source``."""


def adopt_referral_tenants(session: Session, company_ids: Iterable[int]) -> None:
    """Give each of these companies that no scan found a tenant for the tenant id of its most recently updated
    linked referral that carries one (``tenant_source = "referral"``), and take back a referral tenant whose
    referral no longer says so (unlinked, or its tenant id gone). A tenant found by a scan is never replaced."""
    r = PartnerCenterReferral
    carrying = and_(r.company_id == Company.id, r.tenant_id.is_not(None))
    newest = (select(r.tenant_id).where(carrying)
              .order_by(r.pc_updated_at.is_(None), r.pc_updated_at.desc(), r.id.desc()).limit(1).scalar_subquery())
    not_from_scan = or_(Company.tenant_source == TENANT_FROM_REFERRAL,
                        and_(Company.tenant_source.is_(None), Company.tenant_id.is_(None)))
    wanted = list(dict.fromkeys(company_ids))
    for start in range(0, len(wanted), _BATCH):
        batch = Company.id.in_(wanted[start:start + _BATCH])
        session.execute(update(Company).where(batch, not_from_scan, exists().where(carrying))
                        .values(tenant_id=newest, tenant_source=TENANT_FROM_REFERRAL)
                        .execution_options(synchronize_session="fetch"))
        session.execute(update(Company).where(batch, Company.tenant_source == TENANT_FROM_REFERRAL,
                                              ~exists().where(carrying))
                        .values(tenant_id=None, tenant_source=None).execution_options(synchronize_session="fetch"))


def needing_scan(session: Session, company_ids: Sequence[int], *, fresh_after: datetime) -> list[int]:
    """Of ``company_ids``, those a new referral should get scanned, in the given order: not waiting in a
    queued or running scan job already, and never scanned, scanned before ``fresh_after``, or scanned
    before one of its referrals was linked (that scan could not count the referral's signals)."""
    wanted = list(dict.fromkeys(company_ids))
    r = PartnerCenterReferral
    keep: set[int] = set()
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start:start + _BATCH]
        waiting = (select(ScanJobItem.id).join(ScanJob, ScanJob.id == ScanJobItem.job_id)
                   .where(ScanJobItem.company_id == Company.id, ScanJobItem.state == "pending",
                          ScanJob.status.in_(("queued", "running"))))
        linked_later = exists().where(r.company_id == Company.id, r.linked_at > Company.scanned_at)
        stale = or_(Company.scanned_at.is_(None), Company.scanned_at < fresh_after, linked_later)
        stmt = select(Company.id).where(Company.id.in_(batch), ~exists(waiting), and_(stale))
        keep.update(session.scalars(stmt))
    return [cid for cid in wanted if cid in keep]
