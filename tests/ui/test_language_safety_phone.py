"""Issue 4, items 1, 7 and 8: English and Turkish (switchable, remembered, Unicode domains), hostile data
shown as text, the CSP header, API keys asked once per session, and the 390 px phone layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import by_testid, column, domains, modal, open_app, wait_settled
from ui_seed import seed_companies
from ui_support import HOSTILE, PHONE, UiServer, make_settings, serve

from leadhunter.domain.normalize import normalize_domain
from leadhunter.services.api_keys import create_key


def test_switching_to_turkish_relabels_everything_and_is_remembered(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    expect(page.locator('th[data-col="domain"]')).to_contain_text("Company")
    page.select_option('[data-testid="lang-select"]', "tr")
    expect(page.locator('th[data-col="domain"]')).to_contain_text("Şirket")
    assert page.evaluate("() => document.documentElement.lang") == "tr"
    expect(by_testid(page, "scan-submit")).to_have_text("Tara")
    expect(by_testid(page, "page-range")).to_have_text("1–23 / 23")
    expect(by_testid(page, "filters-clear")).to_have_text("Temizle")
    expect(by_testid(page, "kpi-segment-Migration")).to_contain_text("Geçiş")
    assert "Geçiş" in column(page, "segment")
    page.reload()
    wait_settled(page)
    expect(by_testid(page, "lang-select")).to_have_value("tr")
    expect(page.locator('th[data-col="provider"]')).to_contain_text("Sağlayıcı")
    page.click('[data-testid="lead-row"][data-domain="lale-mobilya.com.tr"] [data-testid="score-button"]')
    lead = page.locator('[data-testid="lead-modal"]')
    expect(lead).to_have_attribute("data-state", "ready")
    expect(modal(page, "lead").locator(".modal-title")).to_contain_text("Bu puan neden")
    expect(lead.locator('[data-section="breakdown"] h3')).to_have_text("Puan dökümü")
    expect(lead.locator('[data-section="breakdown"]')).to_contain_text("E-posta sağlayıcısı Local")
    expect(lead.locator('[data-section="summary"]')).to_contain_text("48 saat içinde harekete geç")
    expect(lead.locator('[data-testid="segment-rule"]')).to_contain_text("Segment kuralı 3: Soğuk")
    page.keyboard.press("Escape")
    page.select_option('[data-testid="lang-select"]', "en")
    expect(page.locator('th[data-col="domain"]')).to_contain_text("Company")


def test_turkish_domains_are_shown_in_unicode(page: Page, server: UiServer) -> None:
    open_app(page, server.url, "q=ayşe")
    assert domains(page) == [normalize_domain("çiçekçi-ayşe.com.tr").domain]
    expect(page.locator('[data-testid="lead-row"] .lead-domain')).to_have_text("çiçekçi-ayşe.com.tr")
    expect(page.locator('[data-testid="lead-row"] .lead-name')).to_have_text("Çiçekçi Ayşe")


def test_a_hostile_company_name_is_shown_as_text(page: Page, server: UiServer) -> None:
    open_app(page, server.url, "q=zzz-hostile")
    name = page.locator('[data-testid="lead-row"][data-domain="zzz-hostile.com"] .lead-name')
    expect(name).to_have_text(HOSTILE)
    assert page.locator("main img, [role=dialog] img").count() == 0
    page.click('[data-testid="lead-row"][data-domain="zzz-hostile.com"] [data-testid="score-button"]')
    expect(by_testid(page, "lead-name")).to_have_text(HOSTILE)
    assert page.locator("img").count() == 0
    assert not page.problems  # type: ignore[attr-defined]  # no alert() dialog, no script error


def test_the_page_is_served_with_a_csp_that_forbids_inline_script(page: Page, server: UiServer) -> None:
    response = page.goto(server.url + "/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    wait_settled(page)
    # nothing in the page relies on inline script or style: a probe of inline script is blocked
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective), {once: true});
        const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.append(s);
        setTimeout(() => resolve(window.__inline === 1 ? 'ran' : 'no event'), 2000);
    })""")
    page.expected_problems = ("Content Security Policy",)  # type: ignore[attr-defined]
    assert blocked.startswith("script-src"), blocked


