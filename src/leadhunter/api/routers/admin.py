"""Administration (role ``admin``): API keys for machines (created here or with ``hunter keys create``, the
plaintext shown once), the sessions of signed-in people (revocable), and the activity log with filters.
Plus ``GET /api/me`` (any role): who the caller is, for the UI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from leadhunter.api.access import CurrentActor
from leadhunter.api.activity_log import note_activity
from leadhunter.api.deps import DbId, PageDep, SessionDep, SettingsDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.db.models import ApiKey
from leadhunter.services import activity, api_keys, user_sessions

router = APIRouter(prefix="/api", tags=["admin"], responses=error_responses(401, 403, 422, 429))


@router.get("/me")
def me(actor: CurrentActor, settings: SettingsDep) -> dict[str, Any]:
    """The caller: ``kind`` (local, key, user), ``name`` as recorded, ``role``, and the auth mode."""
    return {**actor.as_json(), "auth_mode": settings.auth_mode or "default"}


class NewKey(BaseModel):
    """A key for a machine: what it is for, its role, who answers for it, its request budget."""

    name: Text = Field(..., min_length=1, max_length=100)
    role: Literal["viewer", "seller", "admin"] = "seller"
    owner: Text | None = Field(None, max_length=200, description="Default: the admin creating it")
    rate_per_minute: int = Field(600, ge=1, le=100_000)


def _key_json(row: ApiKey) -> dict[str, Any]:
    return {"id": row.id, "prefix": row.prefix, "name": row.name, "role": row.role, "owner": row.owner,
            "rate_per_minute": row.rate_per_minute, "created_at": row.created_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None}


@router.get("/admin/keys")
def list_keys(session: SessionDep) -> dict[str, Any]:
    """Every key, newest first (never the key itself: only its prefix)."""
    return {"items": [_key_json(row) for row in api_keys.list_keys(session)]}


@router.post("/admin/keys", status_code=201)
def create_key(session: SessionDep, actor: CurrentActor, body: NewKey) -> dict[str, Any]:
    """Create a key; ``key`` in the answer is the only time it is ever shown."""
    key, row = api_keys.create_key(session, body.name, rate_per_minute=body.rate_per_minute, role=body.role,
                                   owner=body.owner or actor.name)
    session.commit()
    return {**_key_json(row), "key": key}


@router.post("/admin/keys/{key_id}/revoke", responses=error_responses(404))
def revoke_key(session: SessionDep, key_id: DbId) -> dict[str, Any]:
    """Revoke a key at once (its next request is refused)."""
    if not api_keys.revoke_key(session, str(key_id)):
        raise ApiError(404, "key_not_found", f"no active key {key_id}")
    session.commit()
    return {"id": key_id, "revoked": True}


@router.get("/admin/sessions")
def list_sessions(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Live sessions of signed-in people, newest first."""
    rows = user_sessions.live_sessions(session, idle=timedelta(minutes=settings.session_idle_minutes))
    return {"items": [{"id": r.id, "name": r.name, "display_name": r.display_name, "role": r.role,
                       "tenant_id": r.tenant_id, "created_at": r.created_at.isoformat(),
                       "last_seen_at": r.last_seen_at.isoformat(), "expires_at": r.expires_at.isoformat()}
                      for r in rows]}


@router.post("/admin/sessions/{session_id}/revoke", responses=error_responses(404))
def revoke_session(session: SessionDep, session_id: DbId) -> dict[str, Any]:
    """End a session now (its browser must sign in again)."""
    if not user_sessions.revoke_session(session, session_id):
        raise ApiError(404, "session_not_found", f"no live session {session_id}")
    session.commit()
    return {"id": session_id, "revoked": True}


@router.get("/admin/activity")
def list_activity(session: SessionDep, page: PageDep = 1,
                  actor: Annotated[Text, Query(max_length=220, description="Exact, or a prefix ending in *")] = "",
                  action: Annotated[Text, Query(max_length=120, description="Part of the action")] = "",
                  since: datetime | None = None, until: datetime | None = None,
                  failed: bool | None = None,
                  page_size: Annotated[int, Query(ge=1, le=500)] = activity.PAGE_SIZE) -> dict[str, Any]:
    """Who did what, newest first, filtered; ``actors`` and ``actions`` list the values seen (for the filters)."""
    flt = activity.ActivityFilter(actor=actor, action=action, since=since, until=until, failed=failed)
    return activity.query(session, flt, page=page, page_size=page_size)


__all__ = ["note_activity", "router"]
