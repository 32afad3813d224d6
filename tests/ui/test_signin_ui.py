"""Signing in through the Entra stand-in (HTTPS on loopback) in real Chromium: a viewer signs in, sees who they
are, is refused a scan (a seller's action) with the reason, and signs out; an admin then finds the refusal in the
Activity view, filtered by that person, and makes an API key for a machine (shown once)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from auth_support import ADMIN, CLIENT_ID, SECRET, TENANT, VIEWER, make_entra
from ui_support import LAPTOP, WAIT_MS, UiServer, make_settings, serve

from fakes.entra_signin_server import EntraSigninServer


@pytest.fixture
def entra() -> Iterator[EntraSigninServer]:
    server = make_entra()
    yield server
    server.stop()


@pytest.fixture
def signin_server(tmp_path: Path, entra: EntraSigninServer) -> Iterator[UiServer]:
    settings = make_settings(tmp_path, auth_mode="entra", entra_authority=entra.base_url, entra_tenants=TENANT,
                             entra_client_id=CLIENT_ID, entra_client_secret=SECRET, entra_ca_file=entra.ca_file,
                             first_admin=ADMIN, entra_group_roles="0b5e7d1c-4444-4f60-9a1b-2c3d4e5f6071=viewer")
    for server in serve(settings):
        entra.add_app(CLIENT_ID, SECRET, [f"{server.url}/auth/callback"])  # the callback derives from the request
        yield server


@pytest.fixture
def tls_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile that accepts the stand-in's self-signed certificate (the app itself is plain HTTP)."""
    ctx = browser.new_context(viewport=LAPTOP, locale="en-GB", ignore_https_errors=True)
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def sign_in(page: Page, server: UiServer, entra: EntraSigninServer, username: str, path: str = "/") -> None:
    page.goto(server.url + path)
    expect(page).to_have_url(re.compile(re.escape(entra.base_url) + r"/.*/oauth2/v2\.0/authorize"))
    page.get_by_test_id("entra-login").fill(username)
    page.get_by_test_id("entra-submit").click()
    # back where it began (the list may add the view it restores, e.g. the last sort, to a bare "/")
    tail = r"(\?.*)?$" if path == "/" else "$"
    expect(page).to_have_url(re.compile(re.escape(server.url + path) + tail))
    expect(page.get_by_test_id("auth-user")).to_be_visible()


def test_viewer_signs_in_is_refused_a_scan_and_signs_out_then_admin_sees_it(
        signin_server: UiServer, entra: EntraSigninServer, tls_context: BrowserContext) -> None:
    page = tls_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, signin_server, entra, VIEWER, "/?sort=score")
    expect(page.get_by_test_id("auth-role")).to_have_text("viewer")
    expect(page.get_by_test_id("activity-open")).to_have_count(0)  # admins only
    cookies = {c["name"]: c for c in tls_context.cookies(signin_server.url)}
    assert cookies["hunter_session"]["httpOnly"] and cookies["hunter_session"]["sameSite"] == "Lax"

    page.get_by_test_id("scan-input").fill("contoso.com")
    page.get_by_test_id("scan-submit").click()
    expect(page.get_by_test_id("toast").filter(has_text="needs the seller role")).to_be_visible()

    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(re.escape(entra.base_url)))  # out, and at the sign-in page again
    assert "hunter_session" not in {c["name"] for c in tls_context.cookies(signin_server.url)}
    assert page.request.get(signin_server.url + "/api/me").status == 401

    sign_in(page, signin_server, entra, ADMIN)
    page.get_by_test_id("activity-open").click()
    activity = page.get_by_test_id("activity")
    expect(activity.get_by_test_id("activity-row").first).to_be_visible()
    activity.get_by_test_id("activity-actor-filter").select_option(f"user:{VIEWER}")
    activity.get_by_test_id("activity-failed").check()
    activity.get_by_test_id("activity-apply").click()
    refused = activity.get_by_test_id("activity-row").filter(has_text="POST /api/leads")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("403")
    expect(activity.get_by_test_id("activity-actor")).to_have_text([f"user:{VIEWER}"])

    page.keyboard.press("Escape")
    page.get_by_test_id("keys-open").click()
    keys = page.get_by_test_id("keys")
    keys.get_by_test_id("key-name").fill("crm webhook")
    keys.get_by_test_id("key-role").select_option("seller")
    keys.get_by_test_id("key-create").click()
    expect(keys.get_by_test_id("key-value")).to_have_value(re.compile(r"^hk_[0-9a-f]{8}_"))
    key = keys.get_by_test_id("key-value").input_value()
    expect(keys.get_by_test_id("key-row")).to_have_count(1)
    me = page.request.get(signin_server.url + "/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["role"] == "seller"
    page.keyboard.press("Escape")
    page.get_by_test_id("keys-open").click()  # shown once: not when the list is opened again
    expect(page.get_by_test_id("keys").get_by_test_id("key-row")).to_have_count(1)
    expect(page.get_by_test_id("key-shown")).to_be_hidden()
    assert key not in page.content()
    assert not errors, errors
