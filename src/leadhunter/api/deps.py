"""Request dependencies as ``Annotated`` aliases: settings, a database session, the caller's identity."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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
