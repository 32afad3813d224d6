"""Another web site open in the salesperson's browser cannot change or read Hunter on 127.0.0.1 (issue 11,
item 4): a page on a second origin (``localhost:<other port>``) posts a form and ``no-cors`` fetches to Hunter
— all refused, nothing changed — and a page reached through a rebound DNS name (Chromium's host resolver
maps ``attacker.test`` to 127.0.0.1) cannot read the leads. Hunter's own page keeps working."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, Playwright, Response
from sqlalchemy import func, select
from ui_helpers import open_app
from ui_support import CHROMIUM, CHROMIUM_ARGS, UiServer

from leadhunter.db.models import Company, Import, ScanJob

ATTACK_PAGE = """<!doctype html><html><body>
<form id="cancel" method="post" enctype="text/plain" action="{hunter}/api/jobs/{job}/cancel">
  <input name='{{"x":"' value='"}}'></form>
<script>
  const hunter = "{hunter}";
  const csv = new Blob(["Domain\\nevil-import.com.tr\\n"], {{type: "text/csv"}});
  const form = new FormData();
  form.append("file", csv, "leads.csv");
  Promise.allSettled([
    fetch(hunter + "/api/imports", {{method: "POST", mode: "no-cors", body: form}}),
    fetch(hunter + "/api/scans", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
                                   body: JSON.stringify({{domains: ["evil-scan.com.tr"]}})}}),
    fetch(hunter + "/api/leads", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
                                   body: JSON.stringify({{domain: "evil-lead.com.tr"}})}}),
  ]).then(() => {{ document.body.dataset.sent = "yes"; }});
</script></body></html>"""


class _Page(BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker_site() -> Iterator[tuple[str, type[_Page]]]:
    """Another site on loopback, reached as ``http://localhost:<port>`` (another origin and site than
    ``http://127.0.0.1:<hunter port>``); set ``handler.html`` to what it serves."""
    handler = type("AttackPage", (_Page,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def _counts(server: UiServer) -> tuple[int, int]:
    with server.factory() as session:
        return (int(session.scalar(select(func.count()).select_from(Company)) or 0),
                int(session.scalar(select(func.count()).select_from(Import)) or 0))


def test_a_page_on_another_origin_cannot_import_scan_or_cancel(page: Page, server: UiServer,
                                                                attacker_site: tuple[str, type[_Page]]) -> None:
    job = server.client.post("/api/scans", json={"domains": ["contoso-job.com.tr"]}).json()["job_id"]
    before = _counts(server)
    site, handler = attacker_site
    handler.html = ATTACK_PAGE.format(hunter=server.url, job=job).encode()
    page.expected_problems = ("status of 404",)  # type: ignore[attr-defined]  # Hunter's JSON page has no favicon
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if r.url.startswith(server.url) else None)
    page.goto(f"{site}/")
    page.wait_for_function("document.body.dataset.sent === 'yes'")
    with page.expect_navigation():
        page.evaluate("document.getElementById('cancel').submit()")
    page.wait_for_load_state()
    statuses = sorted((r.request.method, r.url.removeprefix(server.url), r.status) for r in answers)
    assert statuses == sorted([("POST", "/api/imports", 403), ("POST", "/api/scans", 403), ("POST", "/api/leads", 403),
                               ("POST", f"/api/jobs/{job}/cancel", 403)]), statuses
    assert "cross_site_request" in page.content()
    assert _counts(server) == before
    with server.factory() as session:
        assert session.get(ScanJob, job).status != "cancelled"  # type: ignore[union-attr]
    # Hunter's own page, same browser, still adds leads (same-origin requests pass)
    open_app(page, server.url)
    page.fill('[data-testid="scan-input"]', "own-page.com.tr")
    with page.expect_response(lambda r: r.url == f"{server.url}/api/leads" and r.request.method == "POST") as added:
        page.click('[data-testid="scan-submit"]')
    assert added.value.status == 202
    assert _counts(server)[0] == before[0] + 1


def test_a_rebound_dns_name_cannot_read_the_leads(playwright_instance: Playwright, server: UiServer) -> None:
    port = server.url.rsplit(":", 1)[1]
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP attacker.test 127.0.0.1"])
    try:
        page = browser.new_page()
        landing = page.goto(f"http://attacker.test:{port}/")
        assert landing is not None and landing.status == 400
        # a script running at http://attacker.test:<port> reads "its own" origin, which now is Hunter
        read = page.evaluate("fetch('/api/leads').then(async r => [r.status, await r.text()])")
        assert read[0] == 400 and "host_not_allowed" in read[1]
        assert ".com.tr" not in read[1]
        own = browser.new_page()  # the same server under its own name answers
        assert own.goto(f"{server.url}/api/leads").status == 200  # type: ignore[union-attr]
    finally:
        browser.close()
