"""axe-core in the browser tests (issue 16): the axe.min.js that the PyPI package ``axe-playwright-python`` ships
is injected into the page by Playwright and run there; nothing is fetched from the network and no npm is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.sync_api import Page

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
"""WCAG 2.1 A and AA: what issue 16 asks for (contrast AA 4.5:1 among them)."""


def axe_violations(page: Page, context: str | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page (or inside the CSS selector ``context``) and return its violations, each
    reduced to the rule id, impact, help text and the first few offending elements."""
    # colours are measured as painted: let opening animations (the modal's fade-in) finish first
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running'"
                           " || a.effect?.getComputedTiming().iterations === Infinity)")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "([context, tags]) => axe.run(context ? document.querySelector(context) : document,"
        " { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })", [context, TAGS])
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [" ".join(n["target"]) + " :: " + n.get("failureSummary", "")[:200] for n in v["nodes"][:4]]}
            for v in result["violations"]]


def assert_no_violations(page: Page, where: str, context: str | None = None) -> None:
    """Fail with a readable list when axe-core finds any WCAG 2.1 A/AA violation."""
    found = axe_violations(page, context)
    assert not found, f"axe-core on {where}: " + "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}"
                                                          for v in found)
