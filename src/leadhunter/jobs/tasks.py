"""Celery tasks: thin, named, idempotent, bounded retries. Ids in, one service call each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery.signals import worker_ready
from sqlalchemy.exc import OperationalError

from leadhunter.config import Settings
from leadhunter.jobs.celery_app import app
from leadhunter.jobs.registration_tasks import dispatch_registration
from leadhunter.runtime import scan_options, session_factory
from leadhunter.services import registration, rescan_plan, scan_jobs

log = logging.getLogger(__name__)
STALL_AFTER = timedelta(minutes=10)  # a running job's pending chunk is re-sent after this long without progress


def _settings() -> Settings:
    return Settings()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed, as ``hunter scan`` uses: it cuts the scan loop's CPU per domain by about a
    third in a worker (bench/celery_scan_bench.py), and a worker is CPU-bound."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def dispatch_chunk(job_id: int, chunk: int) -> None:
    """Enqueue one chunk (the :data:`leadhunter.services.scan_jobs.Dispatch` port)."""
    scan_chunk.delay(job_id, chunk)


@app.task(name="hunter.scan_chunk", bind=True, max_retries=3, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=2, retry_jitter=True)
def scan_chunk(self: Any, job_id: int, chunk: int) -> int:
    """Scan one chunk of a job (safe to run twice: finished items are skipped)."""
    settings = _settings()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        stored = runner.run(scan_jobs.scan_chunk(session_factory(settings.database()), scan_options(settings),
                                                 job_id, chunk))
    log.info("job %s chunk %s: %s stored", job_id, chunk, stored)
    if stored and settings.registration:
        # Beside the scan, never in its way: the lookups go to the registration queue and its own worker.
        with session_factory(settings.database())() as session:
            dispatch_registration(registration.chunk_company_ids(session, job_id, chunk))
    return stored


@app.task(name="hunter.periodic_rescan", max_retries=0)
def periodic_rescan() -> int | None:
    """Queue this tick's even share of the periodic rescan (``services.rescan_plan``: every company once per
    ``rescan_interval_days``, least recently scanned first); returns the job id."""
    settings = _settings()
    factory = session_factory(settings.database())
    with factory.begin() as session:
        ids = rescan_plan.companies_for_tick(session, interval_days=settings.rescan_interval_days,
                                             tick_seconds=settings.rescan_check_seconds)
        if not ids or scan_jobs.active_job_ids(session, kind="periodic"):
            return None  # nothing due, or the previous periodic run is still going: never overlap
        job, chunks = scan_jobs.create_scan_job(session, ids, "periodic", requested_by="beat",
                                                chunk_size=settings.scan_chunk_size)
        job_id = job.id
    for chunk in chunks:
        dispatch_chunk(job_id, chunk)
    return job_id


@app.task(name="hunter.resume_stalled_jobs", max_retries=0)
def resume_stalled_jobs() -> int:
    """Re-send pending chunks of running jobs that made no progress for :data:`STALL_AFTER`, and close running
    jobs that have nothing pending any more."""
    factory = session_factory(_settings().database())
    with factory() as session:
        stalled = scan_jobs.stalled_chunks(session, stall_after=STALL_AFTER)
        idle = scan_jobs.unfinished_idle_jobs(session)
    for job_id in idle:  # nothing left to scan, but never closed (worker killed in between)
        scan_jobs.finish_if_complete(factory, job_id)
    for job_id, chunk in stalled:
        dispatch_chunk(job_id, chunk)
    return len(stalled)


@worker_ready.connect
def _resume_after_restart(**_: object) -> None:
    """Re-send the pending chunks of unfinished jobs when a worker starts.

    The SQLite broker forgets deliveries to a worker that died, and Redis only restores them after the
    visibility timeout; re-sending at once means a restarted worker resumes at once. Safe because a
    chunk is idempotent: finished items are skipped and a twin delivery stores nothing twice.
    """
    settings = _settings()
    factory = session_factory(settings.database())
    with factory() as session:
        pending = [(job_id, chunk) for job_id in scan_jobs.active_job_ids(session)
                   for chunk in scan_jobs.pending_chunks(session, job_id)]
    for job_id, chunk in pending:
        dispatch_chunk(job_id, chunk)
