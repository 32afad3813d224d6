"""Tests of the loopback DNS server, spoken to with dnslib and raw sockets only."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSRecord

from .dns_server import FakeDnsServer, Query

SILENCE = 0.3  # seconds we wait before concluding that no answer is coming


@pytest.fixture
def dns() -> Iterator[FakeDnsServer]:
    with FakeDnsServer() as server:
        yield server


def make_query(name: str, rtype: str = "A", *, qid: int = 4242, udp_payload: int | None = None) -> DNSRecord:
    query = DNSRecord.question(name, rtype)
    query.header.id = qid
    if udp_payload is not None:
        query.add_ar(EDNS0(udp_len=udp_payload))
    return query


def udp_exchange(server: FakeDnsServer, wire: bytes, timeout: float = 2.0) -> bytes | None:
    """Send one datagram and return the first one received back, or None after `timeout` seconds."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(wire, (server.host, server.port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def udp(server: FakeDnsServer, name: str, rtype: str = "A", **kwargs: Any) -> Any:
    answer = udp_exchange(server, make_query(name, rtype, **kwargs).pack())
    assert answer is not None, "no UDP answer"
    return DNSRecord.parse(answer)


def tcp_frames(server: FakeDnsServer, wires: list[bytes], count: int, timeout: float = 2.0) -> list[bytes]:
    """Send length-prefixed messages on one connection and read back up to `count` answers."""
    answers: list[bytes] = []
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(b"".join(struct.pack("!H", len(wire)) + wire for wire in wires))
        stream = sock.makefile("rb")
        try:
            while len(answers) < count and len(head := stream.read(2)) == 2:
                answers.append(stream.read(struct.unpack("!H", head)[0]))
        except TimeoutError:
            pass
    return answers


def tcp(server: FakeDnsServer, name: str, rtype: str = "A", **kwargs: Any) -> Any:
    (answer,) = tcp_frames(server, [make_query(name, rtype, **kwargs).pack()], 1)
    return DNSRecord.parse(answer)


def rdatas(reply: Any) -> list[str]:
    return [str(rr.rdata) for rr in reply.rr]


@pytest.mark.parametrize(
    ("rtype", "value", "expected"),
    [
        ("A", "192.0.2.10", "192.0.2.10"),
        ("AAAA", "2001:db8::1", "2001:db8::1"),
        ("MX", "10 mx.example.com.", "10 mx.example.com."),
        ("MX", "20 mx2.example.com", "20 mx2.example.com."),
        ("TXT", "v=spf1 include:spf.example.net -all", '"v=spf1 include:spf.example.net -all"'),
        ("NS", "ns1.example.com", "ns1.example.com."),
        ("CNAME", "target.example.net.", "target.example.net."),
    ],
)
@pytest.mark.parametrize("transport", [udp, tcp])
def test_answers_each_type_authoritatively(
    dns: FakeDnsServer, transport: Any, rtype: str, value: str, expected: str
) -> None:
    dns.add("Example.COM.", rtype, value, ttl=120)
    reply = transport(dns, "example.com", rtype, qid=777)
    assert (reply.header.id, reply.header.qr, reply.header.aa, reply.header.rd) == (777, 1, 1, 1)
    assert reply.header.rcode == RCODE.NOERROR
    assert str(reply.q.qname) == "example.com." and reply.q.qtype == getattr(QTYPE, rtype)
    assert rdatas(reply) == [expected]
    assert reply.rr[0].ttl == 120 and reply.rr[0].rtype == getattr(QTYPE, rtype)


def test_rd_bit_is_copied_and_names_match_any_case(dns: FakeDnsServer) -> None:
    dns.add("mixed.example.com", "A", "192.0.2.1")
    query = make_query("MIXED.Example.Com.")
    query.header.rd = 0
    reply = DNSRecord.parse(udp_exchange(dns, query.pack()) or b"")
    assert reply.header.rd == 0 and reply.header.ra == 0
    assert rdatas(reply) == ["192.0.2.1"]


