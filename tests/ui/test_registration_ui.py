"""The lead modal's Registration section in a real browser: a record with an expiry a seller can act on, a
withheld registrant, a registry that could not be asked, and a lead never looked up; English and Turkish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from ui_helpers import modal, open_app
from ui_support import HOSTILE, UiServer

from leadhunter.db import companies_repo, registration_repo
from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome, RegistrationSource, Withheld, unknown

ROW = '[data-testid="lead-row"][data-domain="{}"]'
NOW = datetime.now(UTC)


def _store(server: UiServer) -> None:
    records = {
        "kapadokya-turizm.com": RegistrationFacts(
            "kapadokya-turizm.com", RegistrationOutcome.OK, RegistrationSource.RDAP,
            server="https://rdap.verisign.com/com/v1/", fetched_at=NOW, registrar=HOSTILE,
            created=NOW - timedelta(days=5000), expires=NOW + timedelta(days=12, hours=2),
            nameservers=("ns1.natrohost.com", "ns2.natrohost.com"),
            withheld=(Withheld("registrant_organization", "REDACTED FOR PRIVACY"),)),
        "anadolu-lojistik.com.tr": unknown("anadolu-lojistik.com.tr", "WHOIS server timed out after 10 s",
                                           source=RegistrationSource.WHOIS),
    }
    with server.factory.begin() as session:
        companies = companies_repo.get_by_domains(session, records)
        for domain, facts in records.items():
            registration_repo.store(session, companies[domain].id, facts, NOW, None)


def _open(page: Page, domain: str) -> None:
    page.click(f'{ROW.format(domain)} [data-testid="score-button"]')
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")


def test_registration_section(page: Page, server: UiServer) -> None:
    _store(server)
    open_app(page, server.url)
    _open(page, "kapadokya-turizm.com")
    block = modal(page, "lead").locator('[data-testid="registration"]')
    expect(block).to_have_attribute("data-outcome", "ok")
    # a registrar name is data: shown as text, never markup
    expect(block.locator('[data-testid="registration-registrar"]')).to_have_text(HOSTILE)
    expect(block.locator('[data-testid="registration-expires"]')).to_contain_text("in 12 days")
    expect(block.locator('[data-testid="registration-expires"] .badge')).to_be_visible()
    expect(block).to_contain_text("withheld (REDACTED FOR PRIVACY)")
    expect(block).to_contain_text("ns1.natrohost.com")
    page.keyboard.press("Escape")

    _open(page, "anadolu-lojistik.com.tr")
    failed = modal(page, "lead").locator('[data-testid="registration"]')
    expect(failed).to_have_attribute("data-outcome", "unknown")
    expect(failed).to_contain_text("timed out")
    page.keyboard.press("Escape")

    page.select_option('[data-testid="lang-select"]', "tr")
    _open(page, "kapadokya-turizm.com")
    expect(modal(page, "lead").locator('[data-section="registration"] h3')).to_have_text("Alan adı kaydı")
    expect(modal(page, "lead").locator('[data-testid="registration-expires"]')).to_contain_text("12 gün sonra")
    page.keyboard.press("Escape")
    _open(page, "zzz-hostile.com")  # not looked up yet: the empty section is left out (issue 16)
    expect(modal(page, "lead").locator('[data-section="summary"]')).to_be_visible()
    expect(modal(page, "lead").locator('[data-section="registration"]')).to_have_count(0)
