"""Static DNS data of the mail providers that the generated company zones point to.

Every out-of-zone name a company record refers to (MX hosts, SPF include targets, autodiscover) must
exist in the benchmark server, otherwise the scan measures REFUSED answers instead of real lookups.
Addresses are the providers' real public ranges (as of 2024) so SPF and PTR data look familiar; the
benchmark never routes to them (every query goes to the server on loopback).

Records are ``(owner, rtype, rdata)`` with absolute owner names; TXT rdata is the unquoted text.
"""

from __future__ import annotations

Record = tuple[str, str, str]

NS_HOSTS = ("ns1.hunterbench.net.", "ns2.hunterbench.net.")

M365_SPF = (
    "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/16 "
    "ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/50 "
    "ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 -all"
)

# Shared inbound pool: <tenant>.mail.protection.outlook.com answers with two of these (real tenants
# share a few hundred frontend addresses too).
M365_MX_POOL = tuple(f"52.101.{68 + n // 32}.{(n % 32) * 7 + 10}" for n in range(48))

# MX host -> addresses (A and AAAA); each also gets a PTR back to the host.
MAIL_HOSTS: dict[str, tuple[str, ...]] = {
    "aspmx.l.google.com.": ("142.250.27.26", "2a00:1450:4025:401::1a"),
    "alt1.aspmx.l.google.com.": ("142.250.153.27", "2a00:1450:4013:c16::1b"),
    "alt2.aspmx.l.google.com.": ("74.125.200.27", "2404:6800:4003:c00::1b"),
    "alt3.aspmx.l.google.com.": ("142.250.150.26", "2a00:1450:4010:c1c::1a"),
    "alt4.aspmx.l.google.com.": ("142.251.9.26", "2a00:1450:4025:c03::1a"),
    "smtp.google.com.": ("142.250.27.27", "2a00:1450:4025:401::1b"),
    "mx.yandex.net.": ("77.88.21.249", "2a02:6b8::311"),
    "mx.zoho.eu.": ("185.20.209.12",),
    "mx2.zoho.eu.": ("185.20.211.14",),
    "mx3.zoho.eu.": ("185.20.209.42",),
    "mx.natrohost.com.": ("94.73.145.10",),
    "mx2.natrohost.com.": ("94.73.145.11",),
    "mx.turkhost.com.tr.": ("185.8.128.10",),
    "smtp.secureserver.net.": ("68.178.213.37",),
    "mailstore1.secureserver.net.": ("68.178.213.243",),
    "mx1.hostinger.com.": ("172.65.182.103",),
    "mx2.hostinger.com.": ("172.65.182.104",),
    "mx1.mail.ovh.net.": ("188.165.47.122",),
    "mx2.mail.ovh.net.": ("188.165.51.139",),
    "mx3.mail.ovh.net.": ("87.98.154.146",),
    "eu-smtp-inbound-1.mimecast.com.": ("195.130.217.221", "195.130.217.236"),
    "eu-smtp-inbound-2.mimecast.com.": ("195.130.217.211", "195.130.217.206"),
}

# Hosting brands: (MX hosts with preferences, SPF include, DKIM selector the panel installs).
HOSTING_BRANDS: dict[str, tuple[tuple[tuple[int, str], ...], str]] = {
    "natro": (((10, "mx.natrohost.com"), (20, "mx2.natrohost.com")), "_spf.natrohost.com"),
    "turkhost": (((10, "mx.turkhost.com.tr"),), "spf.turkhost.com.tr"),
    "godaddy": (((0, "smtp.secureserver.net"), (10, "mailstore1.secureserver.net")), "secureserver.net"),
    "hostinger": (((5, "mx1.hostinger.com"), (10, "mx2.hostinger.com")), "_spf.mail.hostinger.com"),
    "ovh": (((1, "mx1.mail.ovh.net"), (5, "mx2.mail.ovh.net"), (100, "mx3.mail.ovh.net")), "mx.ovh.com"),
}

GOOGLE_MX = ((1, "aspmx.l.google.com"), (5, "alt1.aspmx.l.google.com"), (5, "alt2.aspmx.l.google.com"),
             (10, "alt3.aspmx.l.google.com"), (10, "alt4.aspmx.l.google.com"))
ZOHO_MX = ((10, "mx.zoho.eu"), (20, "mx2.zoho.eu"), (50, "mx3.zoho.eu"))
MIMECAST_MX = ((10, "eu-smtp-inbound-1.mimecast.com"), (10, "eu-smtp-inbound-2.mimecast.com"))

# Third-party senders that companies add to SPF (and DKIM) beside their mailbox provider.
EXTRA_SPF = ("servers.mcsv.net", "sendgrid.net", "amazonses.com")

