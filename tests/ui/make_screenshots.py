"""Screenshots for the README: the leads screen at 1366×768 and the score breakdown modal.

Run: ``.venv/bin/python tests/ui/make_screenshots.py`` (writes docs/screenshot-leads.png and
docs/screenshot-breakdown.png). Uses the real API on a temporary SQLite database with realistic data
and Debian's Chromium; nothing is downloaded.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]

from playwright.sync_api import sync_playwright  # noqa: E402
from ui_seed import COMPANIES, realistic_rows, seed_companies  # noqa: E402
from ui_support import CHROMIUM, CHROMIUM_ARGS, LAPTOP, make_settings, serve  # noqa: E402


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
                page.wait_for_selector('[data-testid="leads-table"][data-state="ready"]')
                page.wait_for_selector('[data-testid="kpis"]:not(.is-loading)')
                page.screenshot(path=str(docs / "screenshot-leads.png"))
                page.goto(f"{server.url}/?segment=Existing&sort=score&q=enerji")
                page.wait_for_selector('[data-testid="leads-table"][data-state="ready"]')
                page.click('[data-testid="lead-row"][data-domain="gunes-enerji.com.tr"] [data-testid="score-button"]')
                page.wait_for_selector('[data-testid="lead-modal"][data-state="ready"]')
                page.screenshot(path=str(docs / "screenshot-breakdown.png"))
                browser.close()
        finally:
            running.close()
    print(f"wrote {docs / 'screenshot-leads.png'} and {docs / 'screenshot-breakdown.png'}")


if __name__ == "__main__":
    main()
