"""The session cookie (``HUNTER_AUTH_MODE=entra``), checked for every request before the key gate (pure ASGI).

- A live session (see :mod:`leadhunter.services.user_sessions`) makes the caller ``user:<sign-in name>`` with
  the session's role; the :class:`~leadhunter.api.key_gate.KeyGate` then lets the request through without a
  key. A request that carries an API key is left to the key gate (machines use keys, not cookies).
- CSRF: a state-changing request (POST, PUT, PATCH, DELETE) made with the session cookie must carry the
  session's token in ``X-CSRF-Token`` (the UI reads it from the ``hunter_csrf`` cookie, which is not
  HttpOnly; another site can neither read it nor set the header): otherwise 403 ``csrf_failed``. Together
  with SameSite=Lax this holds even for a browser that sends neither ``Sec-Fetch-Site`` nor ``Origin``.
- ``GET /`` without a live session is sent to ``/auth/login`` (back to the same page and query afterwards).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from leadhunter.api.access import Actor
from leadhunter.api.edge_reply import header, send_error
from leadhunter.api.host_guard import UNSAFE_METHODS
from leadhunter.config import Settings
from leadhunter.services import user_sessions

SESSION_COOKIE = "hunter_session"
CSRF_COOKIE = "hunter_csrf"
LOGIN_COOKIE = "hunter_login"  # binds a sign-in attempt to the browser that started it
CSRF_HEADER = b"x-csrf-token"


def read_cookie(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name`` in the request, or None (a malformed Cookie header counts as none)."""
    raw = header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


class SessionGate:
    """See the module docstring; does nothing unless ``settings.auth_mode == "entra"``."""

    def __init__(self, app: ASGIApp, *, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.app, self.settings, self.factory = app, settings, factory
        self.idle = timedelta(minutes=settings.session_idle_minutes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.settings.auth_mode != "entra":
            await self.app(scope, receive, send)
            return
        token = read_cookie(scope, SESSION_COOKIE)
        has_key = header(scope, b"authorization") is not None or header(scope, b"x-api-key") is not None
        found = await run_in_threadpool(self._lookup, token) if token and not has_key else None
        path, method = str(scope.get("path", "")), str(scope.get("method", ""))
        if found is not None:
            csrf = header(scope, CSRF_HEADER) or ""
            if method in UNSAFE_METHODS and not hmac.compare_digest(csrf.encode(), found.csrf_token.encode()):
                await send_error(send, scope, 403, "csrf_failed",
                                 "this request lacks the session's CSRF token (X-CSRF-Token); reload the page")
                return
            state = scope.setdefault("state", {})
            state["actor"] = Actor("user", f"user:{found.name}", found.role, found.id, found.display_name)
            state["caller"] = f"user:{found.name}"[:64]
            state["session"] = found
        elif method in ("GET", "HEAD") and path == "/" and not has_key:
            query = scope.get("query_string", b"").decode("latin-1")
            back = "/" + (f"?{query}" if query else "")
            await _redirect(send, f"/auth/login?next={quote(back, safe='')}")
            return
        await self.app(scope, receive, send)

    def _lookup(self, token: str) -> user_sessions.SessionView | None:
        with self.factory.begin() as session:  # begin: the last-seen touch is committed
            return user_sessions.find_session(session, token, idle=self.idle)


async def _redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0"),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
