"""Generate N realistic company zones plus the provider zones they point to, for NSD.

Usage (standalone, mostly for inspection): ``python bench/zones.py OUT_DIR --domains 1000``.

Output under ``OUT_DIR``:

- ``zones/<zone>.zone``: one zone file per company domain, one per provider zone, the reverse zones
  and a root zone ``.`` that answers NXDOMAIN for anything else (as the real DNS tree would, instead of
  REFUSED),
- ``nsd-zones.conf``: the ``zone:`` clauses for NSD,
- ``inputs.txt``: the scan input, one line per domain, in the messy forms people paste (URLs,
  e-mail addresses, upper case, ``www.``),
- ``manifest.tsv``: per input line the expected domain, category, provider, gateway, DMARC policy,
  whether SPF is published and the DKIM selector published (``-`` when none).

The mix follows the issue: ~35% Microsoft 365, 25% Google Workspace, 5% Yandex, 3% Zoho, 12% hosting,
8% self-hosted, 7% behind a gateway (Proofpoint or Mimecast in front of M365 or Google), 5% without
usable MX (none or RFC 7505 null MX). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import base64
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dns.reversename

from provider_zones import (
    EXTRA_SPF,
    GOOGLE_MX,
    HOSTING_BRANDS,
    M365_MX_POOL,
    MIMECAST_MX,
    NS_HOSTS,
    PROVIDER_ZONES,
    ZOHO_MX,
    Record,
    static_ptrs,
    static_records,
    zone_of,
)

CATEGORIES = {"m365": 35, "google": 25, "yandex": 5, "zoho": 3, "hosting": 12, "local": 8, "gateway": 7,
              "nomx": 5}
PROVIDER_OF = {"m365": "M365", "google": "Google", "yandex": "Yandex", "zoho": "Zoho",
               "hosting": "Hosting", "local": "Local", "nomx": "Unknown"}
TLDS = {"com.tr": 35, "com": 33, "co.uk": 8, "de": 8, "net": 5, "org": 4, "net.tr": 3, "eu": 2, "io": 2}
DMARC_MIX = {"absent": 40, "none": 32, "quarantine": 15, "reject": 13}
WORDS = ("acme", "anadolu", "marmara", "ege", "delta", "kuzey", "global", "tekno", "yapi", "lojistik",
         "gida", "tekstil", "insaat", "enerji", "bilisim", "medikal", "otomotiv", "mimarlik", "danismanlik",
         "northwind", "contoso", "fabrikam", "alpine", "harbor", "summit", "beacon", "atlas", "vertex",
         "nordic", "rhein", "bavaria", "thames", "kent", "metro", "orion", "pioneer", "kristal", "deniz")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Plan:
    """One generated company domain: its own records, records it adds to provider zones, PTRs."""

    domain: str
    category: str
    provider: str
    gateway: str = ""
    dmarc: str = "absent"
    spf: bool = False
    dkim_selector: str = "-"
    records: list[Record] = field(default_factory=list)
    shared: list[Record] = field(default_factory=list)
    ptrs: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, rtype: str, rdata: str) -> None:
        """Add a record in the domain's own zone; ``name`` is relative ('@' for the apex)."""
        owner = f"{self.domain}." if name == "@" else f"{name}.{self.domain}."
        self.records.append((owner, rtype, rdata))


def dkim_key(rng: random.Random) -> str:
    """A 2048-bit-RSA-sized base64 public key (392 characters, random bytes: nobody verifies it)."""
    return "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + base64.b64encode(rng.randbytes(261)).decode()


def _spf(plan: Plan, rng: random.Random, include: str, p_missing: float, tail: str = "~all") -> None:
    if rng.random() < p_missing:
        return
    terms = [f"include:{include}"]
    if rng.random() < 0.15:
        terms.append(f"include:{rng.choice(EXTRA_SPF)}")
    plan.add("@", "TXT", "v=spf1 " + " ".join(terms) + f" {tail}")
    plan.spf = True


def _m365(plan: Plan, rng: random.Random, i: int, with_mx: bool = True) -> None:
    dashed = plan.domain.replace(".", "-")
    tenant = "".join(ch for ch in plan.domain.split(".")[0] if ch.isalnum())
    if with_mx:
        if rng.random() < 0.9:
            host = f"{dashed}.mail.protection.outlook.com."
        else:
            host = f"{dashed}.{'abcdefghij'[i % 10]}-v1.mx.microsoft."
        plan.add("@", "MX", f"0 {host}")
        for ip in rng.sample(M365_MX_POOL, 2):
            plan.shared.append((host, "A", ip))
    _spf(plan, rng, "spf.protection.outlook.com", 0.05, "-all")
    if rng.random() < 0.85:
        plan.dkim_selector = "selector1"
        for sel in ("selector1", "selector2"):
            target = f"{sel}-{dashed}._domainkey.{tenant}.onmicrosoft.com."
            plan.add(f"{sel}._domainkey", "CNAME", target)
            plan.shared.append((target, "TXT", f"v=DKIM1; k=rsa; p={dkim_key(rng)}"))
    if rng.random() < 0.9:
        plan.add("autodiscover", "CNAME", "autodiscover.outlook.com.")
    if rng.random() < 0.8:
        plan.add("@", "TXT", f"MS=ms{rng.randrange(10**7, 10**8)}")


