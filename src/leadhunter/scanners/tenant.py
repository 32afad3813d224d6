"""Microsoft Entra tenant discovery for a domain (anonymous HTTPS; shared/specs/entra-auth.md §6).

Two requests per domain, made together: the OIDC metadata (its ``token_endpoint`` path carries the
tenant GUID; 400 ``invalid_tenant`` means no tenant) and ``getuserrealm.srf`` (Managed / Federated /
Unknown, the brand name and, when federated, the IdP's ``AuthURL``). A circuit breaker stops asking
once the service is unreachable, so a ten-thousand-domain scan goes on at full speed and each result
says discovery failed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from urllib.parse import urlsplit

import httpx

from leadhunter.domain.facts import TenantFacts, TenantStatus

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
DEFAULT_BASE_URL = "https://login.microsoftonline.com"


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


class TenantDiscovery:
    """Discover the Entra tenant of domains through ``base_url`` (default Microsoft's login host).

    ``timeout`` is per request in seconds (default 5); ``concurrency`` bounds domains in flight
    (default 32); after ``breaker_threshold`` consecutive transport failures (default 5) discovery
    is skipped for ``breaker_cooldown`` seconds (default 60) and results say so.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 5.0,
        concurrency: int = 32,
        allow_private: bool = False,
        verify: bool | str = True,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 60.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        check_http_target(base_url, allow_private=allow_private)
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(
            timeout=timeout, verify=verify, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"Accept": "application/json", "User-Agent": "leadhunter/0.1"},
        )
        self._semaphore = asyncio.Semaphore(concurrency)
        self._failures = 0
        self._open_until = 0.0
        self._threshold = breaker_threshold
        self._cooldown = breaker_cooldown

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    async def discover(self, domain: str) -> TenantFacts:
        """Tenant facts for an ASCII registrable domain; never raises for network trouble."""
        if time.monotonic() < self._open_until:
            return TenantFacts(TenantStatus.FAILED, error="tenant discovery unavailable (circuit open)")
        async with self._semaphore:
            try:
                oidc, realm = await asyncio.gather(self._oidc(domain), self._realm(domain))
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                self._record_failure(isinstance(exc, httpx.TransportError))
                return TenantFacts(TenantStatus.FAILED, error=_describe(exc))
            except ValueError as exc:  # unparsable JSON or an unexpected shape
                return TenantFacts(TenantStatus.FAILED, error=f"unexpected answer: {exc}")
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

    async def _oidc(self, domain: str) -> tuple[str | None, str | None]:
        response = await self._client.get(f"{self.base_url}/{domain}/v2.0/.well-known/openid-configuration")
        if response.status_code == 400:
            body = response.json()
            if isinstance(body, dict) and body.get("error") == "invalid_tenant":
                return None, None
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("OIDC metadata is not an object")
        parts = urlsplit(str(body.get("token_endpoint", ""))).path.strip("/").split("/")
        tenant_id = parts[0] if parts and _GUID.match(parts[0]) else None
        region = body.get("tenant_region_scope")
        return tenant_id, region if isinstance(region, str) else None

    async def _realm(self, domain: str) -> tuple[str | None, str | None, str | None]:
        response = await self._client.get(
            f"{self.base_url}/getuserrealm.srf", params={"login": f"user@{domain}", "json": "1"}
        )
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("user realm answer is not an object")
        namespace, brand, auth_url = (body.get(key) for key in ("NameSpaceType", "FederationBrandName", "AuthURL"))
        return (namespace if isinstance(namespace, str) else None, brand if isinstance(brand, str) else None,
                auth_url if isinstance(auth_url, str) else None)


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from tenant discovery"
    if isinstance(exc, httpx.TimeoutException):
        return "tenant discovery timed out"
    return f"tenant discovery unreachable: {type(exc).__name__}"
