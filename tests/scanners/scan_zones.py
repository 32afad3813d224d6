"""Realistic records for end-to-end scan tests, loaded into the fake DNS server."""

from __future__ import annotations

from fakes.dns_server import FakeDnsServer

SHARED = """
spf.protection.outlook.com TXT "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 -all"
_spf.google.com TXT "v=spf1 include:_netblocks.google.com ~all"
_netblocks.google.com TXT "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ~all"
aspmx.l.google.com A 142.250.153.26
alt1.aspmx.l.google.com A 142.250.27.26
autodiscover.outlook.com A 52.97.1.1
"""


def m365(dns: FakeDnsServer, domain: str, *, dmarc: str | None = "reject") -> None:
    """A Microsoft 365 tenant's usual records: protected MX, SPF, DKIM CNAMEs, autodiscover."""
    dashed = domain.replace(".", "-")
    tenant = domain.split(".")[0]
    dns.add(domain, "MX", f"0 {dashed}.mail.protection.outlook.com")
    dns.add(f"{dashed}.mail.protection.outlook.com", "A", "52.101.68.1")
    dns.add(domain, "TXT", "v=spf1 include:spf.protection.outlook.com -all")
    dns.add(domain, "TXT", "MS=ms12345678")
    for sel in ("selector1", "selector2"):
        target = f"{sel}-{dashed}._domainkey.{tenant}.onmicrosoft.com"
        dns.add(f"{sel}._domainkey.{domain}", "CNAME", target)
        dns.add(target, "TXT", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
    dns.add(f"autodiscover.{domain}", "CNAME", "autodiscover.outlook.com")
    if dmarc:
        dns.add(f"_dmarc.{domain}", "TXT", f"v=DMARC1; p={dmarc}; rua=mailto:dmarc@{domain}")


def google(dns: FakeDnsServer, domain: str, *, dmarc: str | None = "quarantine") -> None:
    """Google Workspace: aspmx MX set, _spf.google.com include, google._domainkey key."""
    for pref, host in ((1, "aspmx.l.google.com"), (5, "alt1.aspmx.l.google.com")):
        dns.add(domain, "MX", f"{pref} {host}")
    dns.add(domain, "TXT", "v=spf1 include:_spf.google.com ~all")
    dns.add(f"google._domainkey.{domain}", "TXT", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC")
    if dmarc:
        dns.add(f"_dmarc.{domain}", "TXT", f"v=DMARC1; p={dmarc}")


def gateway_m365(dns: FakeDnsServer, domain: str) -> None:
    """Proofpoint in front of Microsoft 365 (only SPF and autodiscover tell what is behind)."""
    dns.add(domain, "MX", "10 mx0a-00123.pphosted.com")
    dns.add(domain, "MX", "10 mx0b-00123.pphosted.com")
    dns.add(domain, "TXT", "v=spf1 include:spf.protection.outlook.com include:spf.pphosted.com -all")
    dns.add("spf.pphosted.com", "TXT", "v=spf1 ip4:148.163.128.0/19 -all")
    dns.add(f"autodiscover.{domain}", "CNAME", "autodiscover.outlook.com")


def self_hosted(dns: FakeDnsServer, domain: str) -> None:
    """A company's own mail server, SPF only."""
    dns.add(domain, "MX", f"10 mail.{domain}")
    dns.add(f"mail.{domain}", "A", "198.51.100.25")
    dns.add(domain, "TXT", "v=spf1 mx a -all")
    dns.add(domain, "A", "198.51.100.80")


def load_shared(dns: FakeDnsServer) -> None:
    """Records of the big providers that many domains point at."""
    dns.add_zone_text(SHARED)


def mx_alias_m365(dns: FakeDnsServer, domain: str) -> None:
    """An MX host under the domain that is a CNAME to Exchange Online Protection (RFC 2181 says no;
    it happens): the SPF, DKIM and DMARC of a full M365 tenant otherwise."""
    m365(dns, domain)
    dns.remove(domain, "MX")
    dns.add(domain, "MX", f"10 mail.{domain}")
    dns.add(f"mail.{domain}", "CNAME", f"{domain.replace('.', '-')}.mail.protection.outlook.com")


def exchange_hybrid(dns: FakeDnsServer, domain: str) -> None:
    """An own Exchange server first, Exchange Online Protection as the backup MX, M365 DKIM/autodiscover."""
    m365(dns, domain, dmarc=None)
    dns.remove(domain, "MX")
    dns.add(domain, "MX", f"10 mail.{domain}")
    dns.add(domain, "MX", f"20 {domain.replace('.', '-')}.mail.protection.outlook.com")
    dns.add(f"mail.{domain}", "A", "198.51.100.26")


def yandex(dns: FakeDnsServer, domain: str) -> None:
    """Yandex 360: mx.yandex.net, _spf.yandex.net, the key at mail._domainkey, DMARC reject."""
    dns.add(domain, "MX", "10 mx.yandex.net")
    dns.add(domain, "TXT", "v=spf1 redirect=_spf.yandex.net")
    dns.add("_spf.yandex.net", "TXT", "v=spf1 ip4:77.88.0.0/18 ~all")
    dns.add(f"mail._domainkey.{domain}", "TXT", "v=DKIM1; k=rsa; t=s; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDYx")
    dns.add(f"_dmarc.{domain}", "TXT", "v=DMARC1; p=reject")


def zoho(dns: FakeDnsServer, domain: str) -> None:
    """Zoho Mail (EU): mx.zoho.eu set, include:zoho.eu, the key at zmail._domainkey, DMARC reject."""
    for pref, host in ((10, "mx.zoho.eu"), (20, "mx2.zoho.eu"), (50, "mx3.zoho.eu")):
        dns.add(domain, "MX", f"{pref} {host}")
    dns.add(domain, "TXT", "v=spf1 include:zoho.eu ~all")
    dns.add("zoho.eu", "TXT", "v=spf1 ip4:185.20.208.0/22 ~all")
    dns.add(f"zmail._domainkey.{domain}", "TXT", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCZz")
    dns.add(f"_dmarc.{domain}", "TXT", "v=DMARC1; p=reject; rua=mailto:x@ag.dmarcian.com")


def cloudflare_routing(dns: FakeDnsServer, domain: str, *, behind: str | None = None) -> None:
    """Cloudflare Email Routing in front of ``behind`` (``"google"`` adds Google's SPF include)."""
    for pref, host in ((13, "route1.mx.cloudflare.net"), (24, "route2.mx.cloudflare.net"),
                       (86, "route3.mx.cloudflare.net")):
        dns.add(domain, "MX", f"{pref} {host}")
    include = " include:_spf.google.com" if behind == "google" else ""
    dns.add(domain, "TXT", f"v=spf1 include:_spf.mx.cloudflare.net{include} ~all")
    dns.add("_spf.mx.cloudflare.net", "TXT", "v=spf1 ip4:104.30.0.0/19 ~all")
