"""Partner Center referrals: sync (enqueue) and its status, list, detail, link to a lead, create a lead.

With the feature off (``HUNTER_PARTNER_CENTER_ENABLED`` unset) nothing here calls Partner Center: the sync
is refused with 409 ``partner_center_disabled`` saying how to turn it on, and the status says
``disabled``. Stored referrals stay readable either way. The API never talks to Partner Center itself:
the sync runs in a worker; the request only queues it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from kombu.exceptions import OperationalError as BrokerError
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.api.deps import CallerDep, PageDep, SessionDep, SettingsDep, Text
from leadhunter.api.dispatch import dispatch_all
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.db import referrals_repo
from leadhunter.db.models import Company
from leadhunter.db.referral_models import RUN_QUEUED, PartnerCenterReferral
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services import referral_links
from leadhunter.services.referral_links import (
    ENABLE_HINT,
    LeadNotFoundError,
    LinkResult,
    ReferralDomainError,
    ReferralNotFoundError,
    run_json,
    sync_status,
)
from leadhunter.services.referrals import request_sync

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/referrals", tags=["referrals"], responses=error_responses(401, 422, 429))

LeadType = Literal["co-sell", "marketplace", "solution-provider"]
ReferralId = Annotated[Text, Path(min_length=1, max_length=64, description="Partner Center referral id (GUID)")]
PARTNER_CENTER_REFERRALS_URL = "https://partner.microsoft.com/dashboard/referrals"
"""Partner Center's referrals workspace (the per-referral page address is not documented)."""


class LinkRequest(BaseModel):
    """The lead to link the referral to: its domain (or a URL or e-mail at it)."""

    domain: Text = Field(..., min_length=1, max_length=2048)


class CreateLeadRequest(BaseModel):
    """A lead made from the referral: the domain (default: the referral's) and name (default: the customer's)."""

    domain: Text | None = Field(None, max_length=2048)
    name: Text | None = Field(None, max_length=300)


def _dispatch_sync(request: Request, run_id: int) -> bool:
    """Hand the run to a worker; False when the broker is down (the schedule picks the queued run up)."""
    dispatch: Callable[[int], None] | None = getattr(request.app.state, "referral_dispatch", None)
    if dispatch is None:
        from leadhunter.jobs.referral_tasks import dispatch_sync  # lazily: builds the Celery app from settings

        dispatch = dispatch_sync
    try:
        dispatch(run_id)
    except (BrokerError, OSError) as exc:
        log.warning("broker unavailable, referral sync run %s waits for the schedule: %s", run_id, exc)
        return False
    return True


@router.post("/sync", status_code=202, responses=error_responses(409))
def sync(request: Request, session: SessionDep, settings: SettingsDep, caller: CallerDep) -> dict[str, Any]:
    """Queue a sync from Partner Center and return its run; while one is queued or running, that run comes
    back instead (``created`` false) — runs never overlap."""
    if not settings.partner_center_enabled:
        raise ApiError(409, "partner_center_disabled", ENABLE_HINT)
    run, created = request_sync(session, trigger="manual", requested_by=caller)
    session.commit()
    # A queued run is (re)sent: delivering it twice is harmless (one worker claims it), and it rescues a
    # run queued while the broker was down.
    queued = _dispatch_sync(request, run.id) if run.status == RUN_QUEUED else True
    return {"run_id": run.id, "job_id": run.id, "status": run.status, "created": created, "queued": queued,
            "run": run_json(run)}


@router.get("/sync-status")
def status(session: SessionDep, settings: SettingsDep, _: CallerDep) -> dict[str, Any]:
    """Last run, outcome (OK / FAIL / queued / running / sign-in required / disabled), counts, last error."""
    return sync_status(session, enabled=settings.partner_center_enabled)


@router.get("")
def list_referrals(
    session: SessionDep, _: CallerDep, page: PageDep = 1,
    page_size: Annotated[int, Query(ge=1, le=referrals_repo.MAX_LIMIT)] = 50,
    lead_type: Annotated[list[LeadType] | None, Query(description="co-sell / marketplace / solution-provider")] = None,
    status: Annotated[list[Text] | None, Query(max_length=20, description="Partner Center status (New...)")] = None,
    link_status: Annotated[Literal["linked", "unlinked"] | None, Query()] = None,
    q: Annotated[Text | None, Query(max_length=200, description="Search customer, domain, deal name, id")] = None,
    lead: Annotated[Text | None, Query(max_length=253, description="Only those linked to this lead (domain)")] = None,
) -> dict[str, Any]:
    """A page of referrals, most recently updated first, with the total count."""
    company_id = None
    if lead is not None:
        norm = normalize_domain(lead)
        company_id = session.scalar(select(Company.id).where(Company.domain == (norm.domain or lead.lower())))
        if company_id is None:  # no such lead: it has no referrals
            return {"items": [], "total": 0, "page": page, "page_size": page_size}
    flt = referrals_repo.ReferralFilter(lead_types=tuple(lead_type or ()), statuses=tuple(status or ()),
                                        link_status=link_status, search=q, company_id=company_id)
    rows, total = referrals_repo.list_referrals(session, flt, offset=(page - 1) * page_size, limit=page_size)
    domains = _company_domains(session, [r.company_id for r in rows if r.company_id is not None])
    return {"items": [referral_json(r, domains.get(r.company_id or 0)) for r in rows], "total": total,
            "page": page, "page_size": page_size}


