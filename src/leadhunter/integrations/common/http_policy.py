"""One HTTP policy for every integration: rate limit, request ids, bounded retries, 429, one 401 refresh.

``HttpPolicy.send()`` wraps a synchronous ``httpx.Client`` call:

1. waits for the client-side token bucket (``RateLimiter``, requests per second) when one is given;
2. sends with a fresh ``client-request-id`` (uuid4) on **every** HTTP request, retries included, and
   ``Authorization: Bearer <token>`` from the ``TokenProvider`` when one is given;
3. on 429 waits ``Retry-After`` (seconds or an HTTP date) — or backs off when absent — and tries again;
4. on 5xx in ``RetryPolicy.retry_statuses`` and on network errors backs off with exponential backoff and
   full jitter (``random() * min(max_delay, base_delay * 2**n)``), honouring ``Retry-After`` when a 503
   carries one; non-idempotent requests are retried only when they certainly never reached the server
   (connect failures) or were refused with 429;
5. on 401 calls ``provider.invalidate()`` and tries once more with a new token (this one retry is free);
6. gives up when ``max_attempts`` are used or the sum of waits would pass ``max_total_delay``:
   ``TransientError`` (5xx / network) or ``ThrottledError`` (429); a ``Retry-After`` above
   ``max_retry_after`` is not waited at all (``ThrottledError`` with ``retry_after`` set).

Every other answer (2xx, 3xx, 4xx, a second 401) is returned as is; ``responses.error_for_response``
turns error answers into the error tree. Sleep, randomness and clocks are keyword arguments so tests
record waits instead of spending wall time. Logs carry method, path, query parameter *names*, status,
duration and request ids — never bodies, query values, tokens or personal data.
"""

from __future__ import annotations

import email.utils
import logging
import random as _random
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .errors import ThrottledError, TransientError
from .redaction import safe_url
from .tokens import TokenProvider

__all__ = [
    "CLIENT_REQUEST_ID",
    "HttpPolicy",
    "RateLimiter",
    "RetryPolicy",
    "make_http_client",
    "parse_retry_after",
    "request_id_of",
]

CLIENT_REQUEST_ID = "client-request-id"
USER_AGENT = "leadhunter/0.1"
Sleep = Callable[[float], None]
# Idempotency does not matter for these: the request never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Times are in seconds.

    ``max_attempts`` counts HTTP requests for one call, the first included (default 5; the free retry
    after a 401 is not counted). ``base_delay`` (0.5) and ``max_delay`` (30) shape the backoff;
    ``max_total_delay`` (120) bounds the sum of all waits of one call; a ``Retry-After`` above
    ``max_retry_after`` (300) is not waited. ``retry_statuses``: 5xx answers worth retrying.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_delay: float = 120.0
    max_retry_after: float = 300.0
    retry_statuses: frozenset[int] = field(default=frozenset({500, 502, 503, 504}))

    def backoff(self, retry_number: int, random: Callable[[], float]) -> float:
        """Full-jitter wait before retry ``retry_number`` (0 for the first retry)."""
        ceiling: float = min(self.max_delay, self.base_delay * (2.0**retry_number))
        return random() * ceiling


class RateLimiter:
    """Client-side token bucket: on average ``rate`` requests per second, bursts up to ``burst``.

    Thread-safe and fair: each caller reserves a slot under the lock (the bucket may go negative) and
    sleeps outside it for its own share, so concurrent callers never exceed the rate together.
    ``clock`` (monotonic seconds) and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 requests/second and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; returns the seconds waited (0.0 when none)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent/unreadable.

    Dates in the past give 0.0. ``now`` defaults to the current UTC time.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def request_id_of(response: httpx.Response) -> str | None:
    """The ``client-request-id`` this process sent for ``response``."""
    value: str | None = response.request.headers.get(CLIENT_REQUEST_ID)
    return value


def make_http_client(
    *,
    base_url: str = "",
    verify: bool | str = True,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    max_connections: int = 10,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with the house defaults: timeouts in seconds, JSON accept, no redirects.

    ``verify`` is True (system CAs) or a CA bundle path (the fakes' self-signed certificate).
    ``trust_env=False`` so ``SSL_CERT_FILE`` and friends cannot override ``verify``; proxies from the
    environment are therefore not used.
    """
    tls: bool | ssl.SSLContext = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
    return httpx.Client(
        base_url=base_url,
        verify=tls,
        trust_env=False,
        follow_redirects=False,
        transport=transport,
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    )


