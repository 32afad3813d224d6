"""Synthetic DNS facts for the demo data set: what a scan of a company's domain would gather if its mail
were wired a given way.

:class:`Setup` says how the mail is wired (mailbox provider, hosting label, gateway, self-hosted, no MX, ...),
:class:`Posture` how well it is authenticated (SPF, DKIM, DMARC, a failing lookup); :func:`synthetic_facts`
turns the two into the :class:`DomainFacts` (MX, TXT/SPF, DMARC, DKIM probes, autodiscover, addresses, tenant,
and the footprint lookups of :mod:`demo_footprint`) the provider really publishes for such a domain. The
:class:`Catalogue` of providers, hosting labels and gateways is read from the provider rule file. Pure and
deterministic for a seed: no network, no database.
"""

from __future__ import annotations

import random
import tomllib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from leadhunter.domain.facts import DkimProbe, DomainFacts, SpfExpansion, TenantFacts, TenantStatus
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.scanners.domain_scan import DEFAULT_DKIM_SELECTORS
from leadhunter.services.demo_footprint import auth_url, demo_footprint, saas_records


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What the provider rule file knows: mailbox providers (each with its ``mx``/``spf``/``dkim_cname``/
    ``autodiscover`` suffixes), hosting labels and gateways (each with their MX suffixes)."""

    mailbox: dict[str, dict[str, list[str]]]
    hosting: dict[str, list[str]]
    gateway: dict[str, list[str]]

    @classmethod
    def from_toml(cls, text: str) -> Catalogue:
        """Read the rule file (the same text :func:`parse_provider_rules` validates)."""
        data = tomllib.loads(text)
        return cls({e["provider"]: e for e in data.get("mailbox", [])},
                   {e["label"]: e["mx"] for e in data.get("hosting", [])},
                   {e["name"]: e["mx"] for e in data.get("gateway", [])})


@dataclass(frozen=True, slots=True)
class Setup:
    """How a company's mail is wired: ``kind`` mailbox / hosting / local / gateway / nomx / nullmx / mxfail;
    ``name`` the provider, hosting label or gateway; ``behind`` a gateway's mailbox provider ("" = no clue)."""

    kind: str
    name: str = ""
    behind: str = ""


@dataclass(frozen=True, slots=True)
class Posture:
    """Mail authentication: ``spf`` valid / many (over 3 includes) / missing / invalid / toolong (over 10
    lookups); ``dkim`` found; ``dmarc`` reject / quarantine / none / missing / invalid; ``fault`` a lookup
    that fails ("" none, dmarc, txt, dkim, tenant) or ``failed`` for a scan that could not run."""

    spf: str
    dkim: bool
    dmarc: str
    fault: str = ""


PRESETS = {"strong": Posture("valid", True, "reject"), "medium": Posture("valid", True, "missing"),
           "weak": Posture("missing", False, "missing")}


def all_setups(cat: Catalogue) -> list[Setup]:
    """One setup per mailbox provider, hosting label and gateway (alternating what sits behind it), plus
    self-hosted mail, no MX, null MX and a failed MX lookup."""
    behinds = ("M365", "Google", "")
    return ([Setup("mailbox", p) for p in cat.mailbox] + [Setup("hosting", h) for h in cat.hosting]
            + [Setup("local")] + [Setup("gateway", g, behinds[i % 3]) for i, g in enumerate(cat.gateway)]
            + [Setup("nomx"), Setup("nullmx"), Setup("mxfail")])


def _mx_hosts(rng: random.Random, domain: str, setup: Setup, cat: Catalogue) -> list[str]:
    """MX answers ("preference host") as the provider publishes them."""
    dash, name = domain.replace(".", "-"), setup.name
    if setup.kind == "mailbox" and name == "M365":
        return [f"0 {dash}.mail.protection.outlook.com" if rng.random() < 0.8 else f"0 {dash}.o-v1.mx.microsoft"]
    if setup.kind == "mailbox" and name == "Google":
        if rng.random() < 0.3:
            return ["1 smtp.google.com"]
        return ["1 aspmx.l.google.com", "5 alt1.aspmx.l.google.com", "5 alt2.aspmx.l.google.com",
                "10 alt3.aspmx.l.google.com", "10 alt4.aspmx.l.google.com"]
    if setup.kind == "local":
        return [f"10 {rng.choice(['mail', 'mx', 'smtp'])}.{domain}"]
    if setup.kind == "mailbox":
        suffix = rng.choice(cat.mailbox[name]["mx"])
        full = suffix.startswith(("inbound-smtp.", "mx.", "aspmx."))  # already a host name
        return [f"10 {suffix}" if full else f"10 mx.{suffix}", *([] if full else [f"20 mx2.{suffix}"])]
    suffix = rng.choice(cat.hosting[name] if setup.kind == "hosting" else cat.gateway[name])
    return [f"10 mx1.{suffix}", f"20 mx2.{suffix}"]


