"""An asyncio DNS stub resolver built for scanning many domains at once.

One UDP socket per address family carries every query; answers are matched to questions by id, source
address and question. Each lookup gets a per-try timeout, a bounded number of tries that fail over to the
next nameserver, TCP when the answer is truncated, and CNAME chasing when the server (an authoritative
one, say) returns the alias without the target's records. Concurrency is bounded by a semaphore so
a ten-thousand-domain run never floods the nameserver, and each nameserver gets its own adaptive pacing
(:mod:`.pacing`): when it starts dropping or refusing queries the resolver slows down to the rate it
allows, resends what was dropped, and speeds up again once answers flow. Shared names (mail hosts, SPF
includes) can be cached for the run, with in-flight deduplication.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import math
import secrets
import socket
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence

from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.scanners.dns import wire
from leadhunter.scanners.dns.nameservers import Nameserver, parse_nameserver, system_nameservers
from leadhunter.scanners.dns.pacing import PacingController, PacingGate, PacingLimits
from leadhunter.scanners.dns.udp import RECEIVE_BUFFER, Pending, UdpProtocol, expire_unless_unread

__all__ = ["Nameserver", "PacingLimits", "Resolver", "parse_nameserver", "system_nameservers"]

MAX_CNAME_DEPTH = 8


class Resolver:
    """Async DNS lookups against ``nameservers`` (tried in order on failure).

    ``timeout`` is per try in seconds (default 2.0); ``retries`` is how many more tries follow the first
    (default 2), each going to the next nameserver; ``concurrency`` bounds lookups in flight (default
    512); ``cache_size`` bounds the shared-name cache in entries (default 4,096: the hot shared names stay, one-off
    tenant hosts are evicted, so memory stays flat) and ``cache_ttl`` caps
    how long an entry lives in seconds (default 300). ``stats`` counts lookups by outcome, plus
    ``retransmits``, ``congestion_retries`` and ``tcp``.

    Pushback: a query unanswered after the retransmission timeout (adaptive, 0.2 s up to ``timeout``)
    is sent again within its try; ``pacing`` (default :class:`PacingLimits` with ``max_window`` =
    ``concurrency``) tunes the per-nameserver rate and window controller; a lookup that fails while the
    server sheds load is retried on it up to ``congestion_retries`` times (default 4) after backing off,
    without using up a try. A server that answers nothing is not paced down, so a dead one still ends
    each lookup as ``timeout`` after ``retries + 1`` tries of ``timeout`` seconds.
    """

    def __init__(
        self,
        nameservers: Sequence[Nameserver],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        concurrency: int = 512,
        cache_size: int = 4_096,
        cache_ttl: float = 300.0,
        congestion_retries: int = 4,
        pacing: PacingLimits | None = None,
    ) -> None:
        if not nameservers:
            raise ValueError("at least one nameserver is needed")
        self.nameservers = tuple(nameservers)
        self.timeout = timeout
        self.retries = retries
        self.congestion_retries = congestion_retries
        self.pacing = pacing or PacingLimits(max_window=concurrency, max_rto=timeout)
        self.cache_size = cache_size
        self.cache_ttl = cache_ttl
        self.stats: Counter[str] = Counter()
        self._semaphore = asyncio.Semaphore(concurrency)
        self._pending: dict[int, Pending] = {}
        self._protocols: dict[int, UdpProtocol] = {}
        self._cache: OrderedDict[tuple[str, str], tuple[float, Lookup]] = OrderedDict()
        self._inflight: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._gates: dict[Nameserver, PacingGate] = {}
        # IP version of each nameserver, parsed once (not per query)
        self._family = {ns: ipaddress.ip_address(ns.host).version for ns in self.nameservers}

    async def __aenter__(self) -> Resolver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    async def start(self) -> None:
        """Open one UDP socket per address family the nameservers need."""
        loop = asyncio.get_running_loop()
        for ns in self.nameservers:
            if ns not in self._gates:
                self._gates[ns] = PacingGate(PacingController(self.pacing, loop.time()))
            family = self._family[ns]
            if family in self._protocols:
                continue
            local = ("0.0.0.0", 0) if family == 4 else ("::", 0)  # noqa: S104 - ephemeral client port
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: UdpProtocol(self._pending), local_addr=local
            )
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Hundreds of answers can arrive between two turns of the loop; the default buffer
                # (~200 KiB) drops some of them, which would show up as false timeouts.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            self._protocols[family] = protocol

    def close(self) -> None:
        """Close the sockets; lookups still waiting will time out."""
        for protocol in self._protocols.values():
            if protocol.transport is not None:
                protocol.transport.close()
        self._protocols.clear()

    def pacing_report(self) -> dict[str, dict[str, float]]:
        """Per nameserver: current rate (queries/s), window, cuts so far and the lowest rate a cut set."""
        return {
            str(ns): {"rate": round(gate.controller.rate), "window": int(gate.controller.window),
                      "cuts": gate.controller.cuts, "lowest_rate": round(gate.controller.lowest_rate)}
            for ns, gate in self._gates.items()
        }

    async def lookup(self, name: str, rtype: str, *, cache: bool = False) -> Lookup:
        """Ask for ``rtype`` records of ``name``; never raises for DNS trouble, the outcome says it.

        With ``cache=True`` the answer is shared with other lookups of the same name during the run
        (use it for names many domains point at, such as mail hosts and SPF includes).
        """
        name = name.lower().rstrip(".")
        if not cache:
            return await self._counted(name, rtype)
        key = (name, rtype)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            self._cache.move_to_end(key)
            self.stats["cached"] += 1
            return hit[1]
        waiting = self._inflight.get(key)
        if waiting is not None:
            self.stats["cached"] += 1
            return await asyncio.shield(waiting)
        future: asyncio.Future[Lookup] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._counted(name, rtype)
            future.set_result(result)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # mark retrieved: nobody else may be waiting
            raise
        finally:
            del self._inflight[key]
        if not result.failed:
            self._cache[key] = (time.monotonic() + self.cache_ttl, result)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    async def _counted(self, name: str, rtype: str) -> Lookup:
        async with self._semaphore:
            result = await self._resolve(name, rtype)
        self.stats[result.outcome.value] += 1
        return result

    async def _resolve(self, name: str, rtype: str) -> Lookup:
        chain: list[str] = []
        current = name
        code = wire.TYPE_CODES[rtype]
        for _ in range(MAX_CNAME_DEPTH):
            outcome, answer = await self._ask(current, code)
            if answer is None:
                return Lookup(name, rtype, outcome, (), tuple(chain))
            target = current
            while target in answer.cnames and len(chain) < MAX_CNAME_DEPTH:
                target = answer.cnames[target]
                chain.append(target)
            owners = {current, target}
            values = tuple(value for owner, value in answer.records if owner in owners)
            if values:
                return Lookup(name, rtype, Outcome.OK, values, tuple(chain))
            if answer.rcode == wire.RCODE_NXDOMAIN:
                return Lookup(name, rtype, Outcome.NXDOMAIN, (), tuple(chain))
            if target == current:
                return Lookup(name, rtype, Outcome.NODATA, (), tuple(chain))
            current = target  # the server gave the alias only: ask for the target ourselves
        return Lookup(name, rtype, Outcome.ERROR, (), tuple(chain))

    async def _ask(self, name: str, code: int) -> tuple[Outcome, wire.Answer | None]:
        """One question, tried on each nameserver in turn until one answers NOERROR or NXDOMAIN.

        A failure while the nameserver sheds load (it answers others but not us, or says SERVFAIL/REFUSED
        while its failure rate is up) came from going too fast: it is retried on the same server once
        the pacing has slowed down, up to ``congestion_retries`` times per lookup, without using up a try.
        """
        failures: list[Outcome] = []
        attempt = 0
        spare = self.congestion_retries
        while attempt <= self.retries:
            ns = self.nameservers[attempt % len(self.nameservers)]
            gate = self._gates[ns]
            try:
                answer = await self._udp(ns, gate, name, code)
                if answer is not None and answer.truncated:
                    self.stats["tcp"] += 1
                    answer = await self._tcp(ns, gate, name, code)
            except (wire.WireError, OSError):
                failures.append(Outcome.ERROR)
                attempt += 1
                continue
            if answer is not None and answer.rcode in (wire.RCODE_NOERROR, wire.RCODE_NXDOMAIN):
                return Outcome.OK, answer
            outcome = Outcome.TIMEOUT if answer is None else _RCODE_OUTCOME.get(answer.rcode, Outcome.ERROR)
            if spare > 0 and outcome in _SHED_OUTCOMES and gate.congested():
                spare -= 1
                self.stats["congestion_retries"] += 1
                await asyncio.sleep(gate.controller.rto * (self.congestion_retries - spare))
                continue
            failures.append(outcome)
            attempt += 1
        # Report what a server said over silence: "SERVFAIL" explains more than "timeout".
        for preferred in (Outcome.SERVFAIL, Outcome.REFUSED, Outcome.ERROR):
            if preferred in failures:
                return preferred, None
        return Outcome.TIMEOUT, None

    def _new_id(self) -> int:
        while True:
            qid = secrets.randbits(16)
            if qid not in self._pending:
                return qid

    async def _udp(self, ns: Nameserver, gate: PacingGate, name: str, code: int) -> wire.Answer | None:
        """One try over UDP: ``timeout`` seconds from the first send, during which an unanswered query is
        sent again (same id, so a late answer to either copy counts) after the retransmission timeout,
        doubling each time. Each copy waits its turn at ``gate``."""
        protocol = self._protocols.get(self._family[ns])
        if protocol is None or protocol.transport is None:
            raise OSError("resolver is not started")
        loop = asyncio.get_running_loop()
        qid = self._new_id()
        future: asyncio.Future[wire.Answer] = loop.create_future()
        entry = Pending(future, (ns.host, ns.port), name, code)
        self._pending[qid] = entry
        packet = wire.build_query(qid, name, wire.type_name(code))
        deadline = math.inf
        copies = 0
        try:
            while True:
                if copies:  # a resend waits at the head of the queue, with a fresh future
                    sent_at = await gate.acquire(urgent=True)
                    future = loop.create_future()
                    entry.future = future
                else:
                    sent_at = loop.time()
                    if not gate.try_acquire(sent_at):
                        sent_at = await gate.acquire()
                deadline = min(deadline, sent_at + self.timeout)
                wait = min(gate.controller.rto * 2**copies, deadline - sent_at)
                timer = loop.call_later(max(wait, 0.0), expire_unless_unread, future, loop, protocol, deadline)
                copies += 1
                try:
                    protocol.transport.sendto(packet, (ns.host, ns.port))
                    answer = await future
                except TimeoutError:
                    gate.lost(sent_at)
                    if loop.time() >= deadline - 1e-3:
                        return None
                    self.stats["retransmits"] += 1
                    continue
                except wire.WireError:
                    gate.answered(sent_at, good=False, rtt=None)
                    raise
                except BaseException:
                    gate.abandoned()
                    raise
                finally:
                    timer.cancel()
                good = answer.rcode not in (wire.RCODE_SERVFAIL, wire.RCODE_REFUSED)
                gate.answered(sent_at, good=good, rtt=loop.time() - sent_at if copies == 1 else None)
                return answer
        finally:
            del self._pending[qid]

    async def _tcp(self, ns: Nameserver, gate: PacingGate, name: str, code: int) -> wire.Answer | None:
        """One try over TCP (after a truncated UDP answer), paced like UDP; ``timeout`` seconds in all."""
        qid = self._new_id()
        query = wire.frame_tcp(wire.build_query(qid, name, wire.type_name(code)))
        sent_at = await gate.acquire(urgent=True)
        try:
            answer = await self._tcp_exchange(ns, query)
        except TimeoutError:
            gate.lost(sent_at)
            return None
        except (OSError, wire.WireError):
            gate.answered(sent_at, good=False, rtt=None)
            raise
        except BaseException:
            gate.abandoned()
            raise
        gate.answered(sent_at, good=answer.rcode not in (wire.RCODE_SERVFAIL, wire.RCODE_REFUSED), rtt=None)
        if answer.qid != qid or answer.qname != name or answer.qtype != code:
            raise wire.WireError("TCP answer does not match the question")
        return answer

    async def _tcp_exchange(self, ns: Nameserver, query: bytes) -> wire.Answer:
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_connection(ns.host, ns.port)
                try:
                    writer.write(query)
                    await writer.drain()
                    size = int.from_bytes(await reader.readexactly(2), "big")
                    return wire.parse_response(await reader.readexactly(size))
                finally:
                    writer.close()
        except asyncio.IncompleteReadError as exc:
            raise wire.WireError("TCP answer cut short") from exc


_RCODE_OUTCOME = {
    wire.RCODE_SERVFAIL: Outcome.SERVFAIL,
    wire.RCODE_REFUSED: Outcome.REFUSED,
}
_SHED_OUTCOMES = frozenset({Outcome.TIMEOUT, Outcome.SERVFAIL, Outcome.REFUSED})
