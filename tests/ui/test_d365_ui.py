"""Dynamics 365 push in the browser (issue 6): the D365 badge for every push state (error reason on hover,
synced link), the lead modal's D365 section with Push / Retry, bulk push of the selected rows and of the
current filter with the confirmed count, progress and toasts, the D365 status filter, the disabled state
with the feature off, and both languages. Real API, real adapter, fake Entra + fake Dataverse over HTTPS."""

from __future__ import annotations

import re

from d365_ui_env import (  # noqa: F401  (fixtures)
    D365Ui,
    d365_fixture,
    d365_ui_fixture,
    db_url_fixture,
    seed_states,
    sqlite_template_fixture,
)
from playwright.sync_api import BrowserContext, Locator, Page, Request, expect
from ui_helpers import (
    ROW,
    TABLE,
    by_testid,
    column,
    domains,
    modal,
    open_app,
    open_more_filters,
    render_seq,
    wait_query,
    wait_render_after,
)
from ui_support import LAPTOP, UiServer


def cell(page: Page, domain: str, col: str = "d365") -> str:
    return f'{ROW}[data-domain="{domain}"] td[data-col="{col}"]'


def badge(page: Page, domain: str) -> Locator:
    return page.locator(f'{cell(page, domain)} [data-testid="d365-badge"]')


def toast(page: Page, kind: str, text: str) -> Locator:
    return page.locator(f'[data-testid="toast"][data-kind="{kind}"]', has_text=text)


def open_lead(page: Page, domain: str) -> None:
    page.click(f'{ROW}[data-domain="{domain}"] [data-testid="score-button"]')
    expect(page.locator('[data-testid="lead-modal"]')).to_have_attribute("data-state", "ready")


