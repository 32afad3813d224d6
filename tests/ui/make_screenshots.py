"""Screenshots for the README: the leads screen at 1366×768, the lead modal, the phone (390×844) and Turkish.

Run: ``.venv/bin/python tests/ui/make_screenshots.py`` (writes docs/screenshot-leads.png,
docs/screenshot-breakdown.png, docs/screenshot-mobile.png and docs/screenshot-turkish.png). Uses the real API
on a temporary SQLite database with realistic data and Debian's Chromium; nothing is downloaded.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from ui_seed import COMPANIES, realistic_rows, seed_companies  # noqa: E402
from ui_support import CHROMIUM, CHROMIUM_ARGS, LAPTOP, PHONE, make_settings, serve  # noqa: E402

READY = '[data-testid="leads-table"][data-state="ready"]'


def _settled(page: Page) -> None:
    page.wait_for_selector(READY)
    page.wait_for_selector('[data-testid="kpis"]:not(.is-loading) [data-testid="kpi-total"]')
    page.wait_for_timeout(300)  # let the facets and the sync status paint (a picture, not a test)


def main() -> None:
    """Seed, serve, shoot."""
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        running = serve(make_settings(Path(tmp)))
        server = next(running)
        try:
            seed_companies(server.factory, [*COMPANIES, *realistic_rows(218)])
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=LAPTOP, locale="en-GB")
                page.goto(f"{server.url}/?sort=score&order=desc")
                _settled(page)
                page.screenshot(path=str(docs / "screenshot-leads.png"))
                page.goto(f"{server.url}/?segment=Existing&sort=score&q=enerji")
                page.wait_for_selector(READY)
                page.click('[data-testid="lead-row"][data-domain="gunes-enerji.com.tr"] [data-testid="score-button"]')
                page.wait_for_selector('[data-testid="lead-modal"][data-state="ready"]')
                page.screenshot(path=str(docs / "screenshot-breakdown.png"))
                phone = browser.new_page(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
                phone.goto(f"{server.url}/?sort=score&order=desc")
                _settled(phone)
                phone.screenshot(path=str(docs / "screenshot-mobile.png"))
                turkish = browser.new_page(viewport=LAPTOP, locale="tr-TR")
                turkish.goto(f"{server.url}/?segment=Migration&sort=score&order=desc")
                _settled(turkish)
                turkish.screenshot(path=str(docs / "screenshot-turkish.png"))
                browser.close()
        finally:
            running.close()
    print(f"wrote the screenshots in {docs}")


if __name__ == "__main__":
    main()
