"""Issue 12: the lead modal's "Microsoft footprint" grid (states, evidence on hover, plays in words, hosts and
countries, Turkish) and the play filter in the filter bar, over leads stored from real scan reports."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import by_testid, domains, open_app, open_more_filters, wait_query
from ui_support import UiServer

from footprint_reports import footprint_report
from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.services.scan_jobs import store_report

ROW = '[data-testid="lead-row"][data-domain="{}"]'
OKTA = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
LEADS = {
    "bulut-lojistik.com.tr": footprint_report("bulut-lojistik.com.tr", web="aws", ns="aws", tenant=OKTA,
                                              web_country="US", txt=("atlassian-domain-verification=x1",)),
    "tam-kurulum.com": footprint_report("tam-kurulum.com", intune=True, teams=True, registration=True, web="azure"),
    "gmail-firma.com": footprint_report("gmail-firma.com", mail="google", tenant="none", web="google",
                                        ns="cloudflare", mail_country="US"),
    "yarim-tarama.com": footprint_report("yarim-tarama.com", failed=("enterpriseenrollment",), ns="natro"),
}


@pytest.fixture
def fp_server(empty_server: UiServer) -> UiServer:
    with empty_server.factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(d, d, None) for d in LEADS])
        for domain, report in LEADS.items():
            store_report(session, companies[domain], report, None, utcnow())
    return empty_server


def open_lead(page: Page, domain: str) -> None:
    page.click(f'{ROW.format(domain)} [data-testid="score-button"]')
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")


def test_the_modal_shows_the_grid_with_evidence_plays_hosts_and_countries(page: Page, fp_server: UiServer) -> None:
    open_app(page, fp_server.url)
    open_lead(page, "bulut-lojistik.com.tr")
    section = by_testid(page, "lead-footprint")
    expect(section).to_be_visible()
    expect(page.locator('[data-section="footprint"]')).to_contain_text("Microsoft footprint")
    rows = section.locator('[data-testid="fp-row"]')
    expect(rows).to_have_count(7)
    states = dict(zip(rows.evaluate_all("rs => rs.map(r => r.dataset.key)"),
                      rows.evaluate_all("rs => rs.map(r => r.dataset.state)"), strict=True))
    assert states["entra_id"] == "in_use" and states["intune"] == "not_seen" and states["azure"] == "not_seen"
    intune = section.locator('[data-testid="fp-row"][data-key="intune"]')
    expect(intune.locator('[data-testid="fp-state"]')).to_have_text("Not seen")
    expect(intune.locator('[data-testid="fp-play"]')).to_contain_text("Device management (Intune / Business Premium)")
    azure = section.locator('[data-testid="fp-row"][data-key="azure"]')
    expect(azure.locator('[data-testid="fp-play"]')).to_contain_text("Azure migration of AWS")
    expect(azure.locator('[data-testid="fp-play"]')).to_contain_text("The website runs on AWS")
    # evidence on hover, through the shared tooltip
    azure.locator('[data-testid="fp-state"]').hover()
    expect(by_testid(page, "tooltip")).to_be_visible()
    expect(by_testid(page, "tooltip")).to_contain_text("www.bulut-lojistik.com.tr: CNAME d111111abcdef8.cloudfront.net")
    entra = section.locator('[data-testid="fp-row"][data-key="entra_id"]')
    entra.locator('[data-testid="fp-state"]').focus()  # keyboard users get it too
    expect(by_testid(page, "tooltip")).to_contain_text("realm: Federated, AuthURL contoso.okta.com")
    expect(entra.locator('[data-testid="fp-play"]')).to_contain_text("Move sign-in to Entra ID")
    expect(by_testid(page, "fp-dns-host")).to_have_text("Route 53")
    expect(by_testid(page, "fp-web-host")).to_have_text("AWS")
    expect(by_testid(page, "fp-web-country")).to_have_text("US")
    expect(by_testid(page, "fp-mail-country")).to_have_text("IE")
    expect(by_testid(page, "fp-saas")).to_have_text("atlassian")
    expect(by_testid(page, "fp-competitors")).to_contain_text("AWS (web)")


def test_unknown_rows_and_turkish(page: Page, fp_server: UiServer) -> None:
    open_app(page, fp_server.url)
    page.select_option('[data-testid="lang-select"]', "tr")
    open_lead(page, "yarim-tarama.com")
    section = by_testid(page, "lead-footprint")
    expect(page.locator('[data-section="footprint"]')).to_contain_text("Microsoft ayak izi")
    intune = section.locator('[data-testid="fp-row"][data-key="intune"]')
    expect(intune).to_have_attribute("data-state", "unknown")
    expect(intune.locator('[data-testid="fp-state"]')).to_have_text("Bilinmiyor")
    expect(intune.locator('[data-testid="fp-play"]')).to_have_count(0)  # unknown is not "not seen": no play
    teams = section.locator('[data-testid="fp-row"][data-key="teams"]')
    expect(teams.locator('[data-testid="fp-play"]')).to_contain_text("Teams Phone / toplantılar")
    expect(section.locator('[data-testid="fp-row"][data-key="mail_security"] th')).to_have_text("E-posta güvenliği")


def test_the_play_filter_narrows_the_list_and_stays_in_the_url(page: Page, fp_server: UiServer) -> None:
    open_app(page, fp_server.url)
    assert len(domains(page)) == 4
    # the counts come with the facets, which are asked for after the first page is on screen
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=filter-play] option')]"
                           ".some(o => o.textContent === 'Intune not seen (1)')")
    options = page.eval_on_selector_all('[data-testid="filter-play"] option', "os => os.map(o => o.textContent)")
    assert "Intune not seen (1)" in options and "Mail not at Microsoft 365 (1)" in options
    open_more_filters(page)
    page.select_option('[data-testid="filter-play"]', "intune")
    wait_query(page, "play=intune")
    assert domains(page) == ["bulut-lojistik.com.tr"]  # not the one with Intune, not the one whose lookup failed
    assert "play=intune" in page.url
    open_more_filters(page)
    page.select_option('[data-testid="filter-play"]', "mail_migration")
    wait_query(page, "play=mail_migration")
    assert domains(page) == ["gmail-firma.com"]
    page.reload()
    wait_query(page, "play=mail_migration")
    expect(by_testid(page, "filter-play")).to_have_value("mail_migration")
    assert domains(page) == ["gmail-firma.com"]
    by_testid(page, "filters-clear").click()
    wait_query(page)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=lead-row]').length === 4")
