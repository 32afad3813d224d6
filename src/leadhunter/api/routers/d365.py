"""Dynamics 365 push: queue leads (ids, domains or the lead list's filter), retry one, status, job progress.

The API never talks to Dynamics: a push request is stored as a job whose leads are ``queued``, then handed to
the workers; the answer carries the job id at once. With the feature off (``HUNTER_D365_ENABLED`` unset) the
push and retry routes answer 409 ``d365_disabled`` saying how to turn it on, and the status says
``disabled``; the stored push states stay readable either way. If the broker is down the job is stored all
the same (``queued: false``): a worker re-sends unfinished jobs when it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from kombu.exceptions import OperationalError as BrokerError
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.api.deps import MAX_DB_ID, CallerDep, DbId, SessionDep, SettingsDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.routers.leads import LeadFilterParams
from leadhunter.config import Settings
from leadhunter.db import d365_repo
from leadhunter.db.d365_models import IN_PROGRESS
from leadhunter.db.models import Company
from leadhunter.domain.normalize import normalize_domain
from leadhunter.jobs.d365_runtime import configuration_problem, push_options
from leadhunter.services import d365_push, d365_status
from leadhunter.services.d365_push import ENABLE_HINT, PushRequest

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/d365", tags=["d365"], responses=error_responses(401, 422, 429))

LeadRef = Annotated[Text, Path(min_length=1, max_length=2048,
                               description="The lead: its company id (digits) or its domain (as /api/leads/{domain})")]


class PushBody(BaseModel):
    """Which leads to push — exactly one of ``ids`` (company ids), ``domains`` (as stored or typed) or
    ``filter`` (the lead list's filter parameters, e.g. ``{"segment": ["Migration"], "score_min": 70}``).
    ``dry_run`` only counts them (to confirm the count before pushing)."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_DB_ID)]] | None = Field(None, max_length=d365_status.MAX_PUSH)
    domains: list[Annotated[Text, Field(min_length=1, max_length=2048)]] | None = Field(
        None, max_length=d365_status.MAX_PUSH)
    filter: LeadFilterParams | None = None
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> PushBody:
        given = [name for name in ("ids", "domains", "filter") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of ids, domains or filter")
        return self


def _require_enabled(settings: Settings) -> None:
    """409 unless pushing is on and configured (checked without any network call)."""
    if not settings.d365_enabled:
        raise ApiError(409, "d365_disabled", ENABLE_HINT)
    problem = configuration_problem(settings)
    if problem:
        raise ApiError(409, "d365_not_configured", problem)


def _dispatch(request: Request, push: PushRequest) -> bool:
    """Hand the job to the workers; False when the broker is down (a worker start re-sends it)."""
    dispatch: Callable[[PushRequest], None] | None = getattr(request.app.state, "d365_dispatch", None)
    if dispatch is None:
        from leadhunter.jobs.d365_tasks import dispatch_push  # lazily: builds the Celery app from settings

        dispatch = dispatch_push
    try:
        dispatch(push)
    except (BrokerError, OSError) as exc:
        log.warning("broker unavailable, D365 push job %s waits for a worker to resume it: %s", push.job_id, exc)
        return False
    return True


@router.post("/push", status_code=202, responses={200: {"description": "dry_run: the count only, nothing queued"},
                                                  **error_responses(409)})
def push(request: Request, response: Response, session: SessionDep, settings: SettingsDep, caller: CallerDep,
         body: PushBody) -> dict[str, Any]:
    """Queue leads for a push to Dynamics 365 and return the job id and the count at once (202); with
    ``dry_run`` just the count (200). Unknown ids or domains are listed, not fatal."""
    _require_enabled(settings)
    unknown: list[Any] = []
    if body.ids is not None:
        ids, unknown = d365_status.leads_by_ids(session, body.ids)
    elif body.domains is not None:
        ids, found_unknown = d365_status.leads_by_domains(session, body.domains)
        unknown = list(found_unknown)
    else:
        assert body.filter is not None
        try:
            ids = d365_status.leads_by_filter(session, body.filter.to_filter(caller))
        except d365_status.TooManyLeadsError as exc:
            raise ApiError(422, "too_many_leads", str(exc), [{"field": "filter", "reason": "too many"}]) from None
    if body.dry_run or not ids:
        response.status_code = 200
        return {"job_id": None, "count": len(ids), "unknown": unknown, "queued": False, "dry_run": body.dry_run}
    queued = d365_push.request_push(session, ids, requested_by=caller, options=push_options(settings))
    session.commit()
    return {"job_id": queued.job_id, "count": queued.count, "unknown": unknown, "queued": _dispatch(request, queued),
            "dry_run": False}


@router.post("/retry/{lead}", status_code=202, responses=error_responses(404, 409))
def retry(request: Request, session: SessionDep, settings: SettingsDep, caller: CallerDep,
          lead: LeadRef) -> dict[str, Any]:
    """Push one lead again — by company id or domain — with its attempts reset (e.g. after an error)."""
    _require_enabled(settings)
    company = _company(session, lead)
    state = d365_repo.sync_rows(session, [company.id]).get(company.id)
    if state is not None and state.status == IN_PROGRESS:
        raise ApiError(409, "d365_push_in_progress", f"{company.domain} is being pushed right now")
    queued = d365_push.request_push(session, [company.id], requested_by=caller, kind="retry",
                                    options=push_options(settings))
    session.commit()
    return {"job_id": queued.job_id, "count": 1, "id": company.id, "domain": company.domain,
            "queued": _dispatch(request, queued)}


@router.get("/status")
def status(session: SessionDep, settings: SettingsDep, _: CallerDep) -> dict[str, Any]:
    """On or off, leads per push state, the last push attempt, recent failures, open jobs."""
    return d365_status.push_status(session, enabled=settings.d365_enabled,
                                   problem=configuration_problem(settings) if settings.d365_enabled else None)


@router.get("/jobs/{job_id}", responses=error_responses(404))
def job(session: SessionDep, _: CallerDep, job_id: DbId) -> dict[str, Any]:
    """A push job's progress: total, synced, failed, pending, status."""
    try:
        return d365_status.job_progress(session, job_id)
    except d365_status.PushJobNotFoundError as exc:
        raise ApiError(404, "d365_job_not_found", str(exc)) from None


def _company(session: Session, lead: str) -> Company:
    company: Company | None = None
    if lead.isdigit():
        number = int(lead)
        company = session.get(Company, number) if 1 <= number <= MAX_DB_ID else None
    else:
        norm = normalize_domain(lead)
        company = session.scalar(select(Company).where(Company.domain == (norm.domain or lead.lower())))
    if company is None:
        raise ApiError(404, "lead_not_found", f"no lead {lead}")
    return company
