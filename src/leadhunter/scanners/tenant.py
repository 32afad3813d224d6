"""Microsoft Entra tenant discovery for a domain (anonymous HTTPS; shared/specs/entra-auth.md §6).

Two requests per domain, made together: the OIDC metadata (its ``token_endpoint`` path carries the
tenant GUID; 400 ``invalid_tenant`` means no tenant) and ``getuserrealm.srf`` (Managed / Federated /
Unknown, the brand name and, when federated, the IdP's ``AuthURL``). A circuit breaker stops asking
once the service is unreachable, so a ten-thousand-domain scan goes on at full speed and each result
says discovery failed.

At scale: one HTTP/1.1 keep-alive pool (``keepalive_http``: connections are reused, at most two per domain
in flight; a purpose-built client because httpx's per-request overhead was most of a scan's CPU), a
bounded number of domains in flight, and back-pressure from Entra handled for the whole scan: a 429
pauses every request until its ``Retry-After`` has passed, halves the domains allowed in flight (growing
back one at a time as answers succeed) and retries the request, so a throttled scan slows down instead
of reporting failed lookups. (A 503 is an outage, not throttling: it fails the lookup.)
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
import time
from urllib.parse import quote, urlencode, urlsplit

from leadhunter.domain.facts import TenantFacts, TenantStatus
from leadhunter.scanners.keepalive_http import HttpTimeoutError, HttpTransportError, KeepAlivePool, Response

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
DEFAULT_BASE_URL = "https://login.microsoftonline.com"
DEFAULT_RETRY_AFTER = 1.0  # seconds to pause when a 429 names no usable Retry-After
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is capped (the scan keeps moving)


class UnsafeTargetError(ValueError):
    """An HTTP target resolves to a private, loopback or link-local address and that is not allowed."""


def check_http_target(url: str, *, allow_private: bool) -> None:
    """Refuse URLs whose host is a private, loopback, link-local or reserved IP literal or ``localhost``
    unless ``allow_private`` (a guard against server-side request forgery via configuration)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise UnsafeTargetError(f"no host in URL {url!r}")
    if allow_private:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeTargetError(f"{url} points at this machine; set HUNTER_ALLOW_PRIVATE_TARGETS=true to allow")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address.is_global:
        raise UnsafeTargetError(
            f"{url} points at a non-public address; set HUNTER_ALLOW_PRIVATE_TARGETS=true to allow"
        )


