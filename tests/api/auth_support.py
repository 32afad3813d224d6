"""Sign-in test rig: the fake Entra ID (HTTPS on loopback) and a Hunter in ``HUNTER_AUTH_MODE=entra`` pointed at
it, plus :func:`sign_in`, which walks the real redirects with httpx as a browser would (cookies kept per client).
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api_support import settings_for, start_api

from fakes.entra_signin_server import EntraSigninServer
from leadhunter.config import Settings
from live_server import free_port

TENANT = "6f1c3a52-1111-4a3b-9c1d-0123456789ab"
OTHER_TENANT = "9d2e4b63-2222-4c5d-8e7f-abcdef012345"
CLIENT_ID = "8a7b6c5d-3333-4e4f-a0b1-c2d3e4f5a6b7"
SECRET = "fake-web-secret"
SELLER = "sam.seller@contoso.example"
VIEWER = "vic.viewer@contoso.example"
ADMIN = "ada.admin@contoso.example"
NOBODY = "nora.norole@contoso.example"
SALES_GROUP = "0b5e7d1c-4444-4f60-9a1b-2c3d4e5f6071"


@dataclass
class SigninRig:
    """The running fake Entra and Hunter."""

    entra: EntraSigninServer
    url: str
    settings: Settings

    def browser(self) -> httpx.Client:
        """A new cookie jar talking to Hunter (redirects not followed: the tests look at each hop)."""
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False, follow_redirects=False)


def make_entra() -> EntraSigninServer:
    """A started fake with one tenant and its people (seller by app role, viewer by group, admin by setting)."""
    entra = EntraSigninServer().start()
    entra.add_tenant(TENANT)
    entra.add_tenant(OTHER_TENANT)
    entra.add_user(SELLER, TENANT, roles=["Hunter.Seller"])
    entra.add_user(VIEWER, TENANT, groups=[SALES_GROUP])
    entra.add_user(ADMIN, TENANT)
    entra.add_user(NOBODY, TENANT)
    return entra


def serve_signin(tmp_path: Path, entra: EntraSigninServer, **overrides: object) -> Iterator[SigninRig]:
    """Hunter on a free loopback port in entra mode (SQLite), registered with the fake under its callback."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/auth/callback"
    entra.add_app(CLIENT_ID, SECRET, [callback])
    values: dict[str, object] = dict(
        auth_mode="entra", entra_authority=entra.base_url, entra_tenants=TENANT, entra_client_id=CLIENT_ID,
        entra_client_secret=SECRET, entra_redirect_url=callback, entra_ca_file=entra.ca_file,
        entra_group_roles=f"{SALES_GROUP}=viewer", first_admin=ADMIN, entra_graph_url=entra.base_url)
    values.update(overrides)
    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings_for(data_dir, f"sqlite:///{data_dir / 'hunter.db'}", **values)
    for live in start_api(settings, [], port=port):
        yield SigninRig(entra, live.url, settings)


def entra_client(entra: EntraSigninServer) -> httpx.Client:
    """A client for the fake's HTTPS pages (trusts its certificate)."""
    return httpx.Client(timeout=30, trust_env=False, verify=ssl.create_default_context(cafile=entra.ca_file),
                        follow_redirects=False)


def start_login(browser: httpx.Client, next_path: str | None = None) -> str:
    """GET /auth/login; the Entra authorize URL it redirects to."""
    reply = browser.get("/auth/login", params={"next": next_path} if next_path is not None else None)
    assert reply.status_code == 303, reply.text
    return reply.headers["location"]


def authorize(entra: EntraSigninServer, authorize_url: str, username: str) -> str:
    """Fill the fake's login form as ``username``; the callback URL Entra sends the browser to."""
    with entra_client(entra) as client:
        page = client.get(authorize_url)
        assert page.status_code == 200, page.text
        parts = urlsplit(authorize_url)
        form = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"login": username}
        answer = client.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data=form)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(rig: SigninRig, browser: httpx.Client, username: str, next_path: str | None = None) -> httpx.Response:
    """The whole sign-in; the answer of ``/auth/callback`` (303 with cookies when it worked)."""
    callback = authorize(rig.entra, start_login(browser, next_path), username)
    return browser.get(callback)


def csrf_of(browser: httpx.Client) -> str:
    """The CSRF token the UI would read from the ``hunter_csrf`` cookie."""
    return browser.cookies.get("hunter_csrf") or ""