def test_badges_show_every_state_the_error_reason_on_hover_and_link_the_synced_record(
        page: Page, d365_ui: D365Ui) -> None:
    seed_states(d365_ui.env, d365_ui.ids)
    open_app(page, d365_ui.url)
    expect(page.locator('th[data-col="d365"]')).to_have_text("D365")
    states = {d: badge(page, d).get_attribute("data-d365-status") for d in domains(page)}
    assert states == {"lead-0000.com.tr": "not_synced", "lead-0001.com.tr": "queued", "lead-0002.com.tr": "in_progress",
                      "lead-0003.com.tr": "synced", "lead-0004.com.tr": "error", "lead-0005.com.tr": "not_synced"}
    texts = dict(zip(domains(page), column(page, "d365"), strict=True))
    assert (texts["lead-0000.com.tr"], texts["lead-0001.com.tr"], texts["lead-0002.com.tr"]) == (
        "Not synced", "Queued", "Pushing…")
    assert (texts["lead-0003.com.tr"], texts["lead-0004.com.tr"]) == ("✓ Synced", "✗ Error")

    synced = badge(page, "lead-0003.com.tr")
    expect(synced).to_have_attribute("href", "https://org.example.crm4.dynamics.com/main.aspx?pagetype=entityrecord"
                                             "&etn=lead&id=6f1e2d3c-0000-4000-8000-000000000003")
    expect(synced).to_have_attribute("target", "_blank")
    assert "noopener" in (synced.get_attribute("rel") or "").split()

    error = badge(page, "lead-0004.com.tr")
    reason = "hnt_segment: the value 'Migration' is not a valid option"
    expect(error).to_have_attribute("aria-label", f"Error: Dynamics 365 push failed: Rejected by Dynamics — {reason}")
    error.hover()
    tip = by_testid(page, "tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(f"Dynamics 365 push failed: Rejected by Dynamics — {reason}")
    expect(error).to_have_attribute("aria-describedby", "tooltip")
    box = tip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= LAPTOP["width"] and box["y"] + box["height"] <= LAPTOP["height"]
    # a lead queued again after a failed attempt says why on hover too (keyboard: focus shows it)
    badge(page, "lead-0001.com.tr").focus()
    expect(tip).to_have_text("Queued again after a failed attempt: Throttled — Too many requests (429)")


def test_modal_section_shows_the_push_state_and_retry_pushes_the_failed_lead(page: Page, d365_ui: D365Ui) -> None:
    seed_states(d365_ui.env, d365_ui.ids)
    open_app(page, d365_ui.url)
    open_lead(page, "lead-0004.com.tr")
    section = page.locator('section[data-section="d365"]')
    expect(section.locator("h3")).to_have_text("Dynamics 365")
    box = section.locator('[data-testid="lead-d365"]')
    expect(box).to_have_attribute("data-status", "error")
    expect(section.locator('[data-testid="d365-error"]')).to_have_text(
        "Rejected by Dynamics — hnt_segment: the value 'Migration' is not a valid option")
    expect(section.locator('[data-testid="d365-attempts"]')).to_have_text("3 of 3")
    expect(section.locator('[data-testid="d365-pushed-at"]')).to_have_text("3 h ago")
    expect(section.locator('[data-testid="d365-open"]')).to_have_count(0)
    expect(section.locator('[data-testid="d365-push"]')).to_have_count(0)
    retry = section.locator('[data-testid="d365-retry"]')
    expect(retry).to_have_text("Retry push")
    expect(retry).to_be_enabled()

    retry.click()
    expect(box).to_have_attribute("data-status", "queued")  # the POST answered: the request was dispatched
    expect(section.locator('[data-testid="d365-retry"], [data-testid="d365-push"]')).to_be_disabled()
    assert [r.company_ids for r in d365_ui.pushes.requests] == [[d365_ui.ids[4]]]
    assert d365_ui.pushes.run_all() == 1
    expect(toast(page, "success", "lead-0004.com.tr is in Dynamics 365")).to_be_visible()
    expect(box).to_have_attribute("data-status", "synced")
    (lead,) = d365_ui.env.dataverse.leads_for("lead-0004.com.tr")
    link = section.locator('[data-testid="d365-open"]')
    expect(link).to_have_text("Open in Dynamics")
    expect(link).to_have_attribute("href", f"{d365_ui.env.dataverse.org_url}/main.aspx?pagetype=entityrecord&etn=lead"
                                           f"&id={lead['leadid']}")
    expect(link).to_have_attribute("target", "_blank")
    assert "noopener" in (link.get_attribute("rel") or "")
    expect(section.locator('[data-testid="d365-attempts"]')).to_have_text("1 of 3")
    # pushed moments ago ("1 min ago" only if this machine is slow enough to cross a minute meanwhile)
    expect(section.locator('[data-testid="d365-pushed-at"]')).to_have_text(re.compile(r"^(just now|1 min ago)$"))
    expect(section.locator('[data-testid="d365-error"]')).to_have_count(0)
    again = section.locator('[data-testid="d365-push"]')
    expect(again).to_have_text("Push again")
    expect(again).to_be_enabled()
    # the row behind the modal was reloaded too
    page.click('[data-testid="modal-close"]')
    expect(badge(page, "lead-0004.com.tr")).to_have_attribute("data-d365-status", "synced")


def test_push_one_lead_from_its_modal(page: Page, d365_ui: D365Ui) -> None:
    d365_ui.pushes.mode = "inline"
    open_app(page, d365_ui.url)
    open_lead(page, "lead-0002.com.tr")
    section = page.locator('section[data-section="d365"]')
    expect(section.locator('[data-testid="lead-d365"]')).to_have_attribute("data-status", "not_synced")
    expect(section.locator('[data-testid="d365-pushed-at"]')).to_have_text("never")
    expect(section.locator('[data-testid="d365-attempts"]')).to_have_text("0 of 3")
    push = section.locator('[data-testid="d365-push"]')
    expect(push).to_have_text("Push to Dynamics")
    push.click()
    expect(toast(page, "success", "lead-0002.com.tr is in Dynamics 365")).to_be_visible()
    expect(section.locator('[data-testid="lead-d365"]')).to_have_attribute("data-status", "synced")
    assert d365_ui.env.leads_per_domain() == {"lead-0002.com.tr": 1}


def test_bulk_push_of_selected_rows_confirms_the_count_shows_progress_and_toasts(page: Page, d365_ui: D365Ui) -> None:
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/api/d365/push") and r.method == "POST" else None)
    open_app(page, d365_ui.url)
    push_selected = by_testid(page, "d365-push-selected")
    expect(push_selected).to_be_disabled()  # nothing selected yet
    expect(by_testid(page, "d365-progress")).to_be_hidden()  # no push yet
    expect(by_testid(page, "d365-clear-selection")).to_be_hidden()
    select_all = by_testid(page, "d365-select-all")
    expect(select_all).to_have_attribute("aria-label", "Select all leads on this page")
    select_all.check()
    expect(page.locator('[data-testid="d365-select"]:checked')).to_have_count(6)
    expect(by_testid(page, "d365-selected-count")).to_have_text("6 selected")
    for domain in ("lead-0000.com.tr", "lead-0001.com.tr", "lead-0002.com.tr", "lead-0004.com.tr"):
        page.locator(f'{cell(page, domain, "select")} input').uncheck()
    expect(by_testid(page, "d365-selected-count")).to_have_text("2 selected")
    assert select_all.evaluate("b => b.indeterminate && !b.checked")
    expect(push_selected).to_have_text("Push selected to Dynamics (2)")

    push_selected.click()
    dialog = modal(page, "d365-push")
    count = by_testid(page, "d365-confirm-count")
    expect(count).to_have_text("Push 2 leads to Dynamics 365?")
    expect(count).to_have_attribute("data-count", "2")
    expect(push_selected).to_be_disabled()  # while the confirmation is open
    submit = by_testid(page, "d365-confirm-submit")
    expect(submit).to_have_text("Push 2")
    submit.dblclick()  # a double click sends one push
    expect(dialog).to_have_count(0)
    progress = by_testid(page, "d365-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("aria-valuemax", "2")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(by_testid(page, "d365-progress-text")).to_have_text("Dynamics 365: 0 of 2 pushed")
    expect(toast(page, "info", "2 leads queued for Dynamics 365")).to_be_visible()
    expect(badge(page, "lead-0003.com.tr")).to_have_attribute("data-d365-status", "queued")
    expect(badge(page, "lead-0005.com.tr")).to_have_attribute("data-d365-status", "queued")
    expect(by_testid(page, "d365-push-filter")).to_be_disabled()  # no second push while one is followed
    expect(by_testid(page, "d365-selected-count")).to_have_text("0 selected")  # the pushed selection is cleared
    assert len([r for r in sent if '"dry_run":true' not in (r.post_data or "")]) == 1
    assert [sorted(r.company_ids) for r in d365_ui.pushes.requests] == [[d365_ui.ids[3], d365_ui.ids[5]]]

    assert d365_ui.pushes.run_all() == 1
    expect(progress).to_have_attribute("data-state", "done")
    expect(progress).to_have_attribute("aria-valuenow", "2")
    expect(by_testid(page, "d365-progress-text")).to_have_text("Dynamics 365: 2 of 2 pushed")
    expect(toast(page, "success", "Dynamics 365 push finished: 2 synced")).to_be_visible()
    expect(badge(page, "lead-0003.com.tr")).to_have_attribute("data-d365-status", "synced")
    expect(badge(page, "lead-0005.com.tr")).to_have_attribute("data-d365-status", "synced")
    expect(badge(page, "lead-0000.com.tr")).to_have_attribute("data-d365-status", "not_synced")
    expect(by_testid(page, "d365-push-filter")).to_be_enabled()
    assert d365_ui.env.leads_per_domain() == {"lead-0003.com.tr": 1, "lead-0005.com.tr": 1}


def test_bulk_push_of_the_current_filter_counts_it_first_and_the_status_filter_finds_the_failures(
        page: Page, d365_ui: D365Ui) -> None:
    d365_ui.pushes.mode = "inline"
    d365_ui.env.dataverse.fail_writes("lead-0003.com.tr", 400)
    open_app(page, d365_ui.url, "provider=M365")
    expect(page.locator(TABLE)).to_have_attribute("data-total", "3")
    by_testid(page, "d365-push-filter").click()
    count = by_testid(page, "d365-confirm-count")
    expect(count).to_have_text("Push 3 leads to Dynamics 365?")
    expect(by_testid(page, "d365-confirm-scope")).to_have_text(
        "Every lead of the current filter (all pages): provider=M365")
    by_testid(page, "d365-confirm-submit").click()
    expect(toast(page, "error", "Dynamics 365 push finished: 2 synced, 1 failed")).to_be_visible()
    expect(by_testid(page, "d365-progress")).to_have_attribute("data-state", "done")
    expect(badge(page, "lead-0003.com.tr")).to_have_attribute("data-d365-status", "error")
    expect(badge(page, "lead-0001.com.tr")).to_have_attribute("data-d365-status", "synced")
    assert d365_ui.env.leads_per_domain() == {"lead-0001.com.tr": 1, "lead-0005.com.tr": 1}
    assert [r.count for r in d365_ui.pushes.requests] == [3]  # the dry run dispatched nothing; the push one job

    # the D365 status filter: in the bar, in the URL, applied to the list
    seq = render_seq(page)
    by_testid(page, "filter-provider").select_option("")
    wait_render_after(page, seq)
    open_more_filters(page)
    by_testid(page, "filter-d365-status").select_option("error")
    wait_query(page, "d365_status=error")
    assert domains(page) == ["lead-0003.com.tr"]
    assert "d365_status=error" in page.url
    page.reload()
    wait_query(page, "d365_status=error")
    expect(by_testid(page, "filter-d365-status")).to_have_value("error")
    # pushing this filter confirms the one failed lead
    by_testid(page, "d365-push-filter").click()
    expect(by_testid(page, "d365-confirm-count")).to_have_text("Push 1 lead to Dynamics 365?")
    by_testid(page, "d365-confirm-cancel").click()
    expect(modal(page, "d365-push")).to_have_count(0)
    expect(by_testid(page, "d365-push-filter")).to_be_enabled()


def test_flag_off_disables_every_push_control_and_says_how_to_enable(page: Page, server: UiServer) -> None:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if "/api/d365/" in r.url and r.method == "POST" else None)
    open_app(page, server.url)
    bar = by_testid(page, "d365-bar")
    expect(bar).to_have_attribute("data-availability", "disabled")
    assert set(column(page, "d365")) == {"Not synced"}
    hint = by_testid(page, "d365-hint")
    expect(hint).to_be_visible()
    # issue 16: the seller sees whom to ask and a link to the Integrations page, which holds the set-up
    expect(hint).to_contain_text("Dynamics 365 is not connected — ask your admin.")
    expect(hint).not_to_contain_text("HUNTER_")
    expect(by_testid(page, "d365-push-filter")).to_be_disabled()
    expect(by_testid(page, "d365-push-filter")).to_have_attribute("aria-describedby", "d365-hint")
    page.locator(f'{ROW} [data-testid="d365-select"]').first.check()
    expect(by_testid(page, "d365-selected-count")).to_have_text("1 selected")
    expect(by_testid(page, "d365-push-selected")).to_be_disabled()
    page.locator(f'{ROW} [data-testid="score-button"]').first.click()
    section = page.locator('section[data-section="d365"]')
    expect(section.locator('[data-testid="lead-d365"]')).to_have_attribute("data-status", "not_synced")
    expect(section.locator('[data-testid="d365-push"]')).to_be_disabled()
    expect(section.locator('[data-testid="d365-modal-hint"]')).to_contain_text("Dynamics 365 is not connected")
    section.locator('[data-testid="d365-modal-hint"] a').click()  # the link leads to the set-up
    card = by_testid(page, "integration-d365")
    expect(card.locator('[data-testid="int-state"]')).to_have_attribute("data-state", "off")
    expect(card).to_contain_text("HUNTER_D365_ENABLED=true")
    expect(card).to_contain_text("hunter d365 check")
    assert posts == []


def test_turkish_texts(context: BrowserContext, d365_ui: D365Ui) -> None:
    context.add_init_script("localStorage.setItem('hunter.lang', 'tr');")
    page = context.new_page()
    seed_states(d365_ui.env, d365_ui.ids)
    open_app(page, d365_ui.url)
    texts = dict(zip(domains(page), column(page, "d365"), strict=True))
    assert (texts["lead-0000.com.tr"], texts["lead-0003.com.tr"], texts["lead-0004.com.tr"]) == (
        "Gönderilmedi", "✓ Gönderildi", "✗ Hata")
    badge(page, "lead-0004.com.tr").hover()
    expect(by_testid(page, "tooltip")).to_contain_text("Dynamics 365 gönderimi başarısız: Dynamics reddetti — ")
    expect(by_testid(page, "d365-push-filter")).to_have_text("Geçerli filtreyi gönder")
    by_testid(page, "d365-select-all").check()
    expect(by_testid(page, "d365-selected-count")).to_have_text("6 seçili")
    by_testid(page, "d365-push-selected").click()
    expect(by_testid(page, "d365-confirm-count")).to_have_text("6 aday Dynamics 365'e gönderilsin mi?")
    by_testid(page, "d365-confirm-cancel").click()
    open_lead(page, "lead-0004.com.tr")
    section = page.locator('section[data-section="d365"]')
    expect(section.locator("h3")).to_have_text("Dynamics 365")
    expect(section.locator('[data-testid="d365-retry"]')).to_have_text("Gönderimi yeniden dene")
    expect(section.locator('[data-testid="d365-attempts"]')).to_have_text("3 / 3")
    expect(section.locator('[data-testid="d365-pushed-at"]')).to_have_text("3 sa önce")
    # switching back relabels everything in place
    page.click('[data-testid="modal-close"]')
    by_testid(page, "lang-select").select_option("en")
    expect(badge(page, "lead-0004.com.tr")).to_have_text("✗ Error")
    expect(by_testid(page, "d365-selected-count")).to_have_text("6 selected")  # a cancelled push keeps the selection
