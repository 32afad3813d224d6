"""The activity log: who did what, and the admin's filtered view of it (the caller owns the commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadhunter.db.auth_models import ActivityEvent
from leadhunter.db.models import utcnow

PAGE_SIZE = 50


def record(session: Session, *, actor: str, action: str, role: str | None = None, target: str | None = None,
           status: int | None = None, details: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Add one event (strings cut to their column widths)."""
    session.add(ActivityEvent(at=at or utcnow(), actor=actor[:220], role=role, action=action[:120],
                              target=target[:300] if target else None, status=status, details=details))


@dataclass(frozen=True)
class ActivityFilter:
    """Which events: ``actor`` (exact, or a prefix ending in ``*``), ``action`` (substring), ``since`` /
    ``until`` (datetimes, inclusive / exclusive), ``failed`` (None = all; True = status ≥ 400 only)."""

    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    failed: bool | None = None


def query(session: Session, flt: ActivityFilter, *, page: int = 1, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of events, newest first, with the total and the actors and actions seen (for the filters)."""
    stmt = select(ActivityEvent)
    if flt.actor:
        stmt = stmt.where(ActivityEvent.actor.startswith(flt.actor[:-1], autoescape=True) if flt.actor.endswith("*")
                          else ActivityEvent.actor == flt.actor)
    if flt.action:
        stmt = stmt.where(ActivityEvent.action.contains(flt.action, autoescape=True))
    if flt.since is not None:
        stmt = stmt.where(ActivityEvent.at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(ActivityEvent.at < flt.until)
    if flt.failed is True:
        stmt = stmt.where(ActivityEvent.status >= 400)
    elif flt.failed is False:
        stmt = stmt.where((ActivityEvent.status < 400) | ActivityEvent.status.is_(None))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(ActivityEvent.at.desc(), ActivityEvent.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    actors = session.scalars(select(ActivityEvent.actor).distinct().order_by(ActivityEvent.actor).limit(200))
    actions = session.scalars(select(ActivityEvent.action).distinct().order_by(ActivityEvent.action).limit(200))
    return {"total": total, "page": page, "page_size": page_size,
            "items": [_json(row) for row in rows], "actors": list(actors), "actions": list(actions)}


def _json(row: ActivityEvent) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
            "target": row.target, "status": row.status, "details": row.details}
