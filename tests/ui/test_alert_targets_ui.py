"""The alert-delivery panel in a real browser: add a signed-webhook target from the list's current filter, send
a test to a real loopback receiver, see a failed delivery with its error and send it again; the secret never
reaches the page; Turkish labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import by_testid, modal, open_app
from ui_support import UiServer, make_settings, serve

from fakes.alert_receiver import AlertReceiver
from leadhunter.jobs.alert_runtime import secret_box, send_options
from leadhunter.services.alert_delivery import deliver_due
from services.alert_env import migrate_lead

SECRET = "whsec-ui-Pq72-never-on-the-page"


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[UiServer]:
    """The UI on an empty database with HUNTER_ALLOW_PRIVATE_TARGETS on (the receiver is on loopback)."""
    yield from serve(make_settings(tmp_path, allow_private_targets=True))


def _open_panel(page: Page) -> None:
    by_testid(page, "alert-targets-open").click()
    expect(by_testid(page, "at-panel")).to_have_attribute("data-state", "ready")


def test_add_test_and_resend_a_webhook_target(page: Page, open_server: UiServer) -> None:
    server = open_server
    with AlertReceiver(secret=SECRET) as receiver:
        open_app(page, server.url, "category=P1")
        _open_panel(page)
        expect(by_testid(page, "at-none")).to_be_visible()
        by_testid(page, "at-add").click()
        by_testid(page, "at-name").fill("CRM hook")
        by_testid(page, "at-kind").select_option("webhook")
        by_testid(page, "at-url").fill(receiver.url("/in/secret-path-77"))
        by_testid(page, "at-signing_secret").fill(SECRET)
        by_testid(page, "at-change-dmarc_added").check()
        expect(by_testid(page, "at-filter-text")).to_have_text("category: P1")
        by_testid(page, "at-use-filter").check()
        by_testid(page, "at-save").click()

        target = by_testid(page, "at-target")
        expect(target.locator('[data-testid="at-target-name"]')).to_have_text("CRM hook")
        expect(target).to_contain_text("category: P1")
        expect(target.locator('[data-testid="at-counts"]')).to_have_text("0 sent · 0 waiting · 0 failed")
        target.locator('[data-testid="at-test"]').click()
        expect(by_testid(page, "toasts")).to_contain_text('Test message sent to “CRM hook”')
        [test_post] = receiver.accepted
        assert test_post.signature_ok and test_post.json["event"] == "hunter.test"
        assert SECRET not in page.content() and "secret-path-77" not in page.content()

        migrate_lead(server.factory, "kappa-gida.com.tr", category="P1")  # dmarc_added: kept by the filter
        migrate_lead(server.factory, "lambda-insaat.com.tr", category="P4")  # outside the filter
        receiver.fail_next, receiver.fail_status = 1, 410
        deliver_due(server.factory, secret_box(server.settings), send_options(server.settings))
        page.keyboard.press("Escape")
        _open_panel(page)
        row = by_testid(page, "at-delivery")
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-state", "failed")
        expect(row).to_contain_text("kappa-gida.com.tr")
        expect(row).to_contain_text("HTTP 410")
        row.locator('[data-testid="at-retry"]').click()
        expect(by_testid(page, "at-delivery")).to_have_attribute("data-state", "pending")
        assert deliver_due(server.factory, secret_box(server.settings), send_options(server.settings)).sent == 1
        page.keyboard.press("Escape")
        _open_panel(page)
        expect(by_testid(page, "at-delivery")).to_have_attribute("data-state", "sent")
        expect(by_testid(page, "at-counts")).to_have_text("1 sent · 0 waiting · 0 failed")

        page.keyboard.press("Escape")
        by_testid(page, "lang-select").select_option("tr")
        expect(by_testid(page, "alert-targets-open")).to_have_text("Uyarı gönderimi")
        _open_panel(page)
        expect(modal(page, "alert-targets")).to_contain_text("Gönderildi")
