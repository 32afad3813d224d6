"""Integrations page (issue 16): the state of the parts an admin turns on (API keys, Sentry) beside the
Partner Center and Dynamics 365 status the page reads from their own routers. No secret ever leaves: only
whether a setting is present."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from leadhunter.api.deps import CallerDep, SessionDep, SettingsDep, auth_required
from leadhunter.api.errors import error_responses
from leadhunter.db.models import ApiKey

router = APIRouter(prefix="/api/integrations", tags=["integrations"], responses=error_responses(401, 403, 429))


@router.get("")
def integrations(session: SessionDep, settings: SettingsDep, _: CallerDep) -> dict[str, Any]:
    """API keys (required or not, how many are active, when one was last used) and Sentry (on or off)."""
    active, last_used = session.execute(
        select(func.count(), func.max(ApiKey.last_used_at)).where(ApiKey.revoked_at.is_(None))).one()
    return {
        "api_keys": {"required": auth_required(settings), "active": int(active or 0),
                     "last_used_at": last_used.isoformat() if last_used else None},
        "sentry": {"enabled": settings.sentry_dsn is not None},
        "partner_center": {"enabled": settings.partner_center_enabled},
        "d365": {"enabled": settings.d365_enabled},
    }
