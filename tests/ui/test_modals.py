"""Issue 4, items 1 and 2: modals (ESC, backdrop, focus trap and return, scroll lock) and the score
breakdown modal (content, loading, error with retry, tooltips inside the viewport)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from ui_helpers import Held, active_testid, by_testid, modal, open_app
from ui_support import PHONE, UiServer

ROW = '[data-testid="lead-row"][data-domain="{}"]'


def open_breakdown(page: Page, domain: str) -> None:
    page.click(f'{ROW.format(domain)} [data-testid="score-button"]')
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")


def test_escape_closes_the_modal_and_focus_returns_to_the_score_button(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    open_breakdown(page, "kapadokya-turizm.com")
    expect(modal(page, "lead")).to_be_visible()
    assert page.evaluate("() => document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Escape")
    expect(modal(page, "lead")).to_have_count(0)
    assert active_testid(page) == "score-button"
    assert page.evaluate("() => document.activeElement.closest('tr').dataset.domain") == "kapadokya-turizm.com"


def test_a_click_on_the_backdrop_closes_but_a_click_inside_does_not(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    open_breakdown(page, "anadolu-lojistik.com.tr")
    dialog = modal(page, "lead")
    dialog.locator('[data-section="breakdown"] h3').click()  # inside: stays open
    page.locator('[data-testid="modal"] .modal-title').click()
    expect(dialog).to_be_visible()
    # a press inside that ends on the backdrop (selecting text) does not close either
    box = dialog.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(5, 5)
    page.mouse.up()
    expect(dialog).to_be_visible()
    page.mouse.click(5, 5)  # the backdrop, outside the dialog
    expect(dialog).to_have_count(0)
    assert active_testid(page) == "score-button"


def test_focus_is_trapped_inside_the_modal(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    open_breakdown(page, "kapadokya-turizm.com")
    count = page.locator('[role=dialog] button, [role=dialog] [tabindex="0"]').count()
    inside = []
    for _ in range(count + 3):
        page.keyboard.press("Tab")
        inside.append(page.evaluate("() => !!document.activeElement.closest('[role=dialog]')"))
    assert all(inside)
    # Shift+Tab from the first element wraps to the last one
    page.locator('[data-testid="modal-close"]').focus()
    page.keyboard.press("Shift+Tab")
    assert active_testid(page) == "modal-rescan"
    page.keyboard.press("Tab")
    assert active_testid(page) == "modal-close"
    # the page behind cannot be reached: it is inert
    assert page.evaluate("() => document.querySelector('main').inert && document.querySelector('header').inert")
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.querySelector('main').inert")


def test_the_modal_scrolls_while_the_page_behind_stays_still(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    # the KPI counts arrive after the first page; scroll once they are in, or anchoring may move the page
    expect(page.locator('[data-testid="kpi-total"] .kpi-value')).not_to_have_text("…")
    page.evaluate("() => window.scrollTo(0, 150)")
    page.wait_for_function("() => window.scrollY === 150")
    open_breakdown(page, "pamukkale-seramik.com")
    behind = page.evaluate("() => window.scrollY")
    assert behind > 0
    assert page.evaluate("() => getComputedStyle(document.body).overflow") == "hidden"
    body = page.locator('[data-testid="modal-body"]')
    assert body.evaluate("b => b.scrollHeight > b.clientHeight"), "the breakdown should be taller than the dialog"
    box = body.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 600)
    page.wait_for_function("() => document.querySelector('[data-testid=modal-body]').scrollTop > 0")
    assert page.evaluate("() => window.scrollY") == behind
    page.keyboard.press("Escape")
    assert page.evaluate("() => getComputedStyle(document.body).overflow") != "hidden"


def test_breakdown_lists_provider_then_signals_then_risks_with_rule_category_and_evidence(
        page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    open_breakdown(page, "lale-mobilya.com.tr")  # Local, SPF only: has signals and risks
    groups = page.eval_on_selector_all('[data-section="breakdown"] .bd-group', "gs => gs.map(g => g.dataset.group)")
    assert groups[:3] == ["bd_provider", "bd_signals", "bd_risks"]
    items = [tuple(i) for i in page.eval_on_selector_all(
        '[data-testid="breakdown-item"]',
        "xs => xs.map(x => [x.dataset.kind, x.querySelector('.pts').textContent,"
        " x.querySelector('.bd-reason').textContent])")]
    kinds = [k for k, _, _ in items]
    assert kinds == sorted(kinds, key=["provider", "signal", "risk"].index)
    assert ("provider", "+10", "Mail provider Local") in items
    assert any(k == "risk" and pts.startswith("−") and reason for k, pts, reason in items)
    lead = page.locator('[data-testid="lead-modal"]')
    expect(lead.locator('[data-testid="segment-rule"]')).to_contain_text("Segment rule 3: Cold")
    expect(lead.locator('[data-section="summary"]')).to_contain_text("High-potential greenfield")  # P1 label
    expect(lead.locator('[data-section="summary"]')).to_contain_text("Act within 48 h")
    expect(lead.locator('[data-section="summary"]')).to_contain_text("7 (1 = call first")
    evidence = lead.locator('[data-section="evidence"]')
    for text in ("MX", "SPF", "DMARC", "DKIM", "Microsoft tenant", "Gateway", "Confidence", "Failed lookups",
                 "mail.lale-mobilya.com.tr"):
        expect(evidence).to_contain_text(text)


def test_breakdown_shows_failed_lookups_and_the_gateway(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    open_breakdown(page, "pamukkale-seramik.com")
    # the outcome in words (issue 16)
    failed = page.locator('[data-testid="failed-lookups"]')
    expect(failed).to_contain_text("_dmarc.pamukkale-seramik.com TXT: timed out")
    expect(page.locator('[data-testid="breakdown-item"][data-kind="unknown"]')).to_contain_text("unknown")
    page.keyboard.press("Escape")
    open_breakdown(page, "kapadokya-turizm.com")
    evidence = page.locator('[data-section="evidence"]')
    expect(evidence).to_contain_text("Proofpoint")
    expect(evidence).to_contain_text("gateway Proofpoint: mailboxes behind it inferred as M365")
    page.keyboard.press("Escape")
    open_breakdown(page, "denizcilik-group.com")
    expect(page.locator('[data-section="evidence"]')).to_contain_text("72f988bf-86f1-41af-91ab-2d7cd011db47 · Managed")


def test_breakdown_shows_loading_then_an_error_with_a_working_retry(page: Page, server: UiServer) -> None:
    page.expected_problems = ("status of 503",)  # type: ignore[attr-defined]
    open_app(page, server.url)
    held = Held(page, "**/api/leads/ege-gida.com.tr")
    page.click(f'{ROW.format("ege-gida.com.tr")} [data-testid="score-button"]')
    held.wait_held()
    lead = page.locator('[data-testid="lead-modal"]')
    expect(lead).to_have_attribute("data-state", "loading")
    expect(lead).to_have_attribute("aria-busy", "true")
    held.routes.pop().fulfill(status=503, json={"error": {"code": "unavailable", "message": "database busy",
                                                          "details": None}})
    held.release()
    expect(lead).to_have_attribute("data-state", "error")
    expect(lead).to_contain_text("database busy")
    page.click('[data-testid="lead-retry"]')
    expect(lead).to_have_attribute("data-state", "ready")
    expect(lead.locator('[data-section="breakdown"]')).to_contain_text("Mail provider Yandex")


def test_tooltips_stay_inside_the_viewport_on_a_phone(page: Page, server: UiServer) -> None:
    page.set_viewport_size(PHONE)
    open_app(page, server.url)
    expect(page.locator('[data-testid="kpi-total"] .kpi-value')).not_to_have_text("…")  # the strip is final
    tooltip = by_testid(page, "tooltip")
    owners = page.locator("[data-tip]")
    assert owners.count() >= 5
    checked = 0
    # the category tiles of the KPI strip (the last one sits at the right edge once scrolled) and some badges
    for i in [*range(6), owners.count() - 1]:
        owner = owners.nth(i)
        if not owner.is_visible():
            continue
        owner.scroll_into_view_if_needed()
        owner.focus()
        expect(tooltip).to_be_visible()
        box = tooltip.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        checked += 1
    assert checked >= 5
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()


def test_buttons_show_hover_focus_and_disabled_states(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    button = page.locator('[data-testid="export-csv"]')

    def look() -> dict[str, str]:
        return button.evaluate("b => { const s = getComputedStyle(b);"
                               " return {bg: s.backgroundColor, outline: s.outlineStyle, opacity: s.opacity,"
                               " cursor: s.cursor}; }")

    rest = look()
    button.hover()
    page.wait_for_function("() => document.querySelector('[data-testid=export-csv]').matches(':hover')")
    expect(button).not_to_have_css("background-color", rest["bg"])
    page.mouse.move(5, 5)
    page.locator('[data-testid="export-xlsx"]').focus()
    page.keyboard.press("Shift+Tab")  # keyboard focus shows the focus ring
    expect(button).to_be_focused()
    expect(button).to_have_css("outline-style", "solid")
    assert rest["outline"] == "none"
    page.locator('[data-testid="page-prev"]').evaluate("b => b.blur()")
    prev = page.locator('[data-testid="page-prev"]')
    expect(prev).to_be_disabled()
    expect(prev).to_have_css("opacity", "0.55")  # the one disabled style of issue 16
    expect(prev).to_have_css("cursor", "not-allowed")
    expect(prev).to_have_css("cursor", "not-allowed")
