"""Ingest Partner Center referrals: a batch of vendor payloads → referral rows, companies, raw leads.

Each payload is mapped by the integration (:func:`~leadhunter.integrations.partner_center.mapping.to_record`:
lead type and domain decided there, each with its reason). Here the domain is normalized once more (the
company key is the registrable ASCII domain), the company is upserted by domain (several referrals may
share one), the referral is upserted by its id, and every *new version* of a referral — new, or a payload
that changed — is appended to ``raw_leads`` with source ``partnercenter``. A payload seen again unchanged
(the incremental sync's overlap, a retried page) changes nothing but ``synced_at``: re-syncing never
duplicates anything. A referral without a usable domain is kept, unlinked, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from leadhunter.db import companies_repo, referrals_repo
from leadhunter.db.referrals_repo import ReferralRow
from leadhunter.domain.normalize import normalize_domain
from leadhunter.integrations.partner_center.errors import ProtocolError
from leadhunter.integrations.partner_center.mapping import ReferralRecord, to_record

log = logging.getLogger(__name__)
SOURCE = "partnercenter"
"""``raw_leads.source`` of referral payloads."""
MAX_DEAL_VALUE = Decimal(10) ** 16  # NUMERIC(18, 2) holds 16 digits before the point
MAX_ID = 64  # characters of partner_center_referrals.referral_id (Partner Center ids are 36-character GUIDs)


@dataclass
class BatchResult:
    """What one batch did: referrals ``new`` / ``updated`` / ``unchanged`` (seen again as stored),
    ``unreadable`` payloads (no id: nothing to store them under), ``unlinked`` among the new and updated,
    the ``company_ids`` those new and updated referrals point at, and the newest ``updatedDateTime`` seen."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    unreadable: int = 0
    unlinked: int = 0
    company_ids: list[int] = field(default_factory=list)
    newest: datetime | None = None


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the payload as canonical JSON (sorted keys): equal payloads, equal hashes."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ingest_batch(session: Session, payloads: Iterable[Mapping[str, Any]], now: datetime) -> BatchResult:
    """Store one batch of referral payloads (flushed, not committed); see the module docstring."""
    result = BatchResult()
    records: list[tuple[ReferralRecord, str | None, str | None, str]] = []
    for payload in payloads:
        try:
            record = to_record(_storable(payload))
        except ProtocolError as exc:  # no id: it cannot be upserted, and it is not our data to repair
            result.unreadable += 1
            log.warning("skipped an unreadable referral payload: %s", exc)
            continue
        if len(record.referral_id) > MAX_ID:
            result.unreadable += 1
            log.warning("skipped a referral whose id is longer than %s characters", MAX_ID)
            continue
        domain, shown, reason = _company_domain(record)
        records.append((record, domain, shown, reason))
        if record.updated_at is not None and (result.newest is None or record.updated_at > result.newest):
            result.newest = record.updated_at
    entries = [(domain, shown or domain, record.customer_name) for record, domain, shown, _ in records if domain]
    companies = companies_repo.upsert_companies(session, entries) if entries else {}
    rows = [_row(record, domain, companies[domain].id if domain else None, reason)
            for record, domain, _, reason in records]
    raw: list[tuple[dict[str, Any], int | None]] = []
    left: list[int] = []  # companies an updated referral moved away from
    for stored in referrals_repo.upsert(session, rows, now):
        if stored.previous_company_id is not None:
            left.append(stored.previous_company_id)
        if stored.change == "unchanged":
            result.unchanged += 1
            continue
        result.new += stored.change == "new"
        result.updated += stored.change == "updated"
        raw.append((stored.raw, stored.company_id))
        if stored.company_id is None:
            result.unlinked += 1
        else:
            result.company_ids.append(stored.company_id)
    companies_repo.add_raw_leads(session, SOURCE, raw)
    # The referral's tenant id is the lead's tenant until a scan finds one (and a changed one follows it).
    referrals_repo.adopt_referral_tenants(session, [*result.company_ids, *left])
    return result


def _storable(value: Any) -> Any:
    """``value`` (a JSON value) with NUL characters removed from every string: PostgreSQL refuses them in
    text and JSONB, and one such payload must not fail every sync after it."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _company_domain(record: ReferralRecord) -> tuple[str | None, str | None, str]:
    """(ASCII domain, Unicode domain, why) for the record's domain decision; no domain → the reason."""
    if not record.domain:
        return None, None, f"unlinked: {record.domain_reason}" if record.domain_reason else "unlinked: no domain"
    norm = normalize_domain(record.domain)
    if not norm.ok or norm.domain is None:
        return None, None, f"unlinked: {record.domain} is not a company domain ({norm.message or 'invalid'})"
    return norm.domain, norm.unicode, f"linked by domain {norm.domain} ({record.domain_reason})"


def _row(record: ReferralRecord, domain: str | None, company_id: int | None, link_reason: str) -> ReferralRow:
    source = f"{record.domain_source}: " if record.domain_source else ""
    return ReferralRow(
        referral_id=record.referral_id, engagement_id=record.engagement_id, name=_cut(record.name, 300),
        type=_cut(record.referral_type, 16), qualification=_cut(record.qualification, 32),
        direction=_cut(record.direction, 16), status=_cut(record.status, 16), substatus=_cut(record.substatus, 16),
        customer_name=_cut(record.customer_name, 300), country=_cut(record.country, 8),
        domain=domain, domain_reason=source + record.domain_reason,
        contacts=[c.as_dict() for c in record.contacts], team=[m.as_dict() for m in record.team],
        deal_value=_money(record.deal_value), currency=_cut(record.currency, 3), tenant_id=_cut(record.tenant_id, 36),
        lead_type=str(record.lead_type.value), lead_type_reason=record.lead_type_reason, company_id=company_id,
        link_reason=link_reason, payload_hash=payload_hash(record.raw), raw=dict(record.raw),
        pc_created_at=record.created_at, pc_updated_at=record.updated_at,
        customer_size=_cut(record.customer_size, 40),
    )


def _money(value: Decimal | None) -> Decimal | None:
    """The deal value rounded to cents; one beyond the column (18 digits, 2 after the point) is dropped
    rather than failing the whole batch (the raw payload keeps it)."""
    if value is None or abs(value) >= MAX_DEAL_VALUE - 1:
        return None
    return value.quantize(Decimal("0.01"))


def _cut(value: str | None, limit: int) -> str | None:
    """Vendor strings are stored whole where they fit; an overlong one is cut rather than refused."""
    return value[:limit] if value else value
