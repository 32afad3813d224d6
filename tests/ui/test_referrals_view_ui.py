"""Issue 5, UI (Referrals view): the referral table with its filters, paging and URL state, the referral
detail modal (contents, copy, link to a lead, create a lead), the lead modal's Partner Center section, and
hostile data shown as text. Referrals are stored through the real ingestion (referrals_seed.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from referrals_seed import SUE, TENANT, ingest, many, payload, sample_referrals
from ui_helpers import by_testid, modal, open_app
from ui_support import HOSTILE, UiServer


@pytest.fixture
def seeded(server: UiServer) -> UiServer:
    """The UI seed (23 leads, feature flag off) plus :func:`sample_referrals`."""
    ingest(server.factory, sample_referrals())
    return server


def open_referrals(page: Page, url: str, query: str = "") -> None:
    page.goto(f"{url}/#referrals{'?' + query if query else ''}")
    page.wait_for_selector('[data-testid="referrals-table"][data-render-seq]:not([data-state="loading"])')


def wait_refs(page: Page, *parts: str) -> None:
    """Wait until the referrals table shows the answer whose query contains every part."""
    page.wait_for_function(
        "parts => { const t = document.querySelector('[data-testid=referrals-table]');"
        " return t.dataset.state !== 'loading' && parts.every(p => (t.dataset.query || '').includes(p)); }",
        arg=list(parts))


def row_of(page: Page, customer: str) -> str:
    """The referral id of the row whose customer is ``customer``."""
    script = "(rows, c) => rows.find(r => r.querySelector('.ref-name').textContent === c)?.dataset.referralId"
    return str(page.eval_on_selector_all('[data-testid="referral-row"]', script, customer))


# ---- the Referrals view ----------------------------------------------------------------------------


def test_referrals_view_filters_pages_and_keeps_its_state_in_the_url(page: Page, server: UiServer) -> None:
    ingest(server.factory, many(30))
    open_app(page, server.url)
    page.click('[data-testid="view-referrals"]')
    page.wait_for_selector('[data-testid="referrals-table"][data-state="ready"]')
    expect(by_testid(page, "view-referrals")).to_have_attribute("aria-current", "page")
    expect(by_testid(page, "leads-table")).to_be_hidden()
    expect(by_testid(page, "kpis")).to_be_hidden()
    rows = page.locator('[data-testid="referral-row"]')
    expect(rows).to_have_count(25)
    expect(by_testid(page, "ref-page-range")).to_have_text("1–25 of 30")
    expect(rows.first.locator('[data-testid="referral-name"]')).to_have_text("Müşteri 00")  # newest update first
    page.click('[data-testid="ref-page-next"]')
    wait_refs(page, "page=2")
    expect(rows).to_have_count(5)
    assert "#referrals?page=2" in page.url
    page.select_option('[data-testid="ref-filter-type"]', "marketplace")
    wait_refs(page, "lead_type=marketplace", "page=1")
    expect(rows).to_have_count(10)
    badges = page.eval_on_selector_all('[data-testid="referral-row"] td[data-col="type"] .ref-type',
                                       "b => b.map(x => x.dataset.referralType)")
    assert set(badges) == {"marketplace"}
    page.select_option('[data-testid="ref-filter-status"]', "Closed")
    wait_refs(page, "status=Closed")
    expect(rows).to_have_count(0)  # marketplace ones (i % 3 == 1) are never closed
    expect(by_testid(page, "ref-empty")).to_contain_text("No referral matches these filters")
    page.click('[data-testid="ref-empty-clear"]')
    wait_refs(page, "page=1")
    expect(rows).to_have_count(25)
    page.select_option('[data-testid="ref-filter-link"]', "unlinked")
    wait_refs(page, "link_status=unlinked")
    expect(rows).to_have_count(6)
    expect(rows.locator('td[data-col="link"] [data-link-status="unlinked"]')).to_have_count(6)
    page.select_option('[data-testid="ref-filter-status"]', "Closed")
    wait_refs(page, "status=Closed", "link_status=unlinked")
    expect(rows).to_have_count(2)  # i = 14 and 29
    # the view and its filters survive a reload (hash), and the leads filters keep the query string
    page.reload()
    wait_refs(page, "status=Closed", "link_status=unlinked")
    expect(by_testid(page, "ref-filter-status")).to_have_value("Closed")
    expect(rows).to_have_count(2)
    page.fill('[data-testid="ref-filter-search"]', "müşteri 29")
    wait_refs(page, "q=m")
    expect(rows).to_have_count(1)
    page.click('[data-testid="view-leads"]')
    expect(by_testid(page, "leads-table")).to_be_visible()
    expect(by_testid(page, "referrals-view")).to_be_hidden()
    assert "#referrals" not in page.url
    page.go_back()
    expect(by_testid(page, "referrals-view")).to_be_visible()
    expect(rows).to_have_count(1)


# ---- the referral modal ----------------------------------------------------------------------------


def test_referral_modal_shows_contacts_team_deal_ids_and_copies(page: Page, context: BrowserContext,
                                                                 seeded: UiServer) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=seeded.url)
    open_referrals(page, seeded.url, "lead_type=co-sell")
    opener = page.locator('[data-testid="referral-open"]')
    expect(opener).to_have_count(1)
    opener.click()
    body = page.locator('[data-testid="referral-modal"]')
    expect(body).to_have_attribute("data-state", "ready")
    dialog = modal(page, "referral")
    expect(dialog.locator(".modal-title")).to_have_text("Referral — Deniz Group Holding")
    expect(body.locator('[data-testid="ref-deal-value"]')).to_have_text("25,000 USD")  # one shape for all (issue 16)
    expect(body.locator('[data-section="summary"]')).to_contain_text("denizcilik-group.com")
    expect(body.locator('[data-testid="ref-contact"]')).to_contain_text("Sue Smith")
    expect(body.locator('[data-testid="ref-team-member"]')).to_contain_text("John Doe")
    expect(body.locator('[data-testid="copy-referral-id"]')).to_have_count(1)
    expect(body.locator('[data-testid="copy-tenant-id"]')).to_have_attribute("data-value", TENANT)
    link = body.locator('[data-testid="ref-pc-link"]')
    expect(link).to_have_attribute("href", "https://partner.microsoft.com/dashboard/referrals")
    expect(link).to_have_attribute("target", "_blank")
    expect(body.locator('[data-testid="ref-lead-state"]')).to_have_text(re.compile("Linked to denizcilik-group.com"))
    body.locator(f'[data-testid="copy-email"][data-value="{SUE}"]').click()
    expect(page.locator('[data-testid="toast"][data-kind="success"]')).to_contain_text(f"Copied: {SUE}")
    assert page.evaluate("() => navigator.clipboard.readText()") == SUE
    body.locator('[data-testid="ref-open-lead"]').click()  # the lead's own modal opens over the referral
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-domain", "denizcilik-group.com")
    page.keyboard.press("Escape")
    expect(modal(page, "lead")).to_have_count(0)
    page.keyboard.press("Escape")  # the shared modal: ESC closes, focus returns to the opener
    expect(dialog).to_have_count(0)
    assert page.evaluate("() => document.activeElement.dataset.testid") == "referral-open"


def test_link_to_a_lead_and_create_a_lead_from_a_referral(page: Page, seeded: UiServer) -> None:
    ingest(seeded.factory, [payload("Boğaziçi Danışmanlık", kind="co-sell", contacts=[("Can", "Ak", "can@yahoo.com")])])
    open_referrals(page, seeded.url, "link_status=unlinked")
    rows = page.locator('[data-testid="referral-row"]')
    expect(rows).to_have_count(2)
    rid = row_of(page, HOSTILE)
    page.click(f'[data-referral-id="{rid}"] [data-testid="referral-open"]')
    body = page.locator('[data-testid="referral-modal"]')
    expect(body).to_have_attribute("data-state", "ready")
    expect(body.locator('[data-testid="ref-lead-state"]')).to_have_attribute("data-link-status", "unlinked")
    field = body.locator('[data-testid="ref-link-input"]')
    expect(field).to_have_value("")
    body.locator('[data-testid="ref-link-submit"]').click()  # nothing typed: asked for a domain, nothing sent
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("bilinmeyen.com.tr")  # not a lead: the API says so
    body.locator('[data-testid="ref-link-submit"]').click()
    expect(page.locator('[data-testid="toast"][data-kind="error"]')).to_contain_text("no lead for bilinmeyen.com.tr")
    body.locator('[data-testid="ref-link-input"]').fill("ege-gida.com.tr")
    body.locator('[data-testid="ref-link-submit"]').click()
    success = page.locator('[data-testid="toast"][data-kind="success"]')
    expect(success).to_contain_text("Referral linked to ege-gida.com.tr")
    expect(body.locator('[data-testid="ref-lead-state"]')).to_have_attribute("data-link-status", "linked")
    assert page.evaluate("() => document.activeElement.dataset.testid") == "ref-link-submit"
    wait_refs(page, "link_status=unlinked")
    expect(rows).to_have_count(1)  # the list behind reloaded
    page.keyboard.press("Escape")
    page.click('[data-testid="referral-open"]')
    expect(body.locator('[data-testid="ref-contact"]')).to_contain_text("can@yahoo.com")
    body.locator('[data-testid="ref-link-input"]').fill("www.bogazici-danismanlik.com.tr")
    body.locator('[data-testid="ref-create-lead"]').click()
    expect(success.last).to_contain_text("Lead bogazici-danismanlik.com.tr created and linked; a scan is queued")
    page.keyboard.press("Escape")
    page.click('[data-testid="view-leads"]')
    cell = '[data-testid="lead-row"][data-domain="{}"] td[data-col="referral"]'
    expect(page.locator(cell.format("bogazici-danismanlik.com.tr"))).to_have_text("Co-sell")
    expect(page.locator(cell.format("ege-gida.com.tr"))).to_have_text("Marketplace ×2")  # the strongest type shows


def test_lead_modal_lists_the_companys_referrals_and_opens_one_over_it(page: Page, seeded: UiServer) -> None:
    def of(lead: str) -> int:  # the list the section reads: referrals linked to one lead (domain as typed)
        return int(seeded.client.get("/api/referrals", params={"lead": lead}).json()["total"])

    assert (of("denizcilik-group.com"), of("https://www.DENIZCILIK-group.com/"), of("sultan-hali.com")) == (2, 2, 0)
    assert of("no-such-lead.com.tr") == 0
    open_app(page, seeded.url)
    page.click('[data-domain="denizcilik-group.com"] [data-testid="score-button"]')
    section = page.locator('[data-testid="lead-modal"] section[data-section="partner_center"]')
    expect(section.locator("h3")).to_have_text("Partner Center")
    items = section.locator('[data-testid="lead-referral"]')
    expect(items).to_have_count(2)
    expect(items.first.locator(".ref-type")).to_have_text("Co-sell")
    items.first.locator('[data-testid="lead-referral-open"]').click()
    expect(page.locator('[data-testid="referral-modal"]')).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-testid="modal"]')).to_have_count(2)  # stacked over the lead
    page.keyboard.press("Escape")
    expect(modal(page, "referral")).to_have_count(0)
    expect(modal(page, "lead")).to_be_visible()
    assert page.evaluate("() => document.activeElement.dataset.testid") == "lead-referral-open"
    page.keyboard.press("Escape")
    page.click('[data-domain="sultan-hali.com"] [data-testid="score-button"]')
    # issue 16: a company without referrals gets no (empty) Partner Center section
    expect(page.locator('[data-testid="lead-modal"][data-domain="sultan-hali.com"][data-state="ready"]')).to_be_visible()
    expect(page.locator('section[data-section="partner_center"]')).to_have_count(0)




def test_a_hostile_customer_name_is_shown_as_text_everywhere(page: Page, seeded: UiServer) -> None:
    open_referrals(page, seeded.url)
    rid = row_of(page, HOSTILE)
    assert rid
    expect(page.locator(f'[data-referral-id="{rid}"] [data-testid="referral-name"]')).to_have_text(HOSTILE)
    page.click(f'[data-referral-id="{rid}"] [data-testid="referral-open"]')
    expect(modal(page, "referral").locator(".modal-title")).to_have_text(f"Referral — {HOSTILE}")
    expect(page.locator('[data-testid="ref-customer"]')).to_have_text(HOSTILE)
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
