"""``/?lead=<domain>``: the link a D365 lead carries back to Hunter opens that lead's modal over the unfiltered
list; the link is not a filter (not kept in the URL, not saved), filters in the same link still apply, and an
unknown lead says so in the modal."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from ui_helpers import modal, open_app, wait_settled
from ui_support import UiServer

DOMAIN = "kapadokya-turizm.com"


def _rows(page: Page) -> int:
    return page.locator('[data-testid="lead-row"]').count()


def test_a_lead_link_opens_its_modal_over_the_list(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    everything = _rows(page)
    page.goto(f"{server.url}/?lead={DOMAIN}")
    wait_settled(page)
    body = page.locator('[data-testid="lead-modal"]')
    expect(body).to_have_attribute("data-state", "ready")
    expect(body).to_have_attribute("data-domain", DOMAIN)
    expect(modal(page, "lead").locator(".modal-title")).to_contain_text(DOMAIN)
    expect(body.locator('[data-section="breakdown"]')).to_be_visible()
    assert _rows(page) == everything  # the link is not a filter
    assert "lead=" not in page.url  # nor kept: a reload or a shared filter link does not reopen it

    page.keyboard.press("Escape")
    expect(modal(page, "lead")).to_have_count(0)
    page.reload()
    wait_settled(page)
    expect(modal(page, "lead")).to_have_count(0)


def test_filters_in_the_same_link_still_apply(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    everything = _rows(page)
    page.goto(f"{server.url}/?provider=Local&lead={DOMAIN}")
    wait_settled(page)
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")
    assert "provider=Local" in page.url and "lead=" not in page.url
    expect(page.locator('[data-testid="filter-provider"]')).to_have_value("Local")
    assert 0 < _rows(page) < everything  # the filtered list is shown under the modal


def test_an_unknown_lead_says_so_in_the_modal(page: Page, server: UiServer) -> None:
    page.goto(f"{server.url}/?lead=no-such-lead.example")
    wait_settled(page)
    body = page.locator('[data-testid="lead-modal"]')
    expect(body).to_have_attribute("data-state", "error")
    expect(body.locator('[role="alert"]')).to_contain_text("no-such-lead.example")
