"""The Dynamics 365 push tasks: thin, named, idempotent, bounded retries. Ids in, one service call each.

- ``hunter.push_lead_to_d365(company_id)``: one lead, its own upsert; at most 3 attempts (``max_retries=2``),
  the waits between them being the service's backoff (or D365's ``Retry-After``).
- ``hunter.push_d365_chunk(job_id, chunk)``: the pending leads of one chunk of a bulk job, in ``$batch``
  change sets. It runs again when leads of the chunk wait for a backoff or for the lease of a worker that
  died (``max_retries=5``: three attempts plus waits for lost leases).
- ``hunter.resume_d365_pushes``: re-sends every chunk with pending leads (at worker start; the beat can run
  it too). Tasks are safe to deliver twice, so re-sending is always harmless.

With the feature off the tasks return ``disabled`` at once: no call reaches D365, the leads stay queued.
Sentry is started in the worker when ``HUNTER_SENTRY_DSN`` is set.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from leadhunter.config import Settings
from leadhunter.db import d365_repo
from leadhunter.integrations.common.errors import ConfigurationError
from leadhunter.integrations.d365 import DataverseClient
from leadhunter.jobs import d365_runtime
from leadhunter.jobs.celery_app import app
from leadhunter.runtime import session_factory
from leadhunter.services import d365_push
from leadhunter.services.d365_push import PushRequest, RunResult

log = logging.getLogger(__name__)
MIN_COUNTDOWN = 0.2  # seconds: never re-run a task in a tight loop


def dispatch_push(request: PushRequest) -> None:
    """Enqueue a queued request (the API's port): one lead → its own task, else one task per chunk."""
    if request.count == 1:
        push_lead_to_d365.delay(request.company_ids[0], request.job_id)
        return
    for chunk in request.chunks:
        push_d365_chunk.delay(request.job_id, chunk)


def _client(settings: Settings) -> DataverseClient | None:
    """The process's client, or None (logged) when the settings are incomplete: the leads stay queued and
    are resumed once the settings are fixed and a worker starts."""
    try:
        return d365_runtime.client(settings)
    except ConfigurationError as exc:
        log.error("D365 push cannot run: %s", exc)
        return None


def _again(task: Any, result: RunResult, what: str) -> dict[str, Any]:
    """Run the task again when some of its leads wait (backoff or a lost worker's lease)."""
    summary = {"claimed": result.claimed, "synced": result.synced, "failed": result.failed,
               "requeued": result.requeued, "pending": result.pending}
    if result.retry_in is None:
        return summary
    if task.request.retries >= task.max_retries:
        log.warning("%s: %s leads still pending after %s runs; left to resume_d365_pushes", what, result.pending,
                    task.request.retries + 1)
        return {**summary, "status": "waiting"}
    raise task.retry(countdown=max(result.retry_in, MIN_COUNTDOWN))


@app.task(name="hunter.push_lead_to_d365", bind=True, max_retries=2, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True)
def push_lead_to_d365(self: Any, company_id: int, job_id: int | None = None) -> dict[str, Any]:
    """Push one lead (safe to run twice: a lead pushed meanwhile, or held by a live worker, is left alone)."""
    settings = Settings()
    if not settings.d365_enabled:
        log.info("D365 push is disabled; nothing called")
        return {"company_id": company_id, "status": "disabled"}
    client = _client(settings)
    if client is None:
        return {"company_id": company_id, "status": "not_configured"}
    result = d365_push.push_lead(session_factory(settings.database()), client, company_id,
                                 options=d365_runtime.push_options(settings))
    return {"company_id": company_id, "job_id": job_id, **_again(self, result, f"lead {company_id}")}


@app.task(name="hunter.push_d365_chunk", bind=True, max_retries=5, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True)
def push_d365_chunk(self: Any, job_id: int, chunk: int) -> dict[str, Any]:
    """Push the pending leads of one chunk of a bulk job (safe to run twice)."""
    settings = Settings()
    if not settings.d365_enabled:
        log.info("D365 push is disabled; nothing called")
        return {"job_id": job_id, "chunk": chunk, "status": "disabled"}
    client = _client(settings)
    if client is None:
        return {"job_id": job_id, "chunk": chunk, "status": "not_configured"}
    result = d365_push.push_chunk(session_factory(settings.database()), client, job_id, chunk,
                                  options=d365_runtime.push_options(settings))
    return {"job_id": job_id, "chunk": chunk, **_again(self, result, f"job {job_id} chunk {chunk}")}


@app.task(name="hunter.resume_d365_pushes", max_retries=0)
def resume_d365_pushes() -> int:
    """Re-send every chunk with pending leads of an unfinished push job; returns how many."""
    settings = Settings()
    if not settings.d365_enabled:
        return 0
    with session_factory(settings.database())() as session:
        chunks = d365_repo.active_chunks(session)
    try:
        for job_id, chunk in chunks:
            push_d365_chunk.delay(job_id, chunk)
    except (BrokerError, OSError) as exc:
        log.warning("broker unavailable, D365 push chunks wait for the next resume: %s", exc)
    return len(chunks)


@worker_ready.connect
def _resume_after_restart(**_: object) -> None:
    """Re-send unfinished push chunks when a worker starts: the SQLite broker forgets deliveries to a worker
    that died, and Redis restores them only after the visibility timeout."""
    resume_d365_pushes()


@worker_init.connect
@worker_process_init.connect
def _sentry(**_: object) -> None:
    """Start Sentry in the worker (and in each pool process) when a DSN is configured."""
    d365_runtime.init_sentry(Settings())
