"""Reads of the Dynamics 365 push: which leads a request means, the overall status, a job's progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadhunter.db import d365_repo, leads_repo
from leadhunter.db.d365_models import ITEM_PENDING, JOB_DONE, SYNC_STATES, D365BulkJob, D365BulkJobItem
from leadhunter.db.models import Company
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services.d365_push import ENABLE_HINT

MAX_PUSH = 100_000
"""Most leads one push request may hold (a bigger filter is refused: narrow it)."""


class PushJobNotFoundError(LookupError):
    """No D365 push job with that id."""


class TooManyLeadsError(ValueError):
    """The request matches more than :data:`MAX_PUSH` leads."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def leads_by_ids(session: Session, ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """The ids that are companies (in the given order, duplicates dropped) and those that are not."""
    wanted = list(dict.fromkeys(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(select(Company.id).where(Company.id.in_(wanted[start:start + 500]))))
    return [i for i in wanted if i in found], [i for i in wanted if i not in found]


def leads_by_domains(session: Session, texts: Sequence[str]) -> tuple[list[int], list[str]]:
    """Company ids for domains (as stored or as typed: URLs and e-mails work too) and the texts matching none."""
    wanted: dict[str, str] = {}
    unknown: list[str] = []
    for text in texts:
        norm = normalize_domain(text)
        if norm.domain:
            wanted.setdefault(norm.domain, text)
        else:
            unknown.append(text)
    domains = list(wanted)
    ids: dict[str, int] = {}
    for start in range(0, len(domains), 500):
        ids.update((domain, int(cid)) for domain, cid in session.execute(
            select(Company.domain, Company.id).where(Company.domain.in_(domains[start:start + 500]))))
    unknown += [text for domain, text in wanted.items() if domain not in ids]
    return [ids[d] for d in domains if d in ids], unknown


def leads_by_filter(session: Session, flt: leads_repo.LeadFilter) -> list[int]:
    """Every company the lead list shows for ``flt``, in its default order; :class:`TooManyLeadsError` past
    :data:`MAX_PUSH`."""
    dialect = session.get_bind().dialect.name
    stmt = (select(Company.id).where(*leads_repo.filter_conditions(flt, dialect))
            .order_by(*leads_repo.order_by("default", False)).limit(MAX_PUSH + 1))
    ids = [int(i) for i in session.scalars(stmt)]
    if len(ids) > MAX_PUSH:
        raise TooManyLeadsError(f"the filter matches more than {MAX_PUSH} leads; narrow it")
    return ids


def push_status(session: Session, *, enabled: bool, problem: str | None = None, failures: int = 10) -> dict[str, Any]:
    """Whether pushing is on (``status``: disabled / not_configured / enabled; ``message`` says why), leads per
    push state, the last attempt, the latest failures, open jobs."""
    counts = {state: 0 for state in SYNC_STATES} | d365_repo.status_counts(session)
    last = d365_repo.last_attempt(session)
    open_jobs = session.scalar(select(func.count()).select_from(D365BulkJob).where(D365BulkJob.status != JOB_DONE))
    return {
        "enabled": enabled,
        "status": "disabled" if not enabled else "not_configured" if problem else "enabled",
        "message": ENABLE_HINT if not enabled else problem,
        "counts": counts,
        "open_jobs": int(open_jobs or 0),
        "last_push": None if last is None else {
            "at": _iso(last.attempted_at), "domain": last.domain, "outcome": last.outcome,
            "http_status": last.http_status, "request_id": last.request_id, "error_category": last.error_category},
        "recent_failures": [
            {"id": row.company_id, "domain": domain, "error": row.last_error, "error_category": row.error_category,
             "attempts": row.attempts, "http_status": row.last_status, "pushed_at": _iso(row.last_push_at)}
            for row, domain in d365_repo.recent_failures(session, failures)],
    }


def job_progress(session: Session, job_id: int) -> dict[str, Any]:
    """A push job's state and counts (``pending`` counted from its items); :class:`PushJobNotFoundError`."""
    job = session.get(D365BulkJob, job_id)
    if job is None:
        raise PushJobNotFoundError(f"no D365 push job {job_id}")
    pending = int(session.scalar(select(func.count()).select_from(D365BulkJobItem).where(
        D365BulkJobItem.job_id == job_id, D365BulkJobItem.state == ITEM_PENDING)) or 0)
    return {"id": job.id, "kind": job.kind, "status": job.status, "requested_by": job.requested_by,
            "total": job.total, "synced": job.done, "failed": job.failed, "pending": pending,
            "done": job.total - pending, "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
            "finished_at": _iso(job.finished_at)}