def _google(plan: Plan, rng: random.Random, with_mx: bool = True) -> None:
    if with_mx:
        mx = ((1, "smtp.google.com"),) if rng.random() < 0.15 else GOOGLE_MX
        for pref, host in mx:
            plan.add("@", "MX", f"{pref} {host}.")
    _spf(plan, rng, "_spf.google.com", 0.15)
    if rng.random() < 0.7:
        plan.dkim_selector = "google"
        plan.add("google._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_key(rng)}")
    token = base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("=")
    plan.add("@", "TXT", f"google-site-verification={token}")


def _small_provider(plan: Plan, rng: random.Random) -> None:
    if plan.category == "yandex":
        plan.add("@", "MX", "10 mx.yandex.net.")
        _spf(plan, rng, "_spf.yandex.net", 0.2)
        selector, token = "mail", f"yandex-verification: {rng.randbytes(8).hex()}"
    else:
        for pref, host in ZOHO_MX:
            plan.add("@", "MX", f"{pref} {host}.")
        _spf(plan, rng, "zoho.eu", 0.15)
        selector, token = "zmail", f"zoho-verification=zb{rng.randrange(10**7, 10**8)}.zmverify.zoho.eu"
    if rng.random() < 0.6:
        plan.dkim_selector = selector
        plan.add(f"{selector}._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_key(rng)}")
    plan.add("@", "TXT", token)


def _hosting(plan: Plan, rng: random.Random) -> None:
    brand = _pick(rng, {"natro": 30, "turkhost": 20, "godaddy": 20, "hostinger": 15, "ovh": 15})
    mx, include = HOSTING_BRANDS[brand]
    for pref, host in mx:
        plan.add("@", "MX", f"{pref} {host}.")
    if rng.random() < 0.6:
        plan.add("@", "TXT", f"v=spf1 a mx include:{include} ~all")
        plan.spf = True
    if rng.random() < 0.4:
        plan.dkim_selector = "default"
        plan.add("default._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_key(rng)}")


def _local(plan: Plan, rng: random.Random, i: int) -> None:
    ip = f"88.{(i >> 16) & 255}.{(i >> 8) & 255}.{(i & 255) or 1}"
    plan.add("mail", "A", ip)
    plan.add("@", "MX", f"10 mail.{plan.domain}.")
    plan.ptrs.append((ip, f"mail.{plan.domain}."))
    roll = rng.random()
    if roll < 0.5:
        plan.add("@", "TXT", "v=spf1 mx a -all")
    elif roll < 0.7:
        plan.add("@", "TXT", f"v=spf1 a mx ip4:{ip} ~all")
    plan.spf = roll < 0.7
    if rng.random() < 0.3:
        plan.dkim_selector = rng.choice(("default", "dkim"))
        plan.add(f"{plan.dkim_selector}._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_key(rng)}")


def _gateway(plan: Plan, rng: random.Random, i: int) -> None:
    plan.gateway = "Proofpoint" if rng.random() < 0.55 else "Mimecast"
    plan.provider = "M365" if rng.random() < 0.7 else "Google"
    if plan.gateway == "Proofpoint":
        for n, letter in enumerate("ab"):
            host = f"mx0{letter}-{i:08d}.pphosted.com."
            plan.add("@", "MX", f"10 {host}")
            plan.shared.append((host, "A", f"148.163.{(i >> 6) & 255}.{((i & 63) << 2) + n + 1}"))
    else:
        for pref, host in MIMECAST_MX:
            plan.add("@", "MX", f"{pref} {host}.")
    if plan.provider == "M365":
        _m365(plan, rng, i, with_mx=False)
        told = plan.spf or plan.dkim_selector != "-" or any(
            owner.startswith("autodiscover.") for owner, _, _ in plan.records)
    else:
        _google(plan, rng, with_mx=False)
        told = plan.spf  # a google._domainkey key is not evidence in the spec; the SPF include is
    if not told:  # spec: behind a gateway with no evidence, the provider is Unknown (never Local)
        plan.provider = "Unknown"


def _nomx(plan: Plan, rng: random.Random) -> None:
    if rng.random() < 0.5:
        plan.add("@", "MX", "0 .")
        if rng.random() < 0.5:
            plan.add("@", "TXT", "v=spf1 -all")
            plan.spf = True


