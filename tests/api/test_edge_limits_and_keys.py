"""Issue 11 items 2 and 3: the key is checked before the body is read, bodies are capped per route (by
Content-Length and while streaming), and the per-key rate limit covers every /api call with a Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import LiveApi
from edge_helpers import chunked, new_key, raw_request, sqlite_api
from sqlalchemy import func, select

from leadhunter.api.key_gate import RateLimiter
from leadhunter.db.models import Company, Import
from leadhunter.runtime import session_factory

MB = 1024 * 1024


@pytest.fixture
def edge(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    """Loopback, auth off, small limits: JSON 64 KB, uploads 1 MB."""
    yield from sqlite_api(tmp_path, sqlite_template, max_json_kb=64, max_upload_mb=1)


def _count(api: LiveApi, model: type[Company] | type[Import]) -> int:
    with session_factory(api.settings.database())() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _head(path: str, port_url: str, *extra: str, method: str = "POST") -> bytes:
    host = port_url.split("//", 1)[1]
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *extra, "", ""]
    return "\r\n".join(lines).encode()


# --- item 2: key first, then size -------------------------------------------------------------------------


def test_a_webhook_without_key_is_refused_before_its_body_is_read(edge: LiveApi) -> None:
    """50 MB streamed (chunked, no Content-Length) without a key: the 401 arrives after a small part of it."""
    status, headers, body, sent = raw_request(
        edge.url, _head("/api/webhooks/leads", edge.url, "Content-Type: application/json",
                        "Transfer-Encoding: chunked"), chunked(50 * MB))
    assert status == 401 and b'"unauthorized"' in body
    assert headers["www-authenticate"].startswith("Bearer")
    assert sent < 10 * MB, f"{sent} bytes were sent before the 401"
    assert edge.dispatched == [] and _count(edge, Company) == 0


def test_a_declared_length_over_the_limit_is_a_413_before_any_byte_is_read(edge: LiveApi) -> None:
    key = new_key(edge)
    status, _, body, sent = raw_request(
        edge.url, _head("/api/webhooks/leads", edge.url, "Content-Type: application/json",
                        f"X-API-Key: {key}", f"Content-Length: {200 * MB}"), iter([b"x" * 65536] * 3200))
    assert status == 413 and b'"body_too_large"' in body and b"64 KB" in body
    assert sent < 10 * MB
    # the same size without a key is a 401: the key is checked first
    status, _, body, _ = raw_request(edge.url, _head("/api/webhooks/leads", edge.url,
                                                     f"Content-Length: {200 * MB}"))
    assert status == 401


def test_a_streamed_body_is_cut_off_at_the_route_limit(edge: LiveApi) -> None:
    key = new_key(edge)
    status, _, body, sent = raw_request(
        edge.url, _head("/api/webhooks/leads", edge.url, "Content-Type: application/json", f"X-API-Key: {key}",
                        "Transfer-Encoding: chunked"), chunked(50 * MB))
    assert status == 413 and b'"body_too_large"' in body, body
    assert sent < 10 * MB
    assert edge.dispatched == [] and _count(edge, Company) == 0


def test_json_routes_and_uploads_have_their_own_limits(edge: LiveApi) -> None:
    # a scan list just under the JSON limit passes, one just over it is refused
    small = {"domains": [f"firma-{i:05d}.com.tr" for i in range(2000)]}  # ~48 KB
    assert edge.client.post("/api/scans", json=small).status_code == 202
    big = {"domains": [f"firma-{i:05d}.com.tr" for i in range(4000)]}  # ~96 KB
    refused = edge.client.post("/api/scans", json=big)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "body_too_large"
    assert refused.json()["error"]["details"] == {"limit_bytes": 64 * 1024}
    # an upload of 900 KB (over the JSON limit, under the upload limit) is imported; 1.5 MB is refused
    notes = b"n" * 9000  # few rows, big cells: the size is what is tested, not the import's speed
    rows = b"Domain,Notes\n" + b"".join(b"upload-%03d.com.tr,%s\n" % (i, notes) for i in range(100))
    assert len(rows) > 800 * 1024
    accepted = edge.client.post("/api/imports", files={"file": ("a.csv", rows)})
    assert accepted.status_code == 202, accepted.text
    too_big = edge.client.post("/api/imports", files={"file": ("b.csv", rows + rows)})
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "body_too_large"
    assert _count(edge, Import) == 1


def test_a_chunked_upload_over_the_limit_is_a_413_and_imports_nothing(edge: LiveApi) -> None:
    boundary = "edge-boundary"
    head = _head("/api/imports", edge.url, f"Content-Type: multipart/form-data; boundary={boundary}",
                 "Transfer-Encoding: chunked")

    def body() -> Iterator[bytes]:
        part = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
                "Content-Type: text/csv\r\n\r\nDomain\n").encode()
        yield b"%x\r\n%s\r\n" % (len(part), part)
        yield from chunked(3 * MB)

    status, _, answer, _ = raw_request(edge.url, head, body())
    assert status == 413 and b'"body_too_large"' in answer
    assert _count(edge, Import) == 0


# --- item 3: the rate limit covers every /api call, with Retry-After ------------------------------------------


def _not_at_minute_end() -> None:
    """The limiter counts in fixed minutes; keep a short burst inside one of them."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_every_api_call_with_a_key_spends_its_budget_and_429_says_when_to_retry(edge: LiveApi) -> None:
    key, other = new_key(edge, rate=4), new_key(edge, rate=4)
    _not_at_minute_end()
    auth = {"Authorization": f"Bearer {key}"}
    codes = [edge.client.get("/api/leads", headers=auth).status_code,
             edge.client.get("/api/leads/kpis", headers=auth).status_code,
             edge.client.post("/api/leads", json={"domain": "contoso.com.tr"}, headers=auth).status_code,
             edge.client.get("/api/jobs", headers=auth).status_code,
             edge.client.get("/api/leads/facets", headers=auth).status_code]
    assert codes == [200, 200, 202, 200, 429]
    limited = edge.client.get("/api/alerts", headers=auth)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["request_id"] == limited.headers["X-Request-ID"]
    # other keys and calls without a key (the local UI, auth off) are not affected
    assert edge.client.get("/api/leads", headers={"X-API-Key": other}).status_code == 200
    assert all(edge.client.get("/api/leads").status_code == 200 for _ in range(6))


