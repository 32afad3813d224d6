"""Who did what: every state-changing request (and every export) is written to the activity log once its
answer is sent — the caller (``user:<name>``, ``key:<prefix>``, ``local``), their role, the route (its path
template, e.g. ``POST /api/leads/{domain}/rescan``), the path it was called on, and the status. Refused and
failed requests are recorded too (with their status). Pure ASGI, inside the gates (the caller is known).

A route may add details to its own entry: ``note_activity(request, job_id=12)``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadhunter.api.access import Actor
from leadhunter.api.host_guard import UNSAFE_METHODS
from leadhunter.services import activity

log = logging.getLogger(__name__)

AUDITED_READS = frozenset({"/api/leads/export"})
"""GET paths recorded as well: what left the building."""


def note_activity(request: Request, **details: Any) -> None:
    """Add ``details`` (JSON values) to this request's activity entry."""
    notes = request.scope.setdefault("state", {}).setdefault("activity_details", {})
    notes.update(details)


class ActivityLog:
    """See the module docstring."""

    def __init__(self, app: ASGIApp, *, factory: sessionmaker[Session]) -> None:
        self.app, self.factory = app, factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = str(scope.get("method", "")), str(scope.get("path", ""))
        if scope["type"] != "http" or not (method in UNSAFE_METHODS or path in AUDITED_READS) \
                or not (path.startswith("/api/") or path.startswith("/auth/")):
            await self.app(scope, receive, send)
            return
        status: list[int] = []
        recorded: list[bool] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body" and not message.get("more_body") and not recorded:
                # recorded before the last byte goes out: whoever saw the answer can find its entry
                recorded.append(True)
                await run_in_threadpool(self._record, scope, status[0] if status else 500)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if not recorded:  # the app failed before answering (the 500 is written outside)
                await run_in_threadpool(self._record, scope, 500)

    def _record(self, scope: Scope, status: int) -> None:
        state = scope.get("state") or {}
        actor = state.get("actor")
        route = scope.get("route")
        template = getattr(route, "path", None) or str(scope.get("path", ""))
        query = scope.get("query_string", b"").decode("latin-1")
        target = str(scope.get("path", "")) + (f"?{query}" if query else "")
        details = dict(state.get("activity_details") or {})
        if isinstance(state.get("request_id"), str):
            details["request_id"] = state["request_id"]
        try:
            with self.factory.begin() as session:
                activity.record(session, actor=actor.name if isinstance(actor, Actor) else "anonymous",
                                role=actor.role if isinstance(actor, Actor) else None,
                                action=f"{scope.get('method')} {template}", target=target, status=status,
                                details=details or None)
        except SQLAlchemyError as exc:  # the request's own work is done; a lost log line must not fail it
            log.warning("activity not recorded for %s %s: %s", scope.get("method"), target[:200], exc)