def _common(plan: Plan, rng: random.Random, i: int) -> None:
    if rng.random() < 0.9:
        plan.add("@", "A", f"185.{(i >> 16) & 255}.{(i >> 8) & 255}.{(i & 255) or 1}")
        if rng.random() < 0.8:
            plan.add("www", "CNAME", f"{plan.domain}.")
    if rng.random() < 0.3:
        plan.add("@", "AAAA", f"2a02:4780:{i >> 16:x}:{i & 0xFFFF:x}::1")
    if plan.category != "nomx" and rng.random() < 0.06:
        plan.add("k1._domainkey", "CNAME", "dkim.mcsv.net.")
    if plan.category != "nomx" and rng.random() < 0.04:
        target = f"s1.domainkey.u{i}.wl{i % 300}.sendgrid.net."
        plan.add("s1._domainkey", "CNAME", target)
        plan.shared.append((target, "TXT", f"k=rsa; t=s; p={dkim_key(rng)}"))
    if rng.random() < 0.1:
        plan.add("@", "TXT", f"facebook-domain-verification={rng.randbytes(15).hex()}")
    _footprint(plan, rng)
    weights = dict(DMARC_MIX)
    if plan.gateway:
        weights = {"absent": 15, "none": 25, "quarantine": 25, "reject": 35}
    plan.dmarc = _pick(rng, weights)
    if plan.dmarc != "absent":
        extra = "; sp=none; adkim=r; aspf=r" if rng.random() < 0.2 else ""
        plan.add("_dmarc", "TXT", f"v=DMARC1; p={plan.dmarc}; rua=mailto:dmarc@{plan.domain}{extra}")


WEB_CNAMES = ("{label}.azurewebsites.net.", "d{n}.cloudfront.net.", "ghs.googlehosted.com.", "{label}.netlify.app.")


def _footprint(plan: Plan, rng: random.Random) -> None:
    """Footprint records (spec shapes): Intune/Entra CNAMEs and Teams CNAMEs and SRVs, mostly at
    Microsoft 365 tenants, and a www CNAME to a cloud web host for some domains."""
    microsoft = plan.provider == "M365"
    if microsoft and rng.random() < 0.4:
        plan.add("enterpriseenrollment", "CNAME", "enterpriseenrollment-s.manage.microsoft.com.")
        plan.add("enterpriseregistration", "CNAME", "enterpriseregistration.windows.net.")
    if microsoft and rng.random() < 0.3:
        plan.add("lyncdiscover", "CNAME", "webdir.online.lync.com.")
        plan.add("sip", "CNAME", "sipdir.online.lync.com.")
        plan.add("_sip._tls", "SRV", "100 1 443 sipdir.online.lync.com.")
        plan.add("_sipfederationtls._tcp", "SRV", "100 1 5061 sipfed.online.lync.com.")
    if rng.random() < 0.15 and not any(o.startswith("www.") for o, _, _ in plan.records):
        label = plan.domain.split(".")[0]
        shape = rng.choice(WEB_CNAMES)  # drawn before n, as before, so the generated set is unchanged
        n = rng.randrange(10**6)
        target = shape.format(label=label, n=n)
        plan.add("www", "CNAME", target)
        if target != "ghs.googlehosted.com.":  # per-site names need their own address (the shared one is static)
            plan.shared.append((target, "A", f"20.{40 + n % 8}.{(n >> 3) & 255}.{(n >> 11) % 254 + 1}"))


def plan_domain(i: int, rng: random.Random) -> Plan:
    """The records of company number ``i`` (names are unique by index)."""
    word = WORDS[rng.randrange(len(WORDS))]
    label = rng.choice((f"{word}-{i:05d}", f"{word}{i:05d}", f"company{i:05d}"))
    plan = Plan(domain=f"{label}.{_pick(rng, TLDS)}", category=_pick(rng, CATEGORIES), provider="")
    plan.provider = PROVIDER_OF.get(plan.category, "")
    if plan.category == "m365":
        _m365(plan, rng, i)
    elif plan.category == "google":
        _google(plan, rng)
    elif plan.category in ("yandex", "zoho"):
        _small_provider(plan, rng)
    elif plan.category == "hosting":
        _hosting(plan, rng)
    elif plan.category == "local":
        _local(plan, rng, i)
    elif plan.category == "gateway":
        _gateway(plan, rng, i)
    else:
        _nomx(plan, rng)
    _common(plan, rng, i)
    return plan


def input_form(domain: str, rng: random.Random) -> str:
    """The domain as a person might paste it into a lead list."""
    roll = rng.random()
    if roll < 0.7:
        return domain
    if roll < 0.8:
        return f"https://www.{domain}/iletisim"
    if roll < 0.9:
        return f"info@{domain}"
    return f"  WWW.{domain.upper()} "