class HttpStatusError(Exception):
    """A non-2xx answer where only success was usable."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def _raise_for_status(response: Response) -> None:
    if not 200 <= response.status_code < 300:
        raise HttpStatusError(response.status_code)


class Throttle:
    """Domains in flight, adapted to Entra's pushback (AIMD) and paused while it asks us to wait.

    ``limit`` starts at ``ceiling`` (default 64); :meth:`pushback` halves it (never below 1) and pauses
    every :meth:`acquire` until ``retry_after`` seconds have passed; each success adds ``1 / limit``, so
    the limit grows back by one per full round of successes. ``clock`` is ``time.monotonic``-like.
    """

    def __init__(self, ceiling: int = 64) -> None:
        self.ceiling = ceiling
        self.limit = float(ceiling)
        self.inflight = 0
        self.pushbacks = 0
        self.lowest = ceiling
        self._resume_at = 0.0
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def acquire(self) -> None:
        """Wait until the pause is over and fewer than ``limit`` domains are in flight."""
        changed = self._condition()
        async with changed:
            while True:
                pause = self._resume_at - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)  # keeps the lock: nobody else starts during the pause
                    continue
                if self.inflight < max(1, int(self.limit)):
                    self.inflight += 1
                    return
                await changed.wait()

    async def release(self) -> None:
        """A domain finished (whatever its result)."""
        changed = self._condition()
        async with changed:
            self.inflight -= 1
            changed.notify()

    def success(self) -> None:
        """An answer that was not a pushback: grow the limit a little."""
        self.limit = min(float(self.ceiling), self.limit + 1.0 / max(1.0, self.limit))

    def pushback(self, retry_after: float) -> None:
        """Entra said slow down: pause everybody ``retry_after`` seconds and halve the limit (once per
        pause: the answers to requests already in flight do not cut it again)."""
        now = time.monotonic()
        if now >= self._resume_at:
            self.limit = max(1.0, self.limit / 2)
            self.pushbacks += 1
            self.lowest = min(self.lowest, int(self.limit))
        self._resume_at = max(self._resume_at, now + retry_after)

    async def wait_resume(self) -> None:
        """Sleep until the current pause is over."""
        pause = self._resume_at - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)


def retry_after_seconds(value: str | None) -> float:
    """``Retry-After`` in seconds (delta-seconds form; an HTTP date or junk gives the 1 s default),
    capped at :data:`MAX_RETRY_AFTER`."""
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        seconds = DEFAULT_RETRY_AFTER
    if not math.isfinite(seconds) or seconds < 0:
        seconds = DEFAULT_RETRY_AFTER
    return min(seconds, MAX_RETRY_AFTER)


class TenantDiscovery:
    """Discover the Entra tenant of domains through ``base_url`` (default Microsoft's login host).

    ``timeout`` is per request in seconds (default 5); ``concurrency`` bounds domains in flight
    (default 64; two requests each, so the keep-alive pool holds up to ``2 * concurrency`` connections);
    a 429 pauses the scan for its ``Retry-After`` and the request is retried, up to
    ``throttle_retries`` times (default 5) per request; after ``breaker_threshold`` consecutive
    transport failures (default 5) discovery is skipped for ``breaker_cooldown`` seconds (default 60)
    and results say so.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 5.0,
        concurrency: int = 64,
        throttle_retries: int = 5,
        allow_private: bool = False,
        verify: bool | str = True,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 60.0,
    ) -> None:
        check_http_target(base_url, allow_private=allow_private)
        self.base_url = base_url.rstrip("/")
        self._path = urlsplit(self.base_url).path  # a base URL with a path prefix (a proxy) keeps it
        self._client = KeepAlivePool(self.base_url, timeout=timeout, verify=verify, max_connections=2 * concurrency,
                                     headers={"Accept": "application/json", "User-Agent": "leadhunter/0.1"})
        self.throttle = Throttle(concurrency)
        self.throttle_retries = throttle_retries
        self._failures = 0
        self._open_until = 0.0
        self._threshold = breaker_threshold
        self._cooldown = breaker_cooldown

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far (few per scan while keep-alive works)."""
        return self._client.connections_opened

    async def discover(self, domain: str) -> TenantFacts:
        """Tenant facts for an ASCII registrable domain; never raises for network trouble."""
        if time.monotonic() < self._open_until:
            return TenantFacts(TenantStatus.FAILED, error="tenant discovery unavailable (circuit open)")
        await self.throttle.acquire()
        try:
            oidc, realm = await asyncio.gather(self._oidc(domain), self._realm(domain))
        except (HttpTransportError, HttpStatusError) as exc:
            self._record_failure(isinstance(exc, HttpTransportError))
            return TenantFacts(TenantStatus.FAILED, error=_describe(exc))
        except ValueError as exc:  # unparsable JSON or an unexpected shape
            return TenantFacts(TenantStatus.FAILED, error=f"unexpected answer: {exc}")
        finally:
            await self.throttle.release()
        self._failures = 0
        tenant_id, region = oidc
        namespace, brand, auth_url = realm
        if tenant_id is None and namespace in (None, "Unknown"):
            return TenantFacts(TenantStatus.NOT_FOUND, namespace=namespace)
        return TenantFacts(TenantStatus.FOUND, tenant_id=tenant_id, namespace=namespace, brand=brand,
                           region=region, auth_url=auth_url if namespace == "Federated" else None)

    def _record_failure(self, transport: bool) -> None:
        if not transport:
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._open_until = time.monotonic() + self._cooldown
            self._failures = 0

    async def _get(self, target: str) -> Response:
        """GET ``target`` (path and query under the base URL); a 429 pauses the whole discovery for its
        Retry-After and the request is tried again (``throttle_retries`` times at most, then the last answer
        is returned)."""
        for _ in range(self.throttle_retries):
            response = await self._client.get(target)
            if response.status_code != 429:
                self.throttle.success()
                return response
            self.throttle.pushback(retry_after_seconds(response.headers.get("retry-after")))
            await self.throttle.wait_resume()
        return await self._client.get(target)

    async def _oidc(self, domain: str) -> tuple[str | None, str | None]:
        response = await self._get(f"{self._path}/{quote(domain, safe='')}/v2.0/.well-known/openid-configuration")
        if response.status_code == 400:
            body = response.json()
            if isinstance(body, dict) and body.get("error") == "invalid_tenant":
                return None, None
        _raise_for_status(response)
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("OIDC metadata is not an object")
        parts = urlsplit(str(body.get("token_endpoint", ""))).path.strip("/").split("/")
        tenant_id = parts[0] if parts and _GUID.match(parts[0]) else None
        region = body.get("tenant_region_scope")
        return tenant_id, region if isinstance(region, str) else None

    async def _realm(self, domain: str) -> tuple[str | None, str | None, str | None]:
        query = urlencode({"login": f"user@{domain}", "json": "1"})
        response = await self._get(f"{self._path}/getuserrealm.srf?{query}")
        _raise_for_status(response)
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("user realm answer is not an object")
        namespace, brand, auth_url = (body.get(key) for key in ("NameSpaceType", "FederationBrandName", "AuthURL"))
        return (namespace if isinstance(namespace, str) else None, brand if isinstance(brand, str) else None,
                auth_url if isinstance(auth_url, str) else None)


def _describe(exc: Exception) -> str:
    if isinstance(exc, HttpStatusError):
        return f"HTTP {exc.status_code} from tenant discovery"
    if isinstance(exc, HttpTimeoutError):
        return "tenant discovery timed out"
    return f"tenant discovery unreachable: {type(exc).__name__}"
