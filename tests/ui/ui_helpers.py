"""Small page helpers shared by the browser tests: open the app, wait for a render, read rows, hold requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Locator, Page, Route

TABLE = '[data-testid="leads-table"]'
ROW = '[data-testid="lead-row"]'


def open_app(page: Page, url: str, query: str = "") -> None:
    """Load the leads screen and wait until the first answer is rendered."""
    page.goto(f"{url}/{('?' + query) if query else ''}")
    wait_settled(page)


def wait_settled(page: Page) -> None:
    """Wait until no list request is in flight."""
    page.wait_for_selector(f'{TABLE}:not([data-state="loading"])')


def render_seq(page: Page) -> int:
    """How many list answers have been rendered so far."""
    return int(page.get_attribute(TABLE, "data-render-seq") or 0)


def wait_render_after(page: Page, seq: int) -> None:
    """Wait for the render following render number ``seq`` (and for the table to be idle)."""
    page.wait_for_function(
        "seq => { const t = document.querySelector('[data-testid=leads-table]');"
        " return Number(t.dataset.renderSeq) > seq && t.dataset.state !== 'loading'; }", arg=seq)


def wait_query(page: Page, *parts: str) -> None:
    """Wait until the rendered result is the one whose API query contains every one of ``parts``."""
    page.wait_for_function(
        "parts => { const t = document.querySelector('[data-testid=leads-table]');"
        " return t.dataset.state !== 'loading' && parts.every(p => (t.dataset.query || '').includes(p)); }",
        arg=list(parts))


def domains(page: Page) -> list[str]:
    """The ASCII domains of the rows shown, in order."""
    return page.eval_on_selector_all(ROW, "rows => rows.map(r => r.dataset.domain)")


def column(page: Page, col: str) -> list[str]:
    """The text of one column for every row shown."""
    return page.eval_on_selector_all(f'{ROW} td[data-col="{col}"]', "cells => cells.map(c => c.innerText.trim())")


def scores(page: Page) -> list[int | None]:
    """The scores shown, row by row (None for an unscored lead)."""
    return [int(s) if s.isdigit() else None for s in
            page.eval_on_selector_all(f"{ROW} .score-value", "cells => cells.map(c => c.textContent.trim())")]


def by_testid(page: Page, name: str) -> Locator:
    """The element with ``data-testid=name``."""
    return page.locator(f'[data-testid="{name}"]')


def modal(page: Page, name: str) -> Locator:
    """The open dialog named ``name`` (lead, import, api-key, alerts)."""
    return page.locator(f'[data-testid="modal"][data-modal="{name}"]')


def active_testid(page: Page) -> str | None:
    """The data-testid of the focused element (or its id)."""
    return page.evaluate("() => document.activeElement?.dataset?.testid || document.activeElement?.id || null")


@dataclass
class Held:
    """Requests matching a pattern are held (not sent) until :meth:`release` — to observe in-flight states."""

    page: Page
    pattern: str
    routes: list[Route] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.route(self.pattern, self._hold)

    def _hold(self, route: Route, _request: Any = None) -> None:
        self.seen.append(route.request.url)
        self.routes.append(route)

    def wait_held(self, count: int = 1) -> None:
        """Wait until ``count`` requests are being held."""
        self.page.wait_for_function("() => true")  # let the page's event loop run
        deadline_checks = 0
        while len(self.routes) < count:
            self.page.wait_for_timeout(20)  # pumps Playwright's event loop; the condition, not the time, decides
            deadline_checks += 1
            assert deadline_checks < 1000, f"only {len(self.routes)} of {count} requests were made"

    def release(self) -> None:
        """Let every held request through and stop holding new ones."""
        routes, self.routes = self.routes, []
        for route in routes:
            route.continue_()
        self.page.unroute(self.pattern, self._hold)


def open_more_filters(page: Page) -> None:
    """Open the filter bar's "More filters" popover (issue 16) unless it is open already."""
    if page.get_attribute('[data-testid="filters-more"]', "aria-expanded") != "true":
        page.click('[data-testid="filters-more"]')
    page.wait_for_selector('[data-testid="filters-popover"]:not([hidden])')
