"""Steady under pushback: a loopback DNS front that drops or refuses queries above a rate, and an Entra
fake answering 429. The resolver and tenant discovery must still get every answer (no timing asserted)."""

from __future__ import annotations

import asyncio
import time

import pytest

from fakes.dns_server import FakeDnsServer
from fakes.entra_server import EntraServer
from fakes.rate_limited_dns import RateLimitedDns
from leadhunter.domain.facts import TenantStatus
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.scanners.dns.resolver import Nameserver, Resolver
from leadhunter.scanners.tenant import TenantDiscovery, retry_after_seconds

NAMES = 300


def _lookup_all(port: int, count: int) -> tuple[list[Lookup], Resolver]:
    async def main() -> tuple[list[Lookup], Resolver]:
        async with Resolver([Nameserver("127.0.0.1", port)], timeout=2.0, retries=2) as resolver:
            found = await asyncio.gather(*(resolver.lookup(f"d{i % NAMES}.acme.com", "A") for i in range(count)))
            return list(found), resolver

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["drop", "refuse"])
def test_every_answer_arrives_through_a_rate_limit(dns: FakeDnsServer, mode: str) -> None:
    for i in range(NAMES):
        dns.add(f"d{i}.acme.com", "A", f"192.0.2.{i % 250}")
    with RateLimitedDns((dns.host, dns.port), rate=400, burst=20, mode=mode) as limiter:
        results, resolver = _lookup_all(limiter.port, 1200)
    assert [r.outcome for r in results].count(Outcome.OK) == 1200
    assert all(r.answers == (f"192.0.2.{i % NAMES % 250}",) for i, r in enumerate(results))
    assert limiter.limited > 0  # the limit was really hit ...
    (pace,) = resolver.pacing_report().values()
    assert pace["cuts"] >= 1 and pace["lowest_rate"] < 4000  # ... and the resolver slowed down for it
    resent = resolver.stats["retransmits"] if mode == "drop" else resolver.stats["congestion_retries"]
    assert resent > 0


def test_a_dead_server_still_ends_as_timeout_without_pacing_down() -> None:
    with FakeDnsServer() as silent:
        silent.fault_all("drop")

        async def main() -> tuple[list[Lookup], Resolver]:
            async with Resolver([Nameserver(silent.host, silent.port)], timeout=0.3, retries=1) as resolver:
                found = await asyncio.gather(*(resolver.lookup(f"n{i}.acme.com", "TXT") for i in range(50)))
                return list(found), resolver

        results, resolver = asyncio.run(main())
    assert {r.outcome for r in results} == {Outcome.TIMEOUT}
    (pace,) = resolver.pacing_report().values()
    assert pace["cuts"] == 0 and resolver.stats["congestion_retries"] == 0


def test_truncated_answers_under_a_limit_still_come_over_tcp(dns: FakeDnsServer) -> None:
    dns.add("acme.com", "MX", "10 mx.acme.com")
    dns.fault("acme.com", "truncate")

    async def main() -> Lookup:
        async with Resolver([Nameserver(dns.host, dns.port)], timeout=1.0) as resolver:
            return await resolver.lookup("acme.com", "MX")

    assert asyncio.run(main()).answers == ("10 mx.acme.com",)
    assert [q.transport for q in dns.queries] == ["udp", "tcp"]


TENANT = "0b6a4e1c-3f6e-4a0d-9a51-6d3c2f1e8b7a"


def _discover(entra: EntraServer, domains: list[str], **kw: int) -> tuple[list[TenantStatus], TenantDiscovery]:
    async def main() -> tuple[list[TenantStatus], TenantDiscovery]:
        discovery = TenantDiscovery(entra.base_url, allow_private=True, timeout=5.0, **kw)
        try:
            facts = await asyncio.gather(*(discovery.discover(d) for d in domains))
        finally:
            await discovery.aclose()
        return [f.status for f in facts], discovery

    return asyncio.run(main())


def test_a_429_slows_discovery_down_instead_of_failing_lookups() -> None:
    domains = [f"c{i}.com" for i in range(12)]
    with EntraServer() as entra:
        entra.add_tenant(TENANT, domains)
        entra.fault("/", "429:1", times=5)
        statuses, discovery = _discover(entra, domains, concurrency=8)
        answered_429 = len(entra.requests) - 2 * len(domains)
    assert statuses == [TenantStatus.FOUND] * len(domains)
    assert answered_429 == 5  # every throttled request was asked again
    assert discovery.throttle.pushbacks >= 1 and discovery.throttle.lowest < 8


def test_discovery_reuses_connections_and_bounds_them() -> None:
    domains = [f"c{i}.com" for i in range(60)]
    with EntraServer() as entra:
        entra.add_tenant(TENANT, domains[:30])
        entra.delay = 0.02
        statuses, _ = _discover(entra, domains, concurrency=4)
        opened, most = entra.connections_opened, entra.max_open_connections
    assert statuses.count(TenantStatus.FOUND) == 30 and statuses.count(TenantStatus.NOT_FOUND) == 30
    assert most <= 8  # two requests per domain, four domains in flight
    assert opened <= 8  # 120 requests over the same few kept-alive connections


def test_endless_429_gives_up_after_the_bounded_retries() -> None:
    with EntraServer() as entra:
        entra.add_tenant(TENANT, ["c0.com"])
        entra.fault("/", "429:0")
        statuses, _ = _discover(entra, ["c0.com"], throttle_retries=2)
    assert statuses == [TenantStatus.FAILED]


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0.5", 0.5), (None, 1.0), ("soon", 1.0),
                                                  ("-2", 1.0), ("nan", 1.0), ("86400", 60.0)])
def test_retry_after_is_read_as_seconds_with_a_default_and_a_cap(header: str | None, seconds: float) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_a_stalled_loop_is_not_taken_for_a_server_dropping_queries(dns: FakeDnsServer, loop_kind: str) -> None:
    """Answers that wait unread in the socket while the process is busy are not loss: nothing is resent and
    the rate is not cut, although the stall outlasts the retransmission timeout (0.2 s once warmed up)."""
    uvloop = pytest.importorskip("uvloop") if loop_kind == "uvloop" else None
    for i in range(NAMES):
        dns.add(f"d{i}.acme.com", "A", f"192.0.2.{i % 250}")

    async def main() -> tuple[list[Lookup], Resolver]:
        async with Resolver([Nameserver(dns.host, dns.port)], timeout=2.0, retries=2) as resolver:
            await asyncio.gather(*(resolver.lookup(f"d{i}.acme.com", "A") for i in range(100)))  # RTO to 0.2 s
            tasks = [asyncio.ensure_future(resolver.lookup(f"d{i}.acme.com", "A")) for i in range(100, NAMES)]
            await asyncio.sleep(0)  # the first window of queries goes out ...
            time.sleep(0.6)
            return list(await asyncio.gather(*tasks)), resolver

    with asyncio.Runner(loop_factory=uvloop.new_event_loop if uvloop else None) as runner:
        results, resolver = runner.run(main())
    assert [r.outcome for r in results] == [Outcome.OK] * (NAMES - 100)
    assert resolver.stats["retransmits"] == 0
    (pace,) = resolver.pacing_report().values()
    assert pace["cuts"] == 0
