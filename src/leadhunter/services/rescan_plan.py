"""The periodic rescan spread evenly over its window: each beat tick queues an equal share of the companies.

With ``rescan_interval_days`` = 14 and a tick every ``rescan_check_seconds`` = 3600 s, a tick queues
``ceil(companies x 3600 / (14 x 86400))`` companies, the least recently scanned first (never scanned ones before
all): 2,977 an hour for 1,000,000. Companies imported together (a million on one day) are not rescanned together
14 days later: the oldest-first share rescans them across the ticks, and within one window the load is level. A
company scanned less than half a window ago is never taken (a small list does not rescan in circles).

Resumable: each tick's share is an ordinary scan job (``kind = "periodic"``) whose items survive restarts and
whose stalled chunks the sweeper re-sends; a tick while the previous share is still running queues nothing. Its
progress is :func:`rescan_status` (``GET /api/rescan``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, ScanJob, utcnow


def tick_share(companies: int, *, interval_days: float, tick_seconds: float) -> int:
    """Companies one tick queues so that ``companies`` are all rescanned once per ``interval_days``."""
    if companies <= 0:
        return 0
    return math.ceil(companies * tick_seconds / (interval_days * 86_400))


def companies_for_tick(session: Session, *, interval_days: float, tick_seconds: float) -> list[int]:
    """Ids of this tick's share: never scanned first, then the least recently scanned, none scanned within half
    a window (``interval_days / 2``)."""
    total = int(session.scalar(select(func.count()).select_from(Company)) or 0)
    share = tick_share(total, interval_days=interval_days, tick_seconds=tick_seconds)
    if share == 0:
        return []
    recent = utcnow() - timedelta(days=interval_days / 2)
    stmt = (select(Company.id).where(or_(Company.scanned_at.is_(None), Company.scanned_at < recent))
            .order_by(Company.scanned_at.asc().nulls_first(), Company.id).limit(share))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class RescanStatus:
    """Where the periodic rescan stands: companies in all, how many are due (last scan older than the window
    or never scanned), one tick's share, and the last periodic job's progress."""

    companies: int
    due: int
    tick_share: int
    interval_days: float
    tick_seconds: float
    last_job: dict[str, Any] | None


def rescan_status(session: Session, *, interval_days: float, tick_seconds: float) -> RescanStatus:
    """The periodic rescan's progress (see :class:`RescanStatus`)."""
    total = int(session.scalar(select(func.count()).select_from(Company)) or 0)
    cutoff = utcnow() - timedelta(days=interval_days)
    due = int(session.scalar(select(func.count()).select_from(Company)
                             .where(or_(Company.scanned_at.is_(None), Company.scanned_at < cutoff))) or 0)
    job = session.scalars(select(ScanJob).where(ScanJob.kind == "periodic").order_by(ScanJob.id.desc())
                          .limit(1)).first()
    last = None if job is None else {
        "job_id": job.id, "status": job.status, "total": job.total, "done": job.done, "failed": job.failed,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None}
    return RescanStatus(total, due, tick_share(total, interval_days=interval_days, tick_seconds=tick_seconds),
                        interval_days, tick_seconds, last)


def status_json(status: RescanStatus) -> dict[str, Any]:
    """:class:`RescanStatus` as the API returns it."""
    return asdict(status)
