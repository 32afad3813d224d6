"""The outermost middleware (pure ASGI): gives every request an id, and on the way out adds it and the security
headers to the response, records the latency histogram, and writes one JSON access line.

- ``X-Request-ID``: the caller's value when it is 1–128 characters of ``[A-Za-z0-9._-]`` (so a proxy's id
  carries through and nothing can be injected into logs), else a new random one. It is in the response
  header, every log line written for the request, the error body (``error.request_id``) and Sentry events.
- Metrics labels stay bounded: an HTTP method outside :data:`KNOWN_METHODS` counts as ``other``, a path no
  route matches as ``unmatched`` — made-up methods or paths cannot grow ``/metrics``.
- An exception no handler answered becomes a 500 in the error shape (logged with its traceback, which
  Sentry's logging integration reports with the request id), never a plain-text page.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextlib import ExitStack

import sentry_sdk
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadhunter.api.edge_reply import header, send_error
from leadhunter.api.logs import REQUEST_ID
from leadhunter.api.metrics import HTTP_LATENCY

access_log = logging.getLogger("leadhunter.access")
error_log = logging.getLogger("leadhunter.api")

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")
"""An incoming ``X-Request-ID`` is kept only when it matches this whole."""

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods that get their own metrics label; anything else is ``other``."""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"))


def request_id_for(incoming: str | None) -> str:
    """The caller's id when it is well-formed, else a new one (32 hex digits)."""
    if incoming is not None and REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    """The matched route's path template (``/api/leads/{domain}``), or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class ObserveMiddleware:
    """See the module docstring. Add it last (outermost) so refusals by the inner guards carry the id too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(header(scope, b"x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        with ExitStack() as stack:
            if sentry_sdk.is_initialized():  # a scope of its own, so concurrent requests never share the tag
                stack.enter_context(sentry_sdk.isolation_scope()).set_tag("request_id", request_id)
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:  # noqa: BLE001 - the last stop for any error: answered and logged, not lost
                # Logged here, in the request's context: the line and the Sentry event carry the id. Not
                # raised further: the answer is sent, and uvicorn would only log it a second time.
                error_log.exception("unhandled error in %s %s", scope.get("method"), route_label(scope))
                if not response_started:
                    await send_error(send_with_headers, scope, 500, "internal_error",
                                     f"the server failed on this request (request id {request_id})")
            finally:
                self._record(scope, status, time.perf_counter() - started)
                REQUEST_ID.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        method = str(scope.get("method", ""))
        route = route_label(scope)
        HTTP_LATENCY.labels(method if method in KNOWN_METHODS else "other", route, str(status)).observe(seconds)
        client = scope.get("client")
        access_log.info("%s %s %s", method[:16], scope.get("path", ""), status, extra={
            "method": method[:16], "path": str(scope.get("path", ""))[:512], "route": route, "status": status,
            "duration_ms": round(seconds * 1000, 2), "client": client[0] if client else None})
