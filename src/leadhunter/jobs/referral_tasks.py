"""The Partner Center sync task: thin, named, idempotent, bounded retries; a failed sync is recorded on
its run (by the service), never raised into the worker."""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from leadhunter.config import Settings
from leadhunter.jobs import referral_runtime
from leadhunter.jobs.celery_app import app
from leadhunter.jobs.tasks import dispatch_chunk
from leadhunter.runtime import session_factory
from leadhunter.services import referrals

log = logging.getLogger(__name__)


def dispatch_sync(run_id: int) -> None:
    """Enqueue the execution of a queued run (the API's port)."""
    sync_referrals.delay(run_id, "manual")


@app.task(name="hunter.sync_referrals", bind=True, max_retries=3, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True)
def sync_referrals(self: Any, run_id: int | None = None, trigger: str = "beat") -> dict[str, Any]:
    """Execute run ``run_id`` (None: the schedule's run) and dispatch the scans it queued.

    Safe to deliver twice: only one delivery claims the run, the other returns ``busy``. Only a database
    outage is retried (bounded); every Partner Center failure is already recorded on the run.
    """
    settings = Settings()
    if not settings.partner_center_enabled:
        log.info("Partner Center sync is disabled; nothing called")
        return {"run_id": run_id, "status": "disabled"}
    outcome = referrals.run_sync(
        session_factory(settings.database()), client_factory=referral_runtime.client_factory(settings),
        run_id=run_id, trigger=trigger, options=referral_runtime.sync_options(settings),
        auth_changed_at=referral_runtime.auth_changed_at(settings),
    )
    if outcome.scan_job_id is not None:
        try:
            for chunk in outcome.chunks:
                dispatch_chunk(outcome.scan_job_id, chunk)
        except (BrokerError, OSError) as exc:  # the job is stored: the stalled-job sweeper sends it later
            log.warning("broker unavailable, scan job %s left to the sweeper: %s", outcome.scan_job_id, exc)
    return {"run_id": outcome.run_id, "status": outcome.status, "executed": outcome.executed,
            "scan_job_id": outcome.scan_job_id, "error": outcome.error}
