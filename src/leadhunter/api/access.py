"""Who is calling, and may they: the :class:`Actor` the gates leave in the request state, the
``current_actor`` dependency other routers use to record who did something, and the app-wide check that
refuses a caller whose role is below the route's (the role comes from :data:`~leadhunter.api.route_roles.ROUTE_ROLES`).

Answers, in the one error shape: 401 ``unauthorized`` when an ``/api`` route is called by nobody known;
403 ``forbidden`` (``details``: the role needed and the role held) when the role is too low.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from leadhunter.api.errors import ApiError
from leadhunter.api.route_roles import ROUTE_ROLES
from leadhunter.domain.access import allows

UNDECLARED = "admin"
"""The role a route missing from the table needs (fail closed: only admins, and the one local person)."""


@dataclass(frozen=True)
class Actor:
    """The caller: ``kind`` (``local``: loopback with auth off; ``key``; ``user``), ``name`` as recorded
    (``local``, ``key:<prefix>``, ``user:<sign-in name>``), ``role``, and the key or session row id."""

    kind: str
    name: str
    role: str
    row_id: int | None = None
    display_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        """What ``GET /api/me`` answers."""
        return {"kind": self.kind, "name": self.name, "role": self.role, "display_name": self.display_name}


LOCAL_ACTOR = Actor("local", "local", "admin")
"""The one person at a loopback Hunter without auth: may do everything, as before roles existed."""


def route_key(method: str, path_template: str) -> str:
    """``"GET /api/leads"``: how a route is named in the table (HEAD is checked as GET)."""
    return f"{'GET' if method == 'HEAD' else method} {path_template}"


def needed_role(request: Request) -> str:
    """The role the matched route needs (:data:`UNDECLARED` when the table does not name it)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNDECLARED
    return ROUTE_ROLES.get(route_key(request.method, path), UNDECLARED)


def request_actor(request: Request) -> Actor | None:
    """The actor the gates found (None when nobody is signed in and no key was sent)."""
    actor = getattr(request.state, "actor", None)
    return actor if isinstance(actor, Actor) else None


def enforce_route_role(request: Request) -> None:
    """App-wide dependency: 401 when a non-public route is called by nobody, 403 when the role is too low."""
    needed = needed_role(request)
    if needed == "public":
        return
    actor = request_actor(request)
    if actor is None:
        raise ApiError(401, "unauthorized", "sign in or send an API key (Authorization: Bearer <key>)")
    if not allows(actor.role, needed):
        raise ApiError(403, "forbidden", f"this needs the {needed} role; you are {actor.role}",
                       {"needed": needed, "role": actor.role})


def current_actor(request: Request) -> Actor:
    """Dependency: the caller of this request (for recording who did what, e.g. on a note or a tag).
    Raises 401 when nobody is known (never happens behind :func:`enforce_route_role` on an ``/api`` route)."""
    actor = request_actor(request)
    if actor is None:
        raise ApiError(401, "unauthorized", "sign in or send an API key (Authorization: Bearer <key>)")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
"""``actor: CurrentActor`` in a route's parameters; ``actor.name`` is what to store as the author."""
