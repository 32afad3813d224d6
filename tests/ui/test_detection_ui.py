"""Issue 10 in the lead modal: a failed scan says why, DMARC pct/sp/vendors, MX aliases and the hybrid line."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from ui_helpers import open_app
from ui_support import UiServer

from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.domain.assessment import assess
from leadhunter.domain.facts import DomainFacts
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.services.scan_jobs import store_report

ROW = '[data-testid="lead-row"][data-domain="{}"]'
GONE, HYBRID = "kapanmis-firma.com.tr", "hibrit-holding.com.tr"
EOP = "hibrit-holding-com-tr.mail.protection.outlook.com"


def _seed(server: UiServer) -> None:
    ok, nx = Outcome.OK, Outcome.NXDOMAIN
    gone = DomainFacts(GONE, Lookup(GONE, "MX", nx), Lookup(GONE, "TXT", nx), Lookup(f"_dmarc.{GONE}", "TXT", nx))
    hybrid = DomainFacts(
        HYBRID, Lookup(HYBRID, "MX", ok, (f"10 mx.{HYBRID}", f"20 {EOP}")),
        Lookup(HYBRID, "TXT", ok, ("v=spf1 include:spf.protection.outlook.com -all",)),
        Lookup(f"_dmarc.{HYBRID}", "TXT", ok, ("v=DMARC1; p=reject; pct=10; sp=none; rua=mailto:x@ag.dmarcian.com",)),
        addresses=(Lookup(f"mx.{HYBRID}", "A", ok, ("198.51.100.7",), (f"exchange.{HYBRID}",)),))
    with server.factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(GONE, GONE, "Kapanmış Firma"),
                                                              (HYBRID, HYBRID, "Hibrit Holding")])
        for facts in (gone, hybrid):
            result = assess(facts, default_provider_rules(), default_scoring_rules())
            store_report(session, companies[facts.domain], assessment_report(normalize_domain(facts.domain), result),
                         None, utcnow())


def _open(page: Page, domain: str) -> None:
    page.click(f'{ROW.format(domain)} [data-testid="score-button"]')
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")


def test_failed_scan_shows_its_reason(page: Page, empty_server: UiServer) -> None:
    _seed(empty_server)
    open_app(page, empty_server.url)
    _open(page, GONE)
    summary = page.locator('[data-section="summary"]')
    expect(summary).to_contain_text("failed — the domain does not exist")
    expect(page.locator('[data-testid="segment-rule"]')).to_contain_text("The domain does not exist (NXDOMAIN)")


def test_hybrid_dmarc_details_and_mx_alias_are_shown(page: Page, empty_server: UiServer) -> None:
    _seed(empty_server)
    open_app(page, empty_server.url)
    _open(page, HYBRID)
    expect(page.locator('[data-testid="breakdown-item"][data-kind="provider"]')).to_contain_text("Exchange hybrid")
    expect(page.locator('[data-testid="breakdown-item"][data-key="dmarc_reject"]')).to_contain_text(
        "not a full reject")
    evidence = page.locator('[data-section="evidence"]')
    expect(evidence).to_contain_text(f"10 mx.{HYBRID} → exchange.{HYBRID}")
    expect(evidence).to_contain_text("only pct=10: not a full policy")
    expect(evidence).to_contain_text("sp=none")
    expect(evidence).to_contain_text("reports to dmarcian")
