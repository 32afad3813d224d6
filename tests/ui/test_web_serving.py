"""The UI's files as the API serves them (no browser): types, caching, security headers, no escapes from
the web folder, no inline script or style in the markup; and the two small API additions the UI reads
(filter facets, the matched segment rule on the lead detail)."""

from __future__ import annotations

import re

import pytest
from ui_seed import seed_companies
from ui_support import UiServer

from leadhunter.api.routers.web import WEB_ROOT

JS_FILES = sorted(p.relative_to(WEB_ROOT).as_posix() for p in (WEB_ROOT / "js").rglob("*.js"))  # feature folders too


def test_index_is_served_at_the_root_with_security_headers(empty_server: UiServer) -> None:
    response = empty_server.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/static/js/main.js"></script>' in response.text


@pytest.mark.parametrize(("path", "content_type"), [
    ("/static/app.css", "text/css; charset=utf-8"),
    ("/static/js/main.js", "text/javascript; charset=utf-8"),
    ("/static/favicon.svg", "image/svg+xml"),
])
def test_static_files_have_their_types_and_revalidate_with_an_etag(empty_server: UiServer, path: str,
                                                                    content_type: str) -> None:
    first = empty_server.client.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"] == content_type
    etag = first.headers["etag"]
    again = empty_server.client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert empty_server.client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


@pytest.mark.parametrize("path", ["/static/../routers/web.py", "/static/%2e%2e/api/app.py", "/static/js/nope.js",
                                  "/static/js", "/static/..%2f..%2fconfig.py", "/static/index.py"])
def test_nothing_outside_the_web_folder_or_of_unknown_type_is_served(empty_server: UiServer, path: str) -> None:
    response = empty_server.client.get(path)
    assert response.status_code == 404
    assert "def " not in response.text


def test_the_markup_has_no_inline_script_style_or_handlers() -> None:
    html = (WEB_ROOT / "index.html").read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "http://" not in html and "https://" not in html  # works offline: nothing from elsewhere


@pytest.mark.parametrize("name", JS_FILES)
def test_scripts_never_parse_html_and_load_nothing_from_elsewhere(name: str) -> None:
    source = (WEB_ROOT / name).read_text("utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert forbidden not in source, f"{name} uses {forbidden}"
    assert not re.search(r"https?://", source), f"{name} refers to another origin"
    assert len(source.splitlines()) <= 400, f"{name} is over 400 lines"


def test_every_module_is_preloaded_so_imports_cost_one_round_trip() -> None:
    html = (WEB_ROOT / "index.html").read_text("utf-8")
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/(js/[\w./-]+)">', html))
    entry_points = {"js/main.js", "js/early.js"}  # loaded by their <script> tags
    assert preloaded == {name for name in JS_FILES if name.startswith("js/") and name not in entry_points}
    # early.js asks for the first page while the rest loads: it and its imports come before the other modules
    assert html.index("js/early.js") < html.index("js/api.js") < html.index("js/breakdown.js")
    assert html.index("js/state.js") < html.index("js/breakdown.js")


def test_every_script_is_reachable_over_http(empty_server: UiServer) -> None:
    for name in JS_FILES:
        assert empty_server.client.get(f"/static/{name}").status_code == 200, name


def test_facets_list_every_filter_value_with_counts(empty_server: UiServer) -> None:
    empty = empty_server.client.get("/api/leads/facets").json()
    assert {k: v for k, v in empty.items() if k != "play_labels"} == {
        "segments": {}, "categories": {}, "providers": {}, "gateways": {}, "tags": {}, "plays": {}, "saas": {},
        "web_hosts": {}, "dns_hosts": {}, "mail_countries": {}, "web_countries": {}, "sizes": {}, "estimated": []}
    seed_companies(empty_server.factory)
    body = empty_server.client.get("/api/leads/facets").json()
    assert body["segments"] == {"Cold": 3, "Existing": 4, "Migration": 11, "Skip": 4}
    assert sum(body["categories"].values()) == 22
    assert body["providers"]["Google"] == 6
    assert body["gateways"] == {"Mimecast": 1, "Proofpoint": 1}
    assert body["tags"]["turkish-hosting"] >= 1
    assert list(body["providers"]) == sorted(body["providers"])


def test_lead_detail_names_the_segment_rule_that_matched(empty_server: UiServer) -> None:
    seed_companies(empty_server.factory)
    detail = empty_server.client.get("/api/leads/lale-mobilya.com.tr").json()
    assert detail["segment_rule"] == {"rule": 3, "segment": "Cold", "providers": ["Local"], "score_min": 5,
                                      "score_max": 59}
    catch_all = empty_server.client.get("/api/leads/nilufer-ilac.com").json()["segment_rule"]
    assert catch_all == {"rule": 5, "segment": "Skip", "providers": None, "score_min": None, "score_max": None}
    # a hard fail matched no rule: the detail says so through the report's hard_fail
    no_mx = empty_server.client.get("/api/leads/ozgur-basim.com.tr").json()
    assert no_mx["segment_rule"] is None and no_mx["report"]["hard_fail"]

