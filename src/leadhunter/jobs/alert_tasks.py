"""The alert outbox's Celery task: one sweep every 30 s from beat (``alert-delivery``), so a delivery waits
at most that long plus its send. Safe to run twice at once or to retry: claims are leased (see
:mod:`leadhunter.services.alert_delivery`)."""

from __future__ import annotations

import logging

from leadhunter.config import Settings
from leadhunter.jobs.alert_runtime import secret_box, send_options
from leadhunter.jobs.celery_app import app
from leadhunter.runtime import session_factory
from leadhunter.services.alert_delivery import deliver_due

log = logging.getLogger(__name__)


@app.task(name="hunter.deliver_alerts", max_retries=0, acks_late=True)
def deliver_alerts() -> int:
    """Send the alert deliveries that are due; returns how many were sent. Not retried by Celery: the next
    beat tick is the retry, and each delivery carries its own backoff."""
    settings = Settings()
    result = deliver_due(session_factory(settings.database()), secret_box(settings), send_options(settings),
                         public_url=settings.public_url)
    if result.messages:
        log.info("alerts: %s messages, %s deliveries sent, %s retrying, %s failed", result.messages, result.sent,
                 result.retrying, result.failed)
    return result.sent
