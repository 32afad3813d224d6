"""Sign-in with Entra ID as two units of work: :func:`begin` stores the attempt (state, nonce, PKCE verifier,
where to return) and gives the authorize URL; :func:`finish` takes the attempt back (once, same browser),
redeems the code, validates the ID token, works out the role and opens a new session. The caller commits.

The return address is only ever a path on this site (:func:`safe_return`): never another host.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from leadhunter.domain.access import Role, has_group_overage, role_for, signed_in_name, token_groups
from leadhunter.integrations.entra_signin.client import EntraSignin, pkce_pair
from leadhunter.integrations.entra_signin.errors import SigninError
from leadhunter.services import activity, user_sessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RolePolicy:
    """How roles are given: mapped groups (id → role), the first admin's sign-in name, the default role."""

    group_roles: Mapping[str, Role]
    first_admin: str = ""
    default_role: str = ""


def safe_return(value: str | None) -> str:
    """``value`` when it is a path on this site (``/...``), else ``/``: no scheme, no host, no ``//`` or
    ``/\\`` (which browsers read as another host), no control characters."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or len(value) > 512:
        return "/"
    if any(ch < " " or ch == "\x7f" or ch == "\\" for ch in value):
        return "/"
    return value


def begin(session: Session, signin: EntraSignin, *, browser_secret: str, return_to: str | None,
          redirect_uri: str) -> str:
    """Store a sign-in attempt for this browser; the URL to send it to."""
    verifier, challenge = pkce_pair()
    state, nonce = user_sessions.start_attempt(session, browser_secret=browser_secret, code_verifier=verifier,
                                               return_to=safe_return(return_to))
    return signin.authorize_url(redirect_uri=redirect_uri, state=state, nonce=nonce, code_challenge=challenge)


@dataclass(frozen=True)
class Finished:
    """A completed sign-in: the new session's cookie value and CSRF token, who, and where to go."""

    token: str
    csrf_token: str
    person: user_sessions.Person
    return_to: str


def finish(session: Session, signin: EntraSignin, policy: RolePolicy, *, state: str, code: str,
           browser_secret: str | None, redirect_uri: str, absolute: timedelta) -> Finished:
    """Complete a sign-in (see the module docstring); :class:`SigninError` when anything is off (recorded in
    the activity log as ``signin.refused``)."""
    attempt = user_sessions.take_attempt(session, state, browser_secret)
    if attempt is None:
        raise SigninError("bad_state", "this sign-in link is unknown, used, expired or from another browser")
    tokens = signin.redeem(code=code, code_verifier=attempt.code_verifier, redirect_uri=redirect_uri)
    claims = signin.validate(str(tokens["id_token"]), nonce=attempt.nonce)
    person = _person(signin, policy, claims, tokens)
    token, row = user_sessions.create_session(session, person, absolute=absolute)
    activity.record(session, actor=f"user:{person.name}", role=person.role, action="signin",
                    details={"tenant": person.tenant_id})
    return Finished(token, row.csrf_token, person, attempt.return_to)


def _person(signin: EntraSignin, policy: RolePolicy, claims: dict[str, Any], tokens: dict[str, Any]) -> (
        user_sessions.Person):
    groups = token_groups(claims)
    if has_group_overage(claims) and policy.group_roles:
        access_token = tokens.get("access_token")
        if not isinstance(access_token, str):
            raise SigninError("group_overage", "the token names too many groups and no Graph token came with it")
        groups = signin.member_of(access_token, sorted(policy.group_roles))
    role = role_for(claims, groups, group_roles=policy.group_roles, first_admin=policy.first_admin,
                    default_role=policy.default_role)
    name = signed_in_name(claims)
    if role is None:
        raise SigninError("no_role", f"{name} has no role in Hunter: ask an admin to assign one")
    tenant = str(claims.get("tid") or "")
    subject = f"{tenant}/{claims.get('oid') or claims.get('sub') or name}"
    display = claims.get("name")
    return user_sessions.Person(subject, name, display if isinstance(display, str) else None, tenant, role)


def refuse(session: Session, error: SigninError) -> None:
    """Record a refused sign-in (the reason only: no token, no claims)."""
    activity.record(session, actor="anonymous", action="signin.refused", status=403, details={"reason": error.reason})
