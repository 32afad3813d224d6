"""Answers written by the pure ASGI middlewares (Host and Origin guard, key gate, body limit), which refuse a
request before any route — or FastAPI's exception handlers — runs: the same error shape, with the request id."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.types import Scope, Send

from leadhunter.api.errors import error_body


def request_id_of(scope: Scope) -> str | None:
    """The id :mod:`leadhunter.api.observe` gave this request (None when it did not run)."""
    state = scope.get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header ``name`` (lowercase bytes), decoded as latin-1, or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_error(send: Send, scope: Scope, status: int, code: str, message: str, *, details: Any = None,
                     headers: Iterable[tuple[str, str]] = ()) -> None:
    """Send a complete JSON error response (``Connection: close`` is left to the server: an unread body is
    discarded by uvicorn once the response is complete)."""
    body = json.dumps(error_body(code, message, details, request_id_of(scope))).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
