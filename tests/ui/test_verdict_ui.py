"""Issue 16, item 5: after a rescan that timed out, the lead modal shows the last conclusive scan's verdict,
rule and evidence together, with a banner naming the inconclusive rescan, and both times."""

from __future__ import annotations

from datetime import timedelta

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

DOMAIN = "sultan-hali.com"  # Google, reject: a Migration verdict in the seed
ROW = f'[data-testid="lead-row"][data-domain="{DOMAIN}"]'


def timed_out_rescan(server: UiServer) -> None:
    """Store a later scan of DOMAIN in which every lookup timed out (kept as evidence, not as the verdict)."""
    t = Outcome.TIMEOUT
    facts = DomainFacts(DOMAIN, Lookup(DOMAIN, "MX", t), Lookup(DOMAIN, "TXT", t), Lookup(f"_dmarc.{DOMAIN}", "TXT", t))
    report = assessment_report(normalize_domain(DOMAIN), assess(facts, default_provider_rules(),
                                                                   default_scoring_rules()))
    assert report["segment"] != "Migration"  # the timed-out scan alone would say something else
    with server.factory.begin() as session:
        company = companies_repo.get_by_domains(session, [DOMAIN])[DOMAIN]
        store_report(session, company, report, None, utcnow() + timedelta(minutes=5))


def test_api_detail_takes_report_and_rule_from_the_verdict_scan(server: UiServer) -> None:
    before = server.client.get(f"/api/leads/{DOMAIN}").json()
    assert before["inconclusive_scan"] is None and before["verdict_scanned_at"] == before["scanned_at"]
    timed_out_rescan(server)
    after = server.client.get(f"/api/leads/{DOMAIN}").json()
    assert after["segment"] == before["segment"] == "Migration"
    assert after["segment_rule"] == before["segment_rule"] and after["report"] == before["report"]
    assert after["inconclusive_scan"]["reason"] == "timeouts"
    assert after["inconclusive_scan"]["scanned_at"] == after["scanned_at"] != after["verdict_scanned_at"]
    assert after["verdict_scanned_at"] == before["verdict_scanned_at"]
    assert after["history"][0]["segment"] != "Migration"  # the failed rescan is still in the history


def test_modal_shows_the_conclusive_scan_with_a_banner_and_both_times(page: Page, server: UiServer) -> None:
    timed_out_rescan(server)
    open_app(page, server.url, "q=sultan")
    page.click(f"{ROW} [data-testid=score-button]")
    modal = page.locator('[data-testid="lead-modal"][data-state="ready"]')
    banner = modal.locator('[data-testid="inconclusive-banner"]')
    expect(banner).to_contain_text("was inconclusive (timeouts); showing the scan of")
    rule = modal.locator('[data-testid="segment-rule"]')
    expect(rule).to_contain_text("Migration")
    expect(rule).not_to_contain_text("Skip")
    summary = modal.locator('[data-section="summary"]')
    expect(summary).not_to_contain_text("LOW")
    expect(modal.locator('[data-testid="verdict-scanned-at"]')).to_be_visible()
    expect(modal.locator('[data-testid="last-attempt-at"]')).to_contain_text("timeouts")
    verdict_at = modal.locator('[data-testid="verdict-scanned-at"]').get_attribute("datetime")
    attempt_at = modal.locator('[data-testid="last-attempt-at"]').get_attribute("datetime")
    assert verdict_at and attempt_at and verdict_at < attempt_at
    evidence = modal.locator('[data-section="evidence"]')
    expect(evidence).to_contain_text("aspmx.l.google.com")  # the conclusive scan's MX, not "every lookup timed out"
    expect(evidence.locator('[data-testid="failed-lookups"]')).to_have_count(0)


def test_modal_sections_follow_the_seller_order_and_hide_empty_ones(page: Page, server: UiServer) -> None:
    open_app(page, server.url, "q=sultan")
    page.click(f"{ROW} [data-testid=score-button]")
    page.wait_for_selector('[data-testid="lead-modal"][data-state="ready"]')
    order = page.eval_on_selector_all('[data-testid="lead-modal"] section.lead-section',
                                      "s => s.map(x => x.dataset.section)")
    assert order[:2] == ["summary", "breakdown"], order
    assert order.index("evidence") < order.index("d365"), order
    assert "partner_center" not in order  # no referral: the empty section is left out
    # raw values in words, with a tooltip on every breakdown line
    evidence = page.locator('[data-section="evidence"]')
    expect(evidence).to_contain_text("valid")
    items = page.locator('[data-testid="breakdown-item"]')
    assert items.count() > 0
    assert all(items.nth(i).get_attribute("data-tip") for i in range(items.count()))