@router.get("/{referral_id}", responses=error_responses(404))
def detail(session: SessionDep, _: CallerDep, referral_id: ReferralId,
           raw: bool = False) -> dict[str, Any]:
    """One referral with its contacts, team and deal; the vendor payload only with ``?raw=true``."""
    referral = _get(session, referral_id)
    return _detail_json(session, referral, raw=raw)


@router.post("/{referral_id}/link", responses=error_responses(404))
def link(request: Request, session: SessionDep, caller: CallerDep, referral_id: ReferralId,
         body: LinkRequest) -> dict[str, Any]:
    """Link the referral to an existing lead by domain (kept by later syncs); queues the lead's scan if
    its score does not count the referral yet."""
    try:
        result = referral_links.link_to_lead(session, referral_id, body.domain, by=caller)
    except LeadNotFoundError as exc:
        raise ApiError(404, "lead_not_found", str(exc)) from None
    except ReferralNotFoundError as exc:
        raise ApiError(404, "referral_not_found", str(exc)) from None
    except ReferralDomainError as exc:
        raise ApiError(422, "invalid_domain", str(exc),
                       [{"field": "domain", "reason": "not a company domain"}]) from None
    return _linked(request, session, result)


@router.post("/{referral_id}/create-lead", status_code=201, responses=error_responses(404))
def create_lead(request: Request, response: Response, session: SessionDep, caller: CallerDep,
                referral_id: ReferralId, body: CreateLeadRequest) -> dict[str, Any]:
    """Create the lead for the referral's domain (or the one given), link the referral and queue its scan;
    200 instead of 201 when the lead existed already."""
    try:
        result = referral_links.create_lead(session, referral_id, domain=body.domain, name=body.name, by=caller)
    except ReferralNotFoundError as exc:
        raise ApiError(404, "referral_not_found", str(exc)) from None
    except ReferralDomainError as exc:
        raise ApiError(422, "invalid_domain", str(exc), [{"field": "domain", "reason": "no usable domain"}]) from None
    if not result.created:
        response.status_code = 200
    return _linked(request, session, result)


def _linked(request: Request, session: Session, result: LinkResult) -> dict[str, Any]:
    session.commit()
    queued = dispatch_all(request, result.job_id, result.chunks)
    return {**_detail_json(session, result.referral, raw=False), "created": result.created,
            "job_id": result.job_id, "queued": queued}


def _get(session: Session, referral_id: str) -> PartnerCenterReferral:
    referral = referrals_repo.get(session, referral_id)
    if referral is None:
        raise ApiError(404, "referral_not_found", f"no referral {referral_id}")
    return referral


def _company_domains(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {cid: domain for cid, domain in session.execute(select(Company.id, Company.domain)
                                                           .where(Company.id.in_(set(ids))))}


def referral_json(r: PartnerCenterReferral, lead_domain: str | None) -> dict[str, Any]:
    """One referral in the list (no personal data: contacts and team are in the detail only)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "referral_id": r.referral_id, "engagement_id": r.engagement_id, "name": r.name,
        "customer_name": r.customer_name, "country": r.country, "domain": r.domain, "domain_reason": r.domain_reason,
        "lead_type": r.lead_type, "lead_type_reason": r.lead_type_reason, "type": r.type,
        "qualification": r.qualification, "direction": r.direction, "status": r.status, "substatus": r.substatus,
        "deal_value": float(r.deal_value) if r.deal_value is not None else None, "currency": r.currency,
        "tenant_id": r.tenant_id, "link_status": r.link_status, "link_reason": r.link_reason,
        "lead_domain": lead_domain, "linked_by": r.linked_by, "linked_at": iso(r.linked_at),
        "created_at": iso(r.pc_created_at), "updated_at": iso(r.pc_updated_at), "first_seen_at": iso(r.first_seen_at),
        "synced_at": iso(r.synced_at), "partner_center_url": PARTNER_CENTER_REFERRALS_URL,
    }


def _detail_json(session: Session, r: PartnerCenterReferral, *, raw: bool) -> dict[str, Any]:
    company = session.get(Company, r.company_id) if r.company_id is not None else None
    found = r.raw.get("details")
    details: dict[str, Any] = found if isinstance(found, dict) else {}
    out = {
        **referral_json(r, company.domain if company else None),
        "contacts": r.contacts, "team": r.team,
        "deal": {"value": float(r.deal_value) if r.deal_value is not None else None, "currency": r.currency,
                 "closing_at": details.get("closingDateTime"), "notes": details.get("notes")},
        "lead": None if company is None else {
            "id": company.id, "domain": company.domain, "name": company.name, "score": company.score,
            "category": company.category, "segment": company.segment, "provider": company.provider,
            "scan_status": company.scan_status},
    }
    if raw:
        out["raw"] = r.raw
    return out
