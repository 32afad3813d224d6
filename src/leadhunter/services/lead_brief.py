"""A stored lead's sales brief: gathers the last conclusive scan, the linked referral, the company size and
the domain's expiry, and hands them to the pure :func:`leadhunter.domain.brief.brief`.

Shared by the API (JSON and PDF), the CLI and the D365 push, so every consumer prints the same sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db import companies_repo, registration_repo
from leadhunter.db.models import Company
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.domain.brief import Brief, BriefContext, ReferralView, brief
from leadhunter.domain.company_size import CompanySize, size_from_json
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.report import has_verdict
from leadhunter.services.company_size import company_size, size_inputs

PARTNER_PLACEHOLDER = "[partner]"
SELLER_PLACEHOLDER = "[seller]"


class LeadNotFoundError(LookupError):
    """No lead for the domain asked for."""


class LeadNotScannedError(LookupError):
    """The lead has no conclusive scan yet: there is nothing to brief on."""


@dataclass(frozen=True, slots=True)
class BriefSettings:
    """``partner_name`` and ``seller_signature`` (settings; empty shows a visible placeholder) and the offer's
    ``currency`` (ISO 4217; empty: no prices)."""

    partner_name: str = ""
    seller_signature: str = ""
    currency: str = ""


@dataclass(frozen=True)
class LeadBrief:
    """The brief and what it was made from (the PDF prints the report and size too)."""

    company: Company
    report: dict[str, Any]
    size: CompanySize
    brief: Brief


def find_company(session: Session, domain: str) -> Company:
    """The company of ``domain`` (as stored or as typed); :class:`LeadNotFoundError` when none."""
    norm = normalize_domain(domain)
    company = session.scalar(select(Company).where(Company.domain == (norm.domain or domain.strip().lower())))
    if company is None:
        raise LeadNotFoundError(f"no lead for {domain}")
    return company


def latest_report(session: Session, company: Company) -> dict[str, Any] | None:
    """The newest scan report that holds a verdict (the one the company's verdict came from), or None."""
    return next((s.report for s in companies_repo.latest_scans(session, company.id) if has_verdict(s.report)), None)


def referral_of(session: Session, company_id: int) -> ReferralView | None:
    """The newest referral linked to the company (a co-sell one first), or None."""
    r = PartnerCenterReferral
    rows = session.execute(select(r.lead_type, r.referral_id, r.customer_size).where(r.company_id == company_id)
                           .order_by(r.synced_at.desc())).all()
    if not rows:
        return None
    lead_type, referral_id, size = next((row for row in rows if row[0] == "co-sell"), rows[0])
    return ReferralView(str(lead_type), str(referral_id), size)


def lead_brief(session: Session, company: Company, lang: str, settings: BriefSettings, *, today: date) -> LeadBrief:
    """The brief of ``company`` in ``lang`` (en / tr) as of ``today``."""
    report = latest_report(session, company)
    if report is None:
        raise LeadNotScannedError(f"{company.domain} has no finished scan yet")
    size = size_from_json(company.size_detail)
    if size.band is None:  # stored before sizes existed, or never judged: estimate now (not stored)
        size = company_size(company, report, size_inputs(session, [company.id])[company.id])
    registration = registration_repo.for_companies(session, [company.id]).get(company.id)
    expires = registration.expires_at.date() if registration and registration.expires_at else None
    context = BriefContext(partner_name=settings.partner_name or PARTNER_PLACEHOLDER,
                           seller_signature=settings.seller_signature or SELLER_PLACEHOLDER, today=today,
                           company_name=company.name, expires_on=expires, currency=settings.currency or None)
    referral = referral_of(session, company.id)
    made = brief(report, report, company.footprint or report, referral, size, lang, context=context)
    return LeadBrief(company, report, size, made)