class HttpPolicy:
    """Send requests through ``client`` with the policy described in the module docstring.

    ``name`` labels log lines (logger ``leadhunter.integrations.<name>``). ``token_provider`` adds the
    bearer token and enables the one refresh on 401. ``sleep``, ``random`` (uniform in [0, 1)) and
    ``now`` (aware UTC datetime, for HTTP-date ``Retry-After``) are injectable; ``new_request_id``
    makes the ``client-request-id`` values (uuid4 strings by default).
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        name: str,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        token_provider: TokenProvider | None = None,
        sleep: Sleep = time.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_request_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.client = client
        self.name = name
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.token_provider = token_provider
        self._sleep = sleep
        self._random = random
        self._now = now
        self._new_request_id = new_request_id
        self.log = logging.getLogger(f"leadhunter.integrations.{name}")

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one logical call and return the final response (see the module docstring).

        ``url`` is absolute or relative to the client's ``base_url`` and is sent as given (an
        ``@odata.nextLink`` is never rebuilt). ``idempotent`` defaults to True for GET, HEAD, PUT,
        DELETE, OPTIONS and False otherwise. Raises ``TransientError``, ``ThrottledError``, or the
        provider's ``AuthError`` subclasses.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        shown = safe_url(url)
        if params:  # names only, like safe_url: values may hold customer data
            shown += ("&" if "?" in shown else "?") + "&".join(params)
        attempt = 0  # counted requests (the free 401 retry is not counted)
        waited = 0.0  # seconds slept between attempts, bounded by max_total_delay
        refreshed = False
        while True:
            attempt += 1
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            request_id = self._new_request_id()
            outgoing = {**(headers or {}), CLIENT_REQUEST_ID: request_id}
            sent_token: str | None = None
            if self.token_provider is not None:
                sent_token = self.token_provider.token()
                outgoing["Authorization"] = f"Bearer {sent_token}"
            started = time.perf_counter()
            try:
                # `content` (raw bytes, e.g. a multipart $batch body) added by the d365 helper; additive.
                response = self.client.request(method, url, params=params, headers=outgoing, json=json, content=content)
            except httpx.TransportError as exc:
                kind = type(exc).__name__
                self.log.warning("%s %s failed: %s (client-request-id=%s, attempt %d)",
                                 method, shown, kind, request_id, attempt)  # fmt: skip
                if not idempotent and not isinstance(exc, _NOT_SENT):
                    message = f"{self.name}: {method} {shown} failed ({kind}); not retried: it may have been processed"
                    raise TransientError(message, request_id=request_id) from exc
                delay = self._delay(attempt, waited, None)
                if delay is None:
                    raise TransientError(f"{self.name}: {method} {shown} failed ({kind}) after {attempt} attempts",
                                         request_id=request_id) from exc  # fmt: skip
                waited += self._wait(delay, "network error", request_id)
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            status = response.status_code
            server_id = _server_request_id(response)
            self.log.debug("%s %s -> %d in %.0f ms (client-request-id=%s, request-id=%s, attempt %d)",
                           method, shown, status, elapsed_ms, request_id, server_id, attempt)  # fmt: skip
            if status == 401 and self.token_provider is not None and not refreshed:
                self.log.info("%s %s -> 401; refreshing the token once (client-request-id=%s)",
                              method, shown, request_id)  # fmt: skip
                refreshed = True
                attempt -= 1  # the refresh retry is free
                self.token_provider.invalidate(sent_token)
                continue
            if status == 429:
                waited += self._throttled(response, method, shown, attempt, waited)
                continue
            if status in self.retry.retry_statuses:
                if not idempotent:
                    return response  # the server may have done the work: let the caller decide
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._now())
                delay = self._delay(attempt, waited, retry_after)
                if delay is None:
                    raise TransientError(f"{self.name}: {method} {shown} answered HTTP {status} {attempt} times",
                                         status=status, request_id=request_id)  # fmt: skip
                waited += self._wait(delay, f"HTTP {status}", request_id)
                continue
            return response

    # ---- internals ------------------------------------------------------------------------------

    def _throttled(self, response: httpx.Response, method: str, shown: str, attempt: int, waited: float) -> float:
        """Wait out a 429 (``Retry-After`` or backoff) and return the seconds slept, or raise ThrottledError."""
        request_id = request_id_of(response)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._now())
        if retry_after is not None and retry_after > self.retry.max_retry_after:
            raise ThrottledError(f"{self.name}: {method} {shown} throttled; Retry-After {retry_after:.0f} s is "
                                 f"longer than the {self.retry.max_retry_after:.0f} s we wait",
                                 retry_after=retry_after, request_id=request_id)  # fmt: skip
        delay = self._delay(attempt, waited, retry_after)
        if delay is None:
            raise ThrottledError(f"{self.name}: {method} {shown} still throttled after {attempt} attempts",
                                 retry_after=retry_after, request_id=request_id)  # fmt: skip
        return self._wait(delay, "HTTP 429", request_id)

    def _delay(self, attempt: int, waited: float, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent (attempts, total
        wait, or a ``Retry-After`` above ``max_retry_after``). Randomness is drawn only for a real retry."""
        if attempt >= self.retry.max_attempts:
            return None
        if retry_after is not None and retry_after > self.retry.max_retry_after:
            return None
        delay = self.retry.backoff(attempt - 1, self._random) if retry_after is None else retry_after
        return delay if waited + delay <= self.retry.max_total_delay else None

    def _wait(self, delay: float, why: str, request_id: str | None) -> float:
        self.log.info("%s: %s; retrying in %.2f s (client-request-id=%s)", self.name, why, delay, request_id)
        if delay > 0:
            self._sleep(delay)
        return delay


def _server_request_id(response: httpx.Response) -> str | None:
    """The service's own id for the request (``request-id``, Dataverse ``x-ms-service-request-id``)."""
    for name in ("request-id", "x-ms-service-request-id", "x-ms-request-id"):
        value: str | None = response.headers.get(name)
        if value:
            return value
    return None
