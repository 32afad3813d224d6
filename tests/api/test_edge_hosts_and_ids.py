"""Issue 11 items 4, 5 and 7 and the request ids: Host names and cross-site writes, bounded /metrics labels,
repeated query parameters, malformed JSON, KPI keys, no CDN-backed /docs, X-Request-ID everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import LiveApi
from edge_helpers import raw_request, sqlite_api
from sqlalchemy import func, select

from leadhunter.api.host_guard import allowed_hosts
from leadhunter.config import Settings
from leadhunter.db.models import Company, ScanJob
from leadhunter.runtime import session_factory


@pytest.fixture
def edge(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    """Loopback, auth off, the default Host list."""
    yield from sqlite_api(tmp_path, sqlite_template)


def _companies(api: LiveApi) -> int:
    with session_factory(api.settings.database())() as session:
        return int(session.scalar(select(func.count()).select_from(Company)) or 0)


# --- item 4: Host names (DNS rebinding) -------------------------------------------------------------------


def test_a_foreign_host_name_cannot_read_leads(edge: LiveApi) -> None:
    port = edge.url.rsplit(":", 1)[1]
    assert edge.client.post("/api/leads", json={"domain": "contoso.com.tr"}).status_code == 202
    for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1.attacker.example", "[::2]"):
        response = edge.client.get("/api/leads", headers={"Host": host})
        assert response.status_code == 400, host
        assert response.json()["error"]["code"] == "host_not_allowed"
        assert "contoso" not in response.text
    assert edge.client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert edge.client.get("/api/leads", headers={"Host": host}).json()["total"] == 1, host
    # probes and scrapers address the machine by IP or any name: health and metrics answer them
    assert edge.client.get("/healthz/live", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    assert edge.client.get("/metrics", headers={"Host": "10.0.0.5:8000"}).status_code == 200


@pytest.mark.parametrize(("overrides", "allowed", "refused"), [
    ({}, {"localhost", "127.0.0.1", "::1"}, {"hunter.example.com", "0.0.0.0"}),
    ({"api_host": "0.0.0.0"}, {"localhost"}, {"0.0.0.0", "10.1.2.3"}),
    ({"api_host": "10.1.2.3"}, {"10.1.2.3", "localhost"}, {"10.1.2.4"}),
    ({"public_url": "https://Hunter.Example.com/"}, {"hunter.example.com"}, {"example.com"}),
    ({"allowed_hosts": "crm.local, Hunter.LAN:8000"}, {"crm.local", "hunter.lan"}, {"other.lan"}),
])
def test_allowed_host_names_come_from_the_settings(tmp_path: Path, overrides: dict[str, str], allowed: set[str],
                                                   refused: set[str]) -> None:
    names = allowed_hosts(Settings(data_dir=tmp_path, _env_file=None, **overrides))  # type: ignore[call-arg, arg-type]
    assert names is not None and allowed <= names and not refused & names


def test_a_star_turns_the_host_check_off(tmp_path: Path) -> None:
    assert allowed_hosts(Settings(data_dir=tmp_path, allowed_hosts="*", _env_file=None)) is None  # type: ignore[call-arg]


# --- item 4: cross-site writes ----------------------------------------------------------------------------


def test_cross_site_writes_are_refused_and_change_nothing(edge: LiveApi) -> None:
    started = edge.client.post("/api/scans", json={"domains": ["contoso.com.tr"]}).json()
    job = started["job_id"]
    attempts = [
        ("POST", f"/api/jobs/{job}/cancel", {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
         None),
        ("POST", f"/api/jobs/{job}/cancel", {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:1"},
         None),
        ("POST", f"/api/jobs/{job}/cancel", {"Origin": "http://evil.example"}, None),  # no Sec-Fetch-*
        ("POST", f"/api/jobs/{job}/cancel", {"Origin": "null"}, None),  # sandboxed frame, file://
        ("POST", "/api/scans", {"Origin": "http://evil.example", "Content-Type": "text/plain"},
         b'{"domains": ["fabrikam.com.tr"]}'),
    ]
    for method, path, headers, body in attempts:
        response = edge.client.request(method, path, headers=headers, content=body)
        assert response.status_code == 403, (headers, response.text)
        error = response.json()["error"]
        assert error["code"] == "cross_site_request" and error["request_id"] == response.headers["X-Request-ID"]
    with session_factory(edge.settings.database())() as session:
        assert session.get(ScanJob, job).status != "cancelled"  # type: ignore[union-attr]
    assert _companies(edge) == 1
    # reads from anywhere are not refused (the browser keeps their answers from other sites)
    assert edge.client.get("/api/leads", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_same_origin_and_non_browser_writes_pass(edge: LiveApi) -> None:
    own = edge.url
    for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": own}, {"Origin": own}, {},
                    {"Sec-Fetch-Site": "none"}):
        response = edge.client.post("/api/leads", json={"domain": "contoso.com.tr"}, headers=headers)
        assert response.status_code == 202, (headers, response.text)


@pytest.fixture
def behind_proxy(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    yield from sqlite_api(tmp_path, sqlite_template, public_url="https://hunter.example.com")


def test_the_public_url_is_a_trusted_origin_and_host(behind_proxy: LiveApi) -> None:
    # a proxy that keeps the public Host, and one that rewrites it to the backend's address
    for host in ("hunter.example.com", behind_proxy.url.split("//")[1]):
        response = behind_proxy.client.post("/api/leads", json={"domain": "contoso.com.tr"},
                                            headers={"Host": host, "Origin": "https://hunter.example.com"})
        assert response.status_code == 202, (host, response.text)
    evil = behind_proxy.client.post("/api/leads", json={"domain": "contoso.com.tr"},
                                    headers={"Origin": "https://hunter.example.com.evil.example"})
    assert evil.status_code == 403


# --- request ids ----------------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id_taken_from_the_caller_when_well_formed(edge: LiveApi) -> None:
    seen = set()
    for path in ("/", "/api/leads", "/api/nothing-here", "/healthz/live", "/metrics", "/static/app.css"):
        rid = edge.client.get(path).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid), path
        seen.add(rid)
    assert len(seen) == 6
    kept = edge.client.get("/api/leads", headers={"X-Request-ID": "proxy-42.abc_DEF"})
    assert kept.headers["X-Request-ID"] == "proxy-42.abc_DEF"
    for bad in ("has space", "a" * 129, "new\\nline", "ü"):
        replaced = edge.client.get("/api/nothing", headers={"X-Request-ID": bad.encode("utf-8")})  # type: ignore[dict-item]
        rid = replaced.headers["X-Request-ID"]
        assert rid != bad and re.fullmatch(r"[0-9a-f]{32}", rid)
        assert replaced.json()["error"]["request_id"] == rid
    security = edge.client.get("/api/leads").headers
    assert "default-src 'self'" in security["Content-Security-Policy"]
    assert security["X-Content-Type-Options"] == "nosniff"


# --- item 5: /metrics stays bounded ---------------------------------------------------------------------


def _series(api: LiveApi) -> list[str]:
    return [line for line in api.client.get("/metrics").text.splitlines()
            if line.startswith("hunter_http_request_duration_seconds_count")]


def test_made_up_methods_and_paths_do_not_grow_metrics(edge: LiveApi) -> None:
    for i in range(3):  # the labels seen by this process's registry before the flood
        edge.client.request(f"WARM{i}", "/api/leads")
        edge.client.get(f"/nowhere-{i}")
        edge.client.request(f"WARM{i}", f"/nowhere-{i}")
    edge.client.get("/metrics")
    before = _series(edge)
    for i in range(200):
        raw_request(edge.url, f"M{i:03d}X /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode())
        edge.client.get(f"/made-up/{i}")
        edge.client.request(f"Z{i}", f"/also-made-up/{i}")
    after = _series(edge)
    labels = {line.split("}")[0] for line in after}
    assert labels == {line.split("}")[0] for line in before} | {  # /metrics itself, scraped once more
        'hunter_http_request_duration_seconds_count{method="GET",route="/metrics",status="200"'}
    assert any('method="other"' in line and 'route="/api/leads"' in line for line in after)
    assert any('route="unmatched"' in line for line in after)
    assert not any("made-up" in line or "M001X" in line for line in after)


# --- item 7: the smaller ones ---------------------------------------------------------------------------


def test_a_repeated_single_valued_query_parameter_is_a_422(edge: LiveApi) -> None:
    for path, query in (("/api/leads", "q=x&q=y"), ("/api/leads", "page=1&page=2"),
                        ("/api/leads/kpis", "sort=domain&sort=score"), ("/api/referrals", "q=a&q=b"),
                        ("/api/alerts", "limit=1&limit=2")):
        response = edge.client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query)
        name = query.split("=")[0]
        assert response.json()["error"]["details"] == [{"field": f"query.{name}",
                                                        "reason": "given 2 times; give it once"}]
    # list parameters still repeat
    assert edge.client.get("/api/leads?segment=Migration&segment=Cold").status_code == 200
    assert edge.client.get("/api/referrals?status=New&status=Active").status_code == 200


def test_malformed_json_is_a_400_saying_where(edge: LiveApi) -> None:
    for path in ("/api/leads", "/api/scans", "/api/webhooks/leads"):
        headers = {"Content-Type": "application/json"}
        response = edge.client.post(path, content=b'{"domain": "contoso.com.tr",}', headers=headers)
        if path == "/api/webhooks/leads":
            assert response.status_code == 401  # no key: refused before the body is looked at
            continue
        assert response.status_code == 400, path
        error = response.json()["error"]
        assert error["code"] == "invalid_json"
        assert error["message"].startswith("the body is not valid JSON: ") and "character 28" in error["message"]
    assert _companies(edge) == 0


def test_kpis_count_unscanned_leads_under_a_real_key(edge: LiveApi) -> None:
    assert edge.client.post("/api/scans", json={"domains": ["contoso.com.tr", "fabrikam.com.tr"]}).status_code == 202
    kpis = edge.client.get("/api/leads/kpis").json()
    assert kpis == {"segments": {"unscanned": 2}, "categories": {"unscanned": 2}, "estimate": False}


def test_docs_are_not_served_from_a_cdn_and_the_schema_is(edge: LiveApi) -> None:
    assert edge.client.get("/docs").status_code == 404
    assert edge.client.get("/redoc").status_code == 404
    schema = edge.client.get("/openapi.json").json()
    responses = schema["paths"]["/api/leads"]["get"]["responses"]
    assert "WWW-Authenticate" in responses["401"]["headers"] and "Retry-After" in responses["429"]["headers"]
    assert "413" in schema["paths"]["/api/webhooks/leads"]["post"]["responses"]
    assert "request_id" in schema["components"]["schemas"]["ErrorInfo"]["properties"]