def _spf_text(rng: random.Random, setup: Setup, posture: Posture,
              cat: Catalogue) -> tuple[list[str], tuple[str, ...], int]:
    """SPF records to publish, the include targets reached and the DNS lookups the record costs."""
    provider = setup.behind if setup.kind == "gateway" else setup.name
    includes = [cat.mailbox[provider]["spf"][0]] if provider in cat.mailbox else []
    if setup.kind == "hosting":
        includes.append(f"spf.{rng.choice(cat.hosting[setup.name])}")
    if setup.kind == "gateway":
        includes.append(f"spf.{cat.gateway[setup.name][0]}")
    if posture.spf in ("many", "toolong"):
        includes += ["servers.mcsv.net", "sendgrid.net", "mailgun.org", "spf.mandrillapp.com"][: 3 + len(includes)]
    ip = f"{rng.choice([31, 46, 78, 85, 88, 94, 176, 185, 193, 212, 217])}.{rng.randint(1, 254)}.{rng.randint(0, 255)}"
    mechanisms = " ".join(f"include:{i}" for i in includes) or f"mx a ip4:{ip}.0/24"
    record = f"v=spf1 {mechanisms} {rng.choice(['-all', '~all'])}"
    nested = [n for i in includes if i == "_spf.google.com" for n in _GOOGLE_NETBLOCKS]
    lookups = len(includes) + len(nested) + (8 if posture.spf == "toolong" else 0) + (0 if includes else 2)
    if posture.spf == "missing":
        return [], (), 0
    if posture.spf == "invalid" and rng.random() < 0.6:  # two records: the scanner expands neither
        return [record, f"v=spf1 ip4:{ip}.10 ~all"], (), 0
    if posture.spf == "invalid":
        record = record[:-1]  # "-al": an unknown mechanism, a syntax error
    return [record], (*includes, *nested), lookups


_GOOGLE_NETBLOCKS = ("_netblocks.google.com", "_netblocks2.google.com", "_netblocks3.google.com")


@lru_cache(maxsize=4096)
def _host_ip(host: str) -> str:
    """A stable public-looking address for a mail host (the same host gets the same address everywhere)."""
    rng = random.Random(host)  # noqa: S311 (made-up data, not a secret; the same below)
    return _address(rng, (40, 52, 74, 142, 185, 195, 212))


def _address(rng: random.Random, first: Sequence[int]) -> str:
    return f"{rng.choice(first)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"


def _lookup(name: str, rtype: str, answers: Sequence[str] = (), fault: bool = False,
            cnames: tuple[str, ...] = ()) -> Lookup:
    if fault:
        return Lookup(name, rtype, Outcome.TIMEOUT)
    return Lookup(name, rtype, Outcome.OK if answers else Outcome.NXDOMAIN, tuple(answers), cnames)