def test_a_wrong_key_is_refused_even_where_no_key_is_required(edge: LiveApi) -> None:
    response = edge.client.get("/api/leads", headers={"Authorization": "Bearer hk_nothere_abcdef"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hunter", error="invalid_token"'


@pytest.fixture
def webhook_capped(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    yield from sqlite_api(tmp_path, sqlite_template, webhook_rate_per_minute=2)


def test_webhook_calls_also_spend_the_webhook_budget(webhook_capped: LiveApi) -> None:
    api = webhook_capped
    key = new_key(api, rate=100)
    _not_at_minute_end()
    one = {"leads": [{"domain": "contoso.com.tr"}]}
    codes = [api.client.post("/api/webhooks/leads", json=one, headers={"X-API-Key": key}).status_code
             for _ in range(3)]
    assert codes == [202, 202, 429]
    assert "webhook" in api.client.post("/api/webhooks/leads", json=one,
                                        headers={"X-API-Key": key}).json()["error"]["message"]
    assert api.client.get("/api/leads", headers={"X-API-Key": key}).status_code == 200  # the key's own budget


def test_the_limiter_counts_per_bucket_in_fixed_minutes_and_says_how_long_to_wait() -> None:
    now = [120.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.check("k", 2) for _ in range(3)] == [None, None, 60]
    now[0] = 150.2
    assert limiter.check("k", 2) == 30  # ceil(180 - 150.2)
    assert limiter.check("other", 2) is None
    now[0] = 180.0  # a new minute
    assert limiter.check("k", 2) is None