def test_records_of_a_type_come_back_in_insertion_order(dns: FakeDnsServer) -> None:
    for preference, host in [(30, "c"), (10, "a"), (20, "b")]:
        dns.add("example.com", "MX", f"{preference} {host}.example.com.")
    dns.add("example.com", "TXT", "other type")
    assert rdatas(udp(dns, "example.com", "MX")) == [
        "30 c.example.com.",
        "10 a.example.com.",
        "20 b.example.com.",
    ]


def test_absent_name_is_nxdomain_with_soa(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    reply = udp(dns, "nope.example.com", "TXT")
    assert reply.header.rcode == RCODE.NXDOMAIN and reply.header.aa == 1
    assert reply.rr == [] and [QTYPE[rr.rtype] for rr in reply.auth] == ["SOA"]


def test_name_with_other_types_is_nodata_with_soa(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    reply = udp(dns, "example.com", "MX")
    assert reply.header.rcode == RCODE.NOERROR and reply.rr == []
    assert [str(rr.rname) for rr in reply.auth] == ["example.com."]
    assert QTYPE[reply.auth[0].rtype] == "SOA"


def test_held_soa_is_used_in_authority(dns: FakeDnsServer) -> None:
    dns.add("example.com", "SOA", "ns.example.com. admin.example.com. 2024010101 3600 600 86400 60", ttl=60)
    reply = udp(dns, "a.b.example.com", "A")
    assert reply.header.rcode == RCODE.NXDOMAIN
    (soa,) = reply.auth
    assert str(soa.rname) == "example.com." and soa.rdata.times == (2024010101, 3600, 600, 86400, 60)


def test_empty_non_terminal_is_nodata_not_nxdomain(dns: FakeDnsServer) -> None:
    dns.add("s1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=MIGf")
    for name in ("_domainkey.example.com", "example.com", "_DOMAINKEY.example.com."):
        reply = udp(dns, name, "TXT")
        assert (reply.header.rcode, reply.rr) == (RCODE.NOERROR, []), name
    assert udp(dns, "s2._domainkey.example.com", "TXT").header.rcode == RCODE.NXDOMAIN
    dns.remove("s1._domainkey.example.com")
    assert udp(dns, "_domainkey.example.com", "TXT").header.rcode == RCODE.NXDOMAIN


def test_long_txt_is_split_into_255_byte_strings(dns: FakeDnsServer) -> None:
    text = "v=DKIM1; k=rsa; p=" + "A" * 582
    dns.add("sel._domainkey.example.com", "TXT", text)
    reply = tcp(dns, "sel._domainkey.example.com", "TXT")
    (record,) = reply.rr
    assert [len(part) for part in record.rdata.data] == [255, 255, 90]
    assert b"".join(record.rdata.data).decode() == text


def test_sequence_makes_one_multi_string_txt(dns: FakeDnsServer) -> None:
    dns.add("example.com", "TXT", ("part one", "part two"))
    dns.add("example.com", "TXT", "")
    (multi, empty) = udp(dns, "example.com", "TXT").rr
    assert multi.rdata.data == [b"part one", b"part two"] and empty.rdata.data == [b""]
    with pytest.raises(ValueError, match="255"):
        dns.add("example.com", "TXT", ["x" * 256])


def test_cname_to_held_target_is_followed(dns: FakeDnsServer) -> None:
    dns.add("www.example.com", "CNAME", "edge.example.com")
    dns.add("edge.example.com", "CNAME", "host.example.net.")
    dns.add("host.example.net", "A", "192.0.2.7")
    dns.add("host.example.net", "A", "192.0.2.8")
    reply = udp(dns, "WWW.example.com", "A")
    assert reply.header.rcode == RCODE.NOERROR
    assert [(str(rr.rname), QTYPE[rr.rtype], str(rr.rdata)) for rr in reply.rr] == [
        ("WWW.example.com.", "CNAME", "edge.example.com."),
        ("edge.example.com.", "CNAME", "host.example.net."),
        ("host.example.net.", "A", "192.0.2.7"),
        ("host.example.net.", "A", "192.0.2.8"),
    ]


def test_cname_to_target_held_without_the_type_is_nodata(dns: FakeDnsServer) -> None:
    dns.add("www.example.com", "CNAME", "host.example.com")
    dns.add("host.example.com", "A", "192.0.2.7")
    reply = udp(dns, "www.example.com", "MX")
    assert reply.header.rcode == RCODE.NOERROR and rdatas(reply) == ["host.example.com."]
    assert [QTYPE[rr.rtype] for rr in reply.auth] == ["SOA"]


def test_cname_out_of_server_returns_just_the_cname(dns: FakeDnsServer) -> None:
    dns.add("www.example.com", "CNAME", "elsewhere.example.org")
    reply = udp(dns, "www.example.com", "A")
    assert reply.header.rcode == RCODE.NOERROR
    assert [QTYPE[rr.rtype] for rr in reply.rr] == ["CNAME"] and reply.auth == []


def test_cname_question_and_cname_loop(dns: FakeDnsServer) -> None:
    dns.add("a.example.com", "CNAME", "b.example.com")
    dns.add("b.example.com", "CNAME", "a.example.com")
    assert rdatas(udp(dns, "a.example.com", "CNAME")) == ["b.example.com."]
    assert rdatas(udp(dns, "a.example.com", "A")) == ["b.example.com.", "a.example.com."]


def test_large_udp_answer_is_truncated_and_tcp_has_it_all(dns: FakeDnsServer) -> None:
    for index in range(12):
        dns.add("big.example.com", "TXT", f"record-{index:02d}-" + "x" * 60)
    small = udp(dns, "big.example.com", "TXT", qid=11)
    assert (small.header.tc, small.header.id, small.rr, small.auth) == (1, 11, [], [])
    assert str(small.q.qname) == "big.example.com."
    full = tcp(dns, "big.example.com", "TXT", qid=12)
    assert full.header.tc == 0 and len(full.rr) == 12 and full.header.id == 12
    assert str(full.rr[0].rdata).startswith('"record-00-')


def test_edns_payload_size_raises_the_udp_limit(dns: FakeDnsServer) -> None:
    for index in range(12):
        dns.add("big.example.com", "TXT", f"record-{index:02d}-" + "x" * 60)
    roomy = udp(dns, "big.example.com", "TXT", udp_payload=4096)
    assert roomy.header.tc == 0 and len(roomy.rr) == 12
    assert [QTYPE[rr.rtype] for rr in roomy.ar] == ["OPT"]
    tight = udp(dns, "big.example.com", "TXT", udp_payload=600)
    assert tight.header.tc == 1 and tight.rr == [] and [QTYPE[rr.rtype] for rr in tight.ar] == ["OPT"]
    tiny = udp(dns, "big.example.com", "TXT", udp_payload=100)  # below 512 counts as 512
    assert tiny.header.tc == 1


@pytest.mark.parametrize(("kind", "rcode"), [("servfail", 2), ("refused", 5), ("formerr", 1)])
@pytest.mark.parametrize("transport", [udp, tcp])
def test_rcode_faults(dns: FakeDnsServer, transport: Any, kind: str, rcode: int) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.fault("EXAMPLE.com.", kind)
    reply = transport(dns, "example.com", "A", qid=99)
    assert (reply.header.rcode, reply.header.id, reply.rr) == (rcode, 99, [])
    dns.clear_faults()
    assert rdatas(transport(dns, "example.com", "A")) == ["192.0.2.1"]


def test_fault_can_target_one_type(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.add("example.com", "MX", "10 mx.example.com")
    dns.fault("example.com", "servfail", rtype="mx")
    assert udp(dns, "example.com", "MX").header.rcode == RCODE.SERVFAIL
    assert rdatas(udp(dns, "example.com", "A")) == ["192.0.2.1"]
    assert udp(dns, "www.example.com", "MX").header.rcode == RCODE.NXDOMAIN  # exact name only


def test_fault_all_and_precedence(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.fault_all("servfail")
    assert udp(dns, "anything.example", "A").header.rcode == RCODE.SERVFAIL
    dns.fault("example.com", "refused")
    dns.fault("example.com", "formerr", rtype="A")
    assert udp(dns, "example.com", "A").header.rcode == RCODE.FORMERR
    assert udp(dns, "example.com", "TXT").header.rcode == RCODE.REFUSED
    dns.fault_all(None)
    assert udp(dns, "anything.example", "A").header.rcode == RCODE.NXDOMAIN
    with pytest.raises(ValueError, match="unknown fault"):
        dns.fault("example.com", "explode")


def test_drop_never_answers_on_udp_or_tcp(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.fault("example.com", "drop")
    assert udp_exchange(dns, make_query("example.com").pack(), timeout=SILENCE) is None
    assert tcp_frames(dns, [make_query("example.com").pack()], 1, timeout=SILENCE) == []
    assert dns.queries == [Query("example.com", "A", "udp"), Query("example.com", "A", "tcp")]


def test_truncate_fault_sets_tc_on_udp_only(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.fault("example.com", "truncate")
    small = udp(dns, "example.com", "A")
    assert small.header.tc == 1 and small.rr == []
    assert rdatas(tcp(dns, "example.com", "A")) == ["192.0.2.1"]


def test_wrong_id_answer_is_ignorable(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.fault("example.com", "wrong_id")
    reply = udp(dns, "example.com", "A", qid=0xFFFF)
    assert reply.header.id == 0 and rdatas(reply) == ["192.0.2.1"]


def test_delay_does_not_block_other_queries(dns: FakeDnsServer) -> None:
    dns.add("slow.example.com", "A", "192.0.2.1")
    dns.add("fast.example.com", "A", "192.0.2.2")
    dns.fault("slow.example.com", "delay:0.5")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2.0)
        started = time.monotonic()
        sock.sendto(make_query("slow.example.com", qid=1).pack(), (dns.host, dns.port))
        sock.sendto(make_query("fast.example.com", qid=2).pack(), (dns.host, dns.port))
        first, second = DNSRecord.parse(sock.recv(512)), DNSRecord.parse(sock.recv(512))
        elapsed = time.monotonic() - started
    assert (first.header.id, second.header.id) == (2, 1)
    assert 0.45 <= elapsed < 1.5


def test_delay_on_tcp_lets_later_queries_overtake(dns: FakeDnsServer) -> None:
    dns.add("slow.example.com", "A", "192.0.2.1")
    dns.add("fast.example.com", "A", "192.0.2.2")
    dns.fault("slow.example.com", "delay:0.3")
    wires = [make_query("slow.example.com", qid=1).pack(), make_query("fast.example.com", qid=2).pack()]
    answers = tcp_frames(dns, wires, 2)
    assert [DNSRecord.parse(answer).header.id for answer in answers] == [2, 1]


def test_query_log_and_counts(dns: FakeDnsServer) -> None:
    udp(dns, "One.example.com.", "MX")
    tcp(dns, "two.example.com", "TXT")
    udp(dns, "one.example.com", "A")
    assert dns.queries == [
        ("one.example.com", "MX", "udp"),
        ("two.example.com", "TXT", "tcp"),
        ("one.example.com", "A", "udp"),
    ]
    assert dns.queries.count(Query("one.example.com", "MX", "udp")) == 1
    dns.reset_log()
    assert dns.queries == []


def test_records_change_while_running(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    dns.add("example.com", "MX", "10 mx.example.com")
    assert dns.remove("example.com", "a") == 1
    assert udp(dns, "example.com", "A").header.rcode == RCODE.NOERROR  # MX still there: NODATA
    dns.clear()
    assert udp(dns, "example.com", "MX").header.rcode == RCODE.NXDOMAIN
    assert dns.remove("example.com") == 0


def test_zone_text_loading(dns: FakeDnsServer) -> None:
    dns.add_zone_text(
        """
        ; a comment line
        $TTL 600
        example.com.        IN MX 10 mx1.example.com.
        example.com.  60    IN TXT "v=spf1 -all" ; trailing comment
        _dmarc.example.com.    TXT "v=DMARC1; p=reject"
        multi.example.com.     TXT "first" "second"
        """
    )
    mx = udp(dns, "example.com", "MX")
    assert rdatas(mx) == ["10 mx1.example.com."] and mx.rr[0].ttl == 600
    assert udp(dns, "example.com", "TXT").rr[0].ttl == 60
    assert rdatas(udp(dns, "_dmarc.example.com", "TXT")) == ['"v=DMARC1; p=reject"']
    assert udp(dns, "multi.example.com", "TXT").rr[0].rdata.data == [b"first", b"second"]


def test_bad_values_are_refused_when_added(dns: FakeDnsServer) -> None:
    for rtype, value in [("A", "300.1.1.1"), ("AAAA", "192.0.2.1"), ("MX", "mx.example.com"), ("SRV", "x")]:
        with pytest.raises(ValueError):
            dns.add("example.com", rtype, value)


def test_garbage_gets_formerr_and_short_garbage_silence(dns: FakeDnsServer) -> None:
    answer = udp_exchange(dns, struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0) + b"\x05ab")
    assert answer is not None
    reply = DNSRecord.parse(answer)
    assert (reply.header.id, reply.header.rcode, reply.header.qr) == (0xBEEF, RCODE.FORMERR, 1)
    assert udp_exchange(dns, b"\x01\x02\x03", timeout=SILENCE) is None
    assert rdatas(udp(dns, "example.com", "A")) == []  # still serving


def test_several_queries_on_one_tcp_connection(dns: FakeDnsServer) -> None:
    dns.add("example.com", "A", "192.0.2.1")
    wires = [make_query("example.com", qid=qid).pack() for qid in (1, 2, 3)]
    assert [DNSRecord.parse(answer).header.id for answer in tcp_frames(dns, wires, 3)] == [1, 2, 3]


def test_concurrent_udp_queries_all_answered_with_their_ids(dns: FakeDnsServer) -> None:
    for index in range(50):
        dns.add(f"host{index}.example.com", "A", f"192.0.2.{index}")
    failures: list[str] = []

    def worker(index: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2.0)
            for round_ in range(10):
                qid = index * 100 + round_
                sock.sendto(make_query(f"host{index}.example.com", qid=qid).pack(), (dns.host, dns.port))
                reply = DNSRecord.parse(sock.recv(512))
                if reply.header.id != qid or rdatas(reply) != [f"192.0.2.{index}"]:
                    failures.append(f"{qid}: {reply.header.id} {rdatas(reply)}")

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert failures == [] and len(dns.queries) == 500


def test_stop_is_fast_and_leaks_no_thread() -> None:
    before = set(threading.enumerate())
    server = FakeDnsServer().start()
    server.add("example.com", "A", "192.0.2.1")
    server.fault("example.com", "delay:5")
    idle = socket.create_connection((server.host, server.port))  # an open, silent TCP client
    udp_exchange(server, make_query("example.com").pack(), timeout=0.05)  # leaves a pending timer
    tcp_frames(server, [make_query("example.com").pack()], 1, timeout=0.05)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    idle.close()
    assert set(threading.enumerate()) == before
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):  # the port is free again (TIME_WAIT aside)
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((server.host, server.port))
    server.stop()  # stopping twice is harmless


def test_address_and_shared_port(dns: FakeDnsServer) -> None:
    assert dns.host == "127.0.0.1" and dns.port > 0 and dns.address == f"127.0.0.1:{dns.port}"
    with pytest.raises(RuntimeError):
        dns.start()
