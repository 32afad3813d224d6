"""Company rows as API JSON and as export rows (one place, so the list and the export agree)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadhunter.db import registration_repo
from leadhunter.db.d365_repo import NEVER_PUSHED, LeadD365
from leadhunter.db.models import Company
from leadhunter.db.referrals_repo import LeadReferrals
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.domain.registration import RegistrationOutcome, days_until_expiry, registration_json
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.services.lead_footprint import company_infrastructure, company_play_labels, split_tags


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _category(company: Company) -> tuple[str | None, str | None, str | None]:
    row = default_scoring_rules().category_named(company.category) if company.category else None
    return (row.name, row.label, row.action) if row else (None, None, None)


def lead_json(company: Company, tags: list[str], referrals: LeadReferrals | None = None,
              d365: LeadD365 | None = None) -> dict[str, Any]:
    """One lead in the list; ``referrals`` summarises its Partner Center referrals (None: it has none), ``d365``
    its Dynamics 365 push state (None: never pushed)."""
    name, label, action = _category(company)
    d365 = d365 or NEVER_PUSHED
    plain, plays, saas = split_tags(tags)
    return {
        "id": company.id,
        "domain": company.domain,
        "domain_unicode": company.domain_unicode,
        "name": company.name,
        "provider": company.provider,
        "gateway": company.gateway,
        "hosting_label": company.hosting_label,
        "confidence": company.confidence,
        "tenant_id": company.tenant_id,
        "tenant_source": company.tenant_source,  # scan / referral (a linked referral's, until a scan finds one)
        "dmarc_policy": company.dmarc_policy,
        "score": company.score,
        "segment": company.segment,
        "priority": company.priority,
        "category": company.category,
        "category_name": name,
        "category_label": label,
        "action": action,
        "scan_status": company.scan_status,
        "scanned_at": _iso(company.scanned_at),
        "created_at": _iso(company.created_at),
        "tags": plain,
        "plays": plays,  # white-space play keys (labels: GET /api/leads/facets "play_labels", the detail's grid)
        "saas": saas,  # SaaS products seen in the apex TXT
        "web_host": company.web_host,
        "dns_host": company.dns_host,
        "mail_country": company.mail_country,
        "web_country": company.web_country,
        "size": company.size,  # small / medium / large (None: not known); the detail's "size" says why
        "size_confidence": (company.size_detail or {}).get("confidence"),
        "referral_type": referrals.lead_type if referrals else None,
        "referral_count": referrals.count if referrals else 0,
        "referral_link_status": "linked" if referrals else None,
        "d365_status": d365.status,  # not_synced / queued / in_progress / synced / error
        "d365_lead_id": d365.lead_id,
        "d365_url": d365.url,
        "d365_error": d365.error,
        "d365_error_category": d365.error_category,  # auth / throttled / validation / unavailable / unknown
        "d365_attempts": d365.attempts,
        "d365_pushed_at": _iso(d365.pushed_at),
        "d365_synced_at": _iso(d365.synced_at),
    }


EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("domain", "domain_unicode"), ("ascii_domain", "domain"), ("company", "name"), ("category", "category"),
    ("priority", "priority"), ("score", "score"), ("segment", "segment"), ("provider", "provider"),
    ("gateway", "gateway"), ("hosting", "hosting_label"), ("confidence", "confidence"), ("tenant_id", "tenant_id"),
    ("tenant_source", "tenant_source"), ("dmarc", "dmarc_policy"), ("scan_status", "scan_status"),
    ("scanned_at", "scanned_at"), ("web_host", "web_host"), ("dns_host", "dns_host"), ("web_country", "web_country"),
    ("mail_country", "mail_country"), ("plays", ""), ("saas", ""), ("infrastructure", ""), ("size", "size"),
]
"""Export header → company attribute (empty: computed from the tags or several columns)."""
REGISTRATION_EXPORT_COLUMNS = ["registrar", "registered", "expires"]
"""Columns appended to every export line from the company's registration record (empty when none)."""


def segment_rule_json(rule: int | None) -> dict[str, Any] | None:
    """The segment rule row ``rule`` of the scoring rules: its segment and condition (``providers`` None =
    any provider, scores inclusive), so a screen can say why a lead landed in its segment."""
    row = next((s for s in default_scoring_rules().segments if s.rule == rule), None) if rule else None
    if row is None:
        return None
    return {"rule": row.rule, "segment": row.segment,
            "providers": sorted(row.when.providers) if row.when.providers is not None else None,
            "score_min": row.when.score_min, "score_max": row.when.score_max}


def export_row(company: Company, tags: list[str], registration: CompanyRegistration | None = None) -> list[object]:
    """One export line: :data:`EXPORT_COLUMNS` (``tags`` are the company's, for plays and SaaS), then
    :data:`REGISTRATION_EXPORT_COLUMNS` (dates as YYYY-MM-DD)."""
    _, plays, saas = split_tags(tags)
    computed = {"plays": "; ".join(company_play_labels(company, plays)), "saas": ", ".join(saas),
                "infrastructure": company_infrastructure(company)}
    out: list[object] = []
    for header, attr in EXPORT_COLUMNS:
        value = getattr(company, attr) if attr else computed[header]
        out.append(_iso(value) if isinstance(value, datetime) else value)
    known = registration is not None and registration.outcome == RegistrationOutcome.OK
    out.append(registration.registrar if known and registration else None)
    for when in ((registration.registered_at, registration.expires_at) if known and registration else (None, None)):
        out.append(when.date().isoformat() if when else None)
    return out


def registration_detail(row: CompanyRegistration | None, domain: str, now: datetime) -> dict[str, Any] | None:
    """The lead detail's ``registration``: the stable JSON shape plus ``checked_at`` (last attempt),
    ``last_error`` (why the last attempt failed, the stored answer kept) and ``days_until_expiry``."""
    if row is None:
        return None
    facts = registration_repo.facts_of(row, domain)
    return {**registration_json(facts), "checked_at": _iso(row.checked_at), "last_error": row.last_error,
            "days_until_expiry": days_until_expiry(facts, now)}
