"""Realistic leads for the browser tests and the screenshots: DNS facts per mail profile, judged by the
real pure pipeline (``assess`` → ``assessment_report``) and stored with ``store_report`` like a worker does.

Nothing here talks to DNS: the facts are written out as a scanner would have gathered them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.models import Company, ScanJob, ScanJobItem, utcnow
from leadhunter.domain.assessment import assess
from leadhunter.domain.facts import DkimProbe, DomainFacts, TenantFacts, TenantStatus
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.services.scan_jobs import finish_if_complete, store_report

OK, NX, TIMEOUT = Outcome.OK, Outcome.NXDOMAIN, Outcome.TIMEOUT


@dataclass(frozen=True)
class Profile:
    """A mail set-up: MX hosts, SPF includes, DKIM, DMARC policy, tenant, failed lookups."""

    mx: tuple[str, ...]
    spf: tuple[str, ...] = ()
    dkim_cname: str | None = None  # a CNAME target for selector1 (M365 style), or "key" for a direct key
    dmarc: str | None = None  # p= value, or None for no record
    tenant: bool = False
    dmarc_timeout: bool = False


def _mx(domain: str, hosts: Sequence[str]) -> Lookup:
    if not hosts:
        return Lookup(domain, "MX", NX)
    return Lookup(domain, "MX", OK, tuple(f"{10 * (i + 1)} {h.format(d=domain.replace('.', '-'))}"
                                          for i, h in enumerate(hosts)))


def facts_for(domain: str, p: Profile) -> DomainFacts:
    """The lookups a scan of ``domain`` with profile ``p`` would have made."""
    txt = (Lookup(domain, "TXT", OK, ("v=spf1 " + " ".join(f"include:{i}" for i in p.spf) + " -all",))
           if p.spf else Lookup(domain, "TXT", OK, ("google-site-verification=abc",)))
    if p.dmarc_timeout:
        dmarc = Lookup(f"_dmarc.{domain}", "TXT", TIMEOUT)
    elif p.dmarc:
        dmarc = Lookup(f"_dmarc.{domain}", "TXT", OK, (f"v=DMARC1; p={p.dmarc}; rua=mailto:dmarc@{domain}",))
    else:
        dmarc = Lookup(f"_dmarc.{domain}", "TXT", NX)
    probes: tuple[DkimProbe, ...] = ()
    if p.dkim_cname == "key":
        probes = (DkimProbe("default", Lookup(f"default._domainkey.{domain}", "TXT", OK, ("v=DKIM1; k=rsa; p=MIGf",))),)
    elif p.dkim_cname:
        target = p.dkim_cname.format(d=domain.split(".")[0])
        probes = (DkimProbe("selector1", Lookup(f"selector1._domainkey.{domain}", "TXT", OK,
                                                ("v=DKIM1; k=rsa; p=MIIBIjAN",), (target,))),)
    tenant = (TenantFacts(TenantStatus.FOUND, "72f988bf-86f1-41af-91ab-2d7cd011db47", "Managed", None, "EU")
              if p.tenant else TenantFacts(TenantStatus.NOT_FOUND))
    return DomainFacts(domain, _mx(domain, p.mx), txt, dmarc, probes, tenant=tenant)


M365 = "{d}.mail.protection.outlook.com"
PROFILES: dict[str, Profile] = {
    "m365": Profile((M365,), ("spf.protection.outlook.com",), "selector1-{d}._domainkey.contoso.onmicrosoft.com",
                    "reject", tenant=True),
    "m365_weak": Profile((M365,), ("spf.protection.outlook.com",), None, None, tenant=True),
    "google": Profile(("aspmx.l.google.com", "alt1.aspmx.l.google.com"), ("_spf.google.com",), "key", "reject"),
    "google_q": Profile(("aspmx.l.google.com",), ("_spf.google.com",), "key", "quarantine"),
    "yandex": Profile(("mx.yandex.net",), ("_spf.yandex.net",), "key", "reject"),
    "zoho": Profile(("mx.zoho.eu", "mx2.zoho.eu"), ("zoho.eu",), "key", "reject"),
    "natro": Profile(("mx.natrohost.com",), ("spf.natrohost.com",), "key", "reject"),
    "hosting_weak": Profile(("mail.secureserver.net",)),
    "local": Profile(("mail.{d}",), ("spf.{d}",), "key", "quarantine"),
    "local_spf": Profile(("mail.{d}",), ("spf.{d}",)),
    "proofpoint": Profile(("mx1.pphosted.com",), ("spf.protection.outlook.com", "pphosted.com"),
                          "selector1-{d}._domainkey.contoso.onmicrosoft.com", "reject"),
    "mimecast_google": Profile(("eu-smtp-inbound-1.mimecast.com",), ("_spf.google.com", "_netblocks.mimecast.com"),
                               "key", "quarantine"),
    "amazon": Profile(("inbound-smtp.eu-west-1.amazonaws.com",), ("amazonses.com",), "key", "reject"),
    "no_mx": Profile(()),
    "partial": Profile(("aspmx.l.google.com",), ("_spf.google.com",), "key", "reject", dmarc_timeout=True),
}


def report_for(domain: str, profile: str) -> dict[str, Any]:
    """The JSON report of ``domain`` scanned with ``profile`` (a key of :data:`PROFILES`)."""
    norm = normalize_domain(domain)
    assert norm.domain, domain
    p = PROFILES[profile]
    p = Profile(tuple(h.replace("{d}", norm.domain) if h.startswith("mail.") else h for h in p.mx),
                tuple(s.replace("{d}", norm.domain) for s in p.spf), p.dkim_cname, p.dmarc, p.tenant,
                p.dmarc_timeout)
    result = assess(facts_for(norm.domain, p), default_provider_rules(), default_scoring_rules())
    return assessment_report(norm, result)


COMPANIES = [
    ("anadolu-lojistik.com.tr", "Anadolu Lojistik A.Ş.", "google"),
    ("bosphorus-tekstil.com", "Bosphorus Tekstil", "natro"),
    ("çiçekçi-ayşe.com.tr", "Çiçekçi Ayşe", "local"),
    ("denizcilik-group.com", "Deniz Group Holding", "m365"),
    ("ege-gida.com.tr", "Ege Gıda San. Tic.", "yandex"),
    ("fener-yazilim.com", "Fener Yazılım", "zoho"),
    ("gunes-enerji.com.tr", "Güneş Enerji", "m365_weak"),
    ("hisar-insaat.com", "Hisar İnşaat", "hosting_weak"),
    ("istanbul-kahve.com", "İstanbul Kahve Evi", "google_q"),
    ("kapadokya-turizm.com", "Kapadokya Turizm", "proofpoint"),
    ("lale-mobilya.com.tr", "Lale Mobilya", "local_spf"),
    ("marmara-otomotiv.com", "Marmara Otomotiv", "mimecast_google"),
    ("nilufer-ilac.com", "Nilüfer İlaç", "amazon"),
    ("ozgur-basim.com.tr", "Özgür Basım", "no_mx"),
    ("pamukkale-seramik.com", "Pamukkale Seramik", "partial"),
    ("rize-cay.com.tr", "Rize Çay Üreticileri", "natro"),
    ("sultan-hali.com", "Sultan Halı", "google"),
    ("trakya-tarim.com.tr", "Trakya Tarım", "local"),
    ("uludag-kayak.com", "Uludağ Kayak Merkezi", "m365"),
    ("vadi-lojistik.com", "Vadi Lojistik", "zoho"),
    ("yildiz-elektrik.com.tr", "Yıldız Elektrik", "google_q"),
    ("zeytin-bahcesi.com", "Zeytin Bahçesi", "hosting_weak"),
]
"""(domain, company name, profile): a Turkish SME list covering every provider, gateway and category."""

MIGRATIONS = {"denizcilik-group.com": "google", "uludag-kayak.com": "google_q", "sultan-hali.com": "local_spf",
              "gunes-enerji.com.tr": "hosting_weak"}
"""Companies whose first scan had another profile: a second scan records provider/DMARC changes."""


def seed_companies(factory: sessionmaker[Session], rows: Sequence[tuple[str, str | None, str]] = COMPANIES,
                   *, history: dict[str, str] | None = None) -> None:
    """Store one scan per (domain, name, profile), the n-th scanned 17 minutes before the one before it; for
    domains in ``history`` an older scan (30 days back) first."""
    history = MIGRATIONS if history is None else history
    start = utcnow()
    with factory.begin() as session:
        entries = []
        for domain, name, _ in rows:
            norm = normalize_domain(domain)
            assert norm.domain and norm.unicode, domain
            entries.append((norm.domain, norm.unicode, name))
        companies = companies_repo.upsert_companies(session, entries)
        for i, ((ascii_domain, _, _), (domain, _, profile)) in enumerate(zip(entries, rows, strict=True)):
            now = start - timedelta(minutes=17 * i)
            if domain in history:
                store_report(session, companies[ascii_domain], report_for(domain, history[domain]), None,
                             now - timedelta(days=30))
            store_report(session, companies[ascii_domain], report_for(domain, profile), None, now)


_PLACES = ["Akdeniz", "Anadolu", "Bereket", "Boğaziçi", "Çukurova", "Doğu", "Ege", "Fırat", "Gökkuşağı", "Hilal",
           "Işık", "Kartal", "Kuzey", "Marmara", "Nehir", "Orman", "Pınar", "Safir", "Toros", "Yakamoz"]
_TRADES = [("lojistik", "Lojistik"), ("tekstil", "Tekstil"), ("gida", "Gıda"), ("yazilim", "Yazılım"),
           ("insaat", "İnşaat"), ("mobilya", "Mobilya"), ("otomotiv", "Otomotiv"), ("enerji", "Enerji"),
           ("turizm", "Turizm"), ("tarim", "Tarım"), ("ambalaj", "Ambalaj"), ("medikal", "Medikal")]
_WEIGHTED = ["google", "m365", "natro", "local", "m365_weak", "google_q", "yandex", "zoho", "hosting_weak",
             "proofpoint", "local_spf", "mimecast_google", "amazon", "no_mx", "partial", "google", "m365", "natro"]


def realistic_rows(n: int) -> list[tuple[str, str | None, str]]:
    """Up to 240 made-up Turkish SMEs (``toros-tekstil.com.tr``, "Toros Tekstil A.Ş."), profiles mixed."""
    rows: list[tuple[str, str | None, str]] = []
    for i in range(min(n, len(_PLACES) * len(_TRADES))):
        place = _PLACES[i % len(_PLACES)]
        slug, trade = _TRADES[(i // len(_PLACES)) % len(_TRADES)]  # every (place, trade) pair once
        ascii_place = place.lower().translate(str.maketrans("çğıöşüâ", "cgiosua"))
        tld = ".com.tr" if i % 3 else ".com"
        suffix = " A.Ş." if i % 2 else " Ltd. Şti."
        rows.append((f"{ascii_place}-{slug}{tld}", f"{place} {trade}{suffix}", _WEIGHTED[(i * 7) % len(_WEIGHTED)]))
    return rows


def bulk_rows(n: int, *, start: int = 0) -> list[tuple[str, str | None, str]]:
    """``n`` generated companies ``firma-00000.com.tr`` … cycling through every profile."""
    names = list(PROFILES)
    return [(f"firma-{i:05d}.com.tr", f"Firma {i:05d} Ltd.", names[i % len(names)]) for i in range(start, start + n)]


def complete_chunk(factory: sessionmaker[Session], job_id: int, chunk: int,
                   profile_of: Callable[[str], str] = lambda _d: "google", *, limit: int | None = None) -> int:
    """Play the worker for one chunk: store a report for (up to ``limit``) pending items; returns how many."""
    with factory.begin() as session:
        job = session.get(ScanJob, job_id)
        assert job is not None
        if job.status == "queued":  # as the worker does when it takes the first chunk
            job.status, job.started_at = "running", utcnow()
        items = session.execute(
            ScanJobItem.__table__.select()
            .where(ScanJobItem.job_id == job_id, ScanJobItem.chunk == chunk, ScanJobItem.state == "pending")
            .order_by(ScanJobItem.id)
        ).mappings().all()
        if limit is not None:
            items = items[:limit]
        for item in items:
            company = session.get(Company, item["company_id"])
            assert company is not None
            report = report_for(company.domain_unicode, profile_of(company.domain))
            store_report(session, company, report, job_id, utcnow())
            session.execute(update(ScanJobItem).where(ScanJobItem.id == item["id"]).values(state=report["status"]))
    finish_if_complete(factory, job_id)
    return len(items)
