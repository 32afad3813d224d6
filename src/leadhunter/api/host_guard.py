"""Host and Origin checks (pure ASGI): what keeps other web sites out of a Hunter the salesperson runs on
their own machine.

- **DNS rebinding.** A page on ``attacker.example`` can point its own name at 127.0.0.1 and then read
  ``http://attacker.example:8000/api/leads`` as same-origin. Its requests carry ``Host: attacker.example``,
  so only the names Hunter answers to are served (:func:`allowed_hosts`); others get a 400. Health checks
  and ``/metrics`` answer any name: probes and scrapers address the machine by IP, and they hold no leads.
- **Cross-site writes.** Any page can make the browser POST to ``http://127.0.0.1:8000`` (a form with
  ``text/plain`` or ``multipart/form-data``, a ``no-cors`` fetch) without reading the answer. A
  state-changing request (POST, PUT, PATCH, DELETE) is refused with a 403 when the browser says it comes
  from elsewhere: ``Sec-Fetch-Site`` other than ``same-origin``/``none``, or — from browsers that do not send
  it — an ``Origin`` that is neither this server's own (its ``Host``) nor the public URL's. Requests without
  either header come from programs, not pages, and pass (API keys guard those where required).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from leadhunter.api.edge_reply import header, send_error
from leadhunter.config import Settings

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names compared against, nothing is bound here
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_PATHS = ("/healthz/", "/metrics")
"""Paths served whatever the Host (see the module docstring)."""


def _host_name(netloc: str) -> str:
    """``Host`` header or URL netloc → lowercase name without port or IPv6 brackets."""
    netloc = netloc.strip().lower().rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names served: loopback names, the bound address (unless a wildcard), the public URL's host and
    ``HUNTER_ALLOWED_HOSTS``; None (no check) when that is ``*``."""
    extra = [name.strip() for name in settings.allowed_hosts.split(",") if name.strip()]
    if "*" in extra:
        return None
    names = set(LOOPBACK_NAMES) | {_host_name(name) for name in extra}
    bound = settings.api_host.strip().lower()
    if bound not in WILDCARD_BINDS:
        names.add(bound.strip("[]") if bound.count(":") > 1 else _host_name(bound))  # a bare IPv6 has colons
    if settings.public_url:
        names.add(_host_name(urlsplit(settings.public_url).netloc))
    return frozenset(names)


def trusted_origins(settings: Settings) -> frozenset[str]:
    """Origins besides the server's own that may write (the public URL's, e.g. behind a reverse proxy)."""
    if not settings.public_url:
        return frozenset()
    parts = urlsplit(settings.public_url)
    return frozenset({f"{parts.scheme}://{parts.netloc}".lower()})


class HostOriginGuard:
    """See the module docstring; ``hosts`` None serves any Host."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None, origins: frozenset[str]) -> None:
        self.app, self.hosts, self.origins = app, hosts, origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = header(scope, b"host")
        path = str(scope.get("path", ""))
        if (self.hosts is not None and host is not None and _host_name(host) not in self.hosts
                and not path.startswith(OPEN_PATHS)):
            await send_error(send, scope, 400, "host_not_allowed",
                             f"this server does not answer to the host name {_host_name(host)[:100]!r}; "
                             "add it to HUNTER_ALLOWED_HOSTS (or set HUNTER_PUBLIC_URL)")
            return
        if scope.get("method") in UNSAFE_METHODS:
            refusal = self._cross_site(scope, host)
            if refusal:
                await send_error(send, scope, 403, "cross_site_request",
                                 f"a state-changing request from another site is refused ({refusal})")
                return
        await self.app(scope, receive, send)

    def _cross_site(self, scope: Scope, host: str | None) -> str | None:
        """Why the request comes from another site, or None when it does not (or cannot tell: no browser)."""
        fetch_site = header(scope, b"sec-fetch-site")
        if fetch_site is not None:
            return None if fetch_site in ("same-origin", "none") else f"Sec-Fetch-Site: {fetch_site[:20]}"
        origin = header(scope, b"origin")
        if origin is None:
            return None
        parts = urlsplit(origin.strip())
        if origin.strip().lower() in self.origins:
            return None
        if host is not None and parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower():
            return None
        return f"Origin: {origin[:100]}"
