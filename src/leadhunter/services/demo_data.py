"""Use case: fill an empty database with a realistic demo data set, scanned by the real rules, offline.

Every company gets synthetic DNS facts (MX, TXT/SPF, DMARC, DKIM probes, autodiscover, addresses, tenant)
shaped like what its provider really publishes (made by :mod:`leadhunter.services.demo_facts`); the scanner's
own assessment (:func:`assess`) and report (:class:`ScanOutcome`) judge them, and
:func:`scan_jobs.store_report` stores them with change history and auto tags. So every breakdown, evidence
line, category and alert in the demo is a genuine output, only the DNS answers are made up. The catalogue
(providers, hosting labels, gateways) is read from the provider rule file, so each of them appears.
Deterministic for a seed; no network.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.models import Company, MetricCounter, RawLead, Tag
from leadhunter.db.search_text import search_text
from leadhunter.domain.assessment import assess
from leadhunter.domain.changes import Change, auto_tags, detect_changes, verdict_of
from leadhunter.domain.company_size import default_size_rules, estimate_size
from leadhunter.domain.footprint_columns import footprint_columns
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import parse_provider_rules
from leadhunter.domain.scoring_rules import ScoringRules, default_scoring_rules
from leadhunter.services import company_size, registration, scan_jobs
from leadhunter.services.demo_facts import PRESETS, Catalogue, Posture, Setup, all_setups, synthetic_facts
from leadhunter.services.demo_registration import demo_registration
from leadhunter.services.scanning import ScanOutcome

# The fact model is re-exported: callers (CLI, tests, benchmarks) import the demo from this one module.
__all__ = ["DEFAULT_COMPANIES", "DEFAULT_SEED", "PRESETS", "Catalogue", "DemoCompany", "DemoSummary", "Posture",
           "Setup", "all_setups", "generate_companies", "seed_demo", "synthetic_facts"]

DEFAULT_COMPANIES = 3000
DEFAULT_SEED = 42
SOURCE = "demo"  # raw_leads.source of demo companies
BATCH = 200  # companies generated and committed at a time
DEMO_MARKER = "demo_seed"  # metric_counters.name of the row that says a demo was seeded completely
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
    """Store ``companies`` demo companies unless the database already holds other data or a finished demo
    (then nothing changes).

    By default each scan goes through :func:`scan_jobs.store_report` exactly as a worker stores it; ``bulk``
    writes the same rows with multi-row inserts instead (for benchmarks: ~3× faster; tests check it stores the
    very same rows). Companies are committed :data:`BATCH` at a time (short writes: a server on the same file
    is never kept waiting for the whole demo), and a marker row is written with the last batch. A seeding
    that was interrupted (demo companies, no marker) is carried on: the same seed generates the same domains
    and those already stored are skipped.
    """
    with factory() as session:
        existing = session.scalar(select(func.count()).select_from(Company)) or 0
        finished = session.scalar(select(func.count()).select_from(MetricCounter).where(
            MetricCounter.name == DEMO_MARKER)) or 0
        foreign = session.scalar(select(func.count()).select_from(Company).where(~Company.id.in_(
            select(RawLead.company_id).where(RawLead.source == SOURCE, RawLead.company_id.is_not(None))))) or 0
        stored_before = set(session.scalars(select(Company.domain))) if existing and not (finished or foreign) \
            else set()
    if finished or foreign:
        return DemoSummary(False, existing)
    started, stored, scans = time.perf_counter(), 0, 0
    at = now or datetime.now(UTC)
    generated = (c for c in generate_companies(companies, seed=seed, now=at) if c.domain not in stored_before)
    while batch := list(islice(generated, BATCH)):
        with factory.begin() as session:
            (_store_bulk if bulk else _store)(session, batch)
            session.flush()
            _store_registrations(session, batch, at)
        stored, scans = stored + len(batch), scans + sum(len(c.scans) for c in batch)
    with factory.begin() as session:
        session.add(MetricCounter(name=DEMO_MARKER, label="companies", value=stored + len(stored_before)))
    return DemoSummary(True, stored + len(stored_before), scans, time.perf_counter() - started)


def _store(session: Session, batch: list[DemoCompany]) -> None:
    found = companies_repo.upsert_companies(session, [(c.domain, c.domain_unicode, c.name) for c in batch])
    companies_repo.add_raw_leads(session, SOURCE, ((_payload(c), found[c.domain].id) for c in batch))
    # One flush per batch instead of one per scan (store_report's tag query would autoflush): a new company
    # has no tags to find, and a company with history is flushed before each later scan so its query sees
    # the tags of the one before.
    judged: dict[str, dict[str, Any]] = {}  # domain → its last report that replaced the verdict (for the size)
    with session.no_autoflush:
        for demo in batch:
            company = found[demo.domain]
            company.created_at = demo.created_at
            for index, (when, report) in enumerate(demo.scans):
                if index:
                    session.flush()
                if not scan_jobs.inconclusive(report, had_verdict=company.provider is not None):
                    judged[demo.domain] = report
                scan_jobs.store_report(session, company, report, None, when)
            session.add_all(Tag(company_id=company.id, tag=tag, auto=False) for tag in demo.tags)
    company_size.refresh_sizes(session, [(found[d], report) for d, report in judged.items()])


def _store_registrations(session: Session, batch: list[DemoCompany], now: datetime) -> None:
    """Each company's registration record, tags and expire_soon alert, as the registration task stores them."""
    ids = {domain: cid for domain, cid in session.execute(
        select(Company.domain, Company.id).where(Company.domain.in_([d.domain for d in batch])))}
    policy = registration.RegistrationPolicy()
    for demo in batch:
        facts = demo_registration(demo.domain, demo.name, now)
        registration.store_registration(session, ids[demo.domain], demo.domain, facts, None, set(),
                                        facts.fetched_at or now, now, policy)


