"""Request dependencies as ``Annotated`` aliases: settings, a database session, the caller's identity, and the
input types every router shares (database ids, page numbers, text the database can store)."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.api.errors import ApiError
from leadhunter.config import Settings
from leadhunter.services import api_keys


def get_settings(request: Request) -> Settings:
    """The app's settings (read once at start-up)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the route's service call owns the commit."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]

MAX_DB_ID = 2**63 - 1
"""Largest id a row can have (PostgreSQL BIGINT, SQLite INTEGER). A larger number in a path is refused with a
422 instead of reaching the driver, which fails on it (overflow) rather than finding nothing."""

MAX_PAGE = 10_000_000
"""Largest page number: far beyond any real list (100,000 leads at one per page end on page 100,000), and
small enough that ``(page - 1) * page_size`` stays a 64-bit OFFSET on both databases."""

DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Row id (1 to 2^63-1)")]
PageDep = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")]


def _storable(text: str) -> str:
    """Refuse text the database cannot hold: PostgreSQL rejects NUL in text and JSONB, and a lone surrogate
    (possible after JSON ``\\ud800`` escapes) cannot be encoded as UTF-8 for either database or the reply."""
    if "\x00" in text:
        raise ValueError("must not contain NUL (U+0000) characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogate code points)") from None
    return text


class _NoNulInSchema:
    """Adds the NUL rule to the OpenAPI schema, so clients (and schemathesis) see it; lone surrogates cannot be
    written in a JSON Schema pattern and stay a validation-only rule."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = "^[^\\u0000]*$"
        return out


Text = Annotated[str, AfterValidator(_storable), _NoNulInSchema()]
"""A string from a request (query, path or JSON body) that the database can store and the reply can echo."""


def auth_required(settings: Settings) -> bool:
    """Keys are required when configured so, or by default whenever the server is not on loopback."""
    if settings.auth_required is not None:
        return settings.auth_required
    try:
        return not ipaddress.ip_address(settings.api_host).is_loopback
    except ValueError:
        return settings.api_host != "localhost"


class RateLimiter:
    """Per-key fixed one-minute windows (in process memory; enough for one API process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[int, tuple[int, int]] = {}

    def allow(self, key_id: int, per_minute: int) -> bool:
        """Count one request; False when the key spent its budget for this minute."""
        minute = int(time.time() // 60)
        with self._lock:
            start, count = self._windows.get(key_id, (minute, 0))
            if start != minute:
                start, count = minute, 0
            if count >= per_minute:
                return False
            self._windows[key_id] = (start, count + 1)
            return True


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def _check_key(request: Request, session: Session, *, always: bool) -> str:
    settings: Settings = request.app.state.settings
    if not always and not auth_required(settings):
        return "local"
    key = _key_from(request)
    row = api_keys.verify_key(session, key) if key else None
    if row is None:
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)")
    limiter: RateLimiter = request.app.state.rate_limiter
    if not limiter.allow(row.id, row.rate_per_minute):
        raise ApiError(429, "rate_limited", f"more than {row.rate_per_minute} requests this minute for this key")
    return f"key:{row.prefix}"


def require_caller(request: Request, session: SessionDep) -> str:
    """The caller for ``/api`` routes: ``local`` when auth is off, else ``key:<prefix>``."""
    return _check_key(request, session, always=False)


def require_key(request: Request, session: SessionDep) -> str:
    """Webhooks always need a key, whatever the address."""
    return _check_key(request, session, always=True)


CallerDep = Annotated[str, Depends(require_caller)]
KeyCallerDep = Annotated[str, Depends(require_key)]
