"""RDAP client (RFC 9082 queries over HTTPS, RFC 9083 answers) for one domain at a time.

``GET {base}domain/{ascii-domain}`` with ``Accept: application/rdap+json``. 200 → parsed facts; 404 →
``not_found``; 429 → wait ``Retry-After`` (the server's bucket is paused, so no other query goes to it
meanwhile) and ask again, at most ``retries`` times; timeouts, refusals, 5xx and odd answers →
``unknown``. When the registry's answer names no registrar, the registry → registrar link (``rel``
related, type ``application/rdap+json``) is followed once and the registrar's answer fills the gaps.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from leadhunter.domain.registration import RegistrationFacts, RegistrationSource, Withheld, not_found, unknown
from leadhunter.scanners.registration.bootstrap import RdapServer
from leadhunter.scanners.registration.ratelimit import TokenBucket
from leadhunter.scanners.registration.rdap_parse import (
    RDAP_JSON,
    RdapFormatError,
    merge_registrar,
    parse_domain,
    registrar_link,
)
from leadhunter.scanners.tenant import UnsafeTargetError, check_http_target

DEFAULT_TIMEOUT = 10.0  # seconds per request
DEFAULT_MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After makes the outcome unknown instead of waiting
DEFAULT_RETRIES = 2  # extra attempts after a 429
_MAX_REDIRECTS = 3


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Answer:
    """One RDAP request's result: a JSON body, or an outcome (status and reason) to report."""

    def __init__(self, status: int, body: Any = None, reason: str | None = None) -> None:
        self.status = status
        self.body = body
        self.reason = reason


class RdapClient:
    """Asks RDAP servers through one pooled ``httpx.AsyncClient``.

    ``timeout`` is per request (seconds, default 10); ``verify`` is passed to httpx (a CA file path in
    tests); ``allow_private`` lets a registrar link point at a private or loopback address (off by
    default: the link comes from a remote answer). ``buckets`` maps a server key to its rate limit.
    """

    def __init__(self, buckets: Callable[[str], TokenBucket], *, timeout: float = DEFAULT_TIMEOUT,
                 verify: bool | str = True, allow_private: bool = False, retries: int = DEFAULT_RETRIES,
                 max_retry_after: float = DEFAULT_MAX_RETRY_AFTER, client: httpx.AsyncClient | None = None) -> None:
        self._buckets = buckets
        self._allow_private = allow_private
        self._retries = retries
        self._max_retry_after = max_retry_after
        tls: ssl.SSLContext | bool = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self._client = client or httpx.AsyncClient(
            timeout=timeout, verify=tls, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"Accept": f"{RDAP_JSON}, application/json;q=0.9", "User-Agent": "leadhunter/0.1"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def lookup(self, domain: str, server: RdapServer) -> RegistrationFacts:
        """Registration facts for an ASCII domain from ``server``; never raises for network trouble."""
        url = urljoin(server.base_url, f"domain/{domain}")
        fetched_at = datetime.now(UTC)
        answer = await self._get(url, server.key)
        stamp: dict[str, Any] = {"source": RegistrationSource.RDAP, "server": server.base_url,
                                 "fetched_at": fetched_at}
        if answer.status == 404:
            return not_found(domain, "registry: no such domain (RDAP 404)", **stamp)
        if answer.reason is not None:
            return unknown(domain, answer.reason, **stamp)
        try:
            facts = parse_domain(domain, answer.body).with_fetch(server=server.base_url, fetched_at=fetched_at)
        except RdapFormatError as exc:
            return unknown(domain, f"unexpected RDAP answer: {exc}", **stamp)
        if facts.registrar is None:
            facts = await self._follow_registrar(facts, answer.body, url)
        return facts

    async def _follow_registrar(self, facts: RegistrationFacts, body: Mapping[str, Any],
                                url: str) -> RegistrationFacts:
        link = registrar_link(body, url)
        if link is None:
            return _note(facts, "registrar", "not published by the registry")
        try:
            check_http_target(link, allow_private=self._allow_private)
        except UnsafeTargetError as exc:
            return _note(facts, "registrar", f"registrar link refused: {exc}")
        answer = await self._get(link, "rdap:" + _origin(link))
        if answer.reason is not None or answer.status != 200:
            return _note(facts, "registrar", f"registrar RDAP: {answer.reason or f'HTTP {answer.status}'}")
        try:
            return merge_registrar(facts, parse_domain(facts.domain, answer.body))
        except RdapFormatError as exc:
            return _note(facts, "registrar", f"registrar RDAP: {exc}")

    async def _get(self, url: str, key: str) -> _Answer:
        """GET with the server's rate limit, 429 handling and a few checked redirects."""
        attempts = 0
        redirects = 0
        while True:
            await self._buckets(key).acquire()
            try:
                response = await self._client.get(url)
            except httpx.TimeoutException:
                return _Answer(0, reason="RDAP server timed out")
            except httpx.TransportError as exc:
                return _Answer(0, reason=f"RDAP server unreachable: {type(exc).__name__}")
            if response.status_code == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                wait = 1.0 if wait is None else wait
                if attempts >= self._retries or wait > self._max_retry_after:
                    return _Answer(429, reason=f"RDAP server rate limit (Retry-After {wait:.0f} s)")
                self._buckets(key).pause(wait)
                attempts += 1
                continue
            if response.status_code in (301, 302, 303, 307, 308) and redirects < _MAX_REDIRECTS:
                target = urljoin(url, response.headers.get("Location", ""))
                try:
                    check_http_target(target, allow_private=self._allow_private)
                except UnsafeTargetError as exc:
                    return _Answer(response.status_code, reason=f"redirect refused: {exc}")
                url, key, redirects = target, "rdap:" + _origin(target), redirects + 1
                continue
            return _decode(response)


def _decode(response: httpx.Response) -> _Answer:
    status = response.status_code
    if status == 404:
        return _Answer(404)
    if status != 200:
        return _Answer(status, reason=f"RDAP server answered HTTP {status}")
    try:
        return _Answer(200, body=response.json())
    except ValueError:
        return _Answer(200, reason="RDAP answer is not JSON")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _note(facts: RegistrationFacts, field: str, reason: str) -> RegistrationFacts:
    """Record why ``field`` stayed empty."""
    withheld = (*(w for w in facts.withheld if w.field != field), Withheld(field, reason))
    return replace(facts, withheld=withheld)
