"""The task that sends one note to Dynamics 365 when its author asks (thin, named, bounded retries).

``hunter.push_note_to_d365(note_id)``: one annotation upsert (safe to run twice: the same annotation is
updated). A failure that may pass (5xx, network, throttling) is retried twice with backoff; the note's
``d365_pushed_at`` stays empty until a send succeeds, so the author sees it was not sent and can ask again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from leadhunter.config import Settings
from leadhunter.jobs import d365_runtime
from leadhunter.jobs.celery_app import app
from leadhunter.runtime import session_factory
from leadhunter.services import note_push

log = logging.getLogger(__name__)
RETRY_SECONDS = 10


def dispatch_note_push(note_id: int) -> None:
    """Enqueue the send of one note (the API's port)."""
    push_note_to_d365.delay(note_id)


@app.task(name="hunter.push_note_to_d365", bind=True, max_retries=2, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True)
def push_note_to_d365(self: Any, note_id: int) -> dict[str, Any]:
    """Send note ``note_id`` to its lead's D365 record."""
    settings = Settings()
    if not settings.d365_enabled:
        return {"note_id": note_id, "status": "disabled"}
    result = note_push.push_note(session_factory(settings.database()), d365_runtime.client(settings), note_id)
    if result.status == note_push.FAILED:
        log.warning("note %s not sent to D365: %s", note_id, result.message)
        if self.request.retries < self.max_retries:
            raise self.retry(countdown=RETRY_SECONDS * (self.request.retries + 1))
    return {"note_id": note_id, "status": result.status, "message": result.message}
