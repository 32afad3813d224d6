"""Who may do what: the three roles, their order, and the role a signed-in person gets from the claims of
their Entra ID token (pure: the settings' values come in as arguments).

- ``viewer``: read and export. ``seller``: + scan, import, tag, note, push to Dynamics 365. ``admin``: +
  integrations, alert targets, API keys, rule files, the activity log.
- ``public`` is not a role a caller holds: it marks routes anyone may call (health, the sign-in pages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Role = Literal["viewer", "seller", "admin"]
RouteRole = Literal["public", "viewer", "seller", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "seller", "admin")
"""Lowest first: each role may do everything the roles before it may."""

_RANK: dict[str, int] = {"public": -1, "viewer": 0, "seller": 1, "admin": 2}
_APP_ROLE_PREFIXES = ("", "hunter.")  # app role values "admin" and "Hunter.Admin" both name the admin role


def allows(held: str | None, needed: str) -> bool:
    """True when a caller holding role ``held`` (None = not signed in) may call a route needing ``needed``."""
    if needed == "public":
        return True
    if held is None or held not in _RANK or needed not in _RANK:
        return False
    return _RANK[held] >= _RANK[needed]


def highest(roles: Iterable[str]) -> Role | None:
    """The strongest known role in ``roles`` (unknown names ignored), None when there is none."""
    best: Role | None = None
    for name in roles:
        for role in ROLES:
            if name == role and (best is None or _RANK[role] > _RANK[best]):
                best = role
    return best


def parse_group_roles(text: str) -> dict[str, Role]:
    """``"<group id>=<role>,..."`` → {group id (lower case): role}; ValueError names a bad entry."""
    out: dict[str, Role] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        group, _, role = entry.partition("=")
        role = role.strip().lower()
        if not group.strip() or role not in ROLES:
            raise ValueError(f"group role entry {entry!r} is not '<group id>=viewer|seller|admin'")
        out[group.strip().lower()] = next(r for r in ROLES if r == role)
    return out


def app_roles(claims: Mapping[str, Any]) -> list[Role]:
    """The Hunter roles among the token's ``roles`` claim (Entra app roles), in any letter case, with or
    without a ``Hunter.`` prefix."""
    found: list[Role] = []
    values = claims.get("roles")
    for value in values if isinstance(values, list) else []:
        name = str(value).strip().lower()
        for prefix in _APP_ROLE_PREFIXES:
            if name.startswith(prefix) and name[len(prefix):] in ROLES:
                found.append(name[len(prefix):])  # type: ignore[arg-type]
                break
    return found


def has_group_overage(claims: Mapping[str, Any]) -> bool:
    """True when the token names its groups by reference (past 200 groups Entra leaves ``groups`` out and puts
    ``"_claim_names": {"groups": "src1"}`` in; the list must then be asked of Microsoft Graph)."""
    names = claims.get("_claim_names")
    return isinstance(names, dict) and "groups" in names


def token_groups(claims: Mapping[str, Any]) -> list[str]:
    """The group ids the token lists (lower case); empty on overage."""
    groups = claims.get("groups")
    return [str(g).lower() for g in groups] if isinstance(groups, list) else []


def signed_in_name(claims: Mapping[str, Any]) -> str:
    """The person's sign-in name: ``preferred_username``, else ``email``, else ``upn``, else the object id."""
    for claim in ("preferred_username", "email", "upn", "oid", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "unknown"


def role_for(claims: Mapping[str, Any], groups: Iterable[str], *, group_roles: Mapping[str, Role],
             first_admin: str = "", default_role: str = "") -> Role | None:
    """The strongest role from the token's app roles, the person's ``groups`` (ids, mapped through
    ``group_roles``) and ``first_admin`` (a sign-in name, any letter case, that is always admin); else
    ``default_role`` ("" = none: the person is refused)."""
    candidates: list[str] = [*app_roles(claims), *(group_roles.get(g.lower(), "") for g in groups)]
    if first_admin.strip() and signed_in_name(claims).lower() == first_admin.strip().lower():
        candidates.append("admin")
    return highest(candidates) or highest([default_role])
