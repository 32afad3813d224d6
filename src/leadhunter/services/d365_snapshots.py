"""What the D365 push sends about a company: a :class:`LeadSnapshot` built from stored data.

The company row gives the score, priority, category, segment, provider, gateway, tenant and the
infrastructure line; its ``play:`` tags the white-space plays (in words); a linked
Partner Center referral (``partner_center_referrals``) gives the referral id and type (the strongest type
when there are several: co-sell, then marketplace, then solution-provider); the first raw lead says
whether the company came from an import or was typed in, and the raw payloads may hold a contact e-mail
on the company's own domain; Hunter's public address, when known, gives the link back to the lead's page. A
company not scanned yet has no score and is not pushed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db import companies_repo
from leadhunter.db.models import Company, RawLead
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.db.referrals_repo import LEAD_TYPE_ORDER
from leadhunter.integrations.d365 import LeadSnapshot
from leadhunter.services.lead_brief import BriefSettings, LeadNotScannedError, lead_brief
from leadhunter.services.lead_footprint import company_infrastructure, company_play_labels, split_tags

NOT_SCANNED = "not scanned yet: a lead is pushed with its score, so scan it first"
_BATCH = 500
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@([A-Za-z0-9.-]+)")


@dataclass(frozen=True)
class Unpushable:
    """A company that cannot be pushed, and why."""

    domain: str
    reason: str


def breakdown_text(breakdown: Sequence[Any] | None) -> str:
    """The score breakdown as one line: ``Mail provider M365 (+50); DMARC reject (+10)``."""
    parts = []
    for row in breakdown or ():
        if isinstance(row, dict):
            points = row.get("points")
            sign = f" ({points:+d})" if isinstance(points, int) else ""
            parts.append(f"{row.get('reason') or row.get('key') or row.get('kind')}{sign}")
    return "; ".join(parts)


def _referrals(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """company id → (referral id, lead type) of its strongest, most recently updated referral."""
    r = PartnerCenterReferral
    rank = {t: n for n, t in enumerate(LEAD_TYPE_ORDER)}
    best: dict[int, tuple[int, str, str]] = {}
    stmt = (select(r.company_id, r.referral_id, r.lead_type).where(r.company_id.in_(ids))
            .order_by(r.pc_updated_at.is_(None), r.pc_updated_at.desc(), r.id.desc()))
    for company_id, referral_id, lead_type in session.execute(stmt):
        if company_id is None:
            continue
        order = rank.get(lead_type, len(rank))
        if company_id not in best or order < best[company_id][0]:
            best[company_id] = (order, referral_id, lead_type)
    return {cid: (ref, kind) for cid, (_, ref, kind) in best.items()}


def _email_in(payload: Any, domain: str) -> str | None:
    """The first e-mail address on ``domain`` among the payload's text values."""
    values = payload.values() if isinstance(payload, dict) else ()
    for value in values:
        if isinstance(value, str):
            for match in _EMAIL.finditer(value):
                if match.group(1).lower() == domain:
                    return match.group(0)
    return None


def _raw_leads(session: Session, ids: Sequence[int],
               domains: dict[int, str]) -> tuple[dict[int, str], dict[int, str]]:
    """company id → source of its first raw lead ("import" or "manual"), and → a contact e-mail."""
    sources: dict[int, str] = {}
    emails: dict[int, str] = {}
    stmt = select(RawLead.company_id, RawLead.source, RawLead.payload).where(RawLead.company_id.in_(ids))
    for company_id, source, payload in session.execute(stmt.order_by(RawLead.id)):
        if company_id is None:
            continue
        sources.setdefault(company_id, "import" if source == "import" else "manual")
        if company_id not in emails:
            email = _email_in(payload, domains[company_id])
            if email:
                emails[company_id] = email
    return sources, emails


def lead_page_url(public_url: str, domain: str) -> str:
    """The address that opens ``domain``'s lead in Hunter's web UI: ``<public_url>/?lead=<domain>``."""
    return f"{public_url.rstrip('/')}/?lead={quote(domain, safe='')}"


def _short_brief(session: Session, company: Company, lang: str | None, settings: BriefSettings | None) -> str:
    """The short sales brief of ``company`` in ``lang`` ("" without a language or a conclusive scan)."""
    if not lang:
        return ""
    try:
        made = lead_brief(session, company, lang, settings or BriefSettings(), today=datetime.now(UTC).date())
    except LeadNotScannedError:
        return ""
    return made.brief.short_text()


def build_snapshots(session: Session, company_ids: Sequence[int], *, public_url: str | None = None,
                    brief_lang: str | None = None,
                    brief_settings: BriefSettings | None = None) -> dict[int, LeadSnapshot | Unpushable]:
    """company id → its snapshot, or why it cannot be pushed (:data:`NOT_SCANNED`). Ids of companies that
    no longer exist are absent. With ``public_url`` (Hunter's address) each snapshot links back to its lead;
    with ``brief_lang`` (en / tr) it carries the short sales brief (``brief_settings``: partner, seller)."""
    out: dict[int, LeadSnapshot | Unpushable] = {}
    for start in range(0, len(company_ids), _BATCH):
        ids = list(company_ids[start:start + _BATCH])
        companies = list(session.scalars(select(Company).where(Company.id.in_(ids))))
        domains = {c.id: c.domain for c in companies}
        referrals = _referrals(session, ids)
        sources, emails = _raw_leads(session, ids, domains)
        tags = companies_repo.tags_of(session, ids)
        for c in companies:
            if c.score is None or c.priority is None or c.category is None or c.segment is None:
                out[c.id] = Unpushable(c.domain, NOT_SCANNED)
                continue
            referral_id, referral_type = referrals.get(c.id, (None, None))
            out[c.id] = LeadSnapshot(
                domain=c.domain, score=c.score, priority=c.priority, category=c.category, segment=c.segment,
                company_name=c.name, provider=c.provider, gateway=c.gateway, tenant_id=c.tenant_id,
                referral_id=referral_id, referral_type=referral_type, source=sources.get(c.id, "manual"),
                contact_email=emails.get(c.id), score_breakdown=breakdown_text(c.breakdown),
                hunter_url=lead_page_url(public_url, c.domain) if public_url else None,
                plays=tuple(company_play_labels(c, split_tags(tags.get(c.id, []))[1])),
                infrastructure=company_infrastructure(c), tenant_size=c.size,
                brief=_short_brief(session, c, brief_lang, brief_settings),
            )
    return out
