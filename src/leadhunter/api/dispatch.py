"""Hand chunks to the queue after the commit. A broker outage is reported, never fatal: the job is in
the database and the stalled-job sweeper sends its chunks once the broker is back."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import Request
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)


def dispatch_all(request: Request, job_id: int | None, chunks: list[int]) -> bool:
    """Enqueue every chunk; False (and a log line) when the broker could not take them."""
    if job_id is None:
        return True
    dispatch: Callable[[int, int], None] = request.app.state.dispatch
    try:
        for chunk in chunks:
            dispatch(job_id, chunk)
    except (BrokerError, OSError) as exc:
        log.warning("broker unavailable, job %s will be picked up by the sweeper: %s", job_id, exc)
        return False
    return True
