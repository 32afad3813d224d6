"""Issue 4, items 5 and 6: work the data — single-domain scan, rescan from the row and from the modal, the
change list, imports (picker and drag-and-drop) with row errors and a live progress bar, toasts, alerts,
and no double submits."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from ui_helpers import Held, by_testid, column, modal, open_app, render_seq, wait_render_after
from ui_seed import complete_chunk
from ui_support import UiServer

from leadhunter.domain.normalize import normalize_domain

ORNEK = normalize_domain("örnek-gıda.com.tr").domain

IMPORT_CSV = (
    "Firma Adı,Web Sitesi\n"
    "Karadeniz Balık,karadeniz-balik.com.tr\n"
    "Bozkır Un,https://www.bozkir-un.com/iletisim\n"
    "Kişisel,ahmet@gmail.com\n"
    "Boş satır değil,not a domain\n"
    "Tekrar,karadeniz-balik.com.tr\n"
    "Ağrı Dağı Turizm,ağrıdağı.com.tr\n"
)


def test_single_domain_scan_shows_the_result(page: Page, server: UiServer) -> None:
    server.worker.mode = "auto"
    open_app(page, server.url)
    page.fill('[data-testid="scan-input"]', "https://www.Örnek-Gıda.com.tr/iletisim")
    page.click('[data-testid="scan-submit"]')
    lead = page.locator('[data-testid="lead-modal"]')
    expect(lead).to_have_attribute("data-state", "ready")
    expect(lead).to_have_attribute("data-domain", ORNEK)
    expect(modal(page, "lead").locator(".modal-title")).to_contain_text("örnek-gıda.com.tr")
    expect(lead.locator('[data-section="breakdown"]')).to_contain_text("Mail provider Google")
    expect(page.locator('[data-testid="toast"][data-kind="success"]')).to_contain_text("score 90")
    page.keyboard.press("Escape")
    expect(by_testid(page, "scan-input")).to_be_focused()
    expect(page.locator(f'[data-testid="lead-row"][data-domain="{ORNEK}"]')).to_have_count(1)


def test_an_invalid_domain_is_refused_with_the_reason(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.fill('[data-testid="scan-input"]', "someone@gmail.com")
    page.press('[data-testid="scan-input"]', "Enter")
    expect(page.locator('[data-testid="toast"][data-kind="error"]')).to_be_visible()
    expect(by_testid(page, "scan-input")).to_have_attribute("aria-invalid", "true")
    assert server.worker.dispatched == []


def test_scan_cannot_be_submitted_twice(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    held = Held(page, "**/api/leads")
    page.fill('[data-testid="scan-input"]', "yeni-firma.com.tr")
    page.click('[data-testid="scan-submit"]')
    held.wait_held()
    expect(by_testid(page, "scan-submit")).to_be_disabled()
    page.press('[data-testid="scan-input"]', "Enter")  # a second submit while the first is in flight
    page.click('[data-testid="scan-submit"]', force=True)
    page.evaluate("() => document.querySelector('[data-testid=scan-form]').requestSubmit()")
    held.release()
    expect(page.locator('[data-testid="toast"][data-kind="info"]')).to_contain_text("yeni-firma.com.tr")
    expect(by_testid(page, "scan-submit")).to_be_enabled()
    assert len(posts) == 1, posts
    assert len(server.worker.dispatched) == 1


def test_rescan_from_the_row_updates_the_row_and_records_the_change(page: Page, server: UiServer) -> None:
    server.worker.mode = "auto"
    server.worker.profile_of = lambda _domain: "m365"
    open_app(page, server.url)
    row = page.locator('[data-testid="lead-row"][data-domain="anadolu-lojistik.com.tr"]')
    expect(row.locator('td[data-col="provider"]')).to_have_text("Google")
    row.locator('[data-testid="row-rescan"]').click()
    expect(page.locator('[data-testid="toast"][data-kind="info"]')).to_contain_text("anadolu-lojistik.com.tr")
    expect(row.locator('td[data-col="provider"]')).to_have_text("M365")
    row.locator('[data-testid="score-button"]').click()
    changes = page.locator('[data-testid="change"]')
    expect(changes.first).to_be_visible()
    kinds = changes.evaluate_all("cs => cs.map(c => c.dataset.kind)")
    assert "provider_changed" in kinds
    expect(page.locator('[data-testid="change"][data-kind="provider_changed"]')).to_contain_text("Google → M365")


def test_rescan_from_the_modal_refreshes_it(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.click('[data-testid="lead-row"][data-domain="lale-mobilya.com.tr"] [data-testid="score-button"]')
    lead = page.locator('[data-testid="lead-modal"]')
    expect(lead).to_have_attribute("data-state", "ready")
    expect(lead.locator('[data-testid="change-list"]')).to_have_count(0)
    seq = render_seq(page)
    page.click('[data-testid="modal-rescan"]')
    expect(page.locator('[data-testid="toast"][data-kind="info"]')).to_contain_text("lale-mobilya.com.tr")
    (job_id, chunk), = server.worker.dispatched
    complete_chunk(server.factory, job_id, chunk, lambda _d: "local")  # SPF only → full set-up: DMARC added
    expect(lead.locator('[data-testid="change"][data-kind="dmarc_added"]')).to_contain_text("p=quarantine")
    expect(lead.locator('[data-testid="lead-score"]')).to_contain_text("45")
    wait_render_after(page, seq)


def test_the_change_list_shows_history(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.click('[data-testid="lead-row"][data-domain="denizcilik-group.com"] [data-testid="score-button"]')
    changes = page.locator('[data-testid="change"]')
    expect(changes.first).to_be_visible()
    texts = changes.all_inner_texts()
    assert any("Provider changed: Google → M365" in t for t in texts), texts
    assert any("alert" in t for t in texts)
    history = page.locator('[data-section="history"] tbody tr')
    expect(history).to_have_count(2)


def _upload_and_check_errors(page: Page) -> None:
    summary = by_testid(page, "import-summary")
    expect(summary).to_have_attribute("data-state", "uploaded")
    expect(summary).to_contain_text("6 rows — 3 accepted, 1 duplicates, 2 with errors")
    errors = page.locator('[data-testid="import-errors"] li')
    expect(errors).to_have_count(2)
    lines = errors.evaluate_all("xs => xs.map(x => x.dataset.line)")
    assert lines == ["4", "5"]
    expect(errors.nth(0)).to_contain_text("Line 4:")


def test_import_by_picker_shows_row_errors_and_a_live_progress_bar(page: Page, server: UiServer,
                                                                    tmp_path: Path) -> None:
    open_app(page, server.url)
    file = tmp_path / "adaylar.csv"
    file.write_text(IMPORT_CSV, "utf-8")
    page.click('[data-testid="import-open"]')
    dialog = modal(page, "import")
    expect(dialog).to_be_visible()
    page.set_input_files('[data-testid="import-file"]', str(file))
    _upload_and_check_errors(page)
    bar = by_testid(page, "import-progress")
    expect(bar).to_have_attribute("aria-valuemax", "3")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(bar).to_have_attribute("data-state", "queued")
    (job_id, chunk), = server.worker.dispatched
    assert complete_chunk(server.factory, job_id, chunk, limit=1) == 1
    expect(bar).to_have_attribute("aria-valuenow", "1")
    expect(bar).to_have_attribute("data-state", "running")
    complete_chunk(server.factory, job_id, chunk)
    expect(bar).to_have_attribute("aria-valuenow", "3")
    expect(bar).to_have_attribute("data-state", "done")
    expect(page.locator('[data-testid="toast"][data-kind="success"]').last).to_contain_text("3 of 3")
    page.keyboard.press("Escape")
    expect(by_testid(page, "import-open")).to_be_focused()
    agri = normalize_domain("ağrıdağı.com.tr").domain
    expect(page.locator(f'[data-testid="lead-row"][data-domain="{agri}"]')).to_have_count(1)


def test_import_by_drag_and_drop(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.click('[data-testid="import-open"]')
    transfer = page.evaluate_handle(
        "text => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], 'surukle.csv', {type: 'text/csv'})); return dt; }", IMPORT_CSV)
    page.dispatch_event('[data-testid="import-drop"]', "dragenter", {"dataTransfer": transfer})
    expect(by_testid(page, "import-drop")).to_have_class("dropzone dropzone-over")
    page.dispatch_event('[data-testid="import-drop"]', "drop", {"dataTransfer": transfer})
    _upload_and_check_errors(page)
    expect(by_testid(page, "import-summary")).to_contain_text("surukle.csv")
    assert len(server.worker.dispatched) == 1


def test_a_broken_file_is_reported(page: Page, server: UiServer, tmp_path: Path) -> None:
    open_app(page, server.url)
    file = tmp_path / "bos.xlsx"
    file.write_bytes(b"this is not a workbook")
    page.click('[data-testid="import-open"]')
    page.set_input_files('[data-testid="import-file"]', str(file))
    expect(by_testid(page, "import-summary")).to_have_attribute("data-state", "error")
    expect(page.locator('[data-testid="toast"][data-kind="error"]')).to_contain_text("Import failed")


def test_toasts_stack_and_are_announced(page: Page, server: UiServer) -> None:
    page.add_init_script("window.__hunterToastMs = 600000;")  # they stay until closed: nothing races the clock
    open_app(page, server.url)
    region = by_testid(page, "toasts")
    expect(region).to_have_attribute("aria-live", "polite")
    toasts = page.locator('[data-testid="toast"][data-kind="info"]')
    for n, domain in enumerate(("anadolu-lojistik.com.tr", "ege-gida.com.tr"), start=1):
        page.click(f'[data-testid="lead-row"][data-domain="{domain}"] [data-testid="row-rescan"]')
        expect(toasts).to_have_count(n)
    expect(toasts.nth(0)).to_contain_text("anadolu-lojistik.com.tr")  # oldest first, newest at the bottom
    expect(toasts.nth(1)).to_contain_text("ege-gida.com.tr")
    a, b = toasts.nth(0).bounding_box(), toasts.nth(1).bounding_box()
    assert a and b and a["y"] + a["height"] <= b["y"]  # stacked, not overlapping
    toasts.nth(0).locator(".toast-close").click()
    expect(toasts).to_have_count(1)
    expect(toasts.nth(0)).to_contain_text("ege-gida.com.tr")


def test_toasts_dismiss_themselves_but_not_while_hovered(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    # Two toasts born in the same task with a 200 ms life; one is hovered at once. When the other has gone,
    # the hovered one has outlived its life: only the pause can have kept it.
    page.evaluate("""async () => {
        const toasts = await import('/static/js/toasts.js');
        toasts.toast('success', 'hovered', {ms: 200});
        toasts.toast('info', 'left alone', {ms: 200});
        document.querySelector('[data-testid=toast][data-kind=success]').dispatchEvent(new MouseEvent('mouseenter'));
    }""")
    hovered = page.locator('[data-testid="toast"][data-kind="success"]')
    expect(page.locator('[data-testid="toast"][data-kind="info"]')).to_have_count(0)
    expect(hovered).to_have_attribute("data-paused", "true")
    expect(hovered).to_be_visible()
    hovered.dispatch_event("mouseleave")
    expect(hovered).to_have_count(0)


def test_error_toasts_are_alerts(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    page.route("**/api/leads/*/rescan", lambda route: route.fulfill(
        status=500, json={"error": {"code": "boom", "message": "scanner offline", "details": None}}))
    page.click('[data-testid="lead-row"][data-domain="ege-gida.com.tr"] [data-testid="row-rescan"]')
    toast = page.locator('[data-testid="toast"][data-kind="error"]')
    expect(toast).to_have_attribute("role", "alert")
    expect(toast).to_contain_text("scanner offline")
    expect(page.locator('[data-testid="lead-row"][data-domain="ege-gida.com.tr"] [data-testid="row-rescan"]')
           ).to_be_enabled()


def test_alert_badge_stays_hidden_until_the_count_arrives(page: Page, server: UiServer) -> None:
    held = Held(page, "**/api/alerts")
    open_app(page, server.url)
    held.wait_held()
    # A class that sets `display` once beat the `hidden` attribute: the badge showed "0" before the answer.
    expect(by_testid(page, "alerts-count")).to_be_hidden()
    held.release()
    expect(by_testid(page, "alerts-count")).to_be_visible()
    assert int(by_testid(page, "alerts-count").inner_text()) >= 3


def test_alerts_list_opens_a_lead_and_acknowledges(page: Page, server: UiServer) -> None:
    open_app(page, server.url)
    count = by_testid(page, "alerts-count")
    expect(count).to_be_visible()
    before = int(count.inner_text())
    assert before >= 3
    page.click('[data-testid="alerts-open"]')
    alerts = page.locator('[data-testid="alert"]')
    expect(alerts).to_have_count(before)
    alerts.first.locator(".btn").click()
    expect(alerts).to_have_count(before - 1)
    expect(count).to_have_text(str(before - 1))
    page.locator('[data-testid="alert-group"]').first.locator(".link").click()  # grouped by company (issue 16)
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")
    page.keyboard.press("Escape")
    expect(by_testid(page, "alerts-open")).to_be_focused()
    assert column(page, "domain")
