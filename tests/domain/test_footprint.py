"""Footprint signals from literal records: one row per record shape of the spec, plus failures."""

from __future__ import annotations

import pytest
from footprint_builders import (
    FAILED_TENANT,
    MANAGED,
    NO_TENANT,
    build,
    federated,
    judged,
)

from leadhunter.domain.footprint import Signal, SignalState
from leadhunter.domain.footprint_facts import AddressInfo
from leadhunter.domain.lookups import Outcome

P, A, U = SignalState.PRESENT, SignalState.ABSENT, SignalState.UNKNOWN


def signal(key: str, **kw: object) -> Signal:
    result = judged(build(**kw))  # type: ignore[arg-type]
    assert result.footprint is not None
    return result.footprint.get(key)


@pytest.mark.parametrize(("ns", "value"), [
    (("ns1-01.azure-dns.com.",), "Azure DNS"),
    (("NS2-01.AZURE-DNS.NET",), "Azure DNS"),
    (("ns3-01.azure-dns.org",), "Azure DNS"),
    (("ns4-01.azure-dns.info",), "Azure DNS"),
    (("ns-1234.awsdns-12.org", "ns-99.awsdns-01.co.uk"), "Route 53"),
    (("ns-cloud-a1.googledomains.com",), "Google Cloud DNS"),
    (("ada.ns.cloudflare.com",), "Cloudflare"),
    (("ns51.domaincontrol.com",), "GoDaddy"),
    (("ns1.natrohost.com",), "Natro"),
    (("ns1.turhost.com",), "Turhost"),
    (("ns1.isimtescil.net",), "İsimtescil"),
    (("ns1.dns-parking.com",), "Hostinger"),
    (("ns1.evilazure-dns.com",), "Other"),  # whole labels only
    (("ns1.contoso.com",), "Other"),
])
def test_dns_host_shapes(ns: tuple[str, ...], value: str) -> None:
    got = signal("dns_host", ns=ns)
    assert (got.state, got.value) == (P, value)
    assert got.evidence[0].startswith("NS ")


@pytest.mark.parametrize(("outcome", "state"), [(Outcome.SERVFAIL, U), (Outcome.TIMEOUT, U), (Outcome.NODATA, A)])
def test_dns_host_failure_is_unknown_not_absent(outcome: Outcome, state: SignalState) -> None:
    assert signal("dns_host", ns=(), ns_outcome=outcome).state is state


@pytest.mark.parametrize(("target", "value", "kind"), [
    ("contoso.azurewebsites.net", "Azure", "azure"),
    ("contoso-abc.z01.azurefd.net.", "Azure", "azure"),
    ("contoso.trafficmanager.net", "Azure", "azure"),
    ("contoso.westeurope.cloudapp.azure.com", "Azure", "azure"),
    ("gentle-sea-01.azurestaticapps.net", "Azure", "azure"),
    ("contoso.blob.core.windows.net", "Azure", "azure"),
    ("contoso.azureedge.net", "Azure", "azure"),
    ("d111111abcdef8.CloudFront.net", "AWS", "cloud"),
    ("my-lb-1234.eu-west-1.elb.amazonaws.com", "AWS", "cloud"),
    ("contoso.s3-website.eu-west-1.amazonaws.com", "AWS", "cloud"),
    ("ghs.googlehosted.com", "Google Cloud", "cloud"),
    ("contoso.appspot.com", "Google Cloud", "cloud"),
    ("contoso.web.app", "Google Cloud", "cloud"),
    ("contoso.firebaseapp.com", "Google Cloud", "cloud"),
    ("cname.vercel-dns.com", "Vercel", "platform"),
    ("contoso.netlify.app", "Netlify", "platform"),
    ("cdn1.wixdns.net", "Wix", "platform"),
    ("shops.myshopify.com", "Shopify", "platform"),
    ("ext-cust.squarespace.com", "Squarespace", "platform"),
])
def test_web_host_from_www_cname_chain(target: str, value: str, kind: str) -> None:
    got = signal("web_host", www=("203.0.113.10",), www_cnames=(target.lower().rstrip("."),))
    assert (got.state, got.value, got.kind) == (P, value, kind)
    assert got.evidence == (f"www.contoso.com: CNAME {target.lower().rstrip('.')}",)


def test_web_host_from_apex_chain_and_not_from_lookalike() -> None:
    assert signal("web_host", apex=("203.0.113.5",), apex_cnames=("contoso.azurewebsites.net",)).value == "Azure"
    got = signal("web_host", www=("203.0.113.10",), www_cnames=("contoso.notazurewebsites.net",))
    assert got.value == "Other"


@pytest.mark.parametrize(("label", "kind", "value"), [
    ("Microsoft", "azure", "Azure"), ("Amazon", "cloud", "AWS"), ("Google", "cloud", "Google Cloud"),
    ("Cloudflare", "cdn", "Cloudflare"), ("Hetzner", "cloud", "Hetzner"), ("GoDaddy", "hosting", "GoDaddy"),
])
def test_web_host_from_network_owner_when_no_cname_tells(label: str, kind: str, value: str) -> None:
    net = (AddressInfo("198.51.100.7", "DE", 64500, "X", label),)
    got = signal("web_host", apex=("198.51.100.7",), network=net)
    assert (got.state, got.value, got.kind) == (P, value, kind)
    assert label in got.evidence[0]


