"""Per-server rate limits: one token bucket per registry server, plus pauses ordered by ``Retry-After``.

Registries throttle hard (some WHOIS servers ban an address that asks more than once a second), so
each server gets its own bucket: ``rate`` queries per second with a burst of ``burst``. A 429 or a
WHOIS "rate limit exceeded" answer pauses that server alone for the time it asked for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DEFAULT_RDAP_RATE = 10.0  # queries per second per RDAP server
DEFAULT_WHOIS_RATE = 1.0  # queries per second per WHOIS server
DEFAULT_BURST = 1.0  # tokens a quiet server accumulates at most


@dataclass(frozen=True, slots=True)
class Limit:
    """``rate`` queries per second (> 0) with bursts of at most ``burst`` queries (>= 1)."""

    rate: float
    burst: float = DEFAULT_BURST

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, got {self.rate}/{self.burst}")


class TokenBucket:
    """An async token bucket; ``acquire()`` waits for a token (FIFO through one lock).

    ``clock`` is injectable for tests (seconds, monotonic). ``pause(seconds)`` holds every caller until
    that much time has passed, on top of the rate.
    """

    def __init__(self, limit: Limit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = limit.burst
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Stop handing out tokens for ``seconds`` from now (a longer pause already set is kept)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 0.0

    async def acquire(self) -> None:
        """Wait until a token is available and take it."""
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                self._tokens = min(self.limit.burst, self._tokens + (now - self._stamp) * self.limit.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.limit.rate)


class RateLimits:
    """One bucket per server key, created on first use from ``limits`` (key → limit) or the default
    for the key's protocol (keys start with ``rdap:`` or ``whois:``)."""

    def __init__(self, limits: Mapping[str, Limit] | None = None, *, rdap: Limit | None = None,
                 whois: Limit | None = None) -> None:
        self._limits = dict(limits or {})
        self._rdap = rdap or Limit(DEFAULT_RDAP_RATE)
        self._whois = whois or Limit(DEFAULT_WHOIS_RATE)
        self._buckets: dict[str, TokenBucket] = {}

    def limit_for(self, key: str) -> Limit:
        """The limit that applies to ``key``: an explicit one by key or host, else the protocol default."""
        netloc = key.split("://", 1)[1] if "://" in key else key.partition(":")[2]
        for name in (key, netloc, netloc.rpartition(":")[0] or netloc):
            if name in self._limits:
                return self._limits[name]
        return self._whois if key.startswith("whois:") else self._rdap

    def bucket(self, key: str) -> TokenBucket:
        """The bucket for a server key."""
        found = self._buckets.get(key)
        if found is None:
            found = self._buckets[key] = TokenBucket(self.limit_for(key))
        return found


def parse_rate_overrides(text: str) -> dict[str, Limit]:
    """``host[:port]=rate[/burst],...`` (``HUNTER_REGISTRATION_RATES``) → per-server limits."""
    table: dict[str, Limit] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, sep, value = item.partition("=")
        rate, _, burst = value.partition("/")
        try:
            table[host.strip().lower()] = Limit(float(rate), float(burst) if burst else DEFAULT_BURST)
        except ValueError as exc:
            raise ValueError(f"HUNTER_REGISTRATION_RATES: bad entry {item!r} (host=rate[/burst])") from exc
        if not sep or not host.strip():
            raise ValueError(f"HUNTER_REGISTRATION_RATES: bad entry {item!r} (host=rate[/burst])")
    return table
