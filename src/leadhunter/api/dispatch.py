"""Hand chunks to the queue after the commit. A broker outage is reported, never fatal: the job is in
the database, and the chunks the broker refused are sent again from this process as soon as it takes them
(every :data:`RETRY_SECONDS`); the stalled-job sweeper is the backstop if this process stops first."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from fastapi import Request
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # pause between attempts to hand refused chunks to the broker again
GIVE_UP_SECONDS = 900.0  # after this long the stalled-job sweeper (10 min without progress) owns the job

Dispatch = Callable[[int, int], None]


class Redispatcher:
    """Chunks the broker refused, sent again from a background thread until it takes them.

    ``dispatch`` enqueues one (job, chunk). A chunk sent twice is harmless (chunks are idempotent), so the
    only aim is to not leave a job waiting for the sweeper after a short broker outage."""

    def __init__(self, dispatch: Dispatch, *, retry_seconds: float = RETRY_SECONDS,
                 give_up_seconds: float = GIVE_UP_SECONDS) -> None:
        self._dispatch = dispatch
        self._retry, self._give_up = retry_seconds, give_up_seconds
        self._lock = threading.Lock()
        self._waiting: list[tuple[float, int, list[int]]] = []  # (since, job, chunks not yet taken)
        self._thread: threading.Thread | None = None

    def pending(self) -> int:
        """How many chunks are waiting for the broker."""
        with self._lock:
            return sum(len(chunks) for _, _, chunks in self._waiting)

    def add(self, job_id: int, chunks: list[int]) -> None:
        """Keep ``chunks`` of ``job_id`` to send again; starts the background thread if it is not running."""
        with self._lock:
            self._waiting.append((time.monotonic(), job_id, list(chunks)))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="hunter-redispatch", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self._retry)
            with self._lock:
                waiting, self._waiting = self._waiting, []
            kept = [entry for entry in (self._send(*entry) for entry in waiting) if entry is not None]
            with self._lock:
                self._waiting = kept + self._waiting
                if not self._waiting:
                    self._thread = None
                    return

    def _send(self, since: float, job_id: int, chunks: list[int]) -> tuple[float, int, list[int]] | None:
        left = _send_all(self._dispatch, job_id, chunks)
        if not left:
            log.info("broker back: job %s's chunks are queued", job_id)
            return None
        if time.monotonic() - since > self._give_up:
            log.warning("broker still unavailable after %.0f s; job %s is left to the sweeper", self._give_up, job_id)
            return None
        return since, job_id, left


def _send_all(dispatch: Dispatch, job_id: int, chunks: list[int]) -> list[int]:
    """Enqueue ``chunks`` in order; the ones not taken (from the first refusal on)."""
    for i, chunk in enumerate(chunks):
        try:
            dispatch(job_id, chunk)
        except (BrokerError, OSError) as exc:
            log.warning("broker unavailable for job %s (%d chunks wait): %s", job_id, len(chunks) - i, exc)
            return chunks[i:]
    return []


def dispatch_all(request: Request, job_id: int | None, chunks: list[int]) -> bool:
    """Enqueue every chunk; False when the broker refused some (they are sent again in the background)."""
    if job_id is None:
        return True
    left = _send_all(request.app.state.dispatch, job_id, chunks)
    if left:
        request.app.state.redispatch.add(job_id, left)
        return False
    return True