@pytest.fixture
def keyed_server(tmp_path: Path) -> Iterator[tuple[UiServer, str]]:
    """An API that requires keys (as on a non-loopback address), with one key and the seed data."""
    for running in serve(make_settings(tmp_path, auth_required=True)):
        with running.factory.begin() as session:
            key, _ = create_key(session, "ui test")
        seed_companies(running.factory)
        yield running, key


def test_an_api_key_is_asked_once_and_kept_for_the_session(page: Page, keyed_server: tuple[UiServer, str]) -> None:
    server, key = keyed_server
    sent: list[str | None] = []
    page.on("request", lambda r: sent.append(r.headers.get("authorization")) if "/api/" in r.url else None)
    page.goto(server.url + "/")
    dialog = modal(page, "api-key")
    expect(dialog).to_have_count(1)  # four requests were refused, one prompt
    page.fill('[data-testid="api-key-input"]', "hk_wrong_key")
    page.click('[data-testid="api-key-submit"]')
    expect(dialog).to_have_count(1)
    expect(dialog).to_contain_text("That key was not accepted")
    page.fill('[data-testid="api-key-input"]', key)
    page.click('[data-testid="api-key-submit"]')
    wait_settled(page)
    expect(dialog).to_have_count(0)
    expect(page.locator('[data-testid="lead-row"]')).to_have_count(22)
    assert page.evaluate("() => sessionStorage.getItem('hunter.apiKey')") == key
    assert page.evaluate("() => localStorage.getItem('hunter.apiKey')") is None  # never kept beyond the session
    sent.clear()
    page.reload()
    wait_settled(page)
    expect(page.locator('[data-testid="lead-row"]')).to_have_count(22)
    assert modal(page, "api-key").count() == 0
    assert sent and all(h == f"Bearer {key}" for h in sent)


def test_a_cancelled_key_prompt_is_not_asked_again(page: Page, keyed_server: tuple[UiServer, str]) -> None:
    """The early first-page request (early.js) never prompts: one prompt, and cancelling it is final."""
    server, _ = keyed_server
    page.goto(server.url + "/")
    expect(modal(page, "api-key")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator('[data-testid="leads-table"]')).to_have_attribute("data-state", "error")
    expect(page.locator('[data-testid="toast"][data-kind="error"]').first).to_be_visible()
    assert modal(page, "api-key").count() == 0


def test_phone_width_has_no_page_overflow_and_the_modal_fits(page: Page, server: UiServer) -> None:
    page.set_viewport_size(PHONE)
    open_app(page, server.url)
    width = PHONE["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    wrap = by_testid(page, "leads-table-wrap")
    box = wrap.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    # rare columns are hidden, the table itself scrolls inside its box if it is still wider
    expect(page.locator('th[data-col="tags"]')).to_be_hidden()
    expect(page.locator('th[data-col="score"]')).to_be_visible()
    # only the search shows until the filters are opened
    expect(by_testid(page, "filter-segment")).to_be_hidden()
    page.click('[data-testid="filters-toggle"]')
    expect(by_testid(page, "filter-segment")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.click('[data-testid="lead-row"][data-domain="pamukkale-seramik.com"] [data-testid="score-button"]')
    dialog = modal(page, "lead")
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert page.locator('[data-testid="modal-body"]').evaluate("b => b.scrollHeight > b.clientHeight")
    expect(by_testid(page, "modal-close")).to_be_in_viewport()
    page.click('[data-testid="modal-close"]')
    expect(dialog).to_have_count(0)
    page.click('[data-testid="import-open"]')
    box = modal(page, "import").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_laptop_layout_fits_without_horizontal_scrolling(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    assert by_testid(page, "leads-table-wrap").evaluate("w => w.scrollWidth <= w.clientWidth")
    top = page.locator('[data-testid="lead-row"]').first.bounding_box()
    assert top is not None and top["y"] < 768  # the first leads are visible without scrolling
