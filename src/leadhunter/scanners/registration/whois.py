"""WHOIS client (RFC 3912: one query line over TCP port 43, the answer until the server closes).

Every failure to get a whole answer (timeout, refusal, a connection dropped mid-answer, an answer
cut at ``max_bytes``) is ``unknown`` with the reason, never "not registered". A "rate limit exceeded"
answer pauses that server's bucket for ``throttle_pause`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome, RegistrationSource, unknown
from leadhunter.scanners.registration.bootstrap import WhoisServer
from leadhunter.scanners.registration.ratelimit import TokenBucket
from leadhunter.scanners.registration.whois_parse import parse_whois

DEFAULT_TIMEOUT = 10.0  # seconds for the whole exchange (connect, query, answer)
DEFAULT_MAX_BYTES = 256 * 1024  # a WHOIS answer is a few KB; more is a misbehaving server
DEFAULT_THROTTLE_PAUSE = 60.0  # seconds a server that said "rate limit" is left alone


def decode_answer(raw: bytes) -> str:
    """UTF-8 (TRABIS and most registries), else Windows-1254 (older Turkish servers), never failing."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1254", errors="replace")


class WhoisClient:
    """Asks WHOIS servers; ``buckets`` maps a server key to its rate limit; ``timeout`` in seconds."""

    def __init__(self, buckets: Callable[[str], TokenBucket], *, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, throttle_pause: float = DEFAULT_THROTTLE_PAUSE) -> None:
        self._buckets = buckets
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._throttle_pause = throttle_pause

    async def lookup(self, domain: str, server: WhoisServer) -> RegistrationFacts:
        """Registration facts for an ASCII domain from ``server``; never raises for network trouble."""
        where = f"{server.host}:{server.port}"
        await self._buckets(server.key).acquire()
        fetched_at = datetime.now(UTC)
        try:
            raw = await asyncio.wait_for(self._exchange(domain, server), self._timeout)
        except TimeoutError:
            return unknown(domain, f"WHOIS server timed out after {self._timeout:g} s",
                           source=RegistrationSource.WHOIS, server=where, fetched_at=fetched_at)
        except ConnectionRefusedError:
            return unknown(domain, "WHOIS server refused the connection", source=RegistrationSource.WHOIS,
                           server=where, fetched_at=fetched_at)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            return unknown(domain, f"WHOIS connection dropped: {type(exc).__name__}",
                           source=RegistrationSource.WHOIS, server=where, fetched_at=fetched_at)
        except OSError as exc:  # unreachable network, DNS failure of the server name
            return unknown(domain, f"WHOIS server unreachable: {exc.strerror or type(exc).__name__}",
                           source=RegistrationSource.WHOIS, server=where, fetched_at=fetched_at)
        if raw is None:
            return unknown(domain, f"WHOIS answer longer than {self._max_bytes} bytes",
                           source=RegistrationSource.WHOIS, server=where, fetched_at=fetched_at)
        facts = parse_whois(domain, decode_answer(raw))
        if facts.outcome is RegistrationOutcome.UNKNOWN and (facts.reason or "").startswith("WHOIS server rate limit"):
            self._buckets(server.key).pause(self._throttle_pause)
        return replace(facts, server=where, fetched_at=fetched_at)

    async def _exchange(self, domain: str, server: WhoisServer) -> bytes | None:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            writer.write(f"{domain}\r\n".encode("ascii"))
            await writer.drain()
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = await reader.read(16_384)
                if not chunk:
                    break
                size += len(chunk)
                if size > self._max_bytes:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            writer.close()
            # The server may already have dropped the connection; nothing is left to close cleanly then.
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
