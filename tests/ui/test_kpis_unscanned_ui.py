"""The KPI total counts leads not scanned yet, which the API now reports under ``unscanned`` (issue 11 item 7;
it was a ``"None"`` key)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from ui_helpers import open_app
from ui_support import UiServer


def test_the_total_counts_unscanned_leads_without_a_tile_of_their_own(page: Page, empty_server: UiServer) -> None:
    posted = empty_server.client.post("/api/scans", json={"domains": ["contoso.com.tr", "fabrikam.com.tr"]})
    assert posted.status_code == 202
    assert empty_server.client.get("/api/leads/kpis").json()["segments"] == {"unscanned": 2}
    open_app(page, empty_server.url)
    expect(page.locator('[data-testid="kpi-total"] .kpi-value')).to_have_text("2")
    expect(page.locator('[data-testid^="kpi-segment-"]').filter(has_text="unscanned")).to_have_count(0)
    expect(page.locator('[data-testid="kpi-segment-unscanned"]')).to_have_count(0)
