"""Async stub resolver for the stand-in scanner: one UDP socket, ids multiplexed, TCP on truncation.

Only what the stand-in needs: ask one server, get (outcome, answers, cname chain) back. Answers are in
presentation form (``"10 mx.example.com"`` for MX, joined strings for TXT), like Hunter's ``Lookup``.
"""

from __future__ import annotations

import asyncio
import random
import struct
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype


@dataclass(frozen=True, slots=True)
class Answer:
    """``outcome`` is ok / nxdomain / nodata / servfail / refused / timeout / error."""

    outcome: str
    answers: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """True when the lookup tells nothing (not answered, or answered with an error)."""
        return self.outcome not in ("ok", "nxdomain", "nodata")


_RCODES = {dns.rcode.NXDOMAIN: "nxdomain", dns.rcode.SERVFAIL: "servfail", dns.rcode.REFUSED: "refused"}


def _text(rdata: object, rtype: int) -> str:
    if rtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if rtype == dns.rdatatype.MX:
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True).lower()}"  # type: ignore[attr-defined]
    return rdata.to_text().rstrip(".").lower()  # type: ignore[attr-defined]


def parse(msg: dns.message.Message, name: str, rtype: int) -> Answer:
    """Turn a response into an Answer, following the CNAME chain inside the answer section."""
    rcode = msg.rcode()
    if rcode != dns.rcode.NOERROR and rcode != dns.rcode.NXDOMAIN:
        return Answer(_RCODES.get(rcode, "error"))
    current = dns.name.from_text(name)
    cnames: list[str] = []
    for _ in range(10):
        rrset = msg.get_rrset(msg.answer, current, dns.rdataclass.IN, rtype)
        if rrset is not None:
            return Answer("ok", tuple(_text(rd, rtype) for rd in rrset), tuple(cnames))
        alias = msg.get_rrset(msg.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
        if alias is None:
            break
        current = alias[0].target
        cnames.append(current.to_text(omit_final_dot=True).lower())
    if rtype == dns.rdatatype.CNAME and cnames:
        return Answer("ok", (cnames[0],), ())
    if rcode == dns.rcode.NXDOMAIN:
        return Answer("nxdomain", (), tuple(cnames))
    return Answer("nodata", (), tuple(cnames))


class Resolver(asyncio.DatagramProtocol):
    """Queries one server; ``timeout`` seconds per try, ``tries`` tries over UDP."""

    def __init__(self, host: str, port: int, *, timeout: float = 2.0, tries: int = 3) -> None:
        self.host, self.port = host, port
        self.timeout, self.tries = timeout, tries
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, asyncio.Future[bytes]] = {}
        self.next_id = random.randrange(65536)
        self.sent = 0

    async def open(self) -> None:
        """Create the socket (connected to the server)."""
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, remote_addr=(self.host, self.port))
        sock = self.transport.get_extra_info("socket")  # type: ignore[union-attr]
        sock.setsockopt(1, 8, 4 * 1024 * 1024)

    def close(self) -> None:
        """Close the socket."""
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        fut = self.waiting.pop(int.from_bytes(data[:2], "big"), None)
        if fut is not None and not fut.done():
            fut.set_result(data)

    def _new_id(self) -> int:
        for _ in range(65536):
            self.next_id = (self.next_id + 1) & 0xFFFF
            if self.next_id not in self.waiting:
                return self.next_id
        raise RuntimeError("65536 queries in flight")

    async def query(self, name: str, rtype_text: str) -> Answer:
        """Ask ``rtype_text`` for ``name``; a timeout or socket error becomes an Answer, never raises."""
        rtype = dns.rdatatype.from_text(rtype_text)
        try:
            query = dns.message.make_query(name, rtype, use_edns=0, payload=1232)
        except dns.exception.DNSException:
            return Answer("error")
        wire = query.to_wire()
        loop = asyncio.get_running_loop()
        for _ in range(self.tries):
            qid = self._new_id()
            fut: asyncio.Future[bytes] = loop.create_future()
            self.waiting[qid] = fut
            self.sent += 1
            self.transport.sendto(struct.pack("!H", qid) + wire[2:])  # type: ignore[union-attr]
            try:
                data = await asyncio.wait_for(fut, self.timeout)
            except TimeoutError:
                self.waiting.pop(qid, None)
                continue
            try:
                msg = dns.message.from_wire(data)
            except dns.exception.DNSException:
                return Answer("error")
            if msg.flags & dns.flags.TC:
                msg = await self._tcp(query)
                if msg is None:
                    return Answer("error")
            return parse(msg, name, rtype)
        return Answer("timeout")

    async def _tcp(self, query: dns.message.Message) -> dns.message.Message | None:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                                    self.timeout)
        except (OSError, TimeoutError):
            return None
        try:
            wire = query.to_wire()
            writer.write(struct.pack("!H", len(wire)) + wire)
            size = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), self.timeout))[0]
            return dns.message.from_wire(await asyncio.wait_for(reader.readexactly(size), self.timeout))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, dns.exception.DNSException):
            return None
        finally:
            writer.close()
