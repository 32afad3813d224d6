"""Issue 14 in the browser, on demo data: the row's "Brief" button opens the lead at its "Sales brief"
section (sentences with their evidence on hover), "copy call script" copies the script, the PDF buttons
download real one-page PDFs, Turkish works, and the size filter narrows the list."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader
from ui_helpers import by_testid, domains, open_app, open_more_filters, wait_query
from ui_support import UiServer

from leadhunter.services.demo_data import seed_demo

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo_server(empty_server: UiServer) -> UiServer:
    assert seed_demo(empty_server.factory, companies=40, seed=3, now=NOW, bulk=True).seeded
    return empty_server


def first_sales_lead(server: UiServer) -> str:
    """The top lead of the default order that is not a no-go (it has a call script)."""
    items = server.client.get("/api/leads", params={"page_size": 50}).json()["items"]
    return next(i["domain"] for i in items if i["category"] not in (None, "P6"))


def open_brief(page: Page, domain: str) -> None:
    page.click(f'[data-testid="lead-row"][data-domain="{domain}"] [data-testid="row-brief"]')
    expect(by_testid(page, "lead-brief")).to_have_attribute("data-state", "ready")


def pdf_text(path: Path) -> str:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_brief_section_copy_and_pdfs(page: Page, context: BrowserContext, demo_server: UiServer) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.url)
    domain = first_sales_lead(demo_server)
    open_app(page, demo_server.url)
    open_brief(page, domain)
    section = page.locator('[data-section="brief"]')
    expect(section).to_contain_text("Sales brief")
    expect(by_testid(page, "brief-summary")).to_contain_text(domain)
    parts = section.locator('[data-testid="brief-part"]')
    keys = parts.evaluate_all("ps => ps.map(p => p.dataset.key)")
    assert {"why", "security", "script", "questions", "offer", "next_step"} <= set(keys)
    # every sentence names its evidence, shown on hover through the shared tooltip
    sentences = section.locator('[data-testid="brief-sentence"]')
    assert all(tip.startswith("Evidence: ") and len(tip) > 10
               for tip in sentences.evaluate_all("ss => ss.map(s => s.dataset.tip)"))
    sentences.first.hover()
    expect(by_testid(page, "tooltip")).to_contain_text("Evidence:")
    # copy call script
    by_testid(page, "brief-copy-script").click()
    expect(by_testid(page, "brief-copy-script")).to_have_attribute("data-copied", "1")
    copied = page.evaluate("navigator.clipboard.readText()")
    script = section.locator('[data-key="script"] li').all_text_contents()
    assert copied == "\n".join(script) and "[partner]" in copied  # no partner configured: a visible placeholder
    # the two PDFs
    with page.expect_download() as internal:
        by_testid(page, "brief-pdf-internal").click()
    text = pdf_text(Path(internal.value.path()))
    assert domain in text and "Sales brief (internal)" in text and "Score breakdown" in text
    with page.expect_download() as customer:
        by_testid(page, "brief-pdf-customer").click()
    text = pdf_text(Path(customer.value.path()))
    assert "E-mail security scorecard" in text and "/100" not in text


def test_brief_in_turkish_and_size_filter(page: Page, demo_server: UiServer) -> None:
    domain = first_sales_lead(demo_server)
    open_app(page, demo_server.url)
    page.select_option('[data-testid="lang-select"]', "tr")
    open_brief(page, domain)
    section = page.locator('[data-section="brief"]')
    expect(section).to_contain_text("Satış özeti")
    expect(section).to_contain_text("Arama metni")
    expect(section).to_contain_text("Keşif soruları")
    page.keyboard.press("Escape")
    facets = demo_server.client.get("/api/leads/facets").json()["sizes"]
    band = max(facets, key=lambda b: facets[b])
    expect(page.locator(f'[data-testid="filter-size"] option[value="{band}"]')).to_have_count(1)
    open_more_filters(page)  # the size filter lives in More filters (seller-screen redesign)
    page.select_option('[data-testid="filter-size"]', band)
    wait_query(page, f"size={band}")
    expected = {i["domain"] for i in demo_server.client.get(
        "/api/leads", params={"size": band, "page_size": 100}).json()["items"]}
    expect(page.locator('[data-testid="lead-row"]')).to_have_count(min(len(expected), 50))
    assert set(domains(page)) <= expected
