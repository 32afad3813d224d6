"""Issue 16, the seller screen: integrations out of the seller's way (1), ≥ 12 rows above the fold with a
one-line filter bar, chips, More filters and a remembered column picker (2), filter values never cut and
facets asked for the current filter (3), cards on a phone (6), Turkish, one disabled style, alerts grouped,
the scan box's company name (7)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from referrals_seed import ingest, sample_referrals
from ui_helpers import by_testid, open_app, open_more_filters, wait_query
from ui_seed import realistic_rows, seed_companies
from ui_support import PHONE, UiServer

ROWS_VISIBLE = """() => [...document.querySelectorAll('[data-testid=lead-row]')]
  .filter(r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight; }).length"""


def test_twelve_rows_above_the_fold_with_a_one_line_filter_bar(page: Page, server: UiServer) -> None:
    seed_companies(server.factory, realistic_rows(60), history={})
    open_app(page, server.url)
    page.wait_for_function("() => document.querySelector('[data-testid=d365-bar]').dataset.availability !== 'loading'")
    assert page.evaluate(ROWS_VISIBLE) >= 12
    bar = page.locator('[data-testid="filters"]').bounding_box()
    assert bar and bar["height"] < 60  # one line
    # domains are never broken mid-word: one line, cut with an ellipsis, the full name on hover
    domain = page.locator('[data-testid="lead-row"] .lead-domain').first
    assert domain.evaluate("n => getComputedStyle(n).whiteSpace") == "nowrap"
    assert domain.evaluate("n => getComputedStyle(n).textOverflow") == "ellipsis"
    # dates on one line ("6 Dec"), the full time on hover
    when = page.locator('[data-testid="lead-row"] td[data-col="scanned_at"] time').first
    assert when.get_attribute("title") and len(when.inner_text()) <= 11


def test_chips_show_active_filters_and_each_removes_its_own(page: Page, server: UiServer) -> None:
    open_app(page, server.url, "segment=Migration&provider=Google")
    chips = by_testid(page, "filter-chips")
    expect(chips.locator('[data-testid="chip-segment"]')).to_have_text("Segment: Migration×")
    expect(chips.locator('[data-testid="chip-provider"]')).to_have_text("Provider: Google×")
    chips.locator('[data-testid="chip-segment"] [data-testid="chip-remove"]').click()
    page.wait_for_function("() => !location.search.includes('segment=')")
    wait_query(page, "provider=Google")
    expect(chips.locator('[data-testid="chip-segment"]')).to_have_count(0)
    expect(by_testid(page, "filter-segment")).to_have_value("")
    expect(by_testid(page, "filter-provider")).to_have_value("Google")


def test_more_filters_hold_the_footprint_filters_and_close_on_escape(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    popover = by_testid(page, "filters-popover")
    expect(popover).to_be_hidden()
    open_more_filters(page)
    for name in ("filter-category", "filter-gateway", "filter-tag", "filter-web-host", "filter-dns-host",
                 "filter-mail-country", "filter-web-country", "filter-saas", "filter-play", "filter-d365-status",
                 "filter-referral-type"):
        expect(popover.locator(f'[data-testid="{name}"]')).to_be_visible()
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    expect(by_testid(page, "filters-more")).to_be_focused()
    # a link with one of them applies it, and the button counts it
    open_app(page, server.url, "dns_host=Cloudflare")
    wait_query(page, "dns_host=Cloudflare")
    expect(by_testid(page, "filters-more")).to_have_text("More filters (1)")
    expect(by_testid(page, "chip-dns-host")).to_contain_text("DNS host: Cloudflare")


def test_column_picker_hides_a_column_and_remembers_it(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    expect(page.locator('th[data-col="gateway"]')).to_have_count(0)  # folded into the provider cell by default
    provider = page.locator('[data-domain="kapadokya-turizm.com"] td[data-col="provider"]')
    expect(provider).to_contain_text("via Proofpoint")
    page.click('[data-testid="col-picker-open"]')
    page.uncheck('[data-testid="col-toggle-tags"]')
    expect(page.locator('th[data-col="tags"]')).to_have_count(0)
    page.check('[data-testid="col-toggle-gateway"]')
    expect(page.locator('th[data-col="gateway"]')).to_have_count(1)
    page.reload()
    page.wait_for_selector('[data-testid="leads-table"][data-state="ready"]')
    expect(page.locator('th[data-col="tags"]')).to_have_count(0)
    expect(page.locator('th[data-col="gateway"]')).to_have_count(1)


def test_selected_values_are_never_cut_and_facets_follow_the_filter(page: Page, server: UiServer) -> None:
    facet_urls: list[str] = []
    page.on("request", lambda r: facet_urls.append(r.url) if "/api/leads/facets" in r.url else None)
    open_app(page, server.url, "segment=Migration")
    select = by_testid(page, "filter-segment")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=filter-segment] option')]"
                           ".some(o => /\\(\\d+\\)$/.test(o.textContent))")
    # the select is as wide as its selected text needs (text width + padding and arrow)
    fits = select.evaluate("""s => { const c = document.createElement('canvas').getContext('2d');
      const st = getComputedStyle(s); c.font = `${st.fontSize} ${st.fontFamily}`;
      const text = s.options[s.selectedIndex].textContent;
      return c.measureText(text).width + parseFloat(st.paddingLeft) + 16 <= s.clientWidth; }""")
    assert fits
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.includes('/api/leads/facets?') && e.name.includes('segment=Migration'))")
    assert any("segment=Migration" in url for url in facet_urls)


def test_seller_sees_no_setup_text_and_the_integrations_page_has_it(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.wait_for_function("() => document.querySelector('[data-testid=pc-sync]').dataset.outcome !== 'loading'"
                           " && document.querySelector('[data-testid=d365-bar]').dataset.availability !== 'loading'")
    assert "HUNTER_" not in page.locator("body").inner_text()
    page.click('[data-testid="view-integrations"]')
    page.wait_for_selector('[data-testid="integrations-view"][data-state="ready"]')
    assert "#integrations" in page.url
    expect(by_testid(page, "leads-table-wrap")).to_be_hidden()
    for card in ("partner_center", "d365", "alert_targets", "api_keys", "sentry"):
        expect(by_testid(page, f"integration-{card}").locator('[data-testid="int-state"]')).to_be_visible()
    pc = by_testid(page, "integration-partner_center")
    expect(pc.locator('[data-testid="int-state"]')).to_have_attribute("data-state", "off")
    pc.locator("summary").click()
    expect(pc).to_contain_text("HUNTER_PARTNER_CENTER_ENABLED=true")
    expect(by_testid(page, "integration-api_keys")).to_contain_text("Active keys")
    page.click('[data-testid="view-leads"]')
    expect(by_testid(page, "leads-table-wrap")).to_be_visible()
    expect(by_testid(page, "integrations-view")).to_be_hidden()


def test_phone_shows_cards_without_sideways_scroll(browser: Browser, server: UiServer) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_app(page, server.url)
        first = page.locator('[data-testid="lead-row"]').first.bounding_box()
        assert first and first["y"] < 320 and first["x"] >= 0 and first["x"] + first["width"] <= PHONE["width"]
        score = page.locator('[data-testid="lead-row"] [data-testid="score-button"]').first.bounding_box()
        assert score and score["x"] + score["width"] <= PHONE["width"]  # the score is never cut
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"]
        header = page.locator('[data-testid="topbar"]').bounding_box()
        assert header and header["height"] < 110
        page.click('[data-testid="filters-toggle"]')
        expect(by_testid(page, "filter-segment")).to_be_visible()  # the sheet holds every filter
        expect(by_testid(page, "filter-web-host")).to_be_visible()
    finally:
        context.close()


def test_turkish_keeps_case_values_and_placeholders(browser: Browser, server: UiServer) -> None:
    context = browser.new_context(locale="tr-TR", viewport={"width": 1366, "height": 768})
    context.add_init_script("localStorage.setItem('hunter.lang', 'tr');")
    page = context.new_page()
    try:
        open_app(page, server.url)
        page.click('[data-domain="pamukkale-seramik.com"] [data-testid="score-button"]')
        page.wait_for_selector('[data-testid="lead-modal"][data-state="ready"]')
        heading = page.locator('section[data-section="d365"] h3')
        expect(heading).to_have_text("Dynamics 365")
        assert heading.inner_text() == "Dynamics 365"  # no "DYNAMİCS 365" from text-transform under lang=tr
        evidence = page.locator('[data-section="evidence"]')
        expect(evidence).to_contain_text("zaman aşımı")  # "timeout" in words
        expect(evidence).not_to_contain_text(": timeout")
        page.keyboard.press("Escape")
        # placeholders fit their boxes
        dmarc = page.eval_on_selector_all('[data-testid="lead-row"] td[data-col="dmarc"]',
                                          "cs => cs.map(c => c.innerText)")
        assert "reddet" in dmarc and "reject" not in dmarc  # values in words, in Turkish
        for testid in ("scan-input", "scan-name", "filter-score-min", "filter-search"):
            fits = by_testid(page, testid).evaluate("""i => {
              const c = document.createElement('canvas').getContext('2d'); const st = getComputedStyle(i);
              c.font = `${st.fontSize} ${st.fontFamily}`;
              return c.measureText(i.placeholder).width <= i.clientWidth - parseFloat(st.paddingLeft); }""")
            assert fits, testid
    finally:
        context.close()


def test_disabled_buttons_share_one_style(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.wait_for_function("() => document.querySelector('[data-testid=d365-bar]').dataset.availability !== 'loading'")
    look = "b => [getComputedStyle(b).opacity, getComputedStyle(b).cursor, b.disabled]"
    styles = [by_testid(page, name).evaluate(look) for name in ("d365-push-filter", "page-prev")]
    assert styles[0] == styles[1] == ["0.55", "not-allowed", True]


def test_alerts_grouped_by_company_and_mark_all_as_seen(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    count = by_testid(page, "alerts-count")
    expect(count).to_be_visible()
    page.click('[data-testid="alerts-open"]')
    groups = page.locator('[data-testid="alert-group"]')
    expect(groups.first).to_be_visible()
    domains = groups.evaluate_all("gs => gs.map(g => g.dataset.domain)")
    assert len(domains) == len(set(domains))  # one group per company
    assert page.locator('[data-testid="alert"]').count() >= len(domains)
    page.click('[data-testid="alerts-ack-all"]')
    expect(page.locator('[data-testid="alert"]')).to_have_count(0)
    expect(count).to_be_hidden()


def test_the_scan_box_takes_a_company_name(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.fill('[data-testid="scan-input"]', "yeni-firma.com.tr")
    page.fill('[data-testid="scan-name"]', "Yeni Firma A.Ş.")
    with page.expect_request(lambda r: r.url.endswith("/api/leads") and r.method == "POST") as posted:
        page.click('[data-testid="scan-submit"]')
    assert posted.value.post_data_json == {"domain": "yeni-firma.com.tr", "name": "Yeni Firma A.Ş."}
    page.wait_for_function("() => document.querySelector('[data-testid=scan-name]').value === ''")
    assert server.client.get("/api/leads/yeni-firma.com.tr").json()["name"] == "Yeni Firma A.Ş."




def test_deal_values_share_one_currency_format(page: Page, server: UiServer) -> None:
    ingest(server.factory, sample_referrals())  # USD and EUR deals, one without a value
    page.goto(f"{server.url}/#referrals")
    page.wait_for_selector('[data-testid="referrals-table"][data-render-seq]:not([data-state="loading"])')
    cells = page.eval_on_selector_all('[data-testid="referral-row"] td[data-col="deal"]',
                                      "cs => cs.map(c => c.textContent.trim())")
    assert {c.split()[-1] for c in cells if c != "–"} == {"USD", "EUR"}
    assert all(re.fullmatch(r"[\d,]+(\.\d{1,2})? [A-Z]{3}|–", c) for c in cells), cells
