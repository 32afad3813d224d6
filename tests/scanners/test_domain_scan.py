"""Scanning whole domains over real sockets: DNS fake + Entra fake → facts → assessment."""

from __future__ import annotations

import asyncio

import pytest
from scan_zones import gateway_m365, google, load_shared, m365, self_hosted

from fakes.dns_server import FakeDnsServer
from fakes.entra_server import EntraServer
from leadhunter.domain.assessment import Assessment, assess
from leadhunter.domain.facts import TenantStatus
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.scanners.dns.resolver import Nameserver, Resolver
from leadhunter.scanners.domain_scan import DomainScanner
from leadhunter.scanners.tenant import TenantDiscovery, UnsafeTargetError, check_http_target

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _scan(dns: FakeDnsServer, domain: str, entra: EntraServer | None = None, **kw: float) -> Assessment:
    async def main() -> Assessment:
        discovery = (TenantDiscovery(entra.base_url, allow_private=True, timeout=kw.get("http_timeout", 2.0))
                     if entra else None)
        async with Resolver([Nameserver(dns.host, dns.port)], timeout=kw.get("timeout", 0.3), retries=1) as r:
            try:
                facts = await DomainScanner(r, tenant=discovery).scan(domain)
            finally:
                if discovery:
                    await discovery.aclose()
        return assess(facts, default_provider_rules(), default_scoring_rules())

    return asyncio.run(main())


def test_m365_tenant_is_existing_with_full_evidence(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "contoso.com")
    result = _scan(dns, "contoso.com")
    det = result.detection
    assert (det.provider, det.confidence.value, det.tenant_name) == ("M365", "high", "contoso")
    assert det.evidence[0] == "mx: contoso-com.mail.protection.outlook.com"
    assert "autodiscover: autodiscover.outlook.com" in det.evidence
    assert (result.score.score, result.score.segment, result.score.priority) == (90, "Existing", 3)
    assert result.dkim.selectors == ("selector1", "selector2")
    assert not result.partial and result.facts.spf.lookups_used == 1


def test_google_workspace_is_migration_p2(dns: FakeDnsServer) -> None:
    load_shared(dns)
    google(dns, "fabrikam.com.tr")
    result = _scan(dns, "fabrikam.com.tr")
    assert result.detection.provider == "Google"
    assert result.facts.spf.includes == ("_spf.google.com", "_netblocks.google.com")
    assert (result.score.score, result.score.segment, result.score.category) == (85, "Migration", "P2")


def test_gateway_in_front_of_m365_is_detected_behind(dns: FakeDnsServer) -> None:
    load_shared(dns)
    gateway_m365(dns, "northwind.de")
    det = _scan(dns, "northwind.de").detection
    assert (det.provider, det.gateway, det.display) == ("M365", "Proofpoint", "M365 via Proofpoint")
    assert det.confidence.value == "medium"


def test_self_hosted_is_local_greenfield(dns: FakeDnsServer) -> None:
    self_hosted(dns, "acme.com.tr")
    result = _scan(dns, "acme.com.tr")
    assert (result.detection.provider, result.detection.confidence.value) == ("Local", "high")
    assert result.score.category == "P1"
    addresses = {lk.name: lk.answers for lk in result.facts.addresses if lk.rtype == "A"}
    assert addresses["mail.acme.com.tr"] == ("198.51.100.25",) and addresses["acme.com.tr"] == ("198.51.100.80",)


def test_dropped_dmarc_makes_a_partial_scan_not_a_missing_record(dns: FakeDnsServer) -> None:
    load_shared(dns)
    google(dns, "slow.com")
    dns.fault("_dmarc.slow.com", "drop")
    result = _scan(dns, "slow.com", timeout=0.2)
    assert result.partial and result.dmarc.status.value == "unknown"
    assert [(lk.name, lk.outcome.value) for lk in result.facts.failed_lookups()] == [("_dmarc.slow.com", "timeout")]
    assert "dmarc" in [i.key for i in result.score.items if i.kind == "unknown"]
    assert "dmarc_none" not in [i.key for i in result.score.items]


def test_no_mx_is_a_hard_fail_with_reason(dns: FakeDnsServer) -> None:
    dns.add("parked.com", "A", "192.0.2.9")
    result = _scan(dns, "parked.com")
    assert result.score.hard_fail == "No MX record: the domain receives no e-mail"
    assert (result.score.segment, result.score.category, result.score.priority) == ("Skip", "P6", 7)


def test_spf_lookup_limit_is_enforced(dns: FakeDnsServer) -> None:
    dns.add("chain.com", "MX", "10 mail.chain.com")
    dns.add("chain.com", "TXT", "v=spf1 include:i0.chain.com -all")
    for i in range(11):
        dns.add(f"i{i}.chain.com", "TXT", f"v=spf1 include:i{i + 1}.chain.com -all")
    dns.add("i11.chain.com", "TXT", "v=spf1 -all")
    result = _scan(dns, "chain.com")
    assert result.spf.status.value == "invalid" and "more than 10" in result.spf.reason


def test_tenant_discovery_finds_the_tenant(dns: FakeDnsServer) -> None:
    gateway_m365(dns, "northwind.de")
    with EntraServer() as entra:
        entra.add_tenant(TENANT, ["northwind.de"], "Federated", brand="Northwind")
        result = _scan(dns, "northwind.de", entra)
    tenant = result.facts.tenant
    assert (tenant.status, tenant.tenant_id, tenant.namespace, tenant.brand) == (
        TenantStatus.FOUND, TENANT, "Federated", "Northwind")
    assert f"tenant: {TENANT}, Federated" in result.detection.evidence


def test_unknown_domain_has_no_tenant(dns: FakeDnsServer) -> None:
    self_hosted(dns, "acme.com.tr")
    with EntraServer() as entra:
        assert _scan(dns, "acme.com.tr", entra).facts.tenant.status is TenantStatus.NOT_FOUND


def test_tenant_service_down_is_reported_and_the_scan_goes_on(dns: FakeDnsServer) -> None:
    self_hosted(dns, "acme.com.tr")
    with EntraServer() as entra:
        entra.fault("/", "503")
        result = _scan(dns, "acme.com.tr", entra)
    assert result.facts.tenant.status is TenantStatus.FAILED and "503" in (result.facts.tenant.error or "")
    assert result.partial and result.detection.provider == "Local"


def test_circuit_breaker_stops_asking_an_unreachable_service() -> None:
    async def main() -> list[str | None]:
        discovery = TenantDiscovery("http://127.0.0.1:9", allow_private=True, timeout=0.5, breaker_threshold=3)
        try:
            return [(await discovery.discover(f"d{i}.com")).error for i in range(6)]
        finally:
            await discovery.aclose()

    errors = asyncio.run(main())
    assert all(e and "unreachable" in e for e in errors[:3])
    assert all(e and "circuit open" in e for e in errors[3:])


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "https://10.1.2.3/", "http://localhost/x",
                                 "http://[::1]:80/", "http://169.254.169.254/latest"])
def test_private_http_targets_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UnsafeTargetError):
        check_http_target(url, allow_private=False)
    check_http_target(url, allow_private=True)


def test_public_http_target_is_allowed() -> None:
    check_http_target("https://login.microsoftonline.com", allow_private=False)
