"""API keys: created once (shown once), stored as SHA-256, checked in constant time, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db.models import ApiKey, utcnow
from leadhunter.domain.access import ROLES

_PREFIX = "hk_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, name: str, *, rate_per_minute: int = 600, role: str = "seller",
               owner: str | None = None) -> tuple[str, ApiKey]:
    """A new key with ``role`` (viewer, seller or admin; default seller) and ``owner`` (who answers for it):
    returns the plaintext (give it to the user now; it is never shown again) and its row."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    ident = secrets.token_hex(4)
    key = f"{_PREFIX}{ident}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name[:100], prefix=f"{_PREFIX}{ident}", key_hash=_digest(key), rate_per_minute=rate_per_minute,
                 role=role, owner=(owner or "")[:200] or None)
    session.add(row)
    session.flush()
    return key, row


def verify_key(session: Session, key: str) -> ApiKey | None:
    """The active key row matching ``key``, or None. The hash is compared with ``hmac.compare_digest``."""
    if not key.startswith(_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[: len(_PREFIX) + 8]
    digest = _digest(key)
    for row in session.scalars(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))):
        if hmac.compare_digest(row.key_hash, digest):
            return row
    return None


def list_keys(session: Session) -> list[ApiKey]:
    """All keys, newest first (hashes only; plaintext is never stored)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def revoke_key(session: Session, key_id_or_prefix: str) -> bool:
    """Revoke by numeric id or prefix; True when a key was revoked."""
    stmt = select(ApiKey).where(ApiKey.revoked_at.is_(None))
    stmt = stmt.where(ApiKey.id == int(key_id_or_prefix)) if key_id_or_prefix.isdigit() \
        else stmt.where(ApiKey.prefix == key_id_or_prefix)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.revoked_at = utcnow()
    return bool(rows)
