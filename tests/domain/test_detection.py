"""Table-driven tests for provider detection over hand-built DomainFacts: one row per rule.

Every row runs the real pipeline on literal records: ``find_spf`` → ``evaluate_dkim`` →
``detect_provider`` with the shipped rule file (``domain/data/providers.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from leadhunter.domain.detection import Confidence, Detection, MxStatus, detect_provider
from leadhunter.domain.dkim import evaluate_dkim
from leadhunter.domain.facts import TENANT_SKIPPED, DkimProbe, DomainFacts, SpfExpansion, TenantFacts, TenantStatus
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.provider_rules import (
    PROVIDERS,
    ProviderRulesError,
    default_provider_rules,
    parse_provider_rules,
)
from leadhunter.domain.spf import find_spf

C = Confidence
DOMAIN = "contoso.com"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5"
M365_DKIM = "selector1-contoso-com._domainkey.contoso.onmicrosoft.com"
M365_MX = "10 contoso-com.mail.protection.outlook.com"
PROOFPOINT = "10 mx0a-001.pphosted.com"
SPF_M365 = "v=spf1 include:spf.protection.outlook.com -all"
SPF_GOOGLE = "v=spf1 include:_spf.google.com ~all"
TENANT = TenantFacts(TenantStatus.FOUND, TENANT_ID, "Managed", "Contoso", "EU")


def facts(
    *mx: str,
    mx_outcome: Outcome = Outcome.OK,
    txt: tuple[str, ...] = (),
    dkim: tuple[tuple[str, str | None], ...] = (),
    autodiscover: tuple[str, ...] | None = None,
    autodiscover_chain: tuple[str, ...] = (),
    tenant: TenantFacts = TENANT_SKIPPED,
    spf: SpfExpansion | None = None,
    domain: str = DOMAIN,
    aliases: dict[str, tuple[str, ...]] | None = None,
    txt_outcome: Outcome = Outcome.OK,
    apex: Outcome | None = None,
) -> DomainFacts:
    """Build the facts of one scan. ``mx`` are MX answers (``"10 host"``); ``dkim`` pairs a selector
    with the CNAME target its key was reached through (None for a key published directly); ``aliases``
    maps an MX host to the CNAME chain its address lookup followed; ``apex`` adds the apex A lookup
    with that outcome."""
    probes = tuple(
        DkimProbe(sel, Lookup(f"{sel}._domainkey.{domain}", "TXT", Outcome.OK, (KEY,), (target,) if target else ()))
        for sel, target in dkim
    )
    auto = None
    if autodiscover is not None:
        auto = Lookup(f"autodiscover.{domain}", "CNAME", Outcome.OK, autodiscover, autodiscover_chain)
    addresses = [Lookup(host, "A", Outcome.OK, ("192.0.2.1",), chain) for host, chain in (aliases or {}).items()]
    if apex is not None:
        addresses.insert(0, Lookup(domain, "A", apex, ("192.0.2.80",) if apex is Outcome.OK else ()))
    return DomainFacts(
        domain=domain,
        mx=Lookup(domain, "MX", mx_outcome, mx),
        txt=Lookup(domain, "TXT", txt_outcome, txt),
        addresses=tuple(addresses),
        dmarc=Lookup(f"_dmarc.{domain}", "TXT", Outcome.NXDOMAIN),
        dkim=probes,
        autodiscover=auto,
        spf=spf or SpfExpansion(),
        tenant=tenant,
    )


def detect(scan: DomainFacts, referral_tenant_id: str | None = None) -> Detection:
    return detect_provider(
        scan,
        find_spf(scan.txt, scan.spf),
        evaluate_dkim(scan.dkim),
        default_provider_rules(),
        referral_tenant_id=referral_tenant_id,
    )


@dataclass(frozen=True)
class Want:
    """Expected detection; ``evidence`` lines must each appear exactly, ``absent`` text must appear nowhere."""

    provider: str
    gateway: str | None = None
    label: str | None = None
    confidence: Confidence = C.HIGH
    mx_status: MxStatus = MxStatus.OK
    secondary: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    tenant_name: str | None = None
    display: str | None = None
    hybrid: bool = False


def check(found: Detection, want: Want) -> None:
    assert found.provider == want.provider
    assert found.provider in PROVIDERS
    assert found.gateway == want.gateway
    assert found.hosting_label == want.label
    assert found.confidence is want.confidence
    assert found.mx_status is want.mx_status
    assert found.usable_mx is (want.mx_status is MxStatus.OK)
    assert found.secondary == want.secondary
    assert found.tenant_name == want.tenant_name
    assert found.display == (want.display or want.provider)
    assert found.hybrid is want.hybrid
    assert found.evidence, "every detection carries evidence"
    assert found.evidence[0].startswith("mx: ")
    for line in want.evidence:
        assert line in found.evidence
    for text in want.absent:
        assert all(text not in line for line in found.evidence)


def mx_only(host: str, provider: str, label: str | None = None, confidence: Confidence = C.HIGH) -> Want:
    """A single-MX verdict whose first evidence line names the (normalised) host."""
    shown = host.lower().rstrip(".")
    return Want(provider, label=label, confidence=confidence, evidence=(f"mx: {shown}",))


# --- one MX host, no other evidence: (MX answer, expected)
MX_CASES = [
    # M365
    pytest.param(M365_MX, mx_only("contoso-com.mail.protection.outlook.com", "M365"), id="m365-protection"),
    pytest.param(
        "0 contoso-com.r-v1.mx.microsoft", mx_only("contoso-com.r-v1.mx.microsoft", "M365"), id="m365-mx-microsoft"
    ),
    pytest.param(
        "10 CONTOSO-COM.Mail.Protection.Outlook.COM.", mx_only("contoso-com.mail.protection.outlook.com", "M365"),
        id="m365-upper-case-trailing-dot",
    ),
    pytest.param(
        "10 contoso-com.mail.protection.outlook.de", mx_only("contoso-com.mail.protection.outlook.de", "M365"),
        id="m365-germany",
    ),
    # Google
    pytest.param("1 aspmx.l.google.com", mx_only("aspmx.l.google.com", "Google"), id="google-aspmx"),
    pytest.param("5 alt1.aspmx.l.google.com", mx_only("alt1.aspmx.l.google.com", "Google"), id="google-alt1"),
    pytest.param("1 smtp.google.com", mx_only("smtp.google.com", "Google"), id="google-smtp"),
    pytest.param("10 aspmx2.googlemail.com", mx_only("aspmx2.googlemail.com", "Google"), id="google-googlemail-host"),
    pytest.param("10 googlemail.com", mx_only("googlemail.com", "Google"), id="google-googlemail-apex"),
    pytest.param("1 ASPMX.L.GOOGLE.COM.", mx_only("aspmx.l.google.com", "Google"), id="google-upper-trailing-dot"),
    # other mailbox and sending providers
    pytest.param("10 mx.yandex.net", mx_only("mx.yandex.net", "Yandex"), id="yandex"),
    pytest.param("10 mx.yandex.ru", mx_only("mx.yandex.ru", "Yandex"), id="yandex-ru"),
    pytest.param("10 mx.zoho.eu", mx_only("mx.zoho.eu", "Zoho"), id="zoho-eu"),
    pytest.param("10 mx.zoho.com", mx_only("mx.zoho.com", "Zoho"), id="zoho-com"),
    pytest.param(
        "10 inbound-smtp.eu-west-1.amazonaws.com", mx_only("inbound-smtp.eu-west-1.amazonaws.com", "Amazon"),
        id="amazon-ses-inbound",
    ),
    pytest.param("10 mx.sendgrid.net", mx_only("mx.sendgrid.net", "SendGrid"), id="sendgrid"),
    pytest.param("10 mxa.mailgun.org", mx_only("mxa.mailgun.org", "Mailgun"), id="mailgun"),
    pytest.param("10 mxa.eu.mailgun.org", mx_only("mxa.eu.mailgun.org", "Mailgun"), id="mailgun-eu"),
    # shared hosting
    pytest.param("0 smtp.secureserver.net", mx_only("smtp.secureserver.net", "Hosting", "GoDaddy"), id="godaddy"),
    pytest.param("5 mx1.hostinger.com", mx_only("mx1.hostinger.com", "Hosting", "Hostinger"), id="hosting-hostinger"),
    pytest.param("1 mx1.mail.ovh.net", mx_only("mx1.mail.ovh.net", "Hosting", "OVH"), id="hosting-ovh"),
    pytest.param("10 mx00.ionos.de", mx_only("mx00.ionos.de", "Hosting", "IONOS"), id="hosting-ionos"),
    pytest.param(
        "0 contoso-com.mail.eo.outlook.com.mail.protection.outlook.com",
        mx_only("contoso-com.mail.eo.outlook.com.mail.protection.outlook.com", "M365"), id="m365-nested-labels",
    ),
    # Turkish hosting labels
    pytest.param("10 mail.natrohost.com", mx_only("mail.natrohost.com", "Hosting", "Natro"), id="tr-natrohost"),
    pytest.param("10 mx.natro.com", mx_only("mx.natro.com", "Hosting", "Natro"), id="tr-natro"),
    pytest.param("10 mx.turkhost.com.tr", mx_only("mx.turkhost.com.tr", "Hosting", "TürkHost"), id="tr-turkhost"),
    pytest.param("10 mail.turhost.com", mx_only("mail.turhost.com", "Hosting", "Turhost"), id="tr-turhost"),
    pytest.param("10 mx.isimtescil.net", mx_only("mx.isimtescil.net", "Hosting", "İsimtescil"), id="tr-isimtescil"),
    pytest.param(
        "10 mail.superonline.net", mx_only("mail.superonline.net", "Hosting", "Superonline"), id="tr-superonline",
    ),
    pytest.param("10 mx.ttnet.com.tr", mx_only("mx.ttnet.com.tr", "Hosting", "TTNET"), id="tr-ttnet"),
    pytest.param("10 mail.dns.com.tr", mx_only("mail.dns.com.tr", "Hosting", "DNS.com.tr"), id="tr-dns-com-tr"),
    pytest.param("10 mx1.pendns.net", mx_only("mx1.pendns.net", "Hosting", "Pendns"), id="tr-pendns"),
    pytest.param("10 mail.vit.com.tr", mx_only("mail.vit.com.tr", "Hosting", "VIT"), id="tr-vit"),
    pytest.param("10 mx.kriweb.com", mx_only("mx.kriweb.com", "Hosting", "Kriweb"), id="tr-kriweb"),
    pytest.param("10 mail.bulutino.com", mx_only("mail.bulutino.com", "Hosting", "Bulutino"), id="tr-bulutino"),
    pytest.param("10 MAIL.NATROHOST.COM.", mx_only("mail.natrohost.com", "Hosting", "Natro"), id="tr-upper-dot"),
    # Local: the domain's own server is sure; someone else's unrecognised server less so
    pytest.param("10 mail.contoso.com", mx_only("mail.contoso.com", "Local"), id="local-mail-subdomain"),
    pytest.param("10 contoso.com", mx_only("contoso.com", "Local"), id="local-apex"),
    pytest.param("10 Mail.Contoso.COM.", mx_only("mail.contoso.com", "Local"), id="local-upper-trailing-dot"),
    pytest.param(
        "10 mx.relay-isp.example", mx_only("mx.relay-isp.example", "Local", confidence=C.MEDIUM), id="local-foreign",
    ),
    pytest.param(
        "10 mail.notcontoso.com", mx_only("mail.notcontoso.com", "Local", confidence=C.MEDIUM),
        id="local-lookalike-not-own",
    ),
    # suffix matching on whole labels: look-alikes are not the provider
    pytest.param(
        "10 evilprotection.outlook.com.attacker.example",
        mx_only("evilprotection.outlook.com.attacker.example", "Local", confidence=C.MEDIUM), id="spoof-m365-prefix",
    ),
    pytest.param(
        "10 mail.protection.outlook.com.evil.example",
        mx_only("mail.protection.outlook.com.evil.example", "Local", confidence=C.MEDIUM), id="spoof-m365-suffix",
    ),
    pytest.param(
        "10 contoso-com.evilmail.protection.outlook.com",
        mx_only("contoso-com.evilmail.protection.outlook.com", "Local", confidence=C.MEDIUM), id="spoof-m365-label",
    ),
    pytest.param("10 fakemx.microsoft", mx_only("fakemx.microsoft", "Local", confidence=C.MEDIUM), id="spoof-mx-ms"),
    pytest.param(
        "10 aspmx.l.google.com.evil.example", mx_only("aspmx.l.google.com.evil.example", "Local", confidence=C.MEDIUM),
        id="spoof-google-suffix",
    ),
    pytest.param("10 mx.notgoogle.com", mx_only("mx.notgoogle.com", "Local", confidence=C.MEDIUM), id="spoof-google"),
    pytest.param(
        "10 smtp.secureserver.net.evil.example",
        mx_only("smtp.secureserver.net.evil.example", "Local", confidence=C.MEDIUM), id="spoof-hosting-suffix",
    ),
    pytest.param(
        "10 mx.notnatrohost.com", mx_only("mx.notnatrohost.com", "Local", confidence=C.MEDIUM), id="spoof-natro-label",
    ),
]


@pytest.mark.parametrize(("answer", "want"), MX_CASES)
def test_detect_single_mx(answer: str, want: Want) -> None:
    check(detect(facts(answer)), want)


# --- no usable MX: (facts, expected)
NO_MX_CASES = [
    pytest.param(
        facts(mx_outcome=Outcome.NXDOMAIN), Want("Unknown", mx_status=MxStatus.NONE, evidence=("mx: no MX records",)),
        id="no-mx-nxdomain",
    ),
    pytest.param(
        facts(mx_outcome=Outcome.NODATA), Want("Unknown", mx_status=MxStatus.NONE, evidence=("mx: no MX records",)),
        id="no-mx-nodata",
    ),
    pytest.param(facts(), Want("Unknown", mx_status=MxStatus.NONE), id="no-mx-ok-empty"),
    pytest.param(facts("garbage"), Want("Unknown", mx_status=MxStatus.NONE), id="no-mx-unparsable-answer"),
    pytest.param(
        facts("0 ."),
        Want("Unknown", mx_status=MxStatus.NULL, evidence=("mx: null MX (0 .), the domain accepts no mail",)),
        id="null-mx",
    ),
    pytest.param(facts("10 ."), Want("Unknown", mx_status=MxStatus.NULL), id="hostless-mx-not-null-preference"),
    pytest.param(facts("0 .", "0 ."), Want("Unknown", mx_status=MxStatus.NULL), id="null-mx-twice"),
    pytest.param(
        facts("0 .", txt=(SPF_M365,), dkim=(("selector1", M365_DKIM),), tenant=TENANT),
        Want("Unknown", mx_status=MxStatus.NULL, tenant_name="contoso",
             evidence=("spf: include:spf.protection.outlook.com", f"tenant: {TENANT_ID}, Managed")),
        id="null-mx-evidence-kept-provider-unknown",
    ),
    # MX lookup failed: we do not know, so Unknown with low confidence
    pytest.param(
        facts(mx_outcome=Outcome.TIMEOUT),
        Want("Unknown", confidence=C.LOW, mx_status=MxStatus.UNKNOWN, evidence=("mx: lookup timeout",)),
        id="mx-timeout",
    ),
    pytest.param(
        facts(mx_outcome=Outcome.SERVFAIL),
        Want("Unknown", confidence=C.LOW, mx_status=MxStatus.UNKNOWN, evidence=("mx: lookup servfail",)),
        id="mx-servfail",
    ),
    pytest.param(
        facts(M365_MX, mx_outcome=Outcome.SERVFAIL, txt=(SPF_M365,), tenant=TENANT),
        Want("Unknown", confidence=C.LOW, mx_status=MxStatus.UNKNOWN,
             evidence=("mx: lookup servfail", "spf: include:spf.protection.outlook.com")),
        id="mx-failed-answers-ignored-evidence-kept",
    ),
]


@pytest.mark.parametrize(("scan", "want"), NO_MX_CASES)
def test_detect_without_usable_mx(scan: DomainFacts, want: Want) -> None:
    found = detect(scan)
    check(found, want)
    assert found.gateway is None


# --- a gateway with nothing behind it: (MX answer, gateway); provider Unknown, never Local
GATEWAY_CASES = [
    pytest.param("10 mx0a-001.pphosted.com", "Proofpoint", id="proofpoint"),
    pytest.param("10 eu-smtp-inbound-1.mimecast.com", "Mimecast", id="mimecast"),
    pytest.param("10 d123456a.ess.barracudanetworks.com", "Barracuda", id="barracuda"),
    pytest.param("10 mx1.hc1234-56.iphmx.com", "Cisco", id="cisco-iphmx"),
    pytest.param("10 contoso-com.in.tmes.trendmicro.eu", "Trend Micro", id="trend-micro"),
    pytest.param("10 mx-01-eu-west-1.prod.hydra.sophos.com", "Sophos", id="sophos"),
    pytest.param("10 cluster1.eu.messagelabs.com", "Symantec", id="symantec-messagelabs"),
    pytest.param("10 cluster1.eu.mailcontrol.com", "Forcepoint", id="forcepoint-mailcontrol"),
    pytest.param("10 mx01.hornetsecurity.com", "Hornetsecurity", id="hornetsecurity"),
    pytest.param("10 contoso.mx1.libraesva.com", "Libraesva", id="libraesva"),
    pytest.param("10 MX0B-001.PPHOSTED.COM.", "Proofpoint", id="proofpoint-upper-trailing-dot"),
]


@pytest.mark.parametrize(("answer", "gateway"), GATEWAY_CASES)
def test_gateway_without_evidence_is_unknown(answer: str, gateway: str) -> None:
    host = answer.split()[1].lower().rstrip(".")
    want = Want(
        "Unknown", gateway=gateway, confidence=C.LOW, display=f"Unknown via {gateway}",
        evidence=(f"mx: {host}", f"gateway {gateway}: nothing tells the provider behind it"),
    )
    check(detect(facts(answer)), want)


# --- evidence beyond the MX: (facts, referral tenant id, expected)
INFERENCE_CASES = [
    # the provider behind a gateway
    pytest.param(
        facts(PROOFPOINT, txt=(SPF_M365,)), None,
        Want("M365", "Proofpoint", confidence=C.LOW, display="M365 via Proofpoint",
             evidence=("mx: mx0a-001.pphosted.com", "spf: include:spf.protection.outlook.com",
                       "gateway Proofpoint: mailboxes behind it inferred as M365")),
        id="gateway-spf-m365",
    ),
    pytest.param(
        facts("10 eu-smtp-inbound-1.mimecast.com", txt=(SPF_GOOGLE,)), None,
        Want("Google", "Mimecast", confidence=C.LOW, display="Google via Mimecast",
             evidence=("spf: include:_spf.google.com",)),
        id="gateway-spf-google",
    ),
    pytest.param(
        facts("10 cluster1.eu.messagelabs.com", txt=("v=spf1 include:_spf.yandex.net ~all",)), None,
        Want("Yandex", "Symantec", confidence=C.LOW, display="Yandex via Symantec",
             evidence=("spf: include:_spf.yandex.net",)),
        id="gateway-spf-yandex",
    ),
    pytest.param(
        facts("10 mx01.hornetsecurity.com", txt=("v=spf1 include:zoho.eu -all",)), None,
        Want("Zoho", "Hornetsecurity", confidence=C.LOW, display="Zoho via Hornetsecurity",
             evidence=("spf: include:zoho.eu",)),
        id="gateway-spf-zoho-eu",
    ),
    pytest.param(
        facts("10 mx.libraesva.com", txt=("v=spf1 include:zoho.sa -all",)), None,
        Want("Zoho", "Libraesva", confidence=C.LOW, display="Zoho via Libraesva", evidence=("spf: include:zoho.sa",)),
        id="gateway-spf-zoho-sa",
    ),
    pytest.param(
        facts(PROOFPOINT, txt=("v=spf1 include:_spf.example.net -all",),
              spf=SpfExpansion(lookups_used=2, includes=("_spf.example.net", "spf.protection.outlook.com"))), None,
        Want("M365", "Proofpoint", confidence=C.LOW, display="M365 via Proofpoint",
             evidence=("spf: include:spf.protection.outlook.com",)),
        id="gateway-spf-nested-include-from-expansion",
    ),
    pytest.param(
        facts(PROOFPOINT, dkim=(("selector1", M365_DKIM),)), None,
        Want("M365", "Proofpoint", confidence=C.MEDIUM, display="M365 via Proofpoint", tenant_name="contoso",
             evidence=(f"dkim: selector1 → {M365_DKIM}",)),
        id="gateway-dkim-cname-onmicrosoft",
    ),
    pytest.param(
        facts("10 mx1.hc1234-56.iphmx.com", autodiscover=("autodiscover.outlook.com",)), None,
        Want("M365", "Cisco", confidence=C.MEDIUM, display="M365 via Cisco",
             evidence=("autodiscover: autodiscover.outlook.com",)),
        id="gateway-autodiscover-answer",
    ),
    pytest.param(
        facts("10 d1.ess.barracudanetworks.com", autodiscover=("1.2.3.4",),
              autodiscover_chain=("autodiscover.outlook.com", "autod.ms-acdc-autod.office.com")), None,
        Want("M365", "Barracuda", confidence=C.MEDIUM, display="M365 via Barracuda",
             evidence=("autodiscover: autodiscover.outlook.com",)),
        id="gateway-autodiscover-cname-chain",
    ),
    pytest.param(
        facts("10 mx01.hornetsecurity.com", tenant=TENANT), None,
        Want("M365", "Hornetsecurity", confidence=C.LOW, display="M365 via Hornetsecurity",
             evidence=(f"tenant: {TENANT_ID}, Managed",)),
        id="gateway-tenant-managed",
    ),
    pytest.param(
        facts("10 mx01.hornetsecurity.com", tenant=TenantFacts(TenantStatus.FOUND, TENANT_ID, "Federated")), None,
        Want("M365", "Hornetsecurity", confidence=C.LOW, display="M365 via Hornetsecurity",
             evidence=(f"tenant: {TENANT_ID}, Federated",)),
        id="gateway-tenant-federated",
    ),
    pytest.param(
        facts(PROOFPOINT, tenant=TenantFacts(TenantStatus.NOT_FOUND)), None,
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint", absent=("tenant:",)),
        id="gateway-tenant-not-found",
    ),
    pytest.param(
        facts(PROOFPOINT, tenant=TenantFacts(TenantStatus.FAILED, error="timeout")), None,
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint", absent=("tenant:",)),
        id="gateway-tenant-failed",
    ),
    pytest.param(
        facts(PROOFPOINT, txt=(SPF_M365,), tenant=TENANT), None,
        Want("M365", "Proofpoint", confidence=C.MEDIUM, display="M365 via Proofpoint",
             evidence=("spf: include:spf.protection.outlook.com", f"tenant: {TENANT_ID}, Managed")),
        id="gateway-spf-and-tenant-medium",
    ),
    pytest.param(
        facts(PROOFPOINT, txt=(SPF_GOOGLE,), dkim=(("selector1", M365_DKIM),),
              autodiscover=("autodiscover.outlook.com",)), None,
        Want("M365", "Proofpoint", confidence=C.MEDIUM, display="M365 via Proofpoint", tenant_name="contoso",
             evidence=("spf: include:_spf.google.com",)),
        id="gateway-strongest-evidence-wins",
    ),
    pytest.param(
        facts(PROOFPOINT, txt=("v=spf1 include:sendgrid.net include:mailgun.org include:amazonses.com -all",)), None,
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint"),
        id="gateway-senders-are-not-mailboxes",
    ),
    pytest.param(
        facts(PROOFPOINT, txt=("v=spf1 include:spf.protection.outlook.com.evil.example -all",)), None,
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint"),
        id="gateway-spoofed-include-ignored",
    ),
    # a Local or Hosting MX relaying to a mailbox provider
    pytest.param(
        facts("10 mail.contoso.com", dkim=(("selector1", M365_DKIM),), autodiscover=("autodiscover.outlook.com",)),
        None,
        Want("M365", confidence=C.MEDIUM, tenant_name="contoso", secondary=("Local",), hybrid=True,
             evidence=("mx: mail.contoso.com",
                       "Exchange hybrid: own server mail.contoso.com first, Microsoft 365 behind it "
                       "(evidence weight 6)",
                       f"dkim: selector1 → {M365_DKIM}", "autodiscover: autodiscover.outlook.com")),
        id="local-strong-m365-evidence-is-hybrid",
    ),
    pytest.param(
        facts("10 mx1.hostinger.com", dkim=(("selector1", M365_DKIM),), txt=(SPF_M365,)), None,
        Want("M365", confidence=C.MEDIUM, tenant_name="contoso",
             evidence=("hosting MX relays to M365 (evidence weight 5)",)),
        id="hosting-strong-m365-evidence-drops-label",
    ),
    pytest.param(
        facts("10 mail.contoso.com", txt=(SPF_M365,), tenant=TENANT), None,
        Want("Local", tenant_name=None,
             evidence=("mx: mail.contoso.com", "spf: include:spf.protection.outlook.com")),
        id="local-weak-m365-evidence-stays-local",
    ),
    pytest.param(
        facts("10 mail.natrohost.com", tenant=TENANT), None,
        Want("Hosting", label="Natro", evidence=(f"tenant: {TENANT_ID}, Managed",)),
        id="hosting-tenant-only-stays-hosting",
    ),
    pytest.param(
        facts("10 mail.contoso.com"), "b5e2a3c1-0000-4000-8000-000000000001",
        Want("M365", confidence=C.MEDIUM, secondary=("Local",), hybrid=True,
             evidence=("referral: tenant b5e2a3c1-0000-4000-8000-000000000001",)),
        id="local-referral-tenant-m365-hybrid",
    ),
    pytest.param(
        facts("10 smtp.secureserver.net"), "b5e2a3c1-0000-4000-8000-000000000001",
        Want("M365", confidence=C.MEDIUM), id="hosting-referral-tenant-m365",
    ),
    # a known mailbox MX decides; other evidence stays in the list but does not flip it
    pytest.param(
        facts("1 aspmx.l.google.com", tenant=TENANT, txt=(SPF_GOOGLE, "MS=ms12345678")), None,
        Want("Google",
             evidence=("spf: include:_spf.google.com", f"tenant: {TENANT_ID}, Managed", "txt: MS=ms12345678")),
        id="google-mx-with-stray-tenant-stays-google",
    ),
    pytest.param(
        facts("1 smtp.google.com", tenant=TENANT), "b5e2a3c1-0000-4000-8000-000000000001",
        Want("Google"), id="google-mx-with-referral-stays-google",
    ),
    pytest.param(
        facts(M365_MX, txt=(SPF_M365,), dkim=(("selector1", M365_DKIM),), tenant=TENANT), None,
        Want("M365", tenant_name="contoso",
             evidence=("mx: contoso-com.mail.protection.outlook.com", "spf: include:spf.protection.outlook.com",
                       f"dkim: selector1 → {M365_DKIM}", f"tenant: {TENANT_ID}, Managed")),
        id="m365-full-evidence",
    ),
    pytest.param(
        facts(M365_MX, txt=(SPF_GOOGLE,)), None,
        Want("M365", evidence=("spf: include:_spf.google.com",)), id="m365-mx-beats-google-spf",
    ),
    pytest.param(
        facts("10 mx.zoho.eu", dkim=(("selector1", M365_DKIM),), autodiscover=("autodiscover.outlook.com",)), None,
        Want("Zoho", tenant_name="contoso"), id="zoho-mx-not-flipped-by-m365-config",
    ),
    pytest.param(
        facts("10 mail.contoso.com", dkim=(("default", None),)), None,
        Want("Local", absent=("dkim:",)), id="local-direct-dkim-key-no-clue",
    ),
    pytest.param(
        facts("10 mail.contoso.com", dkim=(("selector1", "selector1-contoso-com._domainkey.contoso.onmicrosoft.us"),)),
        None, Want("Local", tenant_name="contoso"), id="tenant-name-from-onmicrosoft-us",
    ),
]


@pytest.mark.parametrize(("scan", "referral", "want"), INFERENCE_CASES)
def test_detect_with_evidence(scan: DomainFacts, referral: str | None, want: Want) -> None:
    check(detect(scan, referral), want)


# --- several MX hosts: the lowest preference decides, the others are secondary
MULTI_MX_CASES = [
    pytest.param(
        ("10 alt1.aspmx.l.google.com", "1 aspmx.l.google.com", "10 alt2.aspmx.l.google.com",
         "5 aspmx2.googlemail.com"),
        Want("Google", evidence=("mx: aspmx.l.google.com",)), id="google-classic-set",
    ),
    pytest.param(
        ("20 contoso-com.mail.protection.outlook.com", "10 mail.contoso.com"),
        Want("M365", secondary=("Local",), hybrid=True,
             evidence=("mx: mail.contoso.com", "Exchange hybrid: own server mail.contoso.com first, Microsoft 365 "
                       "behind it (contoso-com.mail.protection.outlook.com)")),
        id="hybrid-local-primary-m365-backup",
    ),
    pytest.param(
        (M365_MX, "20 mail.contoso.com"),
        Want("M365", secondary=("Local",), evidence=("mx: contoso-com.mail.protection.outlook.com",)),
        id="m365-primary-local-backup",
    ),
    pytest.param(
        ("10 mx1.hostinger.com", "5 aspmx.l.google.com", "20 mx2.hostinger.com"),
        Want("Google", secondary=("Hosting",)), id="google-primary-hosting-backups-deduplicated",
    ),
    pytest.param(
        ("10 mail.contoso.com", "10 aspmx.l.google.com"),
        Want("Google", secondary=("Local",)), id="equal-preference-known-beats-local",
    ),
    pytest.param(
        ("10 mx.yandex.net", "20 mx.zoho.eu", "30 mx.sendgrid.net"),
        Want("Yandex", secondary=("Zoho", "SendGrid")), id="secondary-in-preference-order",
    ),
    pytest.param(
        ("10 mx0a-001.pphosted.com", "10 mx0b-001.pphosted.com"),
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint"), id="gateway-pair",
    ),
    pytest.param(
        (M365_MX, "20 eu-smtp-inbound-1.mimecast.com"),
        Want("M365", secondary=("Mimecast",)), id="gateway-as-backup-is-secondary",
    ),
    pytest.param(
        ("0 .", "10 mail.contoso.com"), Want("Local", evidence=("mx: mail.contoso.com",)),
        id="null-mx-beside-real-host-ignored",
    ),
    pytest.param(
        ("10 mail.contoso.com", "junk answer", "20 mx.yandex.net"), Want("Local", secondary=("Yandex",)),
        id="unparsable-answer-skipped",
    ),
]


@pytest.mark.parametrize(("answers", "want"), MULTI_MX_CASES)
def test_detect_several_mx(answers: tuple[str, ...], want: Want) -> None:
    found = detect(facts(*answers))
    check(found, want)
    assert [r.preference for r in found.mx_hosts] == sorted(r.preference for r in found.mx_hosts)


# --- the rule file: malformed or unknown content is refused with ProviderRulesError
BAD_RULES = [
    pytest.param("[[mailbox]\nprovider = 'M365'", "not valid TOML", id="toml-syntax"),
    pytest.param("mailbox = [", "not valid TOML", id="toml-unterminated"),
    pytest.param("[[mailbox]]\nprovider = 'Hotmail'\nmx = ['x.example']", "unknown mailbox provider", id="unknown"),
    pytest.param("[[mailbox]]\nmx = ['x.example']", "unknown mailbox provider", id="provider-missing"),
    pytest.param("[[mailbox]]\nprovider = 'm365'\nmx = ['x.example']", "unknown mailbox provider", id="provider-case"),
    pytest.param("[[mailbox]]\nprovider = 'Local'\nmx = ['x.example']", "unknown mailbox provider", id="local"),
    pytest.param("[[mailbox]]\nprovider = 'Hosting'", "unknown mailbox provider", id="provider-hosting"),
    pytest.param("[[mailbox]]\nprovider = 'Unknown'", "unknown mailbox provider", id="provider-unknown"),
    pytest.param("[[mailbox]]\nprovider = 'M365'\nmx = 'x.example'", "must be a list", id="mx-not-list"),
    pytest.param("[[mailbox]]\nprovider = 'M365'\nspf = ['']", "must be a list", id="spf-empty-suffix"),
    pytest.param("[[mailbox]]\nprovider = 'M365'\ndkim_cname = [1]", "must be a list", id="dkim-not-strings"),
    pytest.param("[[hosting]]\nmx = ['x.example']", "'label' is required", id="hosting-no-label"),
    pytest.param("[[hosting]]\nlabel = ''\nmx = ['x.example']", "'label' is required", id="hosting-empty-label"),
    pytest.param("[[hosting]]\nlabel = 'X'\nmx = ['  ']", "must be a list", id="hosting-blank-suffix"),
    pytest.param("[[gateway]]\nmx = ['x.example']", "'name' is required", id="gateway-no-name"),
    pytest.param("[[gateway]]\nname = 3\nmx = ['x.example']", "'name' is required", id="gateway-name-not-string"),
    pytest.param("mailbox = 'M365'", "array of tables", id="mailbox-not-array"),
    pytest.param("[mailbox]\nprovider = 'M365'", "array of tables", id="mailbox-single-table"),
    pytest.param("hosting = [1, 2]", "array of tables", id="hosting-array-of-ints"),
    pytest.param("gateway = 'Proofpoint'", "array of tables", id="gateway-not-array"),
]


@pytest.mark.parametrize(("text", "message"), BAD_RULES)
def test_parse_provider_rules_rejects(text: str, message: str) -> None:
    with pytest.raises(ProviderRulesError, match=message):
        parse_provider_rules(text)


def test_parse_provider_rules_accepts_minimal_file() -> None:
    rules = parse_provider_rules(
        "[[mailbox]]\nprovider = 'M365'\nmx = ['Mail.Protection.Outlook.COM.']\n"
        "[[hosting]]\nlabel = 'Natro'\nmx = ['natrohost.com']\n"
        "[[gateway]]\nname = 'Proofpoint'\nmx = ['pphosted.com']\n"
    )
    assert rules.mx.match("X.mail.protection.outlook.com.") == ("M365", "mail.protection.outlook.com")
    assert rules.hosting.match("mail.natrohost.com") == ("Natro", "natrohost.com")
    assert rules.gateway.match("mx0a.pphosted.com") == ("Proofpoint", "pphosted.com")
    assert rules.mx.match("pphosted.com") is None
    assert parse_provider_rules("") is not None  # an empty file is a valid (empty) rule set


@pytest.mark.parametrize(
    ("scan", "provider", "gateway", "secondary"),
    [
        pytest.param(facts(PROOFPOINT, "20 contoso-com.mail.protection.outlook.com"), "M365", "Proofpoint", (),
                     id="backup MX mailbox host tells what sits behind the gateway"),
        pytest.param(facts("10 a.pphosted.com", "10 z-com.mail.protection.outlook.com"), "M365", None,
                     ("Proofpoint",), id="equal preference: the mailbox host wins over the gateway"),
        pytest.param(facts("10 ec2-3-1-2-3.compute-1.amazonaws.com"), "Local", None, (),
                     id="self-run server on EC2 is Local, not Amazon SES"),
        pytest.param(facts("10 inbound-smtp.us-east-1.amazonaws.com"), "Amazon", None, (), id="SES inbound"),
        pytest.param(facts(PROOFPOINT, txt=("v=spf1 redirect=_spf.google.com",)), "Google", "Proofpoint", (),
                     id="SPF redirect counts like an include"),
        pytest.param(facts("10 mail.contoso.com", "20 contoso-com.mail.protection.outlook.com",
                           dkim=(("selector1", M365_DKIM),), autodiscover=("autodiscover.outlook.com",)),
                     "M365", None, ("Local",), id="hybrid: relay in front of M365, Local kept as secondary"),
    ],
)
def test_mx_sets_with_several_kinds_of_host(scan: DomainFacts, provider: str, gateway: str | None,
                                            secondary: tuple[str, ...]) -> None:
    result = detect(scan)
    assert (result.provider, result.gateway, result.secondary) == (provider, gateway, secondary)


def test_rule_file_with_a_misspelt_section_is_refused() -> None:
    with pytest.raises(ProviderRulesError, match="unknown section"):
        parse_provider_rules('[[mailboxes]]\nprovider = "M365"\nmx = ["x.com"]\n')


# --- spec §1a: an MX host that is a CNAME is classified on its chain too: (facts, expected)
EOP = "contoso-com.mail.protection.outlook.com"
CNAME_CASES = [
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": (EOP,)}),
        Want("M365", evidence=(f"mx: mail.contoso.com (CNAME → {EOP})",)), id="own-name-cname-to-eop-is-m365",
    ),
    pytest.param(
        facts("10 mx.contoso.com", aliases={"mx.contoso.com": ("relay.isp.example", EOP)}),
        Want("M365", evidence=(f"mx: mx.contoso.com (CNAME → {EOP})",)), id="two-hop-chain-to-eop",
    ),
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": ("aspmx.l.google.com",)}),
        Want("Google", evidence=("mx: mail.contoso.com (CNAME → aspmx.l.google.com)",)), id="cname-to-google",
    ),
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": ("mx0a-001.pphosted.com",)}),
        Want("Unknown", "Proofpoint", confidence=C.LOW, display="Unknown via Proofpoint",
             evidence=("mx: mail.contoso.com (CNAME → mx0a-001.pphosted.com)",
                       "gateway Proofpoint: nothing tells the provider behind it")),
        id="cname-to-gateway-is-gateway-not-local",
    ),
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": ("smtp.secureserver.net",)}),
        Want("Hosting", label="GoDaddy", evidence=("mx: mail.contoso.com (CNAME → smtp.secureserver.net)",)),
        id="cname-to-hosting",
    ),
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": ("server1.contoso.com",)}),
        Want("Local", evidence=("mx: mail.contoso.com",)), id="cname-to-own-host-stays-local",
    ),
    pytest.param(
        facts(M365_MX, aliases={"other.example": (EOP,)}),
        Want("M365", evidence=(f"mx: {EOP}",), absent=("CNAME",)), id="chain-of-another-name-ignored",
    ),
    pytest.param(
        facts("10 mail.contoso.com", aliases={"mail.contoso.com": ("mail.protection.outlook.com.evil.example",)}),
        Want("Local", absent=("CNAME",)), id="chain-suffix-spoof-stays-local",
    ),
]


@pytest.mark.parametrize(("scan", "want"), CNAME_CASES)
def test_mx_cname_chain(scan: DomainFacts, want: Want) -> None:
    check(detect(scan), want)


# --- spec §1a: Exchange hybrid, an own server at the lowest preference with M365 beside or behind it
HYBRID_NOTE = "Exchange hybrid: own server mail.contoso.com first, Microsoft 365 behind it"
HYBRID_CASES = [
    pytest.param(
        facts("10 mail.contoso.com", f"20 {EOP}"),
        Want("M365", secondary=("Local",), hybrid=True, evidence=(f"{HYBRID_NOTE} ({EOP})", f"mx backup: {EOP}")),
        id="own-server-first-eop-backup",
    ),
    pytest.param(
        facts("10 mail.contoso.com", "10 contoso-com.mail.protection.outlook.com"),
        Want("M365", secondary=("Local",), hybrid=True,
             evidence=("Exchange hybrid: own server mail.contoso.com beside Microsoft 365 at the same preference",)),
        id="own-server-beside-eop-same-preference",
    ),
    pytest.param(
        facts("10 mail.contoso.com", dkim=(("selector1", M365_DKIM),), tenant=TENANT,
              autodiscover=("autodiscover.outlook.com",)),
        Want("M365", confidence=C.MEDIUM, secondary=("Local",), hybrid=True, tenant_name="contoso",
             evidence=(f"{HYBRID_NOTE} (evidence weight 8)",)),
        id="own-server-eop-behind-by-evidence",
    ),
    pytest.param(
        facts("10 mail.contoso.com", f"20 {EOP}", "30 mx.backup-isp.example"),
        Want("M365", secondary=("Local",), hybrid=True), id="third-party-backup-also-local-kept-once",
    ),
    pytest.param(
        facts("10 mail.contoso.com", f"20 {EOP}", "30 mx1.hostinger.com"),
        Want("M365", secondary=("Local", "Hosting"), hybrid=True), id="hybrid-with-hosting-backup",
    ),
    # not hybrid
    pytest.param(facts(M365_MX, "20 mail.contoso.com"), Want("M365", secondary=("Local",)),
                 id="eop-first-own-server-backup-not-hybrid"),
    pytest.param(facts("10 mail.contoso.com", "20 aspmx.l.google.com"), Want("Local", secondary=("Google",)),
                 id="own-server-google-backup-not-hybrid"),
    pytest.param(facts("10 mx1.hostinger.com", f"20 {EOP}"), Want("Hosting", label="Hostinger", secondary=("M365",)),
                 id="hosting-first-eop-backup-not-hybrid"),
    pytest.param(facts("10 mail.contoso.com", txt=(SPF_M365,)),
                 Want("Local", evidence=("spf: include:spf.protection.outlook.com",)),
                 id="own-server-spf-only-not-hybrid"),
    pytest.param(facts(PROOFPOINT, f"20 {EOP}", "20 mail.contoso.com"),
                 Want("M365", "Proofpoint", confidence=C.MEDIUM, display="M365 via Proofpoint", secondary=("Local",)),
                 id="gateway-first-not-hybrid"),
]


@pytest.mark.parametrize(("scan", "want"), HYBRID_CASES)
def test_exchange_hybrid(scan: DomainFacts, want: Want) -> None:
    check(detect(scan), want)


# --- spec §1a: mail forwarders are gateways, never Local: (facts, gateway, expected provider)
FORWARDER_CASES = [
    pytest.param(facts("10 route1.mx.cloudflare.net", "20 route2.mx.cloudflare.net"), "Cloudflare Email Routing",
                 "Unknown", id="cloudflare-routing-alone"),
    pytest.param(facts("5 route3.mx.cloudflare.net", txt=(SPF_GOOGLE,)), "Cloudflare Email Routing", "Google",
                 id="cloudflare-routing-google-spf"),
    pytest.param(facts("10 mx1.improvmx.com", "20 mx2.improvmx.com"), "ImprovMX", "Unknown", id="improvmx-alone"),
    pytest.param(facts("10 mx1.improvmx.com", dkim=(("selector1", M365_DKIM),)), "ImprovMX", "M365",
                 id="improvmx-m365-dkim-cname"),
    pytest.param(facts("10 mx1.forwardemail.net", "10 mx2.forwardemail.net"), "ForwardEmail", "Unknown",
                 id="forwardemail-alone"),
    pytest.param(facts("10 mx1.forwardemail.net", autodiscover=("autodiscover.outlook.com",)), "ForwardEmail",
                 "M365", id="forwardemail-m365-autodiscover"),
    pytest.param(facts("10 mx1.forwardemail.net", tenant=TENANT), "ForwardEmail", "M365",
                 id="forwardemail-m365-tenant"),
    pytest.param(facts("10 MX2.IMPROVMX.COM."), "ImprovMX", "Unknown", id="improvmx-upper-trailing-dot"),
]


@pytest.mark.parametrize(("scan", "gateway", "provider"), FORWARDER_CASES)
def test_mail_forwarders_are_gateways(scan: DomainFacts, gateway: str, provider: str) -> None:
    found = detect(scan)
    assert (found.provider, found.gateway, found.hosting_label) == (provider, gateway, None)
    assert found.provider != "Local" and found.display == f"{provider} via {gateway}"
    verdict = "nothing tells" if provider == "Unknown" else f"inferred as {provider}"
    assert any(line.startswith(f"mail forwarder {gateway}: ") and verdict in line for line in found.evidence)


# --- spec §1a: NXDOMAIN for the domain itself is not "no MX": (facts, expected MX status)
NXDOMAIN_CASES = [
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt_outcome=Outcome.NXDOMAIN), MxStatus.NXDOMAIN,
                 id="mx-and-txt-nxdomain"),
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt_outcome=Outcome.TIMEOUT), MxStatus.NXDOMAIN,
                 id="mx-nxdomain-txt-timeout"),
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt_outcome=Outcome.NXDOMAIN, apex=Outcome.NXDOMAIN),
                 MxStatus.NXDOMAIN, id="all-apex-nxdomain"),
    pytest.param(facts(mx_outcome=Outcome.NODATA, txt_outcome=Outcome.NXDOMAIN), MxStatus.NONE,
                 id="mx-nodata-domain-exists"),
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt_outcome=Outcome.NODATA), MxStatus.NONE,
                 id="txt-nodata-says-domain-exists"),
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt=("v=spf1 -all",)), MxStatus.NONE,
                 id="txt-answer-says-domain-exists"),
    pytest.param(facts(mx_outcome=Outcome.NXDOMAIN, txt_outcome=Outcome.NXDOMAIN, apex=Outcome.OK), MxStatus.NONE,
                 id="apex-address-says-domain-exists"),
    pytest.param(facts(mx_outcome=Outcome.TIMEOUT, txt_outcome=Outcome.NXDOMAIN), MxStatus.UNKNOWN,
                 id="mx-timeout-is-not-nxdomain"),
]


@pytest.mark.parametrize(("scan", "status"), NXDOMAIN_CASES)
def test_domain_that_does_not_exist(scan: DomainFacts, status: MxStatus) -> None:
    found = detect(scan)
    assert found.mx_status is status and found.provider == "Unknown" and not found.usable_mx
    nx_line = "mx: the domain does not exist (NXDOMAIN)"
    assert (found.evidence[0] == nx_line) is (status is MxStatus.NXDOMAIN)


def test_nxdomain_through_an_alias_is_not_a_missing_domain() -> None:
    scan = facts(txt_outcome=Outcome.NXDOMAIN)
    aliased = DomainFacts(scan.domain, Lookup(DOMAIN, "MX", Outcome.NXDOMAIN, (), ("gone.example.net",)),
                          scan.txt, scan.dmarc)
    assert detect(aliased).mx_status is MxStatus.NONE


def test_forwarder_flag_must_be_boolean() -> None:
    with pytest.raises(ProviderRulesError, match="'forwarder' must be true or false"):
        parse_provider_rules('[[gateway]]\nname = "X"\nforwarder = "yes"\nmx = ["x.example"]\n')
    rules = parse_provider_rules('[[gateway]]\nname = "X"\nforwarder = true\nmx = ["x.example"]\n')
    assert rules.forwarders == frozenset({"X"})
