"""A real authoritative DNS server on loopback for the test suite: UDP and TCP, one port, in-process.

`FakeDnsServer` answers every name it is asked about as if it were authoritative for it (AA set,
RA clear): records it holds are answered, names it does not hold are NXDOMAIN, names with records
beneath them (empty non-terminals) are NODATA. Records, fault switches and the query log can all be
changed while the server runs; dnslib is used only for the wire format.

Truncation: a UDP answer is limited to 512 bytes, or to the query's EDNS0 payload size when the query
carries an OPT record (never less than 512). A larger answer is sent with TC set and empty answer,
authority and additional sections (the question, and our OPT record when the query had one, are
kept); the same query over TCP (2-byte length prefix, RFC 1035 §4.2.2) gets the full answer.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import selectors
import shlex
import socket
import struct
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple, Self

from dnslib import AAAA, CNAME, EDNS0, MX, NS, QTYPE, RCODE, RR, SOA, SRV, TXT, A, DNSError, DNSHeader, DNSRecord

SUPPORTED_TYPES = frozenset({"A", "AAAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"})
FAULT_KINDS = frozenset({"servfail", "refused", "formerr", "drop", "truncate", "wrong_id"})  # + "delay:<s>"
CLASSIC_UDP_LIMIT = 512  # bytes, RFC 1035 §4.2.1
ADVERTISED_EDNS_PAYLOAD = 1232  # bytes, the size we put in our own OPT record
MAX_CNAME_CHAIN = 8  # hops followed before giving up (protects against CNAME loops)
_RCODE_FAULTS = {"servfail": RCODE.SERVFAIL, "refused": RCODE.REFUSED, "formerr": RCODE.FORMERR}


class Query(NamedTuple):
    """One query received: lower-case name without trailing dot, type mnemonic, "udp" or "tcp"."""

    name: str
    rtype: str
    transport: str


class _Record(NamedTuple):
    rtype: int
    ttl: int
    rdata: Any  # a dnslib RD instance


def normalize_name(name: str) -> str:
    """Return `name` lower-cased, stripped of surrounding blanks and of its trailing dot."""
    return name.strip().rstrip(".").lower()


def _ancestors(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels))] if name else []


def _txt_strings(value: str | bytes | Sequence[str | bytes]) -> list[bytes]:
    """A str is one logical string split into 255-byte character-strings; a sequence is taken as is."""
    if isinstance(value, str | bytes):
        data = value.encode() if isinstance(value, str) else value
        return [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    parts = [part.encode() if isinstance(part, str) else bytes(part) for part in value]
    if any(len(part) > 255 for part in parts):
        raise ValueError("each string of a multi-string TXT value must be at most 255 bytes")
    return parts or [b""]


def make_rdata(rtype: str, value: str | Sequence[str]) -> Any:
    """Build dnslib rdata from presentation text (names in values may omit their trailing dot).

    MX is "PREFERENCE EXCHANGE"; SRV is "PRIORITY WEIGHT PORT TARGET";
    SOA is "MNAME RNAME [SERIAL [REFRESH [RETRY [EXPIRE [MINIMUM]]]]]".
    """
    if rtype == "TXT":
        return TXT(_txt_strings(value))
    if not isinstance(value, str):
        raise TypeError(f"{rtype} value must be a str, got {type(value).__name__}")
    fields = value.split()
    if rtype == "A":
        return A(str(ipaddress.IPv4Address(value.strip())))
    if rtype == "AAAA":
        return AAAA(str(ipaddress.IPv6Address(value.strip())))
    if rtype in ("CNAME", "NS") and len(fields) == 1:
        return (CNAME if rtype == "CNAME" else NS)(fields[0])
    if rtype == "MX" and len(fields) == 2:
        return MX(fields[1], int(fields[0]))
    if rtype == "SRV" and len(fields) == 4:
        priority, weight, port = (int(field) for field in fields[:3])
        return SRV(priority, weight, port, fields[3])
    if rtype == "SOA" and 2 <= len(fields) <= 7:
        times = [int(field) for field in fields[2:]] + [1, 7200, 3600, 1209600, 300][len(fields) - 2 :]
        return SOA(fields[0], fields[1], tuple(times))
    raise ValueError(f"cannot parse {rtype} value {value!r}")


class FakeDnsServer:
    """Authoritative DNS over UDP and TCP on one loopback port, served by background threads.

    Use as ``with FakeDnsServer() as dns:``; `port=0` (the default) picks a free port shared by
    UDP and TCP. Every public method is thread-safe and may be called while the server runs.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port  # the requested port until start(), then the bound one (same for UDP and TCP)
        self._lock = threading.Lock()  # guards records, faults, the query log and the thread lists
        self._records: dict[str, list[_Record]] = {}
        self._descendants: Counter[str] = Counter()  # name -> how many held names sit below it
        self._faults: dict[tuple[str, str | None], str] = {}
        self._fault_all: str | None = None
        self._log: list[Query] = []
        self._sockets: list[socket.socket] = []  # udp, tcp listener, wake-up pair
        self._loop: threading.Thread | None = None
        self._workers: list[threading.Thread] = []  # TCP connection threads and delay timers
        self._conns: set[socket.socket] = set()
        self._stopping = False

    @property
    def address(self) -> str:
        """ "HOST:PORT" of the running server."""
        return f"{self.host}:{self.port}"

    def start(self) -> Self:
        """Bind the sockets and start serving; returns self."""
        if self._loop is not None:
            raise RuntimeError("FakeDnsServer is already running")
        udp, tcp = self._bind()
        self._sockets = [udp, tcp, *socket.socketpair()]
        self.port = udp.getsockname()[1]
        self._stopping = False
        self._loop = threading.Thread(target=self._serve, name=f"fake-dns-{self.port}", daemon=True)
        self._loop.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop pending delayed answers, close every socket and join every thread."""
        if self._loop is None:
            return
        self._sockets[3].send(b"x")  # wakes the selector loop
        self._loop.join(1.0)  # no connection is accepted after this; _stopping refuses new timers
        with self._lock:
            self._stopping = True
            conns, workers = list(self._conns), list(self._workers)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes its thread out of recv()
        for worker in workers:
            if isinstance(worker, threading.Timer):
                worker.cancel()
            worker.join(1.0)
        for sock in self._sockets:
            sock.close()
        self._loop, self._workers, self._sockets = None, [], []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add(self, name: str, rtype: str, value: str | Sequence[str], ttl: int = 300) -> None:
        """Add one record (TTL in seconds); records of one type are answered in insertion order."""
        rtype = rtype.upper()
        if rtype not in SUPPORTED_TYPES:
            raise ValueError(f"unsupported record type {rtype!r}")
        record, key = _Record(getattr(QTYPE, rtype), ttl, make_rdata(rtype, value)), normalize_name(name)
        with self._lock:
            if key not in self._records:
                self._records[key] = []
                self._descendants.update(_ancestors(key))
            self._records[key].append(record)

    def remove(self, name: str, rtype: str | None = None) -> int:
        """Remove the records of `name` (only those of `rtype` when given); returns how many went."""
        key, code = normalize_name(name), getattr(QTYPE, rtype.upper()) if rtype else None
        with self._lock:
            records = self._records.get(key, [])
            kept = [r for r in records if code is not None and r.rtype != code]
            if kept:
                self._records[key] = kept
            elif key in self._records:
                del self._records[key]
                self._descendants.subtract(_ancestors(key))
                self._descendants = +self._descendants  # drops the zero counts
            return len(records) - len(kept)

    def clear(self) -> None:
        """Remove every record (faults and the query log are kept)."""
        with self._lock:
            self._records.clear()
            self._descendants.clear()

    def add_zone_text(self, text: str) -> None:
        """Load zone-file-like lines ``NAME [TTL] [IN] TYPE RDATA``; every name is taken as absolute.

        ``;`` starts a comment outside quotes, ``$TTL n`` sets the default TTL, and several quoted
        strings after TXT make one multi-string TXT record (a single long one is split).
        """
        default_ttl = 300
        for line in text.splitlines():
            lexer = shlex.shlex(line, posix=True)
            lexer.whitespace_split, lexer.commenters = True, ";"
            tokens = list(lexer)
            if not tokens or tokens[0].upper() == "$TTL":
                default_ttl = int(tokens[1]) if tokens else default_ttl
                continue
            name, rest, ttl = tokens[0], tokens[1:], default_ttl
            while rest and (rest[0].isdigit() or rest[0].upper() == "IN"):
                ttl, rest = int(rest[0]) if rest[0].isdigit() else ttl, rest[1:]
            if len(rest) < 2:
                raise ValueError(f"cannot parse zone line {line!r}")
            multi = rest[0].upper() == "TXT" and len(rest) > 2
            self.add(name, rest[0], tuple(rest[1:]) if multi else " ".join(rest[1:]), ttl=ttl)

    def fault(self, name: str, kind: str, rtype: str | None = None) -> None:
        """Misbehave for queries of `name` (exact, any case), only for `rtype` when given.

        Kinds: servfail, refused, formerr, drop (never answer), truncate (TC on UDP, TCP normal),
        wrong_id (answer under id+1), delay:<seconds> (correct answer, late). A per-type fault wins
        over a per-name fault, which wins over `fault_all`. A new fault replaces the old one.
        """
        _check_fault(kind)
        with self._lock:
            self._faults[(normalize_name(name), rtype.upper() if rtype else None)] = kind

    def fault_all(self, kind: str | None) -> None:
        """Apply `kind` to every query without a more specific fault; None switches it off."""
        if kind is not None:
            _check_fault(kind)
        with self._lock:
            self._fault_all = kind

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._fault_all = None

    @property
    def queries(self) -> list[Query]:
        """Snapshot of the queries received so far, oldest first (faulted and dropped ones included)."""
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _handle(self, data: bytes, transport: str) -> tuple[bytes | None, float]:
        """Return the wire answer to `data` (None: stay silent) and the delay before sending it."""
        try:
            request = DNSRecord.parse(data)
        except (DNSError, ValueError, IndexError, UnicodeError):
            if len(data) < 12:
                return None, 0.0
            header = DNSHeader(id=struct.unpack("!H", data[:2])[0], bitmap=0, qr=1, rcode=RCODE.FORMERR)
            return DNSRecord(header).pack(), 0.0
        head = request.header
        reply = DNSRecord(DNSHeader(id=head.id, bitmap=0, qr=1, aa=1, rd=head.rd, opcode=head.opcode))
        opts = [rr for rr in request.ar if rr.rtype == QTYPE.OPT]
        if opts:
            reply.add_ar(EDNS0(udp_len=ADVERTISED_EDNS_PAYLOAD))
        if not request.questions or head.opcode != 0:
            reply.header.rcode = RCODE.NOTIMP if request.questions else RCODE.FORMERR
            return reply.pack(), 0.0
        question = request.q
        reply.add_question(question)
        name, rtype = normalize_name(str(question.qname)), QTYPE[question.qtype]
        with self._lock:
            self._log.append(Query(name, rtype, transport))
            kind = self._faults.get((name, rtype)) or self._faults.get((name, None)) or self._fault_all or ""
            if kind == "drop":
                return None, 0.0
            if kind in _RCODE_FAULTS:
                reply.header.rcode = _RCODE_FAULTS[kind]
            else:
                self._resolve(reply, question.qname, question.qtype)
        if kind == "wrong_id":
            reply.header.id = (head.id + 1) & 0xFFFF
        wire = reply.pack()
        limit = max(CLASSIC_UDP_LIMIT, opts[0].rclass) if opts else CLASSIC_UDP_LIMIT
        if transport == "udp" and (len(wire) > limit or kind == "truncate"):
            reply.rr, reply.auth, reply.header.tc = [], [], 1  # additional holds at most our OPT record
            wire = reply.pack()
        return wire, float(kind[6:]) if kind.startswith("delay:") else 0.0

    def _resolve(self, reply: Any, qname: Any, qtype: int) -> None:
        """Fill `reply` from the records (caller holds the lock), following CNAMEs held here."""
        owner, seen = qname, set[str]()
        for _ in range(MAX_CNAME_CHAIN + 1):
            key = normalize_name(str(owner))
            records = self._records.get(key)
            if records is None:
                if not seen:  # the asked name itself; a CNAME target not held here ends the chain
                    reply.header.rcode = RCODE.NOERROR if self._descendants[key] else RCODE.NXDOMAIN
                    reply.add_auth(self._soa_for(key))
                return
            seen.add(key)
            cnames = [r for r in records if r.rtype == QTYPE.CNAME]
            if cnames and qtype not in (QTYPE.CNAME, QTYPE.ANY):
                reply.add_answer(RR(owner, QTYPE.CNAME, ttl=cnames[0].ttl, rdata=cnames[0].rdata))
                owner = cnames[0].rdata.label
                if normalize_name(str(owner)) in seen:
                    return  # a CNAME loop: answer the chain so far
                continue
            matched = [r for r in records if qtype in (r.rtype, QTYPE.ANY)]
            reply.add_answer(*(RR(owner, r.rtype, ttl=r.ttl, rdata=r.rdata) for r in matched))
            if not matched:
                reply.add_auth(self._soa_for(key))
            return

    def _soa_for(self, key: str) -> RR:
        """The SOA of the closest enclosing name holding one, else one made up for its last 2 labels."""
        for candidate in [key, *_ancestors(key)]:
            for record in self._records.get(candidate, []):
                if record.rtype == QTYPE.SOA:
                    return RR(candidate, QTYPE.SOA, ttl=record.ttl, rdata=record.rdata)
        apex = ".".join(key.split(".")[-2:]) or "."
        return RR(apex, QTYPE.SOA, ttl=300, rdata=make_rdata("SOA", f"ns1.{apex}. hostmaster.{apex}."))

    def _bind(self) -> tuple[socket.socket, socket.socket]:
        for _ in range(1 if self.port else 50):  # port 0: retry until TCP can have UDP's port too
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # survives query bursts
            udp.bind((self.host, self.port))
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.host, udp.getsockname()[1]))
            except OSError:
                udp.close()
                tcp.close()
                if self.port:
                    raise
                continue
            tcp.listen(128)
            udp.setblocking(False)
            tcp.setblocking(False)
            return udp, tcp
        raise OSError("no free port usable for both UDP and TCP")

    def _serve(self) -> None:
        udp, tcp, wake, _ = self._sockets
        with selectors.DefaultSelector() as selector:
            for sock in (udp, tcp, wake):
                selector.register(sock, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is wake:
                        return
                    if key.fileobj is udp:
                        self._drain_udp(udp)
                    else:
                        self._accept(tcp)

    def _drain_udp(self, udp: socket.socket) -> None:
        for _ in range(256):  # bounded so a flood cannot starve TCP accepts
            try:
                data, peer = udp.recvfrom(65535)
            except OSError:  # BlockingIOError: nothing left to read
                return
            wire, delay = self._handle(data, "udp")
            if wire is not None:
                self._send_later(delay, functools.partial(_sendto_quietly, udp, wire, peer))

    def _accept(self, tcp: socket.socket) -> None:
        try:
            conn, _ = tcp.accept()
        except OSError:
            return
        conn.setblocking(True)
        with self._lock:
            self._conns.add(conn)
        self._start_worker(threading.Thread(target=self._serve_tcp, args=(conn,), daemon=True))

    def _serve_tcp(self, conn: socket.socket) -> None:
        send_lock = threading.Lock()  # delayed answers are written by timer threads

        def send(frame: bytes) -> None:
            with send_lock, contextlib.suppress(OSError):  # the client may have gone away
                conn.sendall(frame)

        try:
            with conn.makefile("rb") as stream:
                while len(head := stream.read(2)) == 2:
                    size = struct.unpack("!H", head)[0]
                    if len(data := stream.read(size)) < size:
                        break
                    wire, delay = self._handle(data, "tcp")
                    if wire is not None:
                        self._send_later(delay, functools.partial(send, struct.pack("!H", len(wire)) + wire))
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _send_later(self, delay: float, action: functools.partial[None]) -> None:
        if delay > 0:
            self._start_worker(threading.Timer(delay, action))
        else:
            action()

    def _start_worker(self, worker: threading.Thread) -> None:
        worker.daemon = True
        with self._lock:
            if self._stopping:
                return  # stop() has taken its snapshot: an answer this late is simply lost
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
            worker.start()  # under the lock, so stop() never sees a worker it cannot join


def _check_fault(kind: str) -> None:
    if kind not in FAULT_KINDS and not (kind.startswith("delay:") and float(kind[6:]) >= 0):
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)} or delay:<s>")


def _sendto_quietly(sock: socket.socket, data: bytes, peer: Any) -> None:
    with contextlib.suppress(OSError):  # like a lost datagram (buffer full, or closed by stop())
        sock.sendto(data, peer)
