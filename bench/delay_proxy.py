"""A DNS proxy on loopback that holds every answer for a fixed delay, UDP and TCP.

Usage: ``python bench/delay_proxy.py --listen 127.0.0.1:5300 --upstream 127.0.0.1:5301 --delay-ms 30``.
With ``--max-qps N`` it also caps what it answers at N queries/s in total (UDP queries and TCP
connections share one token bucket holding 50 ms worth) and drops the rest silently, like a resolver
with a query budget (``pushback_bench.py --mode cap``).
Prints ``ready <port>`` on stdout once listening; on SIGTERM/SIGINT it writes its counters as one JSON
line to stdout and exits.

Why a proxy and not ``tc netem``: the benchmark machine's kernel has no ``sch_netem`` (``tc qdisc add
... netem`` answers "Specified qdisc kind is unknown"), so the delay is added in user space.

Design (for ≥ 10k queries/s on one core): UDP queries from any client go upstream through one
connected socket with the DNS id rewritten to a proxy-wide counter (so no socket per client); answers
get their original id back and are queued with ``deadline = arrival + delay``. Since the delay is
constant, the queue is already sorted by deadline: one timer at the head's deadline flushes every due
answer, instead of a timer per packet. Nothing is serialised: any number of answers can be waiting.
TCP connections are piped to the upstream with the upstream→client direction held by the same delay.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections import deque
from typing import Any

Addr = tuple[str, int]


class Stats:
    """Counters reported at exit."""

    def __init__(self) -> None:
        self.udp_queries = 0
        self.udp_answers = 0
        self.udp_unmatched = 0
        self.dropped = 0  # queries and TCP connections refused by --max-qps
        self.tcp_connections = 0
        self.max_waiting = 0
        self.late_sum = 0.0  # seconds sent after the deadline, summed (timer lateness)
        self.late_max = 0.0


class Budget:
    """A token bucket: ``rate`` per second, ``rate * 0.05`` at most saved up (0 rate = no limit)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * 0.05)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        """True when a query may be answered now."""
        if self.rate <= 0:
            return True
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class Upstream(asyncio.DatagramProtocol):
    """The connected socket to the real server; answers go to the delay queue."""

    def __init__(self, proxy: ClientSide) -> None:
        self.proxy = proxy
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Addr) -> None:
        self.proxy.answer_received(data)


class ClientSide(asyncio.DatagramProtocol):
    """The listening socket: forwards queries, sends delayed answers back."""

    def __init__(self, delay: float, stats: Stats, budget: Budget) -> None:
        self.delay = delay
        self.stats = stats
        self.budget = budget
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.DatagramTransport | None = None
        self.upstream: Upstream | None = None
        self.pending: list[tuple[Addr, bytes] | None] = [None] * 65536
        self.next_id = 0
        self.queue: deque[tuple[float, bytes, Addr]] = deque()
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Addr) -> None:
        if len(data) < 12 or self.upstream is None or self.upstream.transport is None:
            return
        self.stats.udp_queries += 1
        if not self.budget.take():
            self.stats.dropped += 1
            return
        qid = self.next_id
        self.next_id = (qid + 1) & 0xFFFF
        # an id still pending after 65536 newer queries belongs to a client that gave up long ago
        self.pending[qid] = (addr, data[:2])
        self.upstream.transport.sendto(qid.to_bytes(2, "big") + data[2:])

    def answer_received(self, data: bytes) -> None:
        if len(data) < 12:
            return
        qid = int.from_bytes(data[:2], "big")
        entry = self.pending[qid]
        if entry is None:
            self.stats.udp_unmatched += 1
            return
        self.pending[qid] = None
        addr, orig = entry
        self.queue.append((self.loop.time() + self.delay, orig + data[2:], addr))
        waiting = len(self.queue)
        if waiting > self.stats.max_waiting:
            self.stats.max_waiting = waiting
        if self.timer is None:
            self.timer = self.loop.call_at(self.queue[0][0], self.flush)

    def flush(self) -> None:
        self.timer = None
        now = self.loop.time()
        queue, send, stats = self.queue, self.transport.sendto, self.stats  # type: ignore[union-attr]
        while queue and queue[0][0] <= now + 0.0002:
            deadline, data, addr = queue.popleft()
            send(data, addr)
            stats.udp_answers += 1
            late = now - deadline
            if late > 0:
                stats.late_sum += late
                stats.late_max = max(stats.late_max, late)
        if queue:
            self.timer = self.loop.call_at(queue[0][0], self.flush)


async def _pipe_delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    while chunk := await reader.read(65536):
        loop.call_later(delay, writer.write, chunk)
    loop.call_later(delay, writer.close)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(65536):
        writer.write(chunk)
        await writer.drain()
    with contextlib.suppress(OSError):
        writer.write_eof()


async def serve(listen: Addr, upstream: Addr, delay: float, stats: Stats, stop: asyncio.Event,
                max_qps: float = 0.0) -> None:
    """Run the UDP and TCP proxy until ``stop`` is set (``max_qps`` > 0 caps answers per second)."""
    loop = asyncio.get_running_loop()
    budget = Budget(max_qps)
    client_transport, client = await loop.create_datagram_endpoint(
        lambda: ClientSide(delay, stats, budget), local_addr=listen)
    _, up = await loop.create_datagram_endpoint(lambda: Upstream(client), remote_addr=upstream)
    client.upstream = up
    for transport in (client_transport, up.transport):
        sock = transport.get_extra_info("socket") if transport else None
        if sock is not None:
            for opt in (8, 7):  # SO_RCVBUF, SO_SNDBUF
                with contextlib.suppress(OSError):
                    sock.setsockopt(1, opt, 4 * 1024 * 1024)

    async def on_tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stats.tcp_connections += 1
        if not budget.take():
            stats.dropped += 1
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe_delayed(up_reader, writer, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(on_tcp, listen[0], listen[1], backlog=1024)
    print(f"ready {listen[1]}", flush=True)
    await stop.wait()
    server.close()
    client_transport.close()


def _addr(text: str) -> Addr:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main() -> None:
    """Parse arguments, run until a signal, print counters as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_addr, required=True, help="host:port to listen on (UDP+TCP)")
    parser.add_argument("--upstream", type=_addr, required=True, help="host:port of the real server")
    parser.add_argument("--delay-ms", type=float, default=30.0, help="hold every answer this long")
    parser.add_argument("--max-qps", type=float, default=0.0, help="answer at most this many queries/s")
    parser.add_argument("--no-uvloop", action="store_true", help="use the stock asyncio event loop")
    args = parser.parse_args()
    stats = Stats()
    t0 = time.perf_counter()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(args.listen, args.upstream, args.delay_ms / 1000, stats, stop, args.max_qps)

    runner: Any = asyncio.run
    if not args.no_uvloop:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
    runner(run())
    out = dict(vars(stats), seconds=round(time.perf_counter() - t0, 3),
               late_mean_ms=round(1000 * stats.late_sum / max(stats.udp_answers, 1), 3),
               late_max_ms=round(1000 * stats.late_max, 3))
    del out["late_sum"], out["late_max"]
    print(json.dumps(out), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
