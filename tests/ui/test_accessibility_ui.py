"""Issue 16: axe-core finds 0 WCAG 2.1 A/AA violations on the leads screen, the lead modal, the referrals view and
the integrations page, in English and Turkish, at laptop size and at 390 px."""

from __future__ import annotations

import pytest
from axe_support import assert_no_violations
from playwright.sync_api import Browser, Page
from referrals_seed import ingest, sample_referrals
from ui_helpers import open_app
from ui_support import LAPTOP, PHONE, UiServer

SIZES = {"laptop": LAPTOP, "phone": PHONE}


def _page(browser: Browser, lang: str, size: str) -> Page:
    # the app's CSP forbids inline script: the test context lets Playwright add axe-core's
    context = browser.new_context(viewport=SIZES[size], locale="tr-TR" if lang == "tr" else "en-GB",
                                  is_mobile=size == "phone", has_touch=size == "phone", bypass_csp=True)
    context.add_init_script(f"localStorage.setItem('hunter.lang', '{lang}');")
    return context.new_page()


def _settled(page: Page) -> None:
    page.wait_for_selector('[data-testid="kpis"]:not(.is-loading) [data-testid="kpi-total"]')
    page.wait_for_function("() => document.querySelector('[data-testid=pc-sync]').dataset.outcome !== 'loading'"
                           " && document.querySelector('[data-testid=d365-bar]').dataset.availability !== 'loading'")


@pytest.mark.parametrize("size", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_axe_finds_no_violation_on_any_screen(browser: Browser, server: UiServer, lang: str, size: str) -> None:
    ingest(server.factory, sample_referrals())
    page = _page(browser, lang, size)
    try:
        open_app(page, server.url, "sort=score&order=desc")
        _settled(page)
        assert_no_violations(page, f"the leads screen ({lang}, {size})")
        page.click('[data-testid="lead-row"][data-domain="denizcilik-group.com"] [data-testid="score-button"]')
        page.wait_for_selector('[data-testid="lead-referrals"][data-state="ready"]')
        assert_no_violations(page, f"the lead modal ({lang}, {size})")
        page.keyboard.press("Escape")
        page.goto(f"{server.url}/#referrals")
        page.wait_for_selector('[data-testid="referrals-table"][data-render-seq]:not([data-state="loading"])')
        assert_no_violations(page, f"the referrals view ({lang}, {size})")
        page.goto(f"{server.url}/#integrations")
        page.wait_for_selector('[data-testid="integrations-view"][data-state="ready"]')
        assert_no_violations(page, f"the integrations page ({lang}, {size})")
    finally:
        page.context.close()


def test_axe_helper_reports_a_real_violation(browser: Browser, server: UiServer) -> None:
    """The check can fail: an image without alternative text is reported."""
    page = _page(browser, "en", "laptop")
    try:
        open_app(page, server.url)
        page.evaluate("() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
                      " document.querySelector('main').append(i); }")
        with pytest.raises(AssertionError, match="image-alt"):
            assert_no_violations(page, "a page with a bare image")
    finally:
        page.context.close()
