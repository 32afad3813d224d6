"""A small UDP DNS load generator: measures answered queries/s and latency against a server or proxy.

Usage: ``python bench/dns_load.py 127.0.0.1:5300 --window 1000 --seconds 3 [--names FILE]``.

It keeps ``window`` queries in flight on one socket (ids rotate), sending the next query as each
answer arrives; a query unanswered for ``loss_after`` seconds counts as lost and is replaced. With
``window=1`` it measures plain round-trip latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict, dataclass

import dns.message


@dataclass
class LoadResult:
    """``qps`` answered per second over ``seconds``; latencies in milliseconds."""

    window: int
    seconds: float
    answered: int
    lost: int
    qps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


class _Client(asyncio.DatagramProtocol):
    def __init__(self, wires: list[bytes], window: int) -> None:
        self.wires = wires
        self.window = window
        self.transport: asyncio.DatagramTransport | None = None
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.next_id = 0
        self.next_wire = 0
        self.lost = 0
        self.running = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send_one(self) -> None:
        qid = self.next_id
        self.next_id = (qid + 1) & 0xFFFF
        wire = self.wires[self.next_wire]
        self.next_wire = (self.next_wire + 1) % len(self.wires)
        self.sent_at[qid] = time.perf_counter()
        self.transport.sendto(qid.to_bytes(2, "big") + wire[2:])  # type: ignore[union-attr]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        sent = self.sent_at.pop(int.from_bytes(data[:2], "big"), None)
        if sent is None:
            return
        self.latencies.append(time.perf_counter() - sent)
        if self.running:
            self.send_one()

    def expire(self, loss_after: float) -> None:
        cutoff = time.perf_counter() - loss_after
        old = [qid for qid, t in self.sent_at.items() if t < cutoff]
        for qid in old:
            del self.sent_at[qid]
            self.lost += 1
            if self.running:
                self.send_one()


def _pct(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    return round(sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))], 3)


async def measure(host: str, port: int, names: list[str], *, window: int = 1, seconds: float = 2.0,
                  rtype: str = "MX", loss_after: float = 1.0) -> LoadResult:
    """Run the load for ``seconds`` with ``window`` queries in flight; names are asked round-robin."""
    wires = [dns.message.make_query(name, rtype, use_edns=0, payload=1232).to_wire() for name in names]
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(lambda: _Client(wires, window),
                                                            remote_addr=(host, port))
    try:
        sock = transport.get_extra_info("socket")
        sock.setsockopt(1, 8, 4 * 1024 * 1024)  # SO_RCVBUF
        start = time.perf_counter()
        for _ in range(window):
            client.send_one()
        while (elapsed := time.perf_counter() - start) < seconds:
            await asyncio.sleep(min(0.1, seconds - elapsed))
            client.expire(loss_after)
        client.running = False
        answered = len(client.latencies)
        await asyncio.sleep(min(loss_after, 0.2))  # let stragglers land outside the count
    finally:
        transport.close()
    ms = sorted(1000 * x for x in client.latencies[:answered])
    return LoadResult(window, round(elapsed, 3), answered, client.lost, round(answered / elapsed, 1),
                      _pct(ms, 0.5), _pct(ms, 0.9), _pct(ms, 0.99), round(ms[-1], 3) if ms else float("nan"))


def added_latency_ms(direct: LoadResult, proxied: LoadResult) -> float:
    """Median round trip through the proxy minus the direct median (what the proxy adds)."""
    return round(proxied.p50_ms - direct.p50_ms, 3)


def main() -> None:
    """Command-line entry: print one JSON LoadResult."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="host:port")
    parser.add_argument("--window", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--names", help="file with one name per line (default: example.com)")
    parser.add_argument("--rtype", default="MX")
    args = parser.parse_args()
    host, _, port = args.server.rpartition(":")
    names = ["example.com"]
    if args.names:
        with open(args.names) as fh:
            names = [line.split("\t")[1] if "\t" in line else line.strip() for line in fh if line.strip()]
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(measure(host, int(port), names, window=args.window, seconds=args.seconds,
                            rtype=args.rtype))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
