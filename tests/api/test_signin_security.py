"""Sign-in with Entra ID against the HTTPS fake, over real HTTP: the happy path and each security property —
state and nonce checked, the ID token validated (signature, issuer, audience, expiry, tenant), no session
fixation, no open redirect through the return URL, cookie flags, CSRF, sign-out, idle and absolute timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from auth_support import (
    ADMIN,
    NOBODY,
    OTHER_TENANT,
    SELLER,
    VIEWER,
    SigninRig,
    authorize,
    csrf_of,
    make_entra,
    serve_signin,
    sign_in,
    start_login,
)

from fakes.entra_signin_server import DROP, EntraSigninServer


@pytest.fixture(scope="module")
def entra() -> Iterator[EntraSigninServer]:
    server = make_entra()
    yield server
    server.stop()


@pytest.fixture
def rig(tmp_path: Path, entra: EntraSigninServer) -> Iterator[SigninRig]:
    entra.next_id_token, entra.sign_next_with_stranger = {}, False
    yield from serve_signin(tmp_path, entra)


def set_cookie_headers(reply: httpx.Response, name: str) -> list[str]:
    return [h for h in reply.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def refused(reply: httpx.Response, reason: str) -> None:
    assert reply.status_code == 403, reply.text
    assert f"({reason})" in reply.text, reply.text
    assert not set_cookie_headers(reply, "hunter_session")


def test_sign_in_gives_a_session_with_the_role_and_safe_cookie_flags(rig: SigninRig) -> None:
    with rig.browser() as browser:
        assert browser.get("/api/leads").status_code == 401
        login = browser.get("/auth/login")
        login_cookie = set_cookie_headers(login, "hunter_login")[0].lower()
        assert "httponly" in login_cookie and "samesite=lax" in login_cookie and "secure" not in login_cookie
        query = parse_qs(urlsplit(login.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["response_mode"] == ["query"]
        done = browser.get(authorize(rig.entra, login.headers["location"], SELLER))
        assert done.status_code == 303 and done.headers["location"] == "/"
        session_cookie = set_cookie_headers(done, "hunter_session")[0].lower()
        assert "httponly" in session_cookie and "samesite=lax" in session_cookie and "path=/" in session_cookie
        assert "secure" not in session_cookie  # plain HTTP on loopback: a Secure cookie would never come back
        csrf_cookie = set_cookie_headers(done, "hunter_csrf")[0].lower()
        assert "httponly" not in csrf_cookie and "samesite=lax" in csrf_cookie  # the page must read it
        me = browser.get("/api/me").json()
        assert me["kind"] == "user" and me["name"] == f"user:{SELLER}" and me["role"] == "seller"
        assert browser.get("/api/leads").status_code == 200


def test_cookies_are_secure_behind_https(rig: SigninRig) -> None:
    with rig.browser() as browser:  # uvicorn trusts X-Forwarded-Proto from loopback: the request is https
        login = browser.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in set_cookie_headers(login, "hunter_login")[0].lower()
        callback = authorize(rig.entra, login.headers["location"], SELLER)
        # httpx, like a browser, keeps a Secure cookie off plain HTTP: hand it over as the proxy would
        done = browser.get(urlsplit(callback)._replace(scheme="", netloc="").geturl(),
                           headers={"X-Forwarded-Proto": "https",
                                    "Cookie": f"hunter_login={login.cookies['hunter_login']}"})
        assert done.status_code == 303
        assert "secure" in set_cookie_headers(done, "hunter_session")[0].lower()


def test_roles_from_app_role_group_and_first_admin_and_none(rig: SigninRig) -> None:
    for username, role in ((VIEWER, "viewer"), (ADMIN, "admin"), (SELLER, "seller")):
        with rig.browser() as browser:
            assert sign_in(rig, browser, username).status_code == 303
            assert browser.get("/api/me").json()["role"] == role
    with rig.browser() as browser:
        refused(sign_in(rig, browser, NOBODY), "no_role")


def test_group_overage_is_resolved_through_graph(rig: SigninRig) -> None:
    user = rig.entra.users[VIEWER.lower()]
    user.overage = True
    try:
        with rig.browser() as browser:
            assert sign_in(rig, browser, VIEWER).status_code == 303
            assert browser.get("/api/me").json()["role"] == "viewer"
        assert any(r.path == "/v1.0/me/checkMemberGroups" for r in rig.entra.requests)
        assert "groups" not in str(rig.entra.issued_id_tokens[-1:])  # the token itself named no group
    finally:
        user.overage = False


def test_state_must_be_known_unused_and_from_this_browser(rig: SigninRig) -> None:
    with rig.browser() as browser:
        callback = authorize(rig.entra, start_login(browser), SELLER)
        forged = callback.replace("state=", "state=x")
        refused(browser.get(forged), "bad_state")
    with rig.browser() as victim, rig.browser() as attacker:
        callback = authorize(rig.entra, start_login(attacker), SELLER)  # attacker's sign-in, victim's browser
        refused(victim.get(callback), "bad_state")
    with rig.browser() as browser:
        callback = authorize(rig.entra, start_login(browser), SELLER)
        assert browser.get(callback).status_code == 303
        refused(browser.get(callback), "bad_state")  # replayed


@pytest.mark.parametrize(("change", "reason"), [
    ({"nonce": "not-the-one-we-sent"}, "bad_nonce"),
    ({"nonce": DROP}, "bad_nonce"),
    ({"aud": "another-app"}, "wrong_audience"),
    ({"iss": "https://login.example.org/evil/v2.0"}, "wrong_issuer"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200, "nbf": int(time.time()) - 7200}, "expired"),
    ({"tid": OTHER_TENANT}, "tenant_not_allowed"),
])
def test_id_token_claims_are_checked(rig: SigninRig, change: dict[str, object], reason: str) -> None:
    if change.get("tid") == OTHER_TENANT:  # a consistent token of another tenant (issuer to match)
        change = {**change, "iss": f"{rig.entra.base_url}/{OTHER_TENANT}/v2.0"}
    rig.entra.next_id_token = change
    with rig.browser() as browser:
        refused(sign_in(rig, browser, SELLER), reason)
        assert browser.get("/api/me").status_code == 401


def test_id_token_signature_is_checked(rig: SigninRig) -> None:
    rig.entra.sign_next_with_stranger = True
    with rig.browser() as browser:
        refused(sign_in(rig, browser, SELLER), "bad_signature")
    with rig.browser() as browser:  # and a good one after it still works
        assert sign_in(rig, browser, SELLER).status_code == 303


def test_no_session_fixation(rig: SigninRig) -> None:
    with rig.browser() as attacker:
        sign_in(rig, attacker, VIEWER)
        planted = attacker.cookies["hunter_session"]
    with rig.browser() as victim:
        victim.cookies.set("hunter_session", planted, domain="127.0.0.1")
        assert victim.get("/api/me").json()["role"] == "viewer"  # the planted session works until sign-in...
        assert sign_in(rig, victim, SELLER).status_code == 303
        assert victim.cookies["hunter_session"] != planted
        assert victim.get("/api/me").json()["name"] == f"user:{SELLER}"
    with rig.browser() as attacker:  # ...and is revoked by it: the attacker rides nobody's session
        attacker.cookies.set("hunter_session", planted, domain="127.0.0.1")
        assert attacker.get("/api/me").status_code == 401


@pytest.mark.parametrize(("next_path", "lands"), [
    ("https://evil.example/x", "/"), ("//evil.example/x", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("/?lead=contoso.com", "/?lead=contoso.com"), (None, "/"),
])
def test_return_url_stays_on_this_site(rig: SigninRig, next_path: str | None, lands: str) -> None:
    with rig.browser() as browser:
        done = sign_in(rig, browser, SELLER, next_path)
        assert done.status_code == 303 and done.headers["location"] == lands


def test_home_page_sends_people_to_sign_in_and_back(rig: SigninRig) -> None:
    with rig.browser() as browser:
        home = browser.get("/?lead=contoso.com")
        assert home.status_code == 303 and home.headers["location"] == "/auth/login?next=%2F%3Flead%3Dcontoso.com"


def test_state_changes_need_the_csrf_token(rig: SigninRig) -> None:
    with rig.browser() as browser:
        sign_in(rig, browser, SELLER)
        scan = {"domains": ["example.com"]}
        missing = browser.post("/api/scans", json=scan)
        assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf_failed"
        wrong = browser.post("/api/scans", json=scan, headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        assert browser.post("/api/scans", json=scan, headers={"X-CSRF-Token": csrf_of(browser)}).status_code == 202
        assert browser.post("/auth/logout").status_code == 403  # sign-out too: no forced sign-out from elsewhere


def test_sign_out_ends_the_session(rig: SigninRig) -> None:
    with rig.browser() as browser:
        sign_in(rig, browser, SELLER)
        token = browser.cookies["hunter_session"]
        out = browser.post("/auth/logout", headers={"X-CSRF-Token": csrf_of(browser)})
        assert out.status_code == 204
        assert any("max-age=0" in h.lower() for h in set_cookie_headers(out, "hunter_session"))
        browser.cookies.set("hunter_session", token, domain="127.0.0.1")  # a copy kept is worth nothing
        assert browser.get("/api/me").status_code == 401


def test_forbidden_action_for_a_viewer(rig: SigninRig) -> None:
    with rig.browser() as browser:
        sign_in(rig, browser, VIEWER)
        reply = browser.post("/api/scans", json={"domains": ["example.com"]},
                             headers={"X-CSRF-Token": csrf_of(browser)})
        assert reply.status_code == 403 and reply.json()["error"]["code"] == "forbidden"


def test_admin_revokes_a_session_and_sees_the_activity(rig: SigninRig) -> None:
    with rig.browser() as seller, rig.browser() as admin:
        sign_in(rig, seller, SELLER)
        sign_in(rig, admin, ADMIN)
        seller.post("/api/scans", json={"domains": ["example.com"]}, headers={"X-CSRF-Token": csrf_of(seller)})
        sessions = admin.get("/api/admin/sessions").json()["items"]
        target = next(s for s in sessions if s["name"] == SELLER)
        revoked = admin.post(f"/api/admin/sessions/{target['id']}/revoke", headers={"X-CSRF-Token": csrf_of(admin)})
        assert revoked.status_code == 200
        assert seller.get("/api/me").status_code == 401
        log = admin.get("/api/admin/activity", params={"actor": f"user:{SELLER}"}).json()["items"]
        actions = [e["action"] for e in log]
        assert "POST /api/scans" in actions and "signin" in actions


def test_idle_and_absolute_timeouts(tmp_path: Path, entra: EntraSigninServer) -> None:
    for overrides in ({"session_idle_minutes": 0.03}, {"session_absolute_hours": 0.0005}):  # 1.8 s each
        for rig in serve_signin(tmp_path / str(len(overrides) + hash(str(overrides)) % 1000), entra, **overrides):
            with rig.browser() as browser:
                sign_in(rig, browser, SELLER)
                assert browser.get("/api/me").status_code == 200
                time.sleep(2.2)
                assert browser.get("/api/me").status_code == 401, overrides
