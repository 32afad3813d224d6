"""Request dependencies as ``Annotated`` aliases: settings, a database session, the caller's identity, and the
input types every router shares (database ids, page numbers, text the database can store)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.api.errors import ApiError
from leadhunter.config import Settings


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
    """Keys are required when configured so, or by default whenever the server is not on loopback; always with
    ``HUNTER_AUTH_MODE=keys`` or ``entra`` (where a signed-in session stands in for a key)."""
    if settings.auth_mode in ("keys", "entra"):
        return True
    if settings.auth_required is not None:
        return settings.auth_required
    try:
        return not ipaddress.ip_address(settings.api_host).is_loopback
    except ValueError:
        return settings.api_host != "localhost"


def key_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    """The API key a request carries: ``Authorization: Bearer <key>``, else ``X-API-Key``; None when neither."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return x_api_key or None


def _caller(request: Request) -> str:
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, str):  # the key gate runs for every /api path: a route outside it is a wiring bug
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)")
    return caller


def require_caller(request: Request) -> str:
    """The caller for ``/api`` routes as :class:`~leadhunter.api.key_gate.KeyGate` found it (key checked and
    counted before the body was read): ``local`` when auth is off and no key was sent, else ``key:<prefix>``."""
    return _caller(request)


def require_key(request: Request) -> str:
    """Webhooks: the gate always requires a key under ``/api/webhooks/``, so the caller is ``key:<prefix>``
    (checked again here, so a webhook route mounted elsewhere fails closed)."""
    caller = _caller(request)
    if not caller.startswith("key:"):
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)")
    return caller


CallerDep = Annotated[str, Depends(require_caller)]
KeyCallerDep = Annotated[str, Depends(require_key)]