def rr_line(owner: str, rtype: str, rdata: str) -> str:
    """One zone-file line; TXT text is quoted and split into 255-byte character-strings."""
    if rtype == "TXT":
        text = rdata.replace("\\", "\\\\").replace('"', '\\"')
        rdata = " ".join(f'"{text[k:k + 255]}"' for k in range(0, len(text), 255))
    return f"{owner}\t{rtype}\t{rdata}\n"


def zone_header(zone: str) -> str:
    """``$ORIGIN``, ``$TTL``, SOA and NS of ``zone`` ('.' for the root)."""
    origin = "." if zone == "." else f"{zone}."
    ns = "".join(f"{origin}\tNS\t{host}\n" for host in NS_HOSTS)
    return (f"$ORIGIN {origin}\n$TTL 3600\n{origin}\tSOA\t{NS_HOSTS[0]} hostmaster.hunterbench.net. "
            f"2024060101 7200 3600 1209600 300\n{ns}")


def _ptr_owner(ip: str) -> str:
    return dns.reversename.from_address(ip).to_text()


@dataclass
class Summary:
    """What was generated: counts per category and expected provider, zone count, a probe name."""

    domains: int
    zones: int
    categories: Counter[str]
    providers: Counter[str]
    first_domain: str
    last_domain: str


def generate(out_dir: Path, count: int, seed: int = 20240601) -> Summary:
    """Write zones, NSD zone clauses, inputs and manifest for ``count`` domains under ``out_dir``."""
    rng = random.Random(seed)
    zdir = out_dir / "zones"
    zdir.mkdir(parents=True, exist_ok=True)
    shared: dict[str, TextIO] = {}
    for zone in (*PROVIDER_ZONES, "."):
        fh = (zdir / f"{'root' if zone == '.' else zone}.zone").open("w")
        fh.write(zone_header(zone))
        shared[zone] = fh
    for owner, rtype, rdata in static_records(dkim_key(rng)):
        shared[zone_of(owner)].write(rr_line(owner, rtype, rdata))
    for ip, host in static_ptrs():
        owner = _ptr_owner(ip)
        shared[zone_of(owner)].write(rr_line(owner, "PTR", host))
    cats: Counter[str] = Counter()
    provs: Counter[str] = Counter()
    names: list[str] = []
    with (out_dir / "inputs.txt").open("w") as inputs, (out_dir / "manifest.tsv").open("w") as manifest:
        for i in range(1, count + 1):
            plan = plan_domain(i, rng)
            names.append(plan.domain)
            cats[plan.category] += 1
            provs[plan.provider] += 1
            with (zdir / f"{plan.domain}.zone").open("w") as fh:
                fh.write(zone_header(plan.domain))
                fh.writelines(rr_line(*rec) for rec in plan.records)
            for owner, rtype, rdata in plan.shared:
                shared[zone_of(owner)].write(rr_line(owner, rtype, rdata))
            for ip, host in plan.ptrs:
                owner = _ptr_owner(ip)
                shared[zone_of(owner)].write(rr_line(owner, "PTR", host))
            line = input_form(plan.domain, rng)
            inputs.write(line + "\n")
            manifest.write("\t".join((line.strip(), plan.domain, plan.category, plan.provider,
                                      plan.gateway or "-", plan.dmarc, str(int(plan.spf)),
                                      plan.dkim_selector)) + "\n")
    for fh in shared.values():
        fh.close()
    all_zones = [*names, *PROVIDER_ZONES, "."]
    with (out_dir / "nsd-zones.conf").open("w") as conf:
        for zone in all_zones:
            fname = "root" if zone == "." else zone
            conf.write(f'zone:\n\tname: "{zone}"\n\tzonefile: "{fname}.zone"\n')
    return Summary(count, len(all_zones), cats, provs, names[0], names[-1])


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Manifest rows keyed by expected domain."""
    keys = ("input", "domain", "category", "provider", "gateway", "dmarc", "spf", "dkim_selector")
    rows: dict[str, dict[str, str]] = {}
    with path.open() as fh:
        for line in fh:
            row = dict(zip(keys, line.rstrip("\n").split("\t"), strict=True))
            rows[row["domain"]] = row
    return rows


def main() -> None:
    """Generate into a directory given on the command line and print the mix."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    summary = generate(args.out_dir, args.domains, args.seed)
    print(f"{summary.domains} domains, {summary.zones} zones")
    for name, n in summary.providers.most_common():
        print(f"  {name:10s} {n:6d}  {100 * n / summary.domains:5.1f}%")


if __name__ == "__main__":
    main()
