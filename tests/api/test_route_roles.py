"""Every route declares its role, and every role gets what it should: each route is called by nobody, a viewer,
a seller and an admin (API keys of each role, ``HUNTER_AUTH_MODE=keys``) over real HTTP, and refusals are 401
(nobody) or 403 (role too low) in the API's error shape. A route added without a role fails the first test,
which lists it with the line to add to ``src/leadhunter/api/route_roles.py``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import settings_for, start_api
from fastapi.routing import iter_route_contexts

from leadhunter.api.app import create_app
from leadhunter.api.route_roles import ROUTE_ROLES
from leadhunter.config import Settings
from leadhunter.domain.access import ROLES, allows
from leadhunter.runtime import session_factory
from leadhunter.services import api_keys

SAMPLE_PARAMS = {"domain": "nope.example", "lead": "nope.example", "relative:path": "app.css"}  # else an id


def app_routes(settings: Settings) -> list[str]:
    """``"METHOD /path"`` of every route the app serves (HEAD folded into GET)."""
    app = create_app(settings, dispatch=lambda job, chunk: None, broker_probe=lambda: "ok")
    found = {f"{method} {ctx.path}" for ctx in iter_route_contexts(app.routes)
             for method in (ctx.methods or ()) if method != "HEAD"}
    return sorted(found)


def test_every_route_declares_its_role(tmp_path: Path) -> None:
    routes = app_routes(settings_for(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    missing = [route for route in routes if route not in ROUTE_ROLES]
    assert not missing, ("routes without a declared role; add to src/leadhunter/api/route_roles.py:\n"
                         + "\n".join(f'    "{route}": "viewer|seller|admin|public",' for route in missing))
    stale = sorted(set(ROUTE_ROLES) - set(routes))
    assert not stale, f"route_roles.py names routes that do not exist: {stale}"
    assert len(routes) > 35  # the walk below really covers the API


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A Hunter in keys mode (SQLite) and one key per role."""
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'hunter.db'}", auth_mode="keys")
    for live in start_api(settings, []):
        keys: dict[str, str] = {}
        with session_factory(settings.database()).begin() as session:
            for role in ROLES:
                keys[role], _ = api_keys.create_key(session, f"{role} robot", role=role, rate_per_minute=10_000)
        yield live.client, keys


def _concrete(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "987654"), path)


def _assert_error_shape(reply: httpx.Response, code: str) -> None:
    body = reply.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body


def test_every_route_by_every_role(keyed: tuple[httpx.Client, dict[str, str]]) -> None:
    client, keys = keyed
    checked = 0
    for route, needed in sorted(ROUTE_ROLES.items()):
        if needed == "public":
            continue
        method, path = route.split(" ", 1)
        url = _concrete(path)
        body = {} if method == "POST" and "imports" not in path else None
        nobody = client.request(method, url, json=body)
        assert nobody.status_code == 401, (route, nobody.status_code, nobody.text)
        _assert_error_shape(nobody, "unauthorized")
        assert nobody.headers["www-authenticate"].startswith("Bearer")
        for role in ROLES:
            reply = client.request(method, url, json=body, headers={"Authorization": f"Bearer {keys[role]}"})
            if allows(role, needed):
                assert reply.status_code not in (401, 403), (route, role, reply.status_code, reply.text)
            else:
                assert reply.status_code == 403, (route, role, reply.status_code, reply.text)
                _assert_error_shape(reply, "forbidden")
                assert reply.json()["error"]["details"] == {"needed": needed, "role": role}
            checked += 1
    assert checked >= 3 * 30


def test_public_routes_answer_without_anyone(keyed: tuple[httpx.Client, dict[str, str]]) -> None:
    client, _ = keyed
    for route in ("GET /healthz/live", "GET /", "GET /static/{relative:path}", "GET /openapi.json"):
        method, path = route.split(" ", 1)
        assert ROUTE_ROLES[route] == "public"
        assert client.request(method, _concrete(path)).status_code == 200, route


def test_keys_mode_asks_for_a_key_even_on_loopback(keyed: tuple[httpx.Client, dict[str, str]]) -> None:
    client, keys = keyed
    assert client.get("/api/leads").status_code == 401
    me = client.get("/api/me", headers={"X-API-Key": keys["seller"]}).json()
    assert me["kind"] == "key" and me["role"] == "seller" and me["name"].startswith("key:hk_")


def test_loopback_without_auth_is_one_person_who_may_do_everything(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'hunter.db'}")
    for live in start_api(settings, []):
        me = live.client.get("/api/me").json()
        assert me == {"kind": "local", "name": "local", "role": "admin", "display_name": None,
                      "auth_mode": "default"}
        assert live.client.get("/api/admin/activity").status_code == 200
        assert live.client.post("/api/scans", json={"domains": ["example.com"]}).status_code == 202
