"""Issue 5, UI (leads screen): the Referral column and the referral-type filter on the leads table, the
Partner Center sync button and status in the header (flag off, queued / running / OK / FAIL, sign-in
required, and a real sync against the fake Partner Center), and the Turkish texts.

Referrals are stored through the real ingestion (what a sync does with each page); sync runs move through
their states with the real run repository. The Referrals view and the modals: test_referrals_view_ui.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from referrals_seed import (
    PcUiServer,
    claim,
    close,
    finished_run,
    ingest,
    payload,
    sample_referrals,
    serve_recording_syncs,
)
from ui_helpers import Held, by_testid, column, domains, open_app, open_more_filters, wait_query
from ui_seed import seed_companies
from ui_support import UiServer, make_settings

from fakes.partner_center_server import PartnerCenterServer
from leadhunter.integrations.common.tokens import StaticTokenProvider
from leadhunter.integrations.partner_center.client import PartnerCenterClient
from leadhunter.services.referrals import run_sync

COUNT_FETCHES = """
window.__hunterPcPollMs = 100;
window.__fetches = [];
const realFetch = window.fetch.bind(window);
window.fetch = (url, opts = {}) => {
  window.__fetches.push(`${opts.method || "GET"} ${new URL(url, location.href).pathname}`);
  return realFetch(url, opts);
};
"""



@pytest.fixture
def seeded(server: UiServer) -> UiServer:
    """The UI seed (23 leads, feature flag off) plus :func:`sample_referrals`."""
    ingest(server.factory, sample_referrals())
    return server


@pytest.fixture
def pc(tmp_path: Path) -> Iterator[PcUiServer]:
    """The UI seed with the feature flag on; referral-sync dispatches are recorded, not sent."""
    for running in serve_recording_syncs(make_settings(tmp_path, partner_center_enabled=True)):
        seed_companies(running.ui.factory)
        yield running


@pytest.fixture
def fast(context: BrowserContext) -> BrowserContext:
    context.add_init_script(COUNT_FETCHES)
    return context


def fetches(page: Page, entry: str) -> int:
    return int(page.evaluate("e => window.__fetches.filter(f => f === e).length", entry))


def hue(page: Page, selector: str) -> str:
    """blue / green / orange for the background colour of the first match."""
    rgb = page.eval_on_selector(selector, "n => getComputedStyle(n).backgroundColor")
    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    if b > r and b > g:
        return "blue"
    if g > r and g > b:
        return "green"
    return "orange" if r > g > b else rgb


# ---- leads table: column and filter ---------------------------------------------------------------


def test_referral_column_shows_coloured_type_badges_and_a_dash_when_none(page: Page, seeded: UiServer) -> None:
    open_app(page, seeded.url, "sort=domain")
    headers = page.eval_on_selector_all("thead th", "ths => ths.map(th => th.dataset.col)")
    assert headers.index("referral") == headers.index("segment") + 1
    expect(page.locator('th[data-col="referral"]')).to_have_text("Referral")
    cells = dict(zip(domains(page), column(page, "referral"), strict=True))
    assert cells["denizcilik-group.com"] == "Co-sell ×2"  # the strongest type of its two referrals, and how many
    assert cells["ege-gida.com.tr"] == "Marketplace"
    assert cells["fener-yazilim.com"] == "Solution provider"
    others = {v for d, v in cells.items() if d not in ("denizcilik-group.com", "ege-gida.com.tr", "fener-yazilim.com")}
    assert others == {"–"}
    badge = '[data-domain="{}"] td[data-col="referral"] .ref-type'
    assert hue(page, badge.format("denizcilik-group.com")) == "blue"
    assert hue(page, badge.format("ege-gida.com.tr")) == "green"
    assert hue(page, badge.format("fener-yazilim.com")) == "orange"


def test_referral_type_filter_narrows_the_list_persists_and_applies_to_the_export(page: Page, seeded: UiServer) -> None:
    open_app(page, seeded.url)
    open_more_filters(page)
    page.select_option('[data-testid="filter-referral-type"]', "co-sell")
    wait_query(page, "referral_type=co-sell")
    assert domains(page) == ["denizcilik-group.com"]
    assert "referral_type=co-sell" in page.url
    expect(by_testid(page, "kpi-total").locator(".kpi-value")).to_have_text("1")
    with page.expect_download() as info:
        page.click('[data-testid="export-csv"]')
    exported = Path(info.value.path()).read_text("utf-8-sig").splitlines()
    assert len(exported) == 2 and "denizcilik-group.com" in exported[1]
    open_more_filters(page)
    page.select_option('[data-testid="filter-referral-type"]', "none")
    wait_query(page, "referral_type=none")
    assert len(domains(page)) == 20 and "ege-gida.com.tr" not in domains(page)
    # opened again without a query string: the last filter comes back from localStorage
    page.goto(seeded.url + "/")
    wait_query(page, "referral_type=none")
    expect(by_testid(page, "filter-referral-type")).to_have_value("none")
    expect(by_testid(page, "filters-toggle")).to_have_text("Filters (1)")
    page.click('[data-testid="filters-clear"]')
    page.wait_for_function("() => !location.search.includes('referral_type')")
    expect(by_testid(page, "filter-referral-type")).to_have_value("")


# ---- header: sync button and status ---------------------------------------------------------------


def test_with_the_flag_off_the_header_explains_how_to_turn_partner_center_on(fast: BrowserContext,
                                                                               server: UiServer) -> None:
    page = fast.new_page()
    open_app(page, server.url)
    status, button = by_testid(page, "pc-sync-status"), by_testid(page, "pc-sync-button")
    hint = by_testid(page, "pc-sync-hint")
    # issue 16: the seller is told whom to ask; the set-up text is on the Integrations page
    expect(hint).to_have_text("Partner Center is not connected — ask your admin.")
    expect(status).to_have_text("")
    expect(page.locator("header")).not_to_contain_text("HUNTER_")
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(button).to_have_attribute("aria-describedby", "pc-sync-hint")
    button.click(force=True)  # dispatched, and ignored: nothing is sent
    assert fetches(page, "POST /api/referrals/sync") == 0
    expect(page.locator('[data-testid="toast"]')).to_have_count(0)


def test_sync_button_is_disabled_while_a_run_is_queued_or_running_and_the_status_follows(
        fast: BrowserContext, pc: PcUiServer) -> None:
    page, factory = fast.new_page(), pc.ui.factory
    open_app(page, pc.ui.url)
    status, button = by_testid(page, "pc-sync-status"), by_testid(page, "pc-sync-button")
    expect(status).to_have_text("Last sync: never (not synced yet)")
    expect(button).to_have_attribute("aria-disabled", "false")
    held = Held(page, "**/api/referrals/sync")
    button.evaluate("b => { b.click(); b.click(); }")  # a double click in one go
    held.wait_held(1)
    expect(button).to_have_attribute("aria-disabled", "true")
    assert fetches(page, "POST /api/referrals/sync") == 1
    held.release()
    expect(page.locator('[data-testid="toast"][data-kind="info"]')).to_contain_text("Partner Center sync queued")
    expect(status).to_have_text("Last sync: never (queued)")
    expect(by_testid(page, "pc-sync")).to_have_attribute("data-outcome", "queued")
    expect(button).to_have_attribute("aria-disabled", "true")
    assert pc.sync_runs and len(set(pc.sync_runs)) == 1
    claim(factory, pc.sync_runs[0])
    expect(status).to_have_text("Last sync: never (running)")
    expect(button).to_have_attribute("aria-disabled", "true")
    close(factory, pc.sync_runs[0], "ok", new=2)
    expect(status).to_have_text(re.compile(r"^Last sync: (just now|\d+ min ago) \(OK\)$"))
    expect(page.locator('[data-testid="toast"][data-kind="success"]')).to_contain_text("2 new")
    expect(button).to_have_attribute("aria-disabled", "false")
    # the next run fails: FAIL in the status, the error in a toast
    button.click()
    expect(status).to_contain_text("(queued)")
    close(factory, pc.sync_runs[-1], "failed", error="Partner Center answered 503 five times")
    expect(status).to_have_text(re.compile(r"^Last sync: (just now|\d+ min ago) \(FAIL\)$"))
    expect(page.locator('[data-testid="toast"][data-kind="error"]')).to_contain_text("answered 503 five times")
    assert fetches(page, "POST /api/referrals/sync") == 2


def test_sign_in_required_is_shown_with_how_to_sign_in_again(page: Page, pc: PcUiServer) -> None:
    finished_run(pc.ui.factory, "ok", minutes_ago=60 * 5)
    finished_run(pc.ui.factory, "sign_in_required", minutes_ago=7, error="the refresh token was revoked")
    open_app(page, pc.ui.url)
    expect(by_testid(page, "pc-sync-status")).to_have_text(re.compile(r"^Last sync: \d+ min ago \(sign-in required\)$"))
    expect(by_testid(page, "pc-sync")).to_have_attribute("data-outcome", "sign_in_required")
    # issue 16: the seller is told whom to ask; the Integrations page says how to sign in again
    expect(by_testid(page, "pc-sync-hint")).to_have_text("Partner Center needs a new sign-in — ask your admin.")
    expect(by_testid(page, "pc-sync-button")).to_have_attribute("aria-disabled", "false")  # signing in again is the fix
    page.click('[data-testid="view-integrations"]')
    card = by_testid(page, "integration-partner_center")
    expect(card.locator('[data-testid="int-state"]')).to_have_attribute("data-state", "error")
    expect(card).to_contain_text("the refresh token was revoked")
    expect(card).to_contain_text("hunter partner-center login")


def test_a_real_sync_against_the_fake_partner_center_shows_up_everywhere(fast: BrowserContext, pc: PcUiServer,
                                                                        tmp_path: Path) -> None:
    page = fast.new_page()
    with PartnerCenterServer(tls=True) as fake:
        fake.accept_token("ui-test-token")
        fake.add_referrals([payload("Anadolu Lojistik", kind="co-sell", website="anadolu-lojistik.com.tr"),
                            payload("Yeni Müşteri", kind="marketplace", website="yeni-musteri.com.tr")])
        open_app(page, pc.ui.url)
        by_testid(page, "pc-sync-button").click()
        expect(by_testid(page, "pc-sync-status")).to_contain_text("(queued)")

        def client() -> PartnerCenterClient:
            return PartnerCenterClient(token_provider=StaticTokenProvider("ui-test-token"), base_url=fake.base_url,
                                       verify=fake.ca_file, rate_per_second=None, timeout=10.0)

        outcome = run_sync(pc.ui.factory, client_factory=client, run_id=pc.sync_runs[0], trigger="manual")
        assert outcome.status == "ok", outcome
    expect(by_testid(page, "pc-sync-status")).to_have_text(re.compile(r"^Last sync: (just now|\d+ min ago) \(OK\)$"))
    expect(page.locator('[data-testid="toast"][data-kind="success"]')).to_contain_text("2 new, 0 updated")
    # the leads list reloaded: the existing lead carries the referral, the new customer is a new lead
    row = page.locator('[data-testid="lead-row"][data-domain="anadolu-lojistik.com.tr"] td[data-col="referral"]')
    expect(row).to_have_text("Co-sell")
    expect(page.locator('[data-testid="lead-row"][data-domain="yeni-musteri.com.tr"]')).to_have_count(1)
    page.click('[data-testid="view-referrals"]')
    expect(page.locator('[data-testid="referral-row"]')).to_have_count(2)


# ---- language and hostile data ---------------------------------------------------------------------


def test_turkish_texts_for_column_filter_header_view_and_modal(page: Page, seeded: UiServer) -> None:
    open_app(page, seeded.url)
    page.select_option('[data-testid="lang-select"]', "tr")
    expect(page.locator('th[data-col="referral"]')).to_have_text("Yönlendirme")
    cell = page.locator('[data-domain="denizcilik-group.com"] td[data-col="referral"]')
    expect(cell).to_have_text("Ortak satış ×2")
    options = page.eval_on_selector_all('[data-testid="filter-referral-type"] option', "o => o.map(x => x.textContent)")
    assert options == ["Tümü", "Herhangi bir yönlendirme", "Ortak satış", "Marketplace", "Çözüm sağlayıcı",
                       "Yönlendirme yok"]
    expect(by_testid(page, "pc-sync-hint")).to_have_text("Partner Center bağlı değil — yöneticinize danışın.")
    expect(by_testid(page, "view-referrals")).to_have_text("Yönlendirmeler")
    page.click('[data-testid="view-referrals"]')
    page.wait_for_selector('[data-testid="referrals-table"][data-state="ready"]')
    expect(page.locator('[data-testid="referrals-table"] th[data-col="customer"]')).to_have_text("Müşteri")
    won = page.locator('[data-testid="referral-row"] td[data-col="status"] [data-substatus="Won"]')
    expect(won).to_have_text("Kapalı · kazanıldı")
    page.locator('[data-testid="referral-open"]').first.click()
    expect(page.locator('[data-testid="referral-modal"]')).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-section="contacts"] h3')).to_have_text("Müşteri kişileri")
    # the language select is behind the modal (inert); a switch made meanwhile re-labels the open modal too
    switch = "s => { s.value = 'en'; s.dispatchEvent(new Event('change')); }"
    page.eval_on_selector('[data-testid="lang-select"]', switch)
    expect(page.locator('[data-section="contacts"] h3')).to_have_text("Customer contacts")


