"""Scanning whole domains over real sockets: DNS fake + Entra fake → facts → assessment."""

from __future__ import annotations

import asyncio

import pytest
from scan_zones import (
    cloudflare_routing,
    exchange_hybrid,
    gateway_m365,
    google,
    load_shared,
    m365,
    mx_alias_m365,
    self_hosted,
    yandex,
    zoho,
)

from fakes.dns_server import FakeDnsServer
from fakes.entra_server import EntraServer
from leadhunter.domain.assessment import Assessment, assess
from leadhunter.domain.changes import auto_tags
from leadhunter.domain.dmarc import DmarcPolicy
from leadhunter.domain.facts import TenantStatus
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report
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


# --- spec §1a over real sockets: each settled case from zone records to the report and its tags


def _report(result: Assessment) -> dict[str, object]:
    return assessment_report(normalize_domain(result.facts.domain), result)


def test_mx_host_that_is_a_cname_to_eop_is_m365(dns: FakeDnsServer) -> None:
    load_shared(dns)
    mx_alias_m365(dns, "aliased.com")
    result = _scan(dns, "aliased.com")
    det = result.detection
    assert (det.provider, det.hybrid, det.secondary) == ("M365", False, ())
    assert det.evidence[0] == "mx: mail.aliased.com (CNAME → aliased-com.mail.protection.outlook.com)"
    report = _report(result)
    assert report["mx"] == [{"preference": 10, "host": "mail.aliased.com", "addresses": ["52.101.68.1"],
                             "cnames": ["aliased-com.mail.protection.outlook.com"]}]
    assert (result.score.score, result.score.segment) == (90, "Existing")


def test_exchange_hybrid_is_m365_with_local_kept(dns: FakeDnsServer) -> None:
    load_shared(dns)
    exchange_hybrid(dns, "hybrid.com.tr")
    result = _scan(dns, "hybrid.com.tr")
    det = result.detection
    assert (det.provider, det.secondary, det.hybrid, det.confidence.value) == ("M365", ("Local",), True, "high")
    provider_line = next(i for i in result.score.items if i.kind == "provider")
    assert "Exchange hybrid" in provider_line.reason and provider_line.points == 50
    report = _report(result)
    assert report["hybrid"] is True and "hybrid" in auto_tags(report)
    assert result.score.segment == "Existing"


def test_spf_include_servfail_makes_spf_unknown_and_the_scan_partial(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "flaky.com")
    dns.fault("spf.protection.outlook.com", "servfail")
    result = _scan(dns, "flaky.com")
    assert result.spf.status.value == "unknown" and "temperror" in result.spf.reason
    keys = [(i.kind, i.key) for i in result.score.items]
    assert ("unknown", "spf") in keys and ("signal", "spf_valid") not in keys and ("risk", "no_spf") not in keys
    assert result.partial and _report(result)["status"] == "partial"
    assert result.score.score == 80  # 90 for a full M365 tenant, minus the SPF point it cannot claim
    assert [lk.name for lk in result.facts.failed_lookups()] == ["spf.protection.outlook.com"]


def test_spf_include_timeout_is_unknown_too(dns: FakeDnsServer) -> None:
    load_shared(dns)
    gateway_m365(dns, "slowspf.de")
    dns.fault("spf.pphosted.com", "drop")
    result = _scan(dns, "slowspf.de", timeout=0.2)
    assert result.spf.status.value == "unknown" and "spf.pphosted.com timeout" in result.spf.reason
    assert result.detection.provider == "M365"  # the includes that were read still tell the provider


@pytest.mark.parametrize(
    ("zone", "domain", "provider", "selector", "score"),
    [
        pytest.param(yandex, "yandex-firma.ru", "Yandex", "mail", 70, id="yandex-360-mail-selector"),
        pytest.param(zoho, "zoho-firma.eu", "Zoho", "zmail", 70, id="zoho-zmail-selector"),
    ],
)
def test_provider_dkim_selector_scores_found(dns: FakeDnsServer, zone: object, domain: str, provider: str,
                                             selector: str, score: int) -> None:
    assert callable(zone)
    zone(dns, domain)
    result = _scan(dns, domain)
    assert (result.detection.provider, result.dkim.status.value, result.dkim.selectors) == (
        provider, "found", (selector,))
    assert (result.score.score, result.score.segment, result.score.priority) == (score, "Migration", 2)


def test_zoho_dmarc_vendor_named_in_the_report(dns: FakeDnsServer) -> None:
    zoho(dns, "zoho-firma.eu")
    report = _report(_scan(dns, "zoho-firma.eu"))
    dmarc = report["dmarc"]
    assert isinstance(dmarc, dict) and dmarc["vendors"] == ["dmarcian"] and dmarc["pct"] == 100
    evidence = report["evidence"]
    assert isinstance(evidence, list) and any("reports to dmarcian" in line for line in evidence)


@pytest.mark.parametrize(
    ("behind", "provider"),
    [pytest.param(None, "Unknown", id="nothing-behind"), pytest.param("google", "Google", id="google-behind")],
)
def test_mail_forwarder_is_a_gateway_never_local(dns: FakeDnsServer, behind: str | None, provider: str) -> None:
    load_shared(dns)
    cloudflare_routing(dns, "forwarded.com", behind=behind)
    det = _scan(dns, "forwarded.com").detection
    assert (det.provider, det.gateway) == (provider, "Cloudflare Email Routing")


def test_nxdomain_domain_is_failed_not_no_mx(dns: FakeDnsServer) -> None:
    load_shared(dns)
    result = _scan(dns, "typo-contoso.com")
    report = _report(result)
    assert (report["status"], report["reason"], report["message"]) == ("failed", "nxdomain",
                                                                       "the domain does not exist")
    assert result.score.hard_fail is not None and "does not exist" in result.score.hard_fail
    assert result.detection.mx_status.value == "nxdomain" and not result.partial


def test_existing_domain_without_mx_stays_ok_no_mx(dns: FakeDnsServer) -> None:
    dns.add("_dmarc.parked.com", "TXT", "v=DMARC1; p=reject")  # the name exists (it has a child)
    report = _report(_scan(dns, "parked.com"))
    assert (report["status"], report["mx_status"]) == ("ok", "none")
    assert report["hard_fail"] == "No MX record: the domain receives no e-mail"


def test_dmarc_partial_reject_is_said_in_the_breakdown(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "sampled.com", dmarc="reject; pct=10; sp=none")
    result = _scan(dns, "sampled.com")
    item = next(i for i in result.score.items if i.key == "dmarc_reject")
    assert item.points == 20 and "not a full reject" in item.reason
    assert (result.dmarc.pct, result.dmarc.sp, result.dmarc.policy) == (10, DmarcPolicy.NONE, DmarcPolicy.REJECT)


def test_lookalike_domain_is_scanned_warned_and_tagged(dns: FakeDnsServer) -> None:
    self_hosted(dns, "xn--pypal-4ve.com")
    result = _scan(dns, "xn--pypal-4ve.com")
    report = _report(result)
    assert report["status"] == "ok" and report["provider"] == "Local"
    evidence = report["evidence"]
    assert isinstance(evidence, list) and evidence[0].startswith("warning: look-alike domain: ")
    assert "lookalike" in auto_tags(report)
