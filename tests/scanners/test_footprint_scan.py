"""Footprint lookups over real sockets: fake DNS (CNAME, SRV, NS, failures) + fake Entra realm."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scan_zones import load_shared, m365

from fakes.dns_server import FakeDnsServer
from fakes.entra_server import EntraServer
from leadhunter.domain.assessment import Assessment, assess
from leadhunter.domain.footprint import SignalState
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.scanners.dns.resolver import Nameserver, Resolver
from leadhunter.scanners.domain_scan import DomainScanner
from leadhunter.scanners.ipdb import IpDatabase, IpDatabaseError
from leadhunter.scanners.tenant import TenantDiscovery

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def microsoft_footprint(dns: FakeDnsServer, d: str) -> None:
    """Every Microsoft record shape of the spec, in mixed case and with trailing dots."""
    for i in (1, 2):
        dns.add(d, "NS", f"NS{i}-01.Azure-DNS.com.")
    dns.add(f"www.{d}", "CNAME", "contoso.azurewebsites.net.")
    dns.add("contoso.azurewebsites.net", "A", "20.50.2.1")
    dns.add(d, "A", "20.50.2.2")
    dns.add(f"enterpriseenrollment.{d}", "CNAME", "EnterpriseEnrollment-s.manage.microsoft.com.")
    dns.add(f"enterpriseregistration.{d}", "CNAME", "enterpriseregistration.windows.net")
    dns.add(f"lyncdiscover.{d}", "CNAME", "webdir.online.lync.com")
    dns.add(f"sip.{d}", "CNAME", "sipdir.online.lync.com")
    dns.add(f"_sip._tls.{d}", "SRV", "100 1 443 sipdir.online.lync.com")
    dns.add(f"_sipfederationtls._tcp.{d}", "SRV", "100 1 5061 sipfed.online.lync.com.")


def _scan(dns: FakeDnsServer, domain: str, entra: EntraServer | None = None, *,
          ip_db: IpDatabase | None = None) -> Assessment:
    async def main() -> Assessment:
        discovery = TenantDiscovery(entra.base_url, allow_private=True, timeout=2.0) if entra else None
        async with Resolver([Nameserver(dns.host, dns.port)], timeout=0.3, retries=1) as resolver:
            try:
                facts = await DomainScanner(resolver, tenant=discovery, ip_db=ip_db or IpDatabase()).scan(domain)
            finally:
                if discovery:
                    await discovery.aclose()
        return assess(facts, default_provider_rules(), default_scoring_rules())

    return asyncio.run(main())


def test_full_microsoft_footprint_over_the_wire(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "contoso.com")
    microsoft_footprint(dns, "contoso.com")
    result = _scan(dns, "contoso.com")
    fp = result.footprint
    assert fp is not None
    assert (fp.get("dns_host").value, fp.get("web_host").value) == ("Azure DNS", "Azure")
    assert fp.get("intune").evidence == ("enterpriseenrollment: CNAME enterpriseenrollment-s.manage.microsoft.com",)
    assert fp.get("entra_registration").state is SignalState.PRESENT
    assert set(fp.get("teams").evidence) == {
        "lyncdiscover: CNAME webdir.online.lync.com", "sip: CNAME sipdir.online.lync.com",
        "_sip._tls: SRV sipdir.online.lync.com", "_sipfederationtls._tcp: SRV sipfed.online.lync.com"}
    assert fp.get("exchange_autodiscover").value == "Exchange Online"
    assert not result.partial
    # Every new question went over the wire, once.
    asked = {(q.name, q.rtype) for q in dns.queries}
    for name, rtype in (("contoso.com", "NS"), ("www.contoso.com", "A"), ("www.contoso.com", "AAAA"),
                        ("_sip._tls.contoso.com", "SRV"), ("enterpriseregistration.contoso.com", "CNAME")):
        assert (name, rtype) in asked
    net = {(n.address, n.network, n.country) for n in fp.network}
    assert ("20.50.2.2", "Microsoft", "US") in net and ("52.101.68.1", "Microsoft", "US") in net
    grid = result.whitespace
    assert grid is not None
    assert {r.key: r.state.value for r in grid.rows} == {
        "exchange_online": "in_use", "entra_id": "unknown", "intune": "in_use", "teams": "in_use",
        "mail_security": "not_seen", "azure": "in_use", "competitor_suite": "not_seen"}


def test_failures_are_unknown_partial_and_listed(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "fail.com")
    dns.fault("enterpriseenrollment.fail.com", "servfail")
    dns.fault("lyncdiscover.fail.com", "drop")
    dns.fault("fail.com", "refused", "NS")
    result = _scan(dns, "fail.com")
    fp = result.footprint
    assert fp is not None
    assert fp.get("intune").state is SignalState.UNKNOWN
    assert fp.get("teams").state is SignalState.UNKNOWN
    assert fp.get("dns_host").state is SignalState.UNKNOWN
    assert fp.get("entra_registration").state is SignalState.ABSENT  # answered NXDOMAIN
    assert result.partial
    report = assessment_report(normalize_domain("fail.com"), result)
    failed = {(lk["name"], lk["type"], lk["outcome"]) for lk in report["lookups"]}
    assert {("enterpriseenrollment.fail.com", "CNAME", "servfail"), ("lyncdiscover.fail.com", "CNAME", "timeout"),
            ("fail.com", "NS", "refused")} <= failed
    assert report["footprint"]["intune"]["state"] == "unknown"
    assert report["whitespace"]["rows"][2]["state"] == "unknown"


@pytest.mark.parametrize(("auth_url", "idp", "play"), [
    (None, "AD FS", "move_signin_to_entra"),  # the fake's default AuthURL is https://sts.<domain>/adfs/ls/
    ("https://contoso.okta.com/app/office365/x/sso/wsfed/passive", "Okta", "move_signin_to_entra"),
    ("https://accounts.google.com/o/saml2/idp?idpid=x", "Google", None),
])
def test_federation_from_the_realm(dns: FakeDnsServer, auth_url: str | None, idp: str, play: str | None) -> None:
    load_shared(dns)
    m365(dns, "fed.com")
    with EntraServer() as entra:
        entra.add_tenant(TENANT, ["fed.com"], namespace="Federated", auth_url=auth_url)
        result = _scan(dns, "fed.com", entra)
    assert result.facts.tenant.namespace == "Federated"
    assert result.footprint is not None and result.footprint.get("federation").value == idp
    assert result.whitespace is not None
    got = result.whitespace.row("entra_id").play
    assert (got.key if got else None) == play


def test_report_keys_are_documented_and_stable(dns: FakeDnsServer) -> None:
    load_shared(dns)
    m365(dns, "contoso.com")
    microsoft_footprint(dns, "contoso.com")
    report = assessment_report(normalize_domain("contoso.com"), _scan(dns, "contoso.com"))
    assert set(report["footprint"]) == {"dns_host", "web_host", "intune", "entra_registration", "teams",
                                        "exchange_autodiscover", "federation", "saas"}
    assert set(report["footprint"]["web_host"]) == {"state", "value", "kind", "evidence", "cloud"}
    assert report["footprint"]["saas"]["tags"] == ["microsoft365"]
    roles = {(n["role"], n["host"]) for n in report["network"]}
    assert ("apex", "contoso.com") in roles and ("mx", "contoso-com.mail.protection.outlook.com") in roles
    assert ("www", "www.contoso.com") in roles
    assert set(report["network"][0]) == {"role", "host", "address", "country", "asn", "as_name", "network"}
    row = report["whitespace"]["rows"][0]
    assert set(row) == {"key", "label_en", "label_tr", "state", "evidence", "play"}
    assert report["tenant"]["auth_url"] is None


def test_mmdb_file_supplies_asn_and_country(tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-ASN", ipv4_compatible=True)
    writer.insert_network(IPSet(["94.73.144.0/20"]), {"autonomous_system_number": 64512,
                                                      "autonomous_system_organization": "Example Hosting TR"})
    writer.insert_network(IPSet(["5.9.0.0/16"]), {"autonomous_system_number": 24940,
                                                  "autonomous_system_organization": "Hetzner Online GmbH",
                                                  "country": {"iso_code": "FI"}})
    path = tmp_path / "asn.mmdb"
    writer.to_db_file(str(path))
    db = IpDatabase([path])
    try:
        tr = db.describe("94.73.145.10")
        hetzner = db.describe("5.9.10.10")
        google = db.describe("8.8.8.8")
        private = db.describe("10.0.0.1")
    finally:
        db.close()
    # The file's AS wins; the country comes from the registry data unless the file has one.
    assert (tr.asn, tr.as_name, tr.country, tr.network) == (64512, "Example Hosting TR", "TR", None)
    assert (hetzner.asn, hetzner.as_name, hetzner.country, hetzner.network) == (
        24940, "Hetzner Online GmbH", "FI", "Hetzner")
    # Not in the file: the shipped well-known table still answers.
    assert (google.asn, google.network, google.country) == (15169, "Google", "US")
    assert (private.country, private.asn, private.network) == (None, None, None)


def test_a_file_that_is_not_mmdb_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "not.mmdb"
    bad.write_text("hello")
    with pytest.raises(IpDatabaseError, match="not a readable MaxMind DB"):
        IpDatabase([bad])
