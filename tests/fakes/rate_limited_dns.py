"""A rate-limiting DNS front on loopback: forwards UDP queries to a real server (e.g. ``FakeDnsServer``)
while they fit a budget, and drops or REFUSES the rest, like a resolver with response-rate limiting.

The budget is a token bucket of ``rate`` queries per second holding ``burst`` queries (defaults 300/s,
burst 20): a client firing hundreds of queries at once is certain to exceed it. TCP is not offered;
use it in front of UDP-only tests. Counters: ``forwarded``, ``limited``.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from typing import Self


class RateLimitedDns:
    """``mode`` "drop" stays silent above the rate, "refuse" answers REFUSED (rcode 5)."""

    def __init__(self, upstream: tuple[str, int], *, rate: float = 300.0, burst: float = 20.0,
                 mode: str = "drop") -> None:
        if mode not in ("drop", "refuse"):
            raise ValueError(f"mode must be drop or refuse, not {mode!r}")
        self.upstream = upstream
        self.rate, self.burst, self.mode = rate, burst, mode
        self.forwarded = 0
        self.limited = 0
        self.host = "127.0.0.1"
        self.port = 0
        self._tokens = burst
        self._stamp = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: socket.socket | None = None
        self._up: socket.socket | None = None
        self._waiting: dict[int, tuple[object, bytes]] = {}
        self._next = 0

    def start(self) -> Self:
        """Bind and serve from a daemon thread."""
        self._client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._client.bind((self.host, 0))
        self.port = self._client.getsockname()[1]
        self._up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._up.connect(self.upstream)
        self._thread = threading.Thread(target=self._serve, name="rate-limited-dns", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        for sock in (self._client, self._up):
            if sock is not None:
                sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def _serve(self) -> None:
        assert self._client is not None and self._up is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._client, self._up], [], [], 0.05)
            if self._client in ready:
                data, peer = self._client.recvfrom(4096)
                if len(data) < 12:
                    continue
                if not self._take():
                    self.limited += 1
                    if self.mode == "refuse":
                        flags = struct.unpack("!H", data[2:4])[0]
                        reply = data[:2] + struct.pack("!H", 0x8000 | (flags & 0x0100) | 5) + data[4:]
                        self._client.sendto(reply, peer)
                    continue
                self.forwarded += 1
                qid = self._next
                self._next = (qid + 1) & 0xFFFF
                self._waiting[qid] = (peer, data[:2])
                self._up.send(struct.pack("!H", qid) + data[2:])
            if self._up in ready:
                answer = self._up.recv(65535)
                entry = self._waiting.pop(struct.unpack("!H", answer[:2])[0], None)
                if entry is not None:
                    self._client.sendto(entry[1] + answer[2:], entry[0])
