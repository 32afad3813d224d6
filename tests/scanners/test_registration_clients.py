"""The registration stage against real loopback servers: RDAP over HTTPS (test CA) and WHOIS over TCP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fakes.rdap_server import DomainRecord, RdapServer
from fakes.whois_server import WhoisServer
from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome
from leadhunter.scanners.registration.bootstrap import (
    ServerDirectory,
    load_bootstrap,
    parse_rdap_overrides,
    parse_whois_overrides,
)
from leadhunter.scanners.registration.cache import MemoryCache, SqliteCache
from leadhunter.scanners.registration.ratelimit import Limit
from leadhunter.scanners.registration.stage import RegistrationOptions, RegistrationStage

FAST = Limit(1000.0, 50)  # tests check behaviour, not pacing: keep the buckets out of the way


@pytest.fixture
def rdap() -> Iterator[RdapServer]:
    with RdapServer() as server:
        yield server


@pytest.fixture
def whois() -> Iterator[WhoisServer]:
    with WhoisServer() as server:
        yield server


def _stage(rdap: RdapServer, whois: WhoisServer, *, cache: MemoryCache | SqliteCache | None = None,
           **options: object) -> RegistrationStage:
    directory = ServerDirectory(load_bootstrap(), rdap_overrides=parse_rdap_overrides(f"com={rdap.registry_url}"),
                                whois_overrides=parse_whois_overrides(f"tr={whois.address}"))
    settings: dict[str, object] = {"verify": rdap.ca_file, "allow_private": True, "rdap_limit": FAST,
                                   "whois_limit": FAST, "whois_timeout": 2.0, "rdap_timeout": 2.0, **options}
    return RegistrationStage(directory, options=RegistrationOptions(**settings), cache=cache)  # type: ignore[arg-type]


def _lookup(stage: RegistrationStage, *domains: str) -> list[RegistrationFacts]:
    async def run() -> list[RegistrationFacts]:
        async with stage:
            return [await stage.lookup(d) for d in domains]
    return asyncio.run(run())


def _paths(rdap: RdapServer) -> list[str]:
    return [r.path for r in rdap.requests]


def test_rdap_registry_answer_with_registrar(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("contoso.com", registrar="MarkMonitor Inc."))
    [facts] = _lookup(_stage(rdap, whois), "contoso.com")
    assert (facts.outcome, facts.source, facts.registrar) == (RegistrationOutcome.OK, "rdap", "MarkMonitor Inc.")
    assert facts.server == rdap.registry_url and facts.fetched_at is not None
    assert facts.expires == datetime(2027, 3, 24, 10, tzinfo=UTC)
    assert _paths(rdap) == ["/rdap/domain/contoso.com"]
    assert rdap.requests[0].headers["accept"].startswith("application/rdap+json")


def test_rdap_follows_the_registrar_link_when_the_registry_names_none(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("thin.com", registry_names_registrar=False, registrar="Gandi SAS",
                          registrant_org="Thin Ltd"))
    rdap.add(DomainRecord("private.com", registry_names_registrar=False))
    thin, private = _lookup(_stage(rdap, whois), "thin.com", "private.com")
    assert (thin.registrar, thin.registrant_organization) == ("Gandi SAS", "Thin Ltd")
    assert private.registrant_organization is None
    assert {w.field: w.reason for w in private.withheld} == {"registrant_organization": "Server policy"}
    assert _paths(rdap) == ["/rdap/domain/thin.com", "/registrar/domain/thin.com", "/rdap/domain/private.com",
                            "/registrar/domain/private.com"]


def test_registrar_link_to_a_private_address_is_refused_unless_allowed(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("thin.com", registry_names_registrar=False))
    # The registry URL itself is configuration (trusted); the link comes from a remote answer.
    [facts] = _lookup(_stage(rdap, whois, allow_private=False), "thin.com")
    assert facts.outcome is RegistrationOutcome.OK and facts.registrar is None
    assert "refused" in {w.field: w.reason for w in facts.withheld}["registrar"]
    assert _paths(rdap) == ["/rdap/domain/thin.com"]


def test_rdap_404_is_not_found(rdap: RdapServer, whois: WhoisServer) -> None:
    [facts] = _lookup(_stage(rdap, whois), "nobody.com")
    assert facts.outcome is RegistrationOutcome.NOT_FOUND and "404" in (facts.reason or "")


def test_rdap_429_waits_retry_after_then_asks_again(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("busy.com"))
    rdap.fault("busy.com", "429:1", times=1)
    [facts] = _lookup(_stage(rdap, whois), "busy.com")
    assert facts.outcome is RegistrationOutcome.OK
    assert _paths(rdap) == ["/rdap/domain/busy.com"] * 2 and rdap.hits["429"] == 1


def test_rdap_429_with_a_long_retry_after_is_unknown_not_waited(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("busy.com"))
    rdap.fault("busy.com", "429:3600", times=1)
    [facts] = _lookup(_stage(rdap, whois, max_retry_after=5.0), "busy.com")
    assert facts.outcome is RegistrationOutcome.UNKNOWN and "Retry-After 3600" in (facts.reason or "")
    assert len(rdap.requests) == 1


@pytest.mark.parametrize(("fault", "reason"), [
    ("500", "HTTP 500"), ("drop", "unreachable"), ("not_json", "not JSON"), ("slow:5", "timed out"),
])
def test_rdap_failures_are_unknown_never_not_found(rdap: RdapServer, whois: WhoisServer, fault: str,
                                                   reason: str) -> None:
    rdap.add(DomainRecord("flaky.com"))
    rdap.fault("flaky.com", fault, times=None)
    [facts] = _lookup(_stage(rdap, whois, rdap_timeout=0.5), "flaky.com")
    assert facts.outcome is RegistrationOutcome.UNKNOWN and reason in (facts.reason or ""), facts.reason


def test_whois_tr_answer_not_found_and_idn_in_ascii(rdap: RdapServer, whois: WhoisServer) -> None:
    whois.add_tr("ornek.com.tr")
    whois.add_tr("xn--rnek-4qa.av.tr", registrant="Örnek Hukuk Bürosu")
    ok, idn, missing = _lookup(_stage(rdap, whois), "ornek.com.tr", "Örnek.av.tr", "yok.gen.tr")
    assert ok.outcome is RegistrationOutcome.OK and ok.source == "whois" and ok.server == whois.address
    assert ok.expires == datetime(2026, 3, 23, tzinfo=UTC) and ok.nameservers == ("ns1.natrohost.com",
                                                                                    "ns2.natrohost.com")
    assert idn.domain == "xn--rnek-4qa.av.tr" and idn.registrant_organization == "Örnek Hukuk Bürosu"
    assert missing.outcome is RegistrationOutcome.NOT_FOUND
    assert [name for _, name in whois.queries] == ["ornek.com.tr", "xn--rnek-4qa.av.tr", "yok.gen.tr"]


def test_whois_slow_dropped_refused_and_throttled_are_unknown(rdap: RdapServer, whois: WhoisServer) -> None:
    whois.slow("slow.com.tr", 5)
    whois.drop("drop.com.tr")
    whois.throttle("busy.com.tr")
    slow, drop, busy = _lookup(_stage(rdap, whois, whois_timeout=0.5), "slow.com.tr", "drop.com.tr", "busy.com.tr")
    assert (slow.outcome, drop.outcome, busy.outcome) == (RegistrationOutcome.UNKNOWN,) * 3
    assert "timed out" in (slow.reason or "") and "dropped" in (drop.reason or "")
    assert "rate limit" in (busy.reason or "")
    with socket.socket() as probe:  # a port nobody listens on: refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    directory = ServerDirectory({}, whois_overrides=parse_whois_overrides(f"tr=127.0.0.1:{closed}"))
    [refused] = _lookup(RegistrationStage(directory, options=RegistrationOptions(whois_limit=FAST)), "x.com.tr")
    assert refused.outcome is RegistrationOutcome.UNKNOWN and "refused" in (refused.reason or "")


def test_a_slow_whois_server_does_not_hold_back_rdap(rdap: RdapServer, whois: WhoisServer) -> None:
    whois.slow("slow.com.tr", 3)
    rdap.add(DomainRecord("contoso.com"))

    async def run() -> tuple[bool, RegistrationOutcome]:
        async with _stage(rdap, whois, whois_timeout=10.0) as stage:
            slow = stage.submit("slow.com.tr")
            fast = await stage.lookup("contoso.com")
            return slow.done(), fast.outcome
    assert asyncio.run(run()) == (False, RegistrationOutcome.OK)


def test_unknown_domain_suffix_is_unknown_without_a_query(rdap: RdapServer, whois: WhoisServer) -> None:
    [facts] = _lookup(_stage(rdap, whois), "example.zz")
    assert facts.outcome is RegistrationOutcome.UNKNOWN and ".zz" in (facts.reason or "")
    assert not rdap.requests and not whois.queries


def test_cache_answers_repeats_and_never_keeps_unknown(rdap: RdapServer, whois: WhoisServer, tmp_path: Path) -> None:
    rdap.add(DomainRecord("contoso.com"))
    whois.drop("drop.com.tr")
    cache = SqliteCache(tmp_path / "cache.sqlite")
    first = _lookup(_stage(rdap, whois, cache=cache), "contoso.com", "drop.com.tr", "nobody.com")
    second = _lookup(_stage(rdap, whois, cache=cache), "contoso.com", "drop.com.tr", "nobody.com")
    assert first[0] == second[0] and second[2].outcome is RegistrationOutcome.NOT_FOUND
    assert _paths(rdap) == ["/rdap/domain/contoso.com", "/rdap/domain/nobody.com"]
    assert [name for _, name in whois.queries] == ["drop.com.tr", "drop.com.tr"]  # unknown: asked again
    later = SqliteCache(tmp_path / "cache.sqlite", timedelta(days=7),
                        clock=lambda: datetime.now(UTC) + timedelta(days=8))
    assert later.get("contoso.com") is None and cache.get("contoso.com") == first[0]


def test_memory_cache_expires_after_its_ttl(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("contoso.com"))
    now = [datetime.now(UTC)]
    cache = MemoryCache(timedelta(days=7), clock=lambda: now[0])
    _lookup(_stage(rdap, whois, cache=cache), "contoso.com")
    assert cache.get("contoso.com") is not None
    now[0] += timedelta(days=7, seconds=1)
    assert cache.get("contoso.com") is None


def test_same_domain_in_flight_is_asked_once(rdap: RdapServer, whois: WhoisServer) -> None:
    rdap.add(DomainRecord("contoso.com"))

    async def run() -> list[RegistrationFacts]:
        async with _stage(rdap, whois, cache=MemoryCache()) as stage:
            return [f async for f in stage.stream(["contoso.com", "CONTOSO.com.", "contoso.com"])]
    assert len(asyncio.run(run())) == 3 and len(rdap.requests) == 1
