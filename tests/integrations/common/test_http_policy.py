"""HttpPolicy against a scripted loopback server: request ids, 429, 5xx, network errors, 401, rate limit, logs."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from fakes.loopback_http import LoopbackHTTPServer, RecordedRequest, Reply, json_reply
from leadhunter.integrations.common.errors import (
    AuthError,
    ConflictError,
    Forbidden,
    IntegrationError,
    NotFound,
    ProtocolError,
    ThrottledError,
    TransientError,
    ValidationError,
)
from leadhunter.integrations.common.http_policy import (
    HttpPolicy,
    RateLimiter,
    RetryPolicy,
    make_http_client,
    parse_retry_after,
    request_id_of,
)
from leadhunter.integrations.common.redaction import safe_url, scrub
from leadhunter.integrations.common.responses import error_code, error_for_response, read_json
from leadhunter.integrations.common.tokens import StaticTokenProvider

NOW = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)


class ScriptedServer(LoopbackHTTPServer):
    """Answers from a script of replies (None = drop the connection); 200 {"ok": true} once it runs out."""

    def __init__(self) -> None:
        super().__init__(tls=True)
        self.script: list[Reply | None] = []

    def handle(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        return json_reply(200, {"ok": True})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def http(server: ScriptedServer) -> Iterator[httpx.Client]:
    with make_http_client(base_url=server.base_url, verify=server.ca_file, read_timeout=5) as client:
        yield client


def _policy(http: httpx.Client, sleeps: Sleeps, **kwargs: object) -> HttpPolicy:
    return HttpPolicy(http, name="test", sleep=sleeps, random=lambda: 1.0, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def test_every_request_gets_a_fresh_uuid4_request_id(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(503, {}), json_reply(500, {})]
    response = _policy(http, Sleeps()).send("GET", "/x")
    ids = [r.headers["client-request-id"] for r in server.requests]
    assert len(ids) == 3 == len(set(ids))
    assert all(uuid.UUID(i).version == 4 for i in ids)
    assert request_id_of(response) == ids[-1]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0", 0.0), ("1.5", 1.5), ("Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
     ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0), ("soon", None), ("", None), (None, None), ("-3", 0.0)],
)  # fmt: skip
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


@pytest.mark.parametrize("retry_after", ["7", "Wed, 21 Oct 2015 07:27:37 GMT"])
def test_429_waits_retry_after(server: ScriptedServer, http: httpx.Client, retry_after: str) -> None:
    server.script = [json_reply(429, {}, {"Retry-After": retry_after})]
    sleeps = Sleeps()
    assert _policy(http, sleeps).send("GET", "/x").status_code == 200
    assert sleeps == [7.0]


def test_429_without_retry_after_backs_off_and_is_bounded(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(429, {})] * 10
    sleeps = Sleeps()
    with pytest.raises(ThrottledError) as caught:
        _policy(http, sleeps, retry=RetryPolicy(max_attempts=3)).send("GET", "/x")
    assert sleeps == [0.5, 1.0] and len(server.requests) == 3
    assert caught.value.retryable and caught.value.status == 429


def test_retry_after_beyond_the_limit_is_not_waited(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(429, {}, {"Retry-After": "301"})]
    sleeps = Sleeps()
    with pytest.raises(ThrottledError) as caught:
        _policy(http, sleeps).send("GET", "/x")
    assert caught.value.retry_after == 301 and sleeps == []


def test_5xx_backoff_has_full_jitter_and_a_cap(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(500, {})] * 10
    sleeps = Sleeps()
    draws = iter([0.5, 0.25, 1.0, 1.0, 0.0])
    retry = RetryPolicy(max_attempts=6, base_delay=1.0, max_delay=4.0, max_total_delay=100)
    policy = HttpPolicy(http, name="t", sleep=sleeps, random=lambda: next(draws), retry=retry)
    with pytest.raises(TransientError) as caught:
        policy.send("GET", "/x")
    assert sleeps == [0.5, 0.5, 4.0, 4.0]  # random() * min(4, 1 * 2**n); the last draw, 0.0, is no sleep
    assert caught.value.status == 500 and len(server.requests) == 6


def test_503_retry_after_is_honoured(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(503, {}, {"Retry-After": "3"})]
    sleeps = Sleeps()
    assert _policy(http, sleeps).send("GET", "/x").status_code == 200
    assert sleeps == [3.0]


def test_total_wait_budget(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(502, {})] * 20
    sleeps = Sleeps()
    with pytest.raises(TransientError):
        _policy(http, sleeps, retry=RetryPolicy(max_attempts=20, base_delay=1, max_total_delay=7.5)).send("GET", "/x")
    assert sleeps == [1.0, 2.0, 4.0]  # the next 8 s would pass 7.5 s in total


def test_dropped_connections_are_retried(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [None, None]
    sleeps = Sleeps()
    assert _policy(http, sleeps).send("GET", "/x").json() == {"ok": True}
    assert len(sleeps) == 2 and len(server.requests) == 3


def test_post_is_not_retried_when_the_server_may_have_acted(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(500, {}), None]
    sleeps = Sleeps()
    policy = _policy(http, sleeps)
    assert policy.send("POST", "/x", json={"a": 1}).status_code == 500
    with pytest.raises(TransientError, match="not retried"):
        policy.send("POST", "/x", json={"a": 1})
    assert len(server.requests) == 2 and sleeps == []


def test_post_is_retried_after_429(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(429, {}, {"Retry-After": "2"})]
    sleeps = Sleeps()
    assert _policy(http, sleeps).send("POST", "/x", json={}).status_code == 200
    assert sleeps == [2.0]


def test_connection_refused_is_retried_even_for_post() -> None:
    with ScriptedServer() as gone:
        url = gone.base_url
    sleeps = Sleeps()
    with make_http_client(verify=False) as client, pytest.raises(TransientError, match="ConnectError"):
        _policy(client, sleeps, retry=RetryPolicy(max_attempts=3)).send("POST", f"{url}/x")
    assert sleeps == [0.5, 1.0]


def test_401_invalidates_once_then_returns(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(401, {}), json_reply(401, {})]
    tokens = StaticTokenProvider("t0k3n")
    response = _policy(http, Sleeps(), token_provider=tokens).send("GET", "/x")
    assert response.status_code == 401 and tokens.invalidations == 1
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer t0k3n"] * 2


def test_401_then_success(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(401, {})]
    tokens = StaticTokenProvider("abc")
    assert _policy(http, Sleeps(), token_provider=tokens).send("GET", "/x").status_code == 200
    assert tokens.invalidations == 1


def test_other_4xx_are_returned_untouched(server: ScriptedServer, http: httpx.Client) -> None:
    server.script = [json_reply(403, {}), json_reply(404, {}), json_reply(400, {})]
    sleeps = Sleeps()
    policy = _policy(http, sleeps, token_provider=StaticTokenProvider("x"))
    assert [policy.send("GET", "/x").status_code for _ in range(3)] == [403, 404, 400]
    assert sleeps == [] and len(server.requests) == 3


def test_rate_limiter_token_bucket() -> None:
    now = [0.0]
    sleeps = Sleeps()
    limiter = RateLimiter(4.0, burst=2, clock=lambda: now[0], sleep=sleeps)
    assert [limiter.acquire() for _ in range(5)] == [0.0, 0.0, 0.25, 0.5, 0.75]
    now[0] = 10.0  # a long pause refills the bucket only up to the burst
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.25]
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_rate_limiter_is_shared_fairly_between_threads() -> None:
    sleeps = Sleeps()
    limiter = RateLimiter(10.0, burst=1, clock=lambda: 0.0, sleep=sleeps)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(s, 6) for s in sleeps) == [round(0.1 * i, 6) for i in range(1, 8)]


def test_logs_have_ids_but_no_query_values_or_tokens(
    server: ScriptedServer, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="leadhunter.integrations")
    server.script = [json_reply(503, {}), json_reply(401, {})]
    policy = _policy(http, Sleeps(), token_provider=StaticTokenProvider("SECRET-TOKEN"))
    policy.send("GET", "/x", params={"$filter": "team/any(t:t/email eq 'kari@firma.no')"})
    for request in server.requests:
        assert request.headers["client-request-id"] in caplog.text
    assert "kari" not in caplog.text and "SECRET-TOKEN" not in caplog.text
    assert "/x?$filter" in caplog.text


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (401, {"error": {"code": "unauthenticated", "message": "m"}}, AuthError, "unauthenticated"),
        (403, {"error": {"code": "accessDenied", "message": "m"}}, Forbidden, "accessDenied"),
        (404, {"error": {"code": "itemNotFound"}}, NotFound, "itemNotFound"),
        (409, {}, ConflictError, None),
        (412, {"error": {"code": "preconditionFailed"}}, ConflictError, "preconditionFailed"),
        (400, {"error": "invalid_request", "error_description": "AADSTS900144: x"}, ValidationError, "invalid_request"),
        (422, [], ValidationError, None),
        (429, {"statusCode": 429, "message": "Rate limit"}, ThrottledError, None),
        (503, {"error": {"code": "serviceNotAvailable"}}, TransientError, "serviceNotAvailable"),
        (418, {}, IntegrationError, None),
    ],
)  # fmt: skip
def test_error_for_response(status: int, body: object, kind: type[IntegrationError], code: str | None) -> None:
    request = httpx.Request("GET", "https://h/p?q=secret", headers={"client-request-id": "rid"})
    error = error_for_response(httpx.Response(status, json=body, request=request), what="list things")
    assert type(error) is kind and error.code == code and error.status == status and error.request_id == "rid"
    assert "secret" not in str(error)


def test_error_messages_are_scrubbed_and_non_json_is_a_protocol_error() -> None:
    request = httpx.Request("GET", "https://h/p")
    body = {"error": {"code": "x", "message": "no access for kari@firma.no, call +47 912 34 567"}}
    code, message = error_code(httpx.Response(400, json=body, request=request))
    assert code == "x" and message is not None and "kari" not in message and "912" not in message
    with pytest.raises(ProtocolError):
        read_json(httpx.Response(200, content=b"<html>", request=request))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail kari.nordmann@firma.no now", "mail ***@*** now"),
        ("phone +47 912 34 567.", "phone ***."),
        ("Authorization: Bearer eyJ0eXAi.abc.def", "Authorization: Bearer ***"),
        ("id 65edc0b5-3485-41b7-a17e-dfa9ef4706e2 kept", "id 65edc0b5-3485-41b7-a17e-dfa9ef4706e2 kept"),
        ("x" * 400, "x" * 299 + "…"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_safe_url_keeps_only_parameter_names() -> None:
    assert safe_url("https://h/v1.0/r?$filter=a%20eq%20'b'&$top=5") == "/v1.0/r?$filter&$top"
    assert safe_url("/plain") == "/plain"
