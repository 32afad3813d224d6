"""Browser tests: the real API (uvicorn on a free loopback port, fresh SQLite per test) driven by
Debian's Chromium through Playwright. No browser is ever downloaded.

The API's dispatch does not need a worker: ``worker.mode = "record"`` (default) only records chunks, so a
test can play the worker itself (``ui_seed.complete_chunk``) and watch progress move; ``"auto"`` stores a
report for each chunk at once, as if a very fast worker took it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).parent))

from ui_seed import complete_chunk, seed_companies

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.runtime import session_factory
from live_server import serve_app

# Generous waits: these are upper bounds on conditions (never sleeps), and CI machines can be busy.
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
HOSTILE = "<img src=x onerror=alert(1)>"


@dataclass
class Worker:
    """Stands in for Celery: records (job, chunk) pairs; in ``auto`` mode also scans them at once."""

    factory: sessionmaker[Session]
    mode: str = "record"
    profile_of: Callable[[str], str] = lambda _domain: "google"
    dispatched: list[tuple[int, int]] = field(default_factory=list)

    def __call__(self, job_id: int, chunk: int) -> None:
        self.dispatched.append((job_id, chunk))
        if self.mode == "auto":
            complete_chunk(self.factory, job_id, chunk, self.profile_of)


@dataclass
class UiServer:
    """A running API with the UI: base URL, an httpx client, the session factory and the fake worker."""

    url: str
    client: httpx.Client
    factory: sessionmaker[Session]
    worker: Worker
    settings: Settings


def serve(settings: Settings) -> Iterator[UiServer]:
    """Run the app for ``settings`` until the generator is closed."""
    upgrade(settings.database())
    factory = session_factory(settings.database())
    worker = Worker(factory)
    app = create_app(settings, dispatch=worker, broker_probe=lambda: "ok")
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield UiServer(url, client, factory, worker, settings)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Embedded settings in a temp folder (loopback; no DNS or tenant lookups are ever made)."""
    return Settings(data_dir=tmp_path / "data", api_host="127.0.0.1", tenant_discovery=False,  # type: ignore[call-arg]
                    dns_nameservers="127.0.0.1:9", _env_file=None, **overrides)


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[UiServer]:
    """The API on an empty database."""
    yield from serve(make_settings(tmp_path))


@pytest.fixture
def server(empty_server: UiServer) -> UiServer:
    """The API over the realistic seed (22 Turkish SMEs, every provider and category, some with history)
    plus one company whose name is hostile markup."""
    seed_companies(empty_server.factory)
    seed_companies(empty_server.factory, [("zzz-hostile.com", HOSTILE, "google")], history={})
    return empty_server


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """One Chromium per xdist worker (contexts isolate the tests from each other)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (own localStorage, sessionStorage, downloads) at laptop size, English, fast job polling."""
    ctx = browser.new_context(viewport=LAPTOP, locale="en-GB", accept_downloads=True)
    ctx.add_init_script("window.__hunterPollMs = 100;")
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any JavaScript error, console error or dialog (alert/confirm)."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    def on_console(msg: ConsoleMessage) -> None:
        # An API answering 4xx/5xx is logged by Chromium; the tests check what the UI makes of it instead.
        if msg.type == "error" and "/api/" not in (msg.location or {}).get("url", ""):
            problems.append(f"console: {msg.text}")

    page.on("console", on_console)
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    expected = getattr(page, "expected_problems", ())
    unexpected = [p for p in problems if not any(e in p for e in expected)]
    assert not unexpected, unexpected
