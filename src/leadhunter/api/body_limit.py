"""Request body limits per route (pure ASGI), enforced before and while the body is read.

Uploads (:data:`UPLOAD_ROUTES`) may send ``HUNTER_MAX_UPLOAD_MB`` (plus room for the multipart framing);
every other request ``HUNTER_MAX_JSON_KB``. A ``Content-Length`` over the limit is refused with a 413 before
a byte of the body is read; a body without one (chunked) is counted as it streams in, and the read that
crosses the limit raises :class:`BodyTooLarge` — a 413 in the error shape — so at most the limit is ever
held in memory. Runs inside the key gate: a caller without a valid key never gets this far.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadhunter.api.edge_reply import header, send_error

UPLOAD_ROUTES = frozenset({("POST", "/api/imports")})
"""(method, path) pairs that take a file upload."""

MULTIPART_ROOM = 64 * 1024
"""Bytes allowed on top of the upload limit for the multipart boundaries and part headers."""


class BodyTooLarge(HTTPException):
    """The body grew past the route's limit while it was read (an ``HTTPException``, so FastAPI passes it on
    to the 413 handler instead of calling it a parse error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over this route's limit of {_size(limit)}")
        self.limit = limit


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"


class BodyLimit:
    """See the module docstring; limits in bytes."""

    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    def limit_for(self, method: str, path: str) -> int:
        """The largest body (bytes) ``method path`` may send."""
        if (method, path.rstrip("/") or "/") in UPLOAD_ROUTES:
            return self.upload_limit + MULTIPART_ROOM
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("method", "")), str(scope.get("path", "")))
        declared = header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_error(send, scope, 400, "bad_request", "Content-Length must be a number of bytes")
                return
            if int(declared) > limit:
                await send_error(send, scope, 413, "body_too_large",
                                 f"the request body ({_size(int(declared))}) is over this route's limit of "
                                 f"{_size(limit)}", details={"limit_bytes": limit})
                return
        received = 0
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:  # read outside FastAPI's handlers (e.g. by a middleware): answer here
            if response_started:
                raise
            await send_error(send, scope, 413, "body_too_large", str(exc.detail),
                             details={"limit_bytes": exc.limit})
