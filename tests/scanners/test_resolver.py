"""The async DNS resolver against a real authoritative server on loopback, faults included."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from fakes.dns_server import FakeDnsServer
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.scanners.dns.resolver import Nameserver, Resolver, parse_nameserver

T = TypeVar("T")


def _ns(server: FakeDnsServer) -> Nameserver:
    return Nameserver(server.host, server.port)


def _run(servers: list[FakeDnsServer], job: Callable[[Resolver], Awaitable[T]], **kw: float) -> T:
    async def main() -> T:
        async with Resolver([_ns(s) for s in servers], timeout=kw.get("timeout", 0.3),
                            retries=int(kw.get("retries", 1))) as resolver:
            return await job(resolver)

    return asyncio.run(main())


def _lookup(dns: FakeDnsServer, name: str, rtype: str, **kw: float) -> Lookup:
    return _run([dns], lambda r: r.lookup(name, rtype), **kw)


@pytest.mark.parametrize(
    ("rtype", "value", "expected"),
    [
        ("MX", "10 Mail.Example.COM.", ("10 mail.example.com",)),
        ("TXT", "v=spf1 -all", ("v=spf1 -all",)),
        ("A", "192.0.2.7", ("192.0.2.7",)),
        ("AAAA", "2001:db8::7", ("2001:db8::7",)),
        ("CNAME", "target.example.net", ("target.example.net",)),
    ],
)
def test_answers_in_presentation_form(dns: FakeDnsServer, rtype: str, value: str, expected: tuple[str, ...]) -> None:
    dns.add("acme.com", rtype, value)
    result = _lookup(dns, "ACME.com.", rtype)
    assert (result.name, result.outcome, result.answers) == ("acme.com", Outcome.OK, expected)


def test_multi_string_txt_is_joined_without_separator(dns: FakeDnsServer) -> None:
    dns.add("acme.com", "TXT", ["v=spf1 include:a.example.com ", "include:b.example.com -all"])
    assert _lookup(dns, "acme.com", "TXT").answers == ("v=spf1 include:a.example.com include:b.example.com -all",)


def test_nxdomain_and_nodata_are_different_and_not_failures(dns: FakeDnsServer) -> None:
    dns.add("acme.com", "A", "192.0.2.1")
    nodata = _lookup(dns, "acme.com", "MX")
    nx = _lookup(dns, "nothing.acme.com", "MX")
    assert (nodata.outcome, nx.outcome) == (Outcome.NODATA, Outcome.NXDOMAIN)
    assert nodata.missing and nx.missing and not nodata.failed and not nx.failed


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [("servfail", Outcome.SERVFAIL), ("refused", Outcome.REFUSED), ("drop", Outcome.TIMEOUT),
     ("wrong_id", Outcome.TIMEOUT), ("formerr", Outcome.ERROR)],
)
def test_failures_are_outcomes_never_missing_records(dns: FakeDnsServer, fault: str, outcome: Outcome) -> None:
    dns.add("acme.com", "TXT", "v=spf1 -all")
    dns.fault("acme.com", fault)
    result = _lookup(dns, "acme.com", "TXT", timeout=0.2)
    assert result.outcome is outcome and result.failed and not result.missing


def test_retries_fail_over_to_the_next_nameserver() -> None:
    with FakeDnsServer() as broken, FakeDnsServer() as good:
        broken.fault_all("servfail")
        good.add("acme.com", "MX", "10 mx.acme.com")
        result = _run([broken, good], lambda r: r.lookup("acme.com", "MX"))
        assert result.outcome is Outcome.OK
        assert [q.name for q in broken.queries] == ["acme.com"] and len(good.queries) == 1


def test_silent_server_fails_over_after_timeout() -> None:
    with FakeDnsServer() as silent, FakeDnsServer() as good:
        silent.fault_all("drop")
        good.add("acme.com", "A", "192.0.2.1")
        assert _run([silent, good], lambda r: r.lookup("acme.com", "A"), timeout=0.2).answers == ("192.0.2.1",)


def test_truncated_answer_is_retried_over_tcp(dns: FakeDnsServer) -> None:
    for i in range(12):  # about 1.5 KB of TXT: more than the 1232-byte EDNS payload
        dns.add("big.acme.com", "TXT", f"record-{i}-" + "x" * 110)
    result = _lookup(dns, "big.acme.com", "TXT")
    assert result.outcome is Outcome.OK and len(result.answers) == 12
    assert [q.transport for q in dns.queries] == ["udp", "tcp"]


def test_forced_truncation_uses_tcp(dns: FakeDnsServer) -> None:
    dns.add("acme.com", "MX", "10 mx.acme.com")
    dns.fault("acme.com", "truncate")
    assert _lookup(dns, "acme.com", "MX").answers == ("10 mx.acme.com",)


def test_alias_without_target_records_is_chased(dns: FakeDnsServer) -> None:
    dns.add("selector1._domainkey.acme.com", "CNAME", "selector1-acme-com._domainkey.acme.onmicrosoft.com")
    result = _lookup(dns, "selector1._domainkey.acme.com", "TXT")
    assert result.outcome is Outcome.NXDOMAIN
    assert result.cnames == ("selector1-acme-com._domainkey.acme.onmicrosoft.com",)
    assert [q.name for q in dns.queries][-1] == "selector1-acme-com._domainkey.acme.onmicrosoft.com"


def test_alias_followed_in_zone_keeps_chain(dns: FakeDnsServer) -> None:
    dns.add("s1._domainkey.acme.com", "CNAME", "key.dkim.example.net")
    dns.add("key.dkim.example.net", "TXT", "v=DKIM1; p=MIIB")
    result = _lookup(dns, "s1._domainkey.acme.com", "TXT")
    assert (result.answers, result.cnames) == (("v=DKIM1; p=MIIB",), ("key.dkim.example.net",))


def test_cache_shares_one_query_among_many_askers(dns: FakeDnsServer) -> None:
    dns.add("spf.protection.outlook.com", "TXT", "v=spf1 ip4:40.92.0.0/15 -all")

    async def job(resolver: Resolver) -> list[Lookup]:
        return await asyncio.gather(*(resolver.lookup("spf.protection.outlook.com", "TXT", cache=True)
                                      for _ in range(50)))

    results = _run([dns], job)
    assert {r.outcome for r in results} == {Outcome.OK}
    assert len(dns.queries) == 1


def test_failures_are_not_cached(dns: FakeDnsServer) -> None:
    dns.add("acme.com", "A", "192.0.2.1")
    dns.fault("acme.com", "servfail")

    async def job(resolver: Resolver) -> tuple[Lookup, Lookup]:
        first = await resolver.lookup("acme.com", "A", cache=True)
        dns.clear_faults()
        return first, await resolver.lookup("acme.com", "A", cache=True)

    first, second = _run([dns], job, retries=0)
    assert (first.outcome, second.outcome) == (Outcome.SERVFAIL, Outcome.OK)


def test_two_thousand_concurrent_lookups_all_answered(dns: FakeDnsServer) -> None:
    for i in range(200):
        dns.add(f"d{i}.acme.com", "A", f"192.0.2.{i % 250}")

    async def job(resolver: Resolver) -> list[Lookup]:
        return await asyncio.gather(*(resolver.lookup(f"d{i % 200}.acme.com", "A") for i in range(2000)))

    results = _run([dns], job, timeout=2.0, retries=2)
    assert [r.outcome for r in results].count(Outcome.OK) == 2000
    assert all(r.answers == (f"192.0.2.{i % 200 % 250}",) for i, r in enumerate(results))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.1.1.1", Nameserver("1.1.1.1", 53)), ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
     ("::1", Nameserver("::1", 53)), ("[::1]:5300", Nameserver("::1", 5300))],
)
def test_parse_nameserver(text: str, expected: Nameserver) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["dns.google", "1.1.1.1:0", "1.1.1.1:abc", "[::1]x"])
def test_parse_nameserver_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_nameserver(text)
