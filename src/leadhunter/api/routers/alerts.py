"""Alerts: recent alert-worthy changes across all leads (provider changed, DMARC added or tightened,
segment moved), newest first, and acknowledging them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from leadhunter.api.deps import CallerDep, DbId, SessionDep
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.db import companies_repo
from leadhunter.db.models import Company, CompanyChange

router = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=error_responses(401, 422, 429))


@router.get("")
def list_alerts(session: SessionDep, _: CallerDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                include_acknowledged: bool = False) -> dict[str, Any]:
    """Alert-worthy changes with the lead's domain."""
    changes = companies_repo.alerts(session, limit=limit, include_acknowledged=include_acknowledged)
    ids = {c.company_id for c in changes}
    domains = dict(session.execute(select(Company.id, Company.domain_unicode).where(Company.id.in_(ids))).all()) \
        if ids else {}
    return {"items": [{"id": c.id, "domain": domains.get(c.company_id), "changed_at": c.changed_at.isoformat(),
                       "kind": c.kind, "old": c.old, "new": c.new, "detail": c.detail,
                       "acknowledged": c.acknowledged} for c in changes]}


@router.post("/{alert_id}/ack", responses=error_responses(404))
def acknowledge(session: SessionDep, _: CallerDep, alert_id: DbId) -> dict[str, Any]:
    """Mark one alert as seen."""
    change = session.get(CompanyChange, alert_id)
    if change is None or not change.alert:
        raise ApiError(404, "alert_not_found", f"no alert {alert_id}")
    change.acknowledged = True
    session.commit()
    return {"id": alert_id, "acknowledged": True}
