"""Scan jobs: progress, cancel, and starting a scan of typed domains."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from leadhunter.api.deps import CallerDep, DbId, SessionDep, Text
from leadhunter.api.dispatch import dispatch_all
from leadhunter.api.errors import error_responses
from leadhunter.db.models import ScanJob
from leadhunter.services import rescan_plan, scan_jobs
from leadhunter.services.ingest import LeadInput, ingest_leads

router = APIRouter(prefix="/api", tags=["jobs"], responses=error_responses(401, 422, 429))


class ScanRequest(BaseModel):
    """Domains, URLs or e-mails to add and scan."""

    domains: list[Text] = Field(..., min_length=1, max_length=100_000)


@router.post("/scans", status_code=202)
def start_scan(request: Request, session: SessionDep, caller: CallerDep, body: ScanRequest) -> dict[str, Any]:
    """Add the inputs as leads and queue one scan job; returns at once with the job id."""
    result = ingest_leads(session, [LeadInput(text) for text in body.domains], source="manual", requested_by=caller,
                          chunk_size=request.app.state.settings.scan_chunk_size)
    session.commit()
    queued = dispatch_all(request, result.job_id, result.chunks)
    return {"job_id": result.job_id, "accepted": len(result.domains), "invalid": result.invalid, "queued": queued}


@router.get("/jobs")
def recent_jobs(session: SessionDep, _: CallerDep, limit: int = 20) -> dict[str, Any]:
    """The most recent jobs with their progress."""
    ids = session.scalars(select(ScanJob.id).order_by(ScanJob.id.desc()).limit(max(1, min(limit, 200))))
    return {"items": [scan_jobs.progress(session, i).as_dict() for i in ids]}


@router.get("/jobs/{job_id}", responses=error_responses(404))
def job_progress(session: SessionDep, _: CallerDep, job_id: DbId) -> dict[str, Any]:
    """Total, done, ok, partial, failed, cancelled and the state of one job."""
    return scan_jobs.progress(session, job_id).as_dict()


@router.post("/jobs/{job_id}/cancel", responses=error_responses(404))
def cancel(session: SessionDep, _: CallerDep, job_id: DbId) -> dict[str, Any]:
    """Cancel a job: pending domains are dropped, finished results kept."""
    scan_jobs.cancel_job(session, job_id)
    session.commit()
    return scan_jobs.progress(session, job_id).as_dict()


@router.get("/rescan")
def rescan_progress(request: Request, session: SessionDep, _: CallerDep) -> dict[str, Any]:
    """The periodic rescan: companies, how many are due, one beat tick's share (the window spread evenly) and
    the last periodic job's progress."""
    settings = request.app.state.settings
    return rescan_plan.status_json(rescan_plan.rescan_status(session, interval_days=settings.rescan_interval_days,
                                                             tick_seconds=settings.rescan_check_seconds))
