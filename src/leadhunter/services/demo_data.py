"""Use case: fill an empty database with a realistic demo data set, scanned by the real rules, offline.

Every company gets synthetic DNS facts (MX, TXT/SPF, DMARC, DKIM probes, autodiscover, addresses, tenant)
shaped like what its provider really publishes; the scanner's own assessment (:func:`assess`) and report
(:class:`ScanOutcome`) judge them, and :func:`scan_jobs.store_report` stores them with change history and
auto tags. So every breakdown, evidence line, category and alert in the demo is a genuine output, only the
DNS answers are made up. The catalogue (providers, hosting labels, gateways) is read from the provider rule
file, so each of them appears. Deterministic for a seed; no network.
"""

from __future__ import annotations

import random
import time
import tomllib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.models import Company, Tag
from leadhunter.db.search_text import search_text
from leadhunter.domain.assessment import assess
from leadhunter.domain.changes import Change, auto_tags, detect_changes, verdict_of
from leadhunter.domain.facts import DkimProbe, DomainFacts, SpfExpansion, TenantFacts, TenantStatus
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import parse_provider_rules
from leadhunter.domain.scoring_rules import ScoringRules, default_scoring_rules
from leadhunter.scanners.domain_scan import DEFAULT_DKIM_SELECTORS
from leadhunter.services import scan_jobs
from leadhunter.services.scanning import ScanOutcome

DEFAULT_COMPANIES = 3000
DEFAULT_SEED = 42
SOURCE = "demo"  # raw_leads.source of demo companies
BATCH = 500  # companies generated and flushed at a time (all in one transaction)
MANUAL_TAGS = ("hot", "fuar-2024", "partner-referral", "do-not-call", "follow-up", "key-account", "q3-kampanya")
STORIES = ("migrated", "left_m365", "dmarc_journey", "improved", "gateway_added", "dmarc_removed", "failed_last")

TR_FIRST = ("Yıldız", "Anadolu", "Ege", "Marmara", "Karadeniz", "Boğaziçi", "Çiçek", "Güneş", "Doğan", "Öztürk",
            "Şahin", "Akdeniz", "Başkent", "Kuzey", "Özgür", "Işık", "Gökçe", "Ülkü", "Toros", "Kartal", "Aslan",
            "Demir", "Çelik", "Altın", "Kaya", "Yılmaz", "Koç", "Aydın", "Erdem", "Tuna", "Fırat", "Zirve", "Atlas",
            "Pınar", "Umut", "Defne", "Çınar", "Meriç", "Örnek", "Sönmez")
TR_SECTOR = ("Tekstil", "İnşaat", "Gıda", "Lojistik", "Enerji", "Otomotiv", "Mobilya", "Kimya", "Yazılım",
             "Turizm", "Makina", "Tarım", "Sağlık", "Danışmanlık", "Elektrik", "Plastik", "Ambalaj", "Matbaa",
             "Mimarlık", "Eğitim", "Metal", "Medikal", "Bilişim", "Kozmetik", "Seramik", "Nakliyat", "Mühendislik")
TR_FORM = ("A.Ş.", "Ltd. Şti.", "San. ve Tic. A.Ş.", "San. Tic. Ltd. Şti.", "Holding A.Ş.", "Grup")
TR_CITY = ("istanbul", "ankara", "izmir", "bursa", "antalya", "konya", "adana", "gaziantep", "kayseri", "mersin",
           "eskişehir", "denizli", "samsun", "trabzon", "sakarya", "kocaeli", "manisa", "tekirdağ", "muğla")
TR_TLD = {"com.tr": 55, "com": 18, "tr": 8, "net.tr": 5, "net": 5, "org.tr": 3, "gen.tr": 3, "biz.tr": 3}
EN_FIRST = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Woodgrove", "Proseware",
            "Wingtip", "Relecloud", "Greenfield", "Bluewater", "Riverside", "Summit", "Oakridge", "Silverline",
            "Brightpath", "Harbor", "Redwood", "Ironbridge", "Crestview", "Lakeside", "Westbrook", "Kingsway",
            "Hawthorne", "Ashford", "Pinnacle", "Evergreen", "Sterling", "Beacon", "Meridian", "Cobalt", "Müller",
            "Schäfer", "Köhler", "Bäcker")