def _payload(demo: DemoCompany) -> dict[str, Any]:
    return {"input": demo.domain_unicode, **({"name": demo.name} if demo.name else {})}


_VERDICT = ("provider", "gateway", "hosting_label", "confidence", "score", "segment", "priority", "category",
            "breakdown", "evidence")
_FOOTPRINT = ("web_host", "dns_host", "mail_country", "web_country", "footprint")


def _store_bulk(session: Session, batch: list[DemoCompany]) -> None:
    """What :func:`_store` stores, as multi-row inserts: the column updates and change detection of
    ``store_report``/``apply_scan`` replayed over each company's scans."""
    rows: list[dict[str, Any]] = []
    found: list[tuple[DemoCompany, datetime, Change]] = []
    tag_reports: dict[str, dict[str, Any] | None] = {}
    for demo in batch:
        row: dict[str, Any] = {"domain": demo.domain, "domain_unicode": demo.domain_unicode, "name": demo.name,
                               "created_at": demo.created_at, "updated_at": demo.scans[-1][0],
                               **dict.fromkeys((*_VERDICT, *_FOOTPRINT, "tenant_id", "tenant_source", "dmarc_policy",
                                                 "size", "size_detail"))}
        tag_reports[demo.domain] = None
        for when, report in demo.scans:
            old = verdict_of({**row, "dmarc": {"policy": row["dmarc_policy"]},
                              "footprint": (row["footprint"] or {}).get("footprint")})
            if not scan_jobs.inconclusive(report, had_verdict=row["provider"] is not None):
                tag_reports[demo.domain] = report  # auto tags follow the last conclusive scan, as store_report's
                found += [(demo, when, c) for c in detect_changes(old, verdict_of(report))]
                tenant = report.get("tenant") or {}
                fp = footprint_columns(report)
                row.update(web_host=fp.web_host, dns_host=fp.dns_host, mail_country=fp.mail_country,
                           web_country=fp.web_country, footprint=fp.stored)
                row.update({k: report.get(k) for k in _VERDICT}, tenant_id=tenant.get("tenant_id"),
                           tenant_source="scan" if tenant.get("tenant_id") else None,
                           dmarc_policy=(report.get("dmarc") or {}).get("policy"),
                           name=row["name"] or tenant.get("brand"))
                size = estimate_size(referral_band=None, employees=None, report=report, rules=default_size_rules())
                row.update(size=size.band, size_detail=size.as_json())
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
