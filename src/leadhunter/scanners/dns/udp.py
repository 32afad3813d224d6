"""The resolver's UDP side: the table of queries waiting for answers, the datagram protocol that routes each
answer to its query, and the retransmission timer that tells loop lag from loss."""

from __future__ import annotations

import asyncio
import fcntl
import termios
from typing import cast

from leadhunter.scanners.dns import wire

RECEIVE_BUFFER = 4 * 1024 * 1024  # bytes asked for the UDP socket's receive buffer


class Pending:
    """One query waiting for its answer: the future the answer lands in, and what a valid answer matches."""

    __slots__ = ("addr", "future", "qname", "qtype")

    def __init__(self, future: asyncio.Future[wire.Answer], addr: tuple[str, int], qname: str, qtype: int):
        self.future = future
        self.addr = addr
        self.qname = qname
        self.qtype = qtype


class UdpProtocol(asyncio.DatagramProtocol):
    """Routes datagrams to the waiting query; anything unexpected is dropped, as a stub resolver must."""

    def __init__(self, pending: dict[int, Pending]) -> None:
        self.pending = pending
        self.transport: asyncio.DatagramTransport | None = None
        self.fileno = -1  # the socket's descriptor, to see whether answers wait unread (-1: unknown)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDP transport does not subclass asyncio.DatagramTransport, so no isinstance check.
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            self.fileno = sock.fileno()

    def unread(self) -> bool:
        """True when a datagram sits in the socket's receive queue, not yet read by the loop."""
        if self.fileno < 0:
            return False
        try:
            size = fcntl.ioctl(self.fileno, termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return False
        return int.from_bytes(size, "little") > 0

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) < 12:
            return
        entry = self.pending.get((data[0] << 8) | data[1])
        if entry is None or entry.future.done() or (addr[0], addr[1]) != entry.addr:
            return
        try:
            answer = wire.parse_response(data)
        except wire.WireError as exc:
            entry.future.set_exception(exc)
            return
        if answer.qname != entry.qname or answer.qtype != entry.qtype:
            return  # an answer to some other question: keep waiting for ours
        entry.future.set_result(answer)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and friends: the affected queries time out and fail over.
        return


def expire_unless_unread(future: asyncio.Future[wire.Answer], loop: asyncio.AbstractEventLoop,
                          protocol: UdpProtocol, give_up_at: float) -> None:
    """Time out ``future`` unless answers still wait unread in the socket.

    A busy or starved process reads its socket late, and an event loop reads only so many datagrams per
    turn (libuv: 32), so when the timer fires our answer may be sitting in the receive queue: that is the
    loop's lag, not a server dropping queries, and counting it as loss would make the pacing cut the rate
    of a server that answers everything. While datagrams wait, the expiry is put off by one turn of the
    loop (which reads them) and checked again, until ``give_up_at`` (the try's deadline, loop time).
    """
    if future.done():
        return
    if protocol.unread() and loop.time() < give_up_at:
        loop.call_soon(expire_unless_unread, future, loop, protocol, give_up_at)
        return
    # uvloop runs due timers, then the ready callbacks, then polls: two hops let one poll happen first,
    # in case the answer arrived just after the check above
    loop.call_soon(loop.call_soon, _expire, future)


def _expire(future: asyncio.Future[wire.Answer]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())