EN_SECTOR = ("Logistics", "Engineering", "Foods", "Consulting", "Software", "Labs", "Energy", "Health", "Partners",
             "Manufacturing", "Retail", "Capital", "Systems", "Analytics", "Design", "Media", "Dental", "Legal",
             "Freight", "Hospitality", "Textiles", "Robotics", "Insurance", "Architects", "Pharma", "Solar")
EN_FORM = ("Ltd", "LLC", "Inc.", "GmbH", "plc", "Group", "Limited", "Corp.", "AG", "BV")
EN_TLD = {"com": 45, "co.uk": 15, "de": 10, "net": 8, "io": 6, "eu": 5, "nl": 4, "org": 4, "fr": 3}
_FOLD = str.maketrans("çğıöşüÇĞİÖŞÜäÄ", "cgiosuCGIOSUaA")
_LOWER_TR = str.maketrans("Iİ", "ıi")  # Turkish casing, so "Işık" lower-cases to "ışık", not "işık"


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


@dataclass(frozen=True, slots=True)
class DemoCompany:
    """One generated company: its domain (ASCII and Unicode), name, scans as (time, report) oldest first,
    manual tags and creation time."""

    domain: str
    domain_unicode: str
    name: str | None
    scans: tuple[tuple[datetime, dict[str, Any]], ...]
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`seed_demo` did: ``seeded`` False when the database already held companies (counted in
    ``companies``), else the numbers stored and the time taken in seconds."""

    seeded: bool
    companies: int
    scans: int = 0
    seconds: float = 0.0


def all_setups(cat: Catalogue) -> list[Setup]:
    """One setup per mailbox provider, hosting label and gateway (alternating what sits behind it), plus
    self-hosted mail, no MX, null MX and a failed MX lookup."""
    behinds = ("M365", "Google", "")
    return ([Setup("mailbox", p) for p in cat.mailbox] + [Setup("hosting", h) for h in cat.hosting]
            + [Setup("local")] + [Setup("gateway", g, behinds[i % 3]) for i, g in enumerate(cat.gateway)]
            + [Setup("nomx"), Setup("nullmx"), Setup("mxfail")])


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _random_setup(rng: random.Random, cat: Catalogue) -> Setup:
    kind = _pick(rng, {"mailbox": 58, "hosting": 17, "local": 8, "gateway": 11, "nomx": 3, "nullmx": 1,
                       "mxfail": 1})
    if kind == "mailbox":
        weights = {p: {"M365": 30.0, "Google": 16.0, "Yandex": 3.0, "Zoho": 3.0}.get(p, 1.5) for p in cat.mailbox}
        return Setup(kind, _pick(rng, weights))
    if kind == "hosting":
        return Setup(kind, rng.choice(sorted(cat.hosting)))
    if kind == "gateway":
        return Setup(kind, rng.choice(sorted(cat.gateway)), _pick(rng, {"M365": 60, "Google": 25, "": 15}))
    return Setup(kind)


def _random_posture(rng: random.Random, setup: Setup) -> Posture:
    big = setup.name in ("M365", "Google") or setup.behind in ("M365", "Google")
    fault = _pick(rng, {"": 94, "dmarc": 1.2, "txt": 0.8, "dkim": 1, "tenant": 1, "failed": 2})
    return Posture(_pick(rng, {"valid": 70, "many": 6, "missing": 16, "invalid": 5, "toolong": 3}),
                   rng.random() < (0.65 if big else 0.35),
                   _pick(rng, {"missing": 40, "none": 25, "quarantine": 15, "reject": 15, "invalid": 5}), fault)


def _story(rng: random.Random, kind: str, cat: Catalogue, now: tuple[Setup, Posture]) -> list[tuple[Setup, Posture]]:
    """Earlier states (oldest first) and the current one for a company with history of ``kind``."""
    setup, posture = now
    if kind == "migrated":
        before = rng.choice([Setup("mailbox", "Google"), Setup("hosting", rng.choice(sorted(cat.hosting))),
                             Setup("local"), Setup("mailbox", "Yandex")])
        return [(before, _random_posture(rng, before)), (Setup("mailbox", "M365"), replace(posture, fault=""))]
    if kind == "left_m365":
        return [(Setup("mailbox", "M365"), posture), (Setup("mailbox", "Google"), replace(posture, fault=""))]
    if kind == "dmarc_journey":
        steps = ["missing", "none", "quarantine", "reject"][rng.randint(0, 1):]
        return [(setup, replace(posture, dmarc=step, fault="")) for step in steps]
    if kind == "improved":
        return [(setup, PRESETS["weak"]), (setup, PRESETS["strong"])]
    if kind == "gateway_added":
        behind = rng.choice(["M365", "Google"])
        return [(Setup("mailbox", behind), posture), (Setup("gateway", rng.choice(sorted(cat.gateway)), behind),
                                                      replace(posture, fault=""))]
    if kind == "dmarc_removed":
        return [(setup, replace(posture, dmarc="reject", fault="")), (setup, replace(posture, dmarc="missing"))]
    return [(setup, replace(posture, fault="")), (setup, replace(posture, fault="failed"))]  # failed_last


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
    if posture.fault == "tenant":
        tenant = TenantFacts(TenantStatus.FAILED, error="timeout after 5.0 s")
    return DomainFacts(
        domain=domain, mx=mx, txt=_lookup(domain, "TXT", txt, posture.fault == "txt"),
        dmarc=_lookup(f"_dmarc.{domain}", "TXT", dmarc, posture.fault == "dmarc"), dkim=tuple(probes),
        autodiscover=_lookup(f"autodiscover.{domain}", "CNAME", auto),
        addresses=(_lookup(domain, "A", [ip]), _lookup(domain, "AAAA"),
                   *(_lookup(host, "A", [_host_ip(host)]) for host in (h.split()[1] for h in hosts[:2]))),
        spf=SpfExpansion(lookups_used=lookups, includes=includes), tenant=tenant)


def _name(rng: random.Random, taken: set[str]) -> tuple[str, str | None]:
    """(Unicode domain, company name) — Turkish two times in three, English otherwise; unique domains."""
    turkish = rng.random() < 0.65
    first, sector = (rng.choice(TR_FIRST), rng.choice(TR_SECTOR)) if turkish else (rng.choice(EN_FIRST),
                                                                                   rng.choice(EN_SECTOR))
    form = rng.choice(TR_FORM if turkish else EN_FORM)
    tld = _pick(rng, TR_TLD if turkish else EN_TLD)
    idn = rng.random() < (0.12 if turkish else 0.05)

    def slug(word: str) -> str:
        word = word.translate(_LOWER_TR).lower() if turkish else word.lower()
        return word if idn else word.translate(_FOLD)

    city = rng.choice(TR_CITY) if turkish else rng.choice(["london", "berlin", "leeds", "hamburg", "paris"])
    for label in (f"{slug(first)}{slug(sector)}", f"{slug(first)}-{slug(sector)}", f"{slug(first)}-{slug(city)}",
                  f"{slug(first)}{slug(sector)}-{slug(city)}"):
        if f"{label}.{tld}" not in taken:
            break
    else:
        label = f"{slug(first)}-{slug(sector)}{len(taken)}"
    shown = f"{label}.{tld}" if idn else f"{label}.{tld}".translate(_FOLD)
    taken.add(shown)
    named = rng.random() < 0.92
    return shown, f"{first} {sector} {form}" if named else None


def generate_companies(count: int = DEFAULT_COMPANIES, *, seed: int = DEFAULT_SEED, now: datetime | None = None,
                       providers_toml: str | None = None, scoring: ScoringRules | None = None) -> Iterator[DemoCompany]:
    """Yield ``count`` companies (deterministic for ``seed``; times relative to ``now``, default the current
    time). The first ones walk the whole catalogue (each history story once, each lookup fault once, each
    setup strong, medium and weak) so every provider, gateway, hosting label, segment and category appears."""
    text = providers_toml or resources.files("leadhunter.domain").joinpath("data/providers.toml").read_text("utf-8")
    cat, rules = Catalogue.from_toml(text), parse_provider_rules(text)
    scoring = scoring or default_scoring_rules()
    now = now or datetime.now(UTC)
    rng, taken = random.Random(seed), set[str]()  # noqa: S311
    setups = all_setups(cat)
    walk = [(story, Setup("mailbox", "M365"), Posture("valid", True, "none")) for story in STORIES]
    walk += [("", Setup("mailbox", "M365"), replace(PRESETS["medium"], fault=f))
             for f in ("dmarc", "txt", "tenant", "failed")]
    walk += [("", s, PRESETS[p]) for p in PRESETS for s in setups]
    for index in range(count):
        shown, name = _name(rng, taken)
        norm = normalize_domain(shown)
        assert norm.domain is not None, shown  # the generator only builds valid company domains
        if index < len(walk):
            story, setup, posture = walk[index]
        else:
            setup = _random_setup(rng, cat)
            story = rng.choice(STORIES) if rng.random() < 0.18 else ""
            posture = _random_posture(rng, setup)
        # The tenant's FederationBrandName: the company name, or one made from the domain when unnamed.
        brand = name or shown.split(".")[0].replace("-", " ").title()
        states = _story(rng, story, cat, (setup, posture)) if story else [(setup, posture)]
        company_seed, current = rng.getrandbits(64), now - timedelta(minutes=rng.randint(5, 10 * 24 * 60))
        scans = []
        for age, (state_setup, state_posture) in enumerate(reversed(states)):
            when = current - timedelta(days=30 * age, minutes=rng.randint(0, 600) if age else 0)
            outcome = (ScanOutcome(norm, error="scan failed: OSError: [Errno 101] Network is unreachable")
                       if state_posture.fault == "failed" else
                       ScanOutcome(norm, assess(synthetic_facts(company_seed, norm.domain, state_setup, state_posture,
                                                                cat, brand), rules, scoring)))
            scans.append((when, outcome.report(scoring)))
        tags = tuple(sorted(set(rng.sample(MANUAL_TAGS, rng.randint(1, 2))))) if rng.random() < 0.12 else ()
        yield DemoCompany(norm.domain, norm.unicode or shown, name, tuple(reversed(scans)), tags,
                          scans[-1][0] - timedelta(hours=rng.randint(1, 72)))


def seed_demo(factory: sessionmaker[Session], *, companies: int = DEFAULT_COMPANIES, seed: int = DEFAULT_SEED,
              now: datetime | None = None, bulk: bool = False) -> DemoSummary:
    """Store ``companies`` demo companies unless the database already holds some (then nothing changes).

    By default each scan goes through :func:`scan_jobs.store_report` exactly as a worker stores it; ``bulk``
    writes the same rows with multi-row inserts instead (for benchmarks: ~3× faster; tests check it stores the
    very same rows).
    """
    with factory() as session:
        existing = session.scalar(select(func.count()).select_from(Company)) or 0
    if existing:
        return DemoSummary(False, existing)
    started, stored, scans = time.perf_counter(), 0, 0
    generated = generate_companies(companies, seed=seed, now=now)
    # One transaction: an interrupted seeding leaves an empty database (seeded afresh next time), never half
    # a demo that the check above would take for a finished one.
    with factory.begin() as session:
        while batch := list(islice(generated, BATCH)):
            (_store_bulk if bulk else _store)(session, batch)
            session.flush()
            session.expunge_all()  # stored: keep memory flat however many companies
            stored, scans = stored + len(batch), scans + sum(len(c.scans) for c in batch)
    return DemoSummary(True, stored, scans, time.perf_counter() - started)


def _store(session: Session, batch: list[DemoCompany]) -> None:
    found = companies_repo.upsert_companies(session, [(c.domain, c.domain_unicode, c.name) for c in batch])
    companies_repo.add_raw_leads(session, SOURCE, ((_payload(c), found[c.domain].id) for c in batch))
    # One flush per batch instead of one per scan (store_report's tag query would autoflush): a new company
    # has no tags to find, and a company with history is flushed before each later scan so its query sees
    # the tags of the one before.
    with session.no_autoflush:
        for demo in batch:
            company = found[demo.domain]
            company.created_at = demo.created_at
            for index, (when, report) in enumerate(demo.scans):
                if index:
                    session.flush()
                scan_jobs.store_report(session, company, report, None, when)
            session.add_all(Tag(company_id=company.id, tag=tag, auto=False) for tag in demo.tags)


def _payload(demo: DemoCompany) -> dict[str, Any]:
    return {"input": demo.domain_unicode, **({"name": demo.name} if demo.name else {})}


_VERDICT = ("provider", "gateway", "hosting_label", "confidence", "score", "segment", "priority", "category",
            "breakdown", "evidence")


def _store_bulk(session: Session, batch: list[DemoCompany]) -> None:
    """What :func:`_store` stores, as multi-row inserts: the column updates and change detection of
    ``store_report``/``apply_scan`` replayed over each company's scans."""
    rows: list[dict[str, Any]] = []
    found: list[tuple[DemoCompany, datetime, Change]] = []
    tag_reports: dict[str, dict[str, Any] | None] = {}
    for demo in batch:
        row: dict[str, Any] = {"domain": demo.domain, "domain_unicode": demo.domain_unicode, "name": demo.name,
                               "created_at": demo.created_at, "updated_at": demo.scans[-1][0],
                               **dict.fromkeys((*_VERDICT, "tenant_id", "dmarc_policy"))}
        tag_reports[demo.domain] = None
        for when, report in demo.scans:
            old = verdict_of({**row, "dmarc": {"policy": row["dmarc_policy"]}})
            if not scan_jobs.inconclusive(report, had_verdict=row["provider"] is not None):
                tag_reports[demo.domain] = report  # auto tags follow the last conclusive scan, as store_report's
                found += [(demo, when, c) for c in detect_changes(old, verdict_of(report))]
                tenant = report.get("tenant") or {}
                row.update({k: report.get(k) for k in _VERDICT}, tenant_id=tenant.get("tenant_id"),
                           dmarc_policy=(report.get("dmarc") or {}).get("policy"),
                           name=row["name"] or tenant.get("brand"))
            row.update(scan_status=report["status"], scanned_at=when)
        row["search_text"] = search_text(demo.domain, demo.domain_unicode, row["name"])
        rows.append(row)
    tables = Company.metadata.tables
    session.execute(insert(tables["companies"]), rows)
    wanted = select(Company.domain, Company.id).where(Company.domain.in_([r["domain"] for r in rows]))
    ids = {domain: cid for domain, cid in session.execute(wanted)}
    session.execute(insert(tables["raw_leads"]),
                    [{"source": SOURCE, "payload": _payload(d), "company_id": ids[d.domain]} for d in batch])
    session.execute(insert(tables["scans"]), [{"company_id": ids[d.domain], "job_id": None, "scanned_at": when,
                                               "status": report["status"], "report": report}
                                              for d in batch for when, report in d.scans])
    if found:
        session.execute(insert(tables["company_changes"]), [
            {"company_id": ids[d.domain], "changed_at": when, "kind": c.kind, "old": c.old, "new": c.new,
             "detail": c.detail, "alert": c.alert} for d, when, c in found])
    tags = [{"company_id": ids[d.domain], "tag": tag, "auto": True} for d in batch
            for tag in auto_tags(tag_reports[d.domain] or {})]
    tags += [{"company_id": ids[d.domain], "tag": tag, "auto": False} for d in batch for tag in d.tags]
    session.execute(insert(tables["tags"]), tags)