def test_web_host_absent_and_unknown() -> None:
    assert signal("web_host").state is A
    facts = build()
    assert judged(build(footprint=False)).footprint.get("web_host").state is U  # type: ignore[union-attr]
    assert facts.footprint is not None


@pytest.mark.parametrize(("key", "names", "state"), [
    ("intune", {"enterpriseenrollment": "enterpriseenrollment-s.manage.microsoft.com"}, P),
    ("intune", {"enterpriseenrollment": "EnterpriseEnrollment.Manage.Microsoft.com."}, P),
    ("intune", {"enterpriseenrollment": "mdm.othervendor.com"}, A),
    ("intune", {}, A),
    ("intune", {"enterpriseenrollment": Outcome.SERVFAIL}, U),
    ("intune", {"enterpriseenrollment": Outcome.TIMEOUT}, U),
    ("entra_registration", {"enterpriseregistration": "enterpriseregistration.windows.net"}, P),
    ("entra_registration", {}, A),
    ("entra_registration", {"enterpriseregistration": Outcome.REFUSED}, U),
    ("teams", {"lyncdiscover": "webdir.online.lync.com"}, P),
    ("teams", {"sip": "sipdir.online.lync.com"}, P),
    ("teams", {"_sip._tls": "100 1 443 sipdir.online.lync.com"}, P),
    ("teams", {"_sipfederationtls._tcp": "100 1 5061 sipfed.online.lync.com."}, P),
    ("teams", {"lyncdiscover": "webdir.online.lync.com", "sip": Outcome.SERVFAIL}, P),  # seen wins
    ("teams", {"sip": Outcome.TIMEOUT}, U),
    ("teams", {"lyncdiscover": "lync.contoso.com"}, A),
    ("teams", {}, A),
])
def test_workload_records(key: str, names: dict[str, object], state: SignalState) -> None:
    got = signal(key, names=names)
    assert got.state is state
    if state is P:
        assert got.evidence and all(": CNAME " in e or ": SRV " in e for e in got.evidence)


def test_intune_evidence_text() -> None:
    got = signal("intune", names={"enterpriseenrollment": "enterpriseenrollment-s.manage.microsoft.com"})
    assert got.evidence == ("enterpriseenrollment: CNAME enterpriseenrollment-s.manage.microsoft.com",)
    teams = signal("teams", names={"_sip._tls": "100 1 443 sipdir.online.lync.com"})
    assert teams.evidence == ("_sip._tls: SRV sipdir.online.lync.com",)


@pytest.mark.parametrize(("target", "state", "value"), [
    ("autodiscover.outlook.com", P, "Exchange Online"),
    ("mail.contoso.com", P, "Own host"),
    (None, A, None),
])
def test_exchange_autodiscover(target: str | None, state: SignalState, value: str | None) -> None:
    got = signal("exchange_autodiscover", autodiscover=target)
    assert (got.state, got.value) == (state, value)


@pytest.mark.parametrize(("tenant", "state", "value"), [
    (federated("https://sts.contoso.com/adfs/ls/?username=u"), P, "AD FS"),
    (federated("https://login.contoso.com/ADFS/ls/"), P, "AD FS"),
    (federated("https://contoso.okta.com/app/office365/abc/sso/wsfed/passive"), P, "Okta"),
    (federated("https://contoso.okta-emea.com/app/office365/sso"), P, "Okta"),
    (federated("https://sso.connect.pingidentity.com/sso/wsf"), P, "Ping"),
    (federated("https://auth.pingone.eu/abc/wsf/sso"), P, "Ping"),
    (federated("https://accounts.google.com/o/saml2/idp?idpid=abc"), P, "Google"),
    (federated("https://idp.contoso.com/wsfed"), P, "Other IdP"),
    (federated("https://notokta.com.evil.net/x"), P, "Other IdP"),
    (MANAGED, A, "Managed"),
    (NO_TENANT, A, None),
    (FAILED_TENANT, U, None),
])
def test_federation_idp(tenant: object, state: SignalState, value: str | None) -> None:
    got = signal("federation", tenant=tenant)
    assert (got.state, got.value) == (state, value)


def test_saas_tags_from_apex_txt() -> None:
    txt = ("MS=ms12345678", "google-site-verification=abc", "atlassian-domain-verification=x", "docusign=1",
           "adobe-idp-site-verification=2", "facebook-domain-verification=3", "apple-domain-verification=4",
           "ZOOM_verify_abc", "cisco-ci-domain-verification=5", "stripe-verification=6",
           "dropbox-domain-verification=7", "miro-verification=8", "yandex-verification: 9",
           "zoho-verification=zb1.zmverify.zoho.eu", "knowbe4-site-verification=10",
           "onetrust-domain-verification=11", "v=spf1 -all")
    got = signal("saas", txt=txt)
    assert got.state is P
    assert got.tags == ("microsoft365", "google", "atlassian", "docusign", "adobe", "meta", "apple", "zoom",
                        "webex", "stripe", "dropbox", "miro", "yandex", "zoho", "knowbe4", "onetrust")
    assert signal("saas", txt=("zoom-domain-verification=abc",)).tags == ("zoom",)
    assert signal("saas", txt=("v=spf1 -all",)).state is A
