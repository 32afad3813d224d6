"""Server-side sessions and sign-in attempts: created, looked up, revoked (the caller's service owns the commit).

A session cookie carries 32 random bytes (URL-safe base64); only their SHA-256 is stored, so a copy of the
database does not hold usable cookies. A session ends at the first of: sign-out or revocation, ``idle``
without a request, ``absolute`` after sign-in. A sign-in attempt is valid for :data:`ATTEMPT_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from leadhunter.db.auth_models import LoginAttempt, UserSession
from leadhunter.db.models import utcnow

ATTEMPT_SECONDS = 600  # a sign-in must come back from Entra within ten minutes
TOUCH_SECONDS = 30  # last_seen_at is written at most this often (not on every request)


def digest(value: str) -> str:
    """SHA-256 hex of a cookie value (what the database stores)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Person:
    """Who signed in: ``subject`` (tenant/object id), sign-in ``name``, ``display_name``, tenant and role."""

    subject: str
    name: str
    display_name: str | None
    tenant_id: str
    role: str


@dataclass(frozen=True)
class SessionView:
    """A live session as the API needs it."""

    id: int
    name: str
    display_name: str | None
    role: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


def start_attempt(session: Session, *, browser_secret: str, code_verifier: str, return_to: str,
                  now: datetime | None = None) -> tuple[str, str]:
    """Store a new sign-in attempt bound to ``browser_secret`` (the pre-sign-in cookie); returns
    (state, nonce). Attempts older than :data:`ATTEMPT_SECONDS` are swept on the way."""
    now = now or utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(seconds=ATTEMPT_SECONDS)))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(LoginAttempt(state=state, nonce=nonce, code_verifier=code_verifier, browser_hash=digest(browser_secret),
                             return_to=return_to[:512], created_at=now))
    session.flush()
    return state, nonce


def take_attempt(session: Session, state: str, browser_secret: str | None,
                 now: datetime | None = None) -> LoginAttempt | None:
    """The attempt ``state`` names, used up (deleted) — None when unknown, already used, expired, or started
    by another browser (the cookie does not match: a sign-in link planted on someone else)."""
    row = session.scalar(select(LoginAttempt).where(LoginAttempt.state == state[:64]))
    if row is None:
        return None
    session.delete(row)
    session.flush()
    now = now or utcnow()
    fresh = row.created_at >= now - timedelta(seconds=ATTEMPT_SECONDS)
    same_browser = browser_secret is not None and hmac.compare_digest(row.browser_hash, digest(browser_secret))
    return row if fresh and same_browser else None


def create_session(session: Session, person: Person, *, absolute: timedelta,
                   now: datetime | None = None) -> tuple[str, UserSession]:
    """A new session for ``person``; returns the cookie value (give it to the browser now) and the row."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=digest(token), subject=person.subject[:200], name=person.name[:200],
                      display_name=(person.display_name or "")[:200] or None, tenant_id=person.tenant_id[:64],
                      role=person.role, csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                      expires_at=now + absolute)
    session.add(row)
    session.flush()
    return token, row


def find_session(session: Session, token: str, *, idle: timedelta, now: datetime | None = None) -> SessionView | None:
    """The live session the cookie value ``token`` opens, or None (unknown, revoked, idle too long, past its
    absolute end). Marks it seen (at most every :data:`TOUCH_SECONDS`)."""
    now = now or utcnow()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    if (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        row.last_seen_at = now
    return SessionView(row.id, row.name, row.display_name, row.role, row.csrf_token, row.created_at, row.expires_at)


def revoke_token(session: Session, token: str, now: datetime | None = None) -> bool:
    """End the session whose cookie value is ``token`` (sign-out); True when one was live."""
    result = session.execute(update(UserSession).where(UserSession.token_hash == digest(token),
                                                       UserSession.revoked_at.is_(None))
                             .values(revoked_at=now or utcnow()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_session(session: Session, session_id: int, now: datetime | None = None) -> bool:
    """End session ``session_id`` (an admin's revocation); True when it was live."""
    result = session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                             .values(revoked_at=now or utcnow()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def live_sessions(session: Session, *, idle: timedelta, now: datetime | None = None) -> list[UserSession]:
    """Sessions not ended, newest first (for the admin's list)."""
    now = now or utcnow()
    rows = session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None), UserSession.expires_at > now,
                                                     UserSession.last_seen_at > now - idle)
                           .order_by(UserSession.id.desc()).limit(500))
    return list(rows)