_TXT: dict[str, str] = {
    "spf.protection.outlook.com.": M365_SPF,
    "_spf.google.com.": "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
    "include:_netblocks3.google.com ~all",
    "_netblocks.google.com.": "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 "
    "ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 "
    "ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all",
    "_netblocks2.google.com.": "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 "
    "ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all",
    "_netblocks3.google.com.": "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 "
    "ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 "
    "ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all",
    "_spf.yandex.net.": "v=spf1 ip4:77.88.0.0/18 ip4:87.250.224.0/19 ip4:5.45.192.0/18 ip4:95.108.128.0/17 "
    "ip4:141.8.128.0/18 ip4:178.154.128.0/18 ip6:2a02:6b8::/32 ~all",
    "zoho.eu.": "v=spf1 include:one.zoho.eu ~all",
    "one.zoho.eu.": "v=spf1 ip4:185.20.208.0/22 ip4:89.36.170.0/24 ip4:136.143.188.0/24 ~all",
    "_spf.natrohost.com.": "v=spf1 ip4:94.73.144.0/20 ip4:95.173.184.0/22 ip4:213.238.160.0/19 ~all",
    "spf.turkhost.com.tr.": "v=spf1 ip4:185.8.128.0/22 ip4:31.169.64.0/19 ~all",
    "secureserver.net.": "v=spf1 ip4:68.178.213.0/24 ip4:173.201.192.0/23 ip4:208.109.80.0/20 "
    "ip4:72.167.218.0/24 -all",
    "_spf.mail.hostinger.com.": "v=spf1 ip4:172.65.182.0/24 ip4:45.87.80.0/22 ip4:193.203.168.0/22 ~all",
    "mx.ovh.com.": "v=spf1 ip4:188.165.0.0/16 ip4:87.98.128.0/17 ip4:178.32.0.0/15 ip4:46.105.0.0/16 ~all",
    "_netblocks.mimecast.com.": "v=spf1 ip4:91.220.42.0/24 ip4:146.101.78.0/24 ip4:195.130.217.0/24 "
    "ip4:207.82.80.0/24 ~all",
    "servers.mcsv.net.": "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 ?all",
    "sendgrid.net.": "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20 "
    "ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 ~all",
    "amazonses.com.": "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 "
    "ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 -all",
}

# Zones the provider names live in (most specific first is not needed: owners are matched by suffix).
PROVIDER_ZONES = (
    "outlook.com", "mx.microsoft", "onmicrosoft.com", "google.com", "yandex.net", "zoho.eu",
    "natrohost.com", "turkhost.com.tr", "secureserver.net", "hostinger.com", "ovh.net", "ovh.com",
    "pphosted.com", "mimecast.com", "mcsv.net", "sendgrid.net", "amazonses.com", "hunterbench.net",
    "in-addr.arpa", "ip6.arpa",
    # targets of the footprint CNAMEs and SRVs and of the www CNAMEs to cloud web hosts
    "microsoft.com", "windows.net", "lync.com", "azurewebsites.net", "cloudfront.net", "googlehosted.com",
    "netlify.app",
)

# Fixed targets of the footprint records (Intune/Entra/Teams) and of the shared web hosts, so a www or
# footprint lookup that follows the alias gets the answer a recursive resolver would give (not NXDOMAIN).
FOOTPRINT_TARGETS: dict[str, tuple[str, ...]] = {
    "enterpriseenrollment-s.manage.microsoft.com.": ("20.190.137.100",),
    "enterpriseregistration.windows.net.": ("20.190.151.68",),
    "webdir.online.lync.com.": ("52.113.194.132",),
    "sipdir.online.lync.com.": ("52.112.193.16",),
    "sipfed.online.lync.com.": ("52.112.196.40",),
    "ghs.googlehosted.com.": ("142.250.185.243", "2a00:1450:4001:82a::2013"),
}


def zone_of(owner: str, zones: tuple[str, ...] = PROVIDER_ZONES) -> str:
    """The provider zone holding ``owner`` (absolute name), by longest suffix; '.' when none does."""
    name = owner.rstrip(".")
    best = "."
    for zone in zones:
        if (name == zone or name.endswith("." + zone)) and (best == "." or len(zone) > len(best)):
            best = zone
    return best


def static_records(dkim_key: str) -> list[Record]:
    """Every fixed provider record: MX hosts' addresses, SPF include targets, autodiscover, NS glue.

    ``dkim_key`` is the base64 public key used for the senders' DKIM TXT records (dkim.mcsv.net).
    """
    out: list[Record] = [(host, "A", "127.0.0.1") for host in NS_HOSTS]
    for owner, text in _TXT.items():
        out.append((owner, "TXT", text))
    for host, addrs in MAIL_HOSTS.items():
        out.extend((host, "AAAA" if ":" in ip else "A", ip) for ip in addrs)
    for n, ip in enumerate(M365_MX_POOL):
        inbound = f"mail-eur{n // 8:02d}in{n:03d}.inbound.protection.outlook.com."
        out.append((inbound, "A", ip))
    out.append(("autodiscover.outlook.com.", "A", "52.97.186.120"))
    out.append(("autodiscover.outlook.com.", "A", "40.99.10.40"))
    out.append(("autodiscover.outlook.com.", "AAAA", "2603:1026:c0b::8"))
    out.append(("dkim.mcsv.net.", "TXT", f"v=DKIM1; k=rsa; p={dkim_key}"))
    for host, addrs in FOOTPRINT_TARGETS.items():
        out.extend((host, "AAAA" if ":" in ip else "A", ip) for ip in addrs)
    out.append(("outlook.com.", "MX", "5 outlook-com.olc.protection.outlook.com."))
    out.append(("google.com.", "MX", "10 smtp.google.com."))
    return out


def static_ptrs() -> list[tuple[str, str]]:
    """``(address, hostname)`` pairs for reverse DNS of the provider MX hosts and the M365 pool."""
    pairs = [(ip, host) for host, addrs in MAIL_HOSTS.items() for ip in addrs]
    pairs.extend(
        (ip, f"mail-eur{n // 8:02d}in{n:03d}.inbound.protection.outlook.com.")
        for n, ip in enumerate(M365_MX_POOL)
    )
    return pairs
