"""Sign-in state, sessions and the activity log (same ``Base`` and naming convention as :mod:`models`).

- ``login_attempts``: one row per sign-in started (``state``, ``nonce``, PKCE verifier, where to go after),
  bound to the browser that started it by the hash of a short-lived cookie; used once, then deleted.
- ``user_sessions``: one row per signed-in browser. Only the SHA-256 of the cookie value is stored, with
  the person, their role, the CSRF token, and the times that end it (idle and absolute); revocable.
- ``activity``: who (``actor``: ``user:<name>``, ``key:<prefix>``, ``local``, ``cli``) did what, when.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, IdType, JsonType, UtcDateTime, utcnow


class LoginAttempt(Base):
    """A sign-in under way (see the module docstring)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    browser_hash: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str] = mapped_column(String(512), default="/")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UserSession(Base):
    """A signed-in browser (see the module docstring)."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_subject", "subject"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    """``<tenant id>/<object id>``: the person, stable across renames."""
    name: Mapped[str] = mapped_column(String(200))
    """Sign-in name (UPN), shown and recorded as ``user:<name>``."""
    display_name: Mapped[str | None] = mapped_column(String(200))
    tenant_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """The absolute end (sign-in time + ``HUNTER_SESSION_ABSOLUTE_HOURS``)."""
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ActivityEvent(Base):
    """One thing someone did (see the module docstring)."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_at", "at"), Index("ix_activity_actor_at", "actor", "at"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(220))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(120))
    """What was done: ``POST /api/scans`` for a request (the route's path template), or a named event such
    as ``signin``, ``signout``, ``key.create``."""
    target: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
