"""DNS wire format (RFC 1035): build a query, parse the parts of an answer Hunter reads.

Hand-written because the scan is dominated by per-query overhead: a general-purpose library parses every
section into objects, while Hunter needs only the answer records of a few types. Anything it cannot parse
raises :class:`WireError`, which the resolver turns into an ``error`` outcome for that one lookup.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

TYPE_CODES: dict[str, int] = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28,
                         "SRV": 33}
_TYPE_NAMES = {code: name for name, code in TYPE_CODES.items()}
_OPT = 41
_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")  # type, class, ttl, rdlength
_CLASS_IN = 1
EDNS_PAYLOAD = 1232  # the DNS Flag Day 2020 size: large enough for TXT-heavy answers, no fragmentation

RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_NOTIMP = 4
RCODE_REFUSED = 5


class WireError(ValueError):
    """The bytes are not a DNS message we can read."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The parts of a DNS response Hunter uses.

    ``records`` are the records of the asked type in presentation form (see ``Lookup.answers``),
    ``cnames`` maps a lower-case owner name to its CNAME target, ``ttl`` is the smallest TTL seen in
    the answer section in seconds (0 when there was none).
    """

    qid: int
    rcode: int
    truncated: bool
    qname: str
    qtype: int
    records: tuple[tuple[str, str], ...]  # (owner, value)
    cnames: dict[str, str]
    ttl: int


def encode_name(name: str) -> bytes:
    """Encode an ASCII domain name as length-prefixed labels (no compression)."""
    out = bytearray()
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise WireError(f"bad label length in {name!r}")
        out.append(len(raw))
        out += raw
    out.append(0)
    return bytes(out)


def build_query(qid: int, name: str, rtype: str, *, recursion: bool = True) -> bytes:
    """A query for ``name``/``rtype`` with id ``qid``, RD set by default, and an EDNS0 OPT record
    advertising :data:`EDNS_PAYLOAD` bytes so most answers fit in one UDP datagram."""
    flags = 0x0100 if recursion else 0
    header = _HEADER.pack(qid, flags, 1, 0, 0, 1)
    question = encode_name(name) + struct.pack("!HH", TYPE_CODES[rtype], _CLASS_IN)
    opt = b"\x00" + struct.pack("!HHIH", _OPT, EDNS_PAYLOAD, 0, 0)
    return header + question + opt


def frame_tcp(message: bytes) -> bytes:
    """Prefix a message with its two-byte length, as DNS over TCP requires (RFC 1035 §4.2.2)."""
    return struct.pack("!H", len(message)) + message


def read_name(data: bytes, offset: int) -> tuple[str, int]:
    """Read a possibly compressed name at ``offset``; return it (lower case, no trailing dot) and the
    offset just past it in the original position."""
    labels: list[str] = []
    end = -1
    jumps = 0
    length = len(data)
    while True:
        if offset >= length:
            raise WireError("name runs past the end of the message")
        size = data[offset]
        if size == 0:
            offset += 1
            break
        if size & 0xC0 == 0xC0:
            if offset + 1 >= length:
                raise WireError("truncated compression pointer")
            if end < 0:
                end = offset + 2
            offset = ((size & 0x3F) << 8) | data[offset + 1]
            jumps += 1
            if jumps > 64:
                raise WireError("compression loop")
            continue
        if size & 0xC0:
            raise WireError("unsupported label type")
        offset += 1
        labels.append(data[offset : offset + size].decode("ascii", "replace").lower())
        offset += size
    return ".".join(labels), (end if end >= 0 else offset)


def _txt(rdata: bytes) -> str:
    parts: list[bytes] = []
    pos = 0
    while pos < len(rdata):
        size = rdata[pos]
        parts.append(rdata[pos + 1 : pos + 1 + size])
        pos += 1 + size
    # RFC 7208 §3.3: the strings of one record are concatenated without separators.
    return b"".join(parts).decode("utf-8", "replace")


def _value(data: bytes, rtype: int, start: int, rdlen: int) -> str:
    if rtype == 1:
        if rdlen != 4:
            raise WireError("bad A record")
        return socket.inet_ntop(socket.AF_INET, data[start : start + 4])
    if rtype == 28:
        if rdlen != 16:
            raise WireError("bad AAAA record")
        return socket.inet_ntop(socket.AF_INET6, data[start : start + 16])
    if rtype == 15:
        (pref,) = struct.unpack_from("!H", data, start)
        host, _ = read_name(data, start + 2)
        return f"{pref} {host}"
    if rtype == 16:
        return _txt(data[start : start + rdlen])
    if rtype == 33:  # RFC 2782: priority, weight, port, target
        priority, weight, port = struct.unpack_from("!HHH", data, start)
        target, _ = read_name(data, start + 6)
        return f"{priority} {weight} {port} {target}"
    host, _ = read_name(data, start)
    return host


def parse_response(data: bytes) -> Answer:
    """Parse a response: header, question, and the answer section (authority/additional are skipped)."""
    if len(data) < _HEADER.size:
        raise WireError("message shorter than a DNS header")
    qid, flags, qdcount, ancount, _ns, _ar = _HEADER.unpack_from(data)
    if not flags & 0x8000:
        raise WireError("not a response")
    offset = _HEADER.size
    qname, qtype = "", 0
    for _ in range(qdcount):
        qname, offset = read_name(data, offset)
        qtype, _qclass = struct.unpack_from("!HH", data, offset)
        offset += 4
    records: list[tuple[str, str]] = []
    cnames: dict[str, str] = {}
    ttl_min = -1
    try:
        for _ in range(ancount):
            owner, offset = read_name(data, offset)
            rtype, rclass, ttl, rdlen = _RR_FIXED.unpack_from(data, offset)
            offset += _RR_FIXED.size
            if offset + rdlen > len(data):
                raise WireError("record data runs past the end of the message")
            if rclass == _CLASS_IN and rtype in _TYPE_NAMES:
                value = _value(data, rtype, offset, rdlen)
                if rtype == 5 and qtype != 5:
                    cnames[owner] = value
                elif rtype == qtype:
                    records.append((owner, value))
                ttl_min = ttl if ttl_min < 0 else min(ttl_min, ttl)
            offset += rdlen
    except struct.error as exc:
        raise WireError(f"truncated record: {exc}") from exc
    return Answer(
        qid=qid,
        rcode=flags & 0x000F,
        truncated=bool(flags & 0x0200),
        qname=qname,
        qtype=qtype,
        records=tuple(records),
        cnames=cnames,
        ttl=max(ttl_min, 0),
    )


def type_name(code: int) -> str:
    """The mnemonic for a type code (``"TYPE<n>"`` for codes Hunter does not know)."""
    return _TYPE_NAMES.get(code, f"TYPE{code}")