def synthetic_facts(seed: int, domain: str, setup: Setup, posture: Posture, cat: Catalogue,
                    brand: str | None) -> DomainFacts:
    """The facts a scan of ``domain`` would gather if it were wired as ``setup`` with ``posture``.
    ``seed`` fixes the company's identity (tenant id, addresses, tokens) across its scans."""
    rng = random.Random(seed)  # noqa: S311
    tenant_id, dash = str(uuid.UUID(int=rng.getrandbits(128), version=4)), domain.replace(".", "-")
    tenant_name = domain.split(".")[0].replace("xn--", "")[:20] + rng.choice(["", "tr", "corp", "365"])
    provider = setup.behind if setup.kind == "gateway" else setup.name
    hosts = _mx_hosts(rng, domain, setup, cat) if setup.kind in ("mailbox", "hosting", "gateway", "local") else []
    mx = _lookup(domain, "MX", hosts, fault=setup.kind == "mxfail")
    if setup.kind in ("nomx", "nullmx"):
        mx = Lookup(domain, "MX", Outcome.OK if setup.kind == "nullmx" else Outcome.NODATA,
                    ("0 .",) if setup.kind == "nullmx" else ())
    spf, includes, lookups = _spf_text(rng, setup, posture, cat)
    tokens = {"M365": f"MS=ms{rng.randint(10_000_000, 99_999_999)}",
              "Google": f"google-site-verification={rng.getrandbits(160):040x}",
              "Yandex": f"yandex-verification: {rng.getrandbits(64):016x}"}
    txt = [*spf, *([tokens[provider]] if provider in tokens else [])]
    txt += [f"facebook-domain-verification={rng.getrandbits(120):030x}"] if rng.random() < 0.2 else []
    policy = {"invalid": "monitor", "missing": ""}.get(posture.dmarc, posture.dmarc)
    rua = "" if posture.dmarc == "invalid" else f"; rua=mailto:dmarc@{domain}"
    dmarc = [f"v=DMARC1; p={policy}{rua}"] if policy else []
    key = f"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA{rng.getrandbits(256):064x}"
    probes = []
    for selector in DEFAULT_DKIM_SELECTORS:
        answers: list[str] = []
        cnames: tuple[str, ...] = ()
        if posture.dkim and provider == "M365" and selector in ("selector1", "selector2"):
            cnames = (f"{selector}-{dash}._domainkey.{tenant_name}.onmicrosoft.com",)
            answers = [key]
        elif posture.dkim and ((provider == "Google" and selector == "google")
                               or (provider not in ("M365", "Google") and selector == "default")):
            answers = [key]
        failed = posture.fault == "dkim" and selector == "s2"
        probes.append(DkimProbe(selector, _lookup(f"{selector}._domainkey.{domain}", "TXT", answers, failed, cnames)))
    ip = _address(rng, (31, 78, 88, 185, 212))
    auto = ["autodiscover.outlook.com"] if provider == "M365" else []
    tenant = TenantFacts(TenantStatus.NOT_FOUND)
    if provider == "M365" or (setup.kind == "mailbox" and rng.random() < 0.05):
        tenant = TenantFacts(TenantStatus.FOUND, tenant_id, rng.choice(["Managed"] * 4 + ["Federated"]), brand,
                             rng.choice(["EU", "EU", "WW"]))
    # The footprint draws from its own generator, so the mail facts above stay what they were for a seed.
    fp_rng = random.Random(seed ^ 0x5EED)  # noqa: S311
    txt += saas_records(fp_rng)
    if tenant.namespace == "Federated":
        tenant = replace(tenant, auth_url=auth_url(fp_rng, domain))
    if tenant.status is TenantStatus.FOUND and fp_rng.random() < 0.12:
        auto = [f"mail.{domain}"]  # autodiscover at an own Exchange server: hybrid or on-premises
    if posture.fault == "tenant":
        tenant = TenantFacts(TenantStatus.FAILED, error="timeout after 5.0 s")
    mx_hosts = [h.split()[1] for h in hosts[:2]]
    footprint = demo_footprint(fp_rng, domain, provider=provider, tenant=tenant.status is TenantStatus.FOUND,
                               web_ip=ip, mx_ips=[_host_ip(h) for h in mx_hosts], fault=fp_rng.random() < 0.03)
    return DomainFacts(
        domain=domain, mx=mx, txt=_lookup(domain, "TXT", txt, posture.fault == "txt"),
        dmarc=_lookup(f"_dmarc.{domain}", "TXT", dmarc, posture.fault == "dmarc"), dkim=tuple(probes),
        autodiscover=_lookup(f"autodiscover.{domain}", "CNAME", auto),
        addresses=(_lookup(domain, "A", [ip]), _lookup(domain, "AAAA"),
                   *(_lookup(host, "A", [_host_ip(host)]) for host in mx_hosts)),
        spf=SpfExpansion(lookups_used=lookups, includes=includes), tenant=tenant, footprint=footprint)
