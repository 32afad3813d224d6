"""The registration stage: domains in, :class:`RegistrationFacts` out, each server at its own pace.

Each registry server (RDAP base URL host or WHOIS host:port) has its own queue, its own token bucket
and at most ``per_server_concurrency`` queries in flight, so a slow 1 query/s WHOIS server never holds
back the RDAP servers, and none of it touches the DNS scan. A waiting domain costs a string and a
future (no coroutine), so ten thousand pending domains take a few megabytes. Answers come from the
cache when younger than its TTL; the same domain asked twice while in flight is asked once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

import idna

from leadhunter.domain.registration import RegistrationFacts, unknown
from leadhunter.scanners.registration.bootstrap import RdapServer, ServerDirectory, WhoisServer
from leadhunter.scanners.registration.cache import MemoryCache, RegistrationCache
from leadhunter.scanners.registration.ratelimit import DEFAULT_RDAP_RATE, DEFAULT_WHOIS_RATE, Limit, RateLimits
from leadhunter.scanners.registration.rdap import DEFAULT_MAX_RETRY_AFTER, RdapClient
from leadhunter.scanners.registration.whois import WhoisClient


@dataclass(frozen=True)
class RegistrationOptions:
    """How to ask. Rates are queries per second per server (``limits`` by host or host:port override
    the defaults: RDAP 10/s, WHOIS 1/s); timeouts in seconds; ``per_server_concurrency`` queries in
    flight per server (default 4); ``verify`` is the TLS CA setting for RDAP (a CA file in tests)."""

    rdap_limit: Limit = field(default_factory=lambda: Limit(DEFAULT_RDAP_RATE))
    whois_limit: Limit = field(default_factory=lambda: Limit(DEFAULT_WHOIS_RATE))
    limits: Mapping[str, Limit] = field(default_factory=dict)
    per_server_concurrency: int = 4
    rdap_timeout: float = 10.0
    whois_timeout: float = 10.0
    verify: bool | str = True
    allow_private: bool = False
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER


def ascii_domain(domain: str) -> str:
    """The ASCII (A-label) form of a domain name, lower case, no trailing dot (ValueError if invalid)."""
    text = domain.strip().rstrip(".").lower()
    if text.isascii():
        return text
    try:
        return idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"not a valid domain name: {exc}") from exc


class _ServerQueue:
    __slots__ = ("pending", "workers")

    def __init__(self) -> None:
        self.pending: deque[tuple[str, RdapServer | WhoisServer, asyncio.Future[RegistrationFacts]]] = deque()
        self.workers = 0


class RegistrationStage:
    """Use as ``async with RegistrationStage(directory, options=...) as stage``; then :meth:`lookup`,
    :meth:`submit` or :meth:`stream`. ``cache`` defaults to an in-process :class:`MemoryCache`."""

    def __init__(self, directory: ServerDirectory, *, options: RegistrationOptions | None = None,
                 cache: RegistrationCache | None = None) -> None:
        self.options = options or RegistrationOptions()
        self.directory = directory
        self.cache: RegistrationCache = cache if cache is not None else MemoryCache()
        self.limits = RateLimits(self.options.limits, rdap=self.options.rdap_limit, whois=self.options.whois_limit)
        self.rdap = RdapClient(self.limits.bucket, timeout=self.options.rdap_timeout, verify=self.options.verify,
                               allow_private=self.options.allow_private,
                               max_retry_after=self.options.max_retry_after)
        self.whois = WhoisClient(self.limits.bucket, timeout=self.options.whois_timeout)
        self._queues: dict[str, _ServerQueue] = {}
        self._inflight: dict[str, asyncio.Future[RegistrationFacts]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> RegistrationStage:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the workers (pending lookups are cancelled) and close the HTTP pool."""
        for task in list(self._workers):
            task.cancel()
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
        for future in self._inflight.values():
            future.cancel()
        await self.rdap.aclose()

    def submit(self, domain: str) -> asyncio.Future[RegistrationFacts]:
        """Queue a lookup and return its future (already done for a cache hit or a bad name)."""
        loop = asyncio.get_running_loop()
        try:
            name = ascii_domain(domain)
        except ValueError as exc:
            return _done(loop, unknown(domain, str(exc)))
        cached = self.cache.get(name)
        if cached is not None:
            return _done(loop, cached)
        running = self._inflight.get(name)
        if running is not None:
            return running
        server = self.directory.server_for(name)
        if server is None:
            suffix = name.rsplit(".", 1)[-1]
            return _done(loop, unknown(name, f"no RDAP or WHOIS service known for .{suffix}"))
        future: asyncio.Future[RegistrationFacts] = loop.create_future()
        self._inflight[name] = future
        queue = self._queues.setdefault(server.key, _ServerQueue())
        queue.pending.append((name, server, future))
        if queue.workers < self.options.per_server_concurrency:
            queue.workers += 1
            task = asyncio.ensure_future(self._work(queue))
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        return future

    async def lookup(self, domain: str) -> RegistrationFacts:
        """Registration facts for one domain (any form: Unicode names are asked in ASCII)."""
        return await asyncio.shield(self.submit(domain))

    async def stream(self, domains: Iterable[str]) -> AsyncIterator[RegistrationFacts]:
        """Every domain's facts, in the order they complete (not input order)."""
        done: asyncio.Queue[asyncio.Future[RegistrationFacts]] = asyncio.Queue()
        count = 0
        for domain in domains:
            self.submit(domain).add_done_callback(done.put_nowait)
            count += 1
        for _ in range(count):
            future = await done.get()
            yield future.result()

    async def _work(self, queue: _ServerQueue) -> None:
        try:
            while queue.pending:
                name, server, future = queue.pending.popleft()
                facts = await self._ask(name, server)
                self.cache.put(facts)
                self._inflight.pop(name, None)
                if not future.done():
                    future.set_result(facts)
        finally:
            queue.workers -= 1

    async def _ask(self, name: str, server: RdapServer | WhoisServer) -> RegistrationFacts:
        try:
            if isinstance(server, RdapServer):
                return await self.rdap.lookup(name, server)
            return await self.whois.lookup(name, server)
        # The batch boundary: a defect hit by one registry answer must not stall the other lookups;
        # it becomes that domain's unknown outcome, with its type, and the stage goes on.
        except Exception as exc:  # noqa: BLE001
            return unknown(name, f"registration lookup failed: {type(exc).__name__}: {exc}")


def _done(loop: asyncio.AbstractEventLoop, facts: RegistrationFacts) -> asyncio.Future[RegistrationFacts]:
    future: asyncio.Future[RegistrationFacts] = loop.create_future()
    future.set_result(facts)
    return future
