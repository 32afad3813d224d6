"""The Dashboard tab in Chromium over a known data set (tests/dashboard_seed.py): totals and charts for the
current filter, the filter bar applying to it, each chart's table alternative, and a bar click landing on the
leads list narrowed to what the bar counts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import by_testid, domains, open_app, wait_query
from ui_support import UiServer

from dashboard_seed import seed_dashboard

VIEW = '[data-testid="dashboard-view"]'


@pytest.fixture
def dash_server(empty_server: UiServer) -> UiServer:
    seed_dashboard(empty_server.factory)
    return empty_server


def open_dashboard(page: Page, url: str, query: str = "") -> None:
    open_app(page, url, query)
    by_testid(page, "view-dashboard").click()
    expect(page.locator(VIEW)).to_have_attribute("data-state", "ready")


def test_tab_shows_totals_charts_and_table_alternatives(page: Page, dash_server: UiServer) -> None:
    open_dashboard(page, dash_server.url)
    assert page.url.endswith("/#dashboard")
    expect(by_testid(page, "view-dashboard")).to_have_attribute("aria-current", "page")
    expect(by_testid(page, "leads-table")).to_be_hidden()
    expect(by_testid(page, "filters")).to_be_visible()  # the same filter bar applies here
    expect(by_testid(page, "dash-total-leads")).to_have_attribute("data-value", "9")
    expect(by_testid(page, "dash-total-partial")).to_have_attribute("data-value", "1")
    segments = page.locator('[data-testid="bar-segments"]')
    assert segments.evaluate_all("bars => bars.map(b => b.dataset.key)") == [
        "Existing", "Migration", "Cold", "Skip", "unscanned"]
    # the "not scanned" bar is drawn but not a link: the list cannot filter on it
    assert page.locator('a[data-testid="bar-segments"]').count() == 4
    # the table alternative: screen readers read it; the toggle shows it to everyone
    table = by_testid(page, "chart-table-segments").locator("table")
    expect(table.locator("caption")).to_have_text("Segments")
    cells = table.locator("tbody tr").evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert cells == [["Existing", "2"], ["Migration", "2"], ["Cold", "2"], ["Skip", "1"], ["Not scanned", "2"]]
    expect(table.locator('a[href*="segment=Migration"]')).to_have_count(1)
    toggle = by_testid(page, "chart-toggle-segments")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(by_testid(page, "chart-svg-segments")).to_be_hidden()
    assert table.bounding_box()["width"] > 100  # type: ignore[index]
    weeks = by_testid(page, "chart-table-new-leads").locator("tbody tr td")
    assert weeks.evaluate_all("cells => cells.map(c => Number(c.textContent))")[-3:] == [3, 2, 2]
    for chart in ("scores", "categories", "scan-status", "providers", "gateways", "hosting", "web-hosts", "plays",
                  "referrals", "d365", "changes", "new-leads"):
        expect(by_testid(page, f"chart-{chart}")).to_be_visible()


def test_a_bar_click_lands_on_the_filtered_list(page: Page, dash_server: UiServer) -> None:
    open_dashboard(page, dash_server.url)
    page.locator('a[data-testid="bar-segments"][data-key="Migration"]').click()
    page.wait_for_url("**/?segment=Migration")
    wait_query(page, "segment=Migration")
    expect(page.locator(VIEW)).to_be_hidden()
    assert sorted(domains(page)) == ["beta.com", "gamma.com"]
    expect(by_testid(page, "filter-segment")).to_have_value("Migration")


def test_the_filter_bar_narrows_the_dashboard_and_its_links(page: Page, dash_server: UiServer) -> None:
    open_dashboard(page, dash_server.url)
    by_testid(page, "filter-provider").select_option("Google")
    page.wait_for_function("() => (document.querySelector('[data-testid=dashboard-view]').dataset.query || '')"
                           ".includes('provider=Google') && document.querySelector('[data-testid=dashboard-view]')"
                           ".dataset.state === 'ready'")
    expect(by_testid(page, "dash-total-leads")).to_have_attribute("data-value", "2")
    gateway = page.locator('a[data-testid="bar-gateways"][data-key="Proofpoint"]')
    gateway.click()
    wait_query(page, "provider=Google", "gateway=Proofpoint")
    assert domains(page) == ["beta.com"]
    # back to the dashboard by the tab, then to the leads by theirs
    by_testid(page, "view-dashboard").click()
    expect(page.locator(VIEW)).to_have_attribute("data-state", "ready")
    by_testid(page, "view-leads").click()
    expect(page.locator(VIEW)).to_be_hidden()
    expect(by_testid(page, "leads-table")).to_be_visible()
    expect(by_testid(page, "view-leads")).to_have_attribute("aria-current", "page")
