"""API keys and the per-key rate limit, checked for every ``/api`` request before anything reads its body
(pure ASGI): a caller without a valid key is answered 401 at once, however much it still means to send.

- Which requests need a key: every ``/api`` call when keys are required (:func:`~leadhunter.api.deps.auth_required`),
  webhooks (``/api/webhooks/...``) always. A key that is sent is checked even where none is required.
- Rate limit: each key has its own budget per minute (``hunter keys create --rate``, default 600) spent by
  every ``/api`` call made with it; webhook calls also spend ``HUNTER_WEBHOOK_RATE_PER_MINUTE`` per key.
  Calls without a key (loopback with keys off, i.e. the local UI) are not limited. Over budget: 429 with
  ``Retry-After`` (seconds until the key's next minute).

The caller (``local`` or ``key:<prefix>``) is left in the request state for the routes
(:data:`~leadhunter.api.deps.CallerDep`), with the :class:`~leadhunter.api.access.Actor` (its role: the key's,
or admin for ``local``). A person signed in by :mod:`~leadhunter.api.session_gate` passes without a key.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from leadhunter.api.access import LOCAL_ACTOR, Actor
from leadhunter.api.deps import auth_required, key_from_headers
from leadhunter.api.edge_reply import header, send_error
from leadhunter.api.errors import WWW_AUTHENTICATE
from leadhunter.config import Settings
from leadhunter.services import api_keys

WEBHOOK_PREFIX = "/api/webhooks/"


class RateLimiter:
    """Fixed one-minute windows per bucket (in process memory: enough for one API process; one entry per key)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[Hashable, tuple[int, int]] = {}

    def check(self, bucket: Hashable, per_minute: int) -> int | None:
        """Count one request in ``bucket``; None when allowed, else the whole seconds (≥ 1) until the
        bucket's next minute starts (a refused request is not counted)."""
        now = self._clock()
        minute = int(now // 60)
        with self._lock:
            start, count = self._windows.get(bucket, (minute, 0))
            if start != minute:
                start, count = minute, 0
            if count >= per_minute:
                return max(1, math.ceil((minute + 1) * 60 - now))
            self._windows[bucket] = (start, count + 1)
            return None


class KeyGate:
    """See the module docstring."""

    def __init__(self, app: ASGIApp, *, settings: Settings, factory: sessionmaker[Session],
                 limiter: RateLimiter) -> None:
        self.app, self.settings, self.factory, self.limiter = app, settings, factory, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == "/api" or path.startswith("/api/")):
            await self.app(scope, receive, send)
            return
        key = key_from_headers(header(scope, b"authorization"), header(scope, b"x-api-key"))
        webhook = path.startswith(WEBHOOK_PREFIX)
        state = scope.setdefault("state", {})
        if key is None and not webhook and isinstance(state.get("actor"), Actor):  # signed in (session_gate.py)
            await self.app(scope, receive, send)
            return
        if key is None and not webhook and not auth_required(self.settings):
            state["caller"] = "local"
            state["actor"] = LOCAL_ACTOR
            await self.app(scope, receive, send)
            return
        found = await run_in_threadpool(self._lookup, key) if key else None
        if found is None:
            challenge = WWW_AUTHENTICATE + (', error="invalid_token"' if key else "")
            signin = self.settings.auth_mode == "entra" and not webhook
            await send_error(send, scope, 401, "unauthorized",
                             "sign in, or send a valid API key (Authorization: Bearer <key>)" if signin
                             else "a valid API key is required (Authorization: Bearer <key>)",
                             headers=[("WWW-Authenticate", challenge)] + ([("X-Hunter-Signin", "/auth/login")]
                                                                        if signin else []))
            return
        key_id, prefix, per_minute, role = found
        budgets = [(("key", key_id), per_minute, f"more than {per_minute} requests this minute for this key")]
        if webhook:
            rate = self.settings.webhook_rate_per_minute
            budgets.append((("webhook", key_id), rate, f"more than {rate} webhook calls this minute for this key"))
        for bucket, limit, message in budgets:
            wait = self.limiter.check(bucket, limit)
            if wait is not None:
                await send_error(send, scope, 429, "rate_limited", message, headers=[("Retry-After", str(wait))])
                return
        state["caller"] = f"key:{prefix}"
        state["actor"] = Actor("key", f"key:{prefix}", role, key_id)
        await self.app(scope, receive, send)

    def _lookup(self, key: str) -> tuple[int, str, int, str] | None:
        """(id, prefix, requests per minute, role) of the active key, or None (a blocking query: run in a
        thread)."""
        with self.factory() as session:
            row = api_keys.verify_key(session, key)
            return (row.id, row.prefix, row.rate_per_minute, row.role) if row else None
