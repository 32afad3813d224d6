"""Lead-list query benchmark: ``list_leads`` (a page of 50 plus its total) over 100,000 companies.

Usage::

    .venv/bin/python bench/leads_query_bench.py [--rows 100000] [--repeat 40] [--db sqlite --db postgresql]
                                                [--pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                                [--no-analyze] [--output bench/results/leads-query.json]

For each database: migrate an empty database to head (the real Alembic migrations), bulk-insert
``--rows`` realistic companies (scored by the real scoring rules; ~10% never scanned, ~30% without a
name, ~3% IDN domains, JSON breakdown and evidence of typical size) with one tag on ~10% of them,
``ANALYZE``, then time 20 typical filter/sort combinations through :func:`list_leads` in a fresh
session each (``--repeat`` timed runs after 3 warm-up runs, query order interleaved), the KPI strip
(:func:`counts_by` segment and category), and stream the whole list through :func:`iter_leads` (rows/s,
and Python heap peak in a second pass). Prints a table per database with
the plan's index use and writes ``bench/results/leads-query.json``. The issue's target is p95 ≤ 50 ms
through the HTTP API, so the repository alone should sit well below it.

PostgreSQL gets a throw-away database ``leadhunter_bench_<pid>`` created through ``--pg-admin-url`` and
dropped afterwards; SQLite a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.leads_repo import LeadFilter, counts_by, iter_leads, list_leads, page_ids_statement
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, Tag
from leadhunter.domain.dkim import DkimStatus
from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus
from leadhunter.domain.scoring import ScoreInput, score_lead
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.domain.spf import SpfStatus

RESULTS = Path(__file__).resolve().parent / "results" / "leads-query.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

PROVIDERS = {"M365": 35, "Google": 18, "Hosting": 14, "Local": 8, "Unknown": 10, "Yandex": 3, "Zoho": 3,
             "Amazon": 3, "SendGrid": 3, "Mailgun": 3}
GATEWAYS = {"": 82, "Proofpoint": 7, "Mimecast": 6, "Barracuda": 3, "Cisco Secure Email": 2}
TAGS = {"hot": 40, "event-2024": 25, "partner-referral": 20, "do-not-call": 15}
WORDS = ("acme", "nord", "bau", "müller", "enerji", "tekstil", "logistik", "global", "data", "green", "star",
         "medi", "agro", "inşaat", "holz", "metal", "tech", "food", "auto", "consult", "værk", "solar")
SUFFIXES = ("GmbH", "Ltd", "A.Ş.", "SAS", "BV", "AG", "Group", "Holding", "")
TLDS = ("com", "de", "com.tr", "co.uk", "net", "org", "eu", "io", "fr", "nl")

# name → (filter, sort, descending, offset): the combinations the lead list page actually sends.
QUERIES: dict[str, tuple[LeadFilter, str, bool, int]] = {
    "default": (LeadFilter(), "default", False, 0),
    "default, page 21": (LeadFilter(), "default", False, 1000),
    "default, page 1001": (LeadFilter(), "default", False, 50_000),
    "segment=Migration": (LeadFilter(segments=("Migration",)), "default", False, 0),
    "category=P1": (LeadFilter(categories=("P1",)), "default", False, 0),
    "categories P1+P2": (LeadFilter(categories=("P1", "P2")), "default", False, 0),
    "provider=M365": (LeadFilter(providers=("M365",)), "default", False, 0),
    "provider=Google, score>=60": (LeadFilter(providers=("Google",), score_min=60), "default", False, 0),
    "score 70-100": (LeadFilter(score_min=70, score_max=100), "default", False, 0),
    "gateway=Proofpoint": (LeadFilter(gateways=("Proofpoint",)), "default", False, 0),
    "tag=hot": (LeadFilter(tags=("hot",)), "default", False, 0),
    "search 'müller'": (LeadFilter(search="müller"), "default", False, 0),
    "search '4242'": (LeadFilter(search="4242"), "default", False, 0),
    "sort score desc": (LeadFilter(), "score", True, 0),
    "sort domain": (LeadFilter(), "domain", False, 0),
    "sort name": (LeadFilter(), "name", False, 0),
    "sort scanned_at desc": (LeadFilter(), "scanned_at", True, 0),
    "sort created_at desc": (LeadFilter(), "created_at", True, 0),
    "Migration by priority": (LeadFilter(segments=("Migration",)), "priority", False, 0),
    "Migration+Cold, score>=50, by provider": (
        LeadFilter(segments=("Migration", "Cold"), score_min=50), "provider", False, 0),
}


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of ``weights`` drawn with the given integer weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def company_rows(count: int, seed: int = 42) -> list[dict[str, Any]]:
    """``count`` company rows as insert dicts, deterministic for ``seed``."""
    rng, rules, now = random.Random(seed), default_scoring_rules(), datetime.now(UTC)
    rows = []
    for i in range(count):
        first, second = rng.sample(WORDS, 2)
        shown = f"{first}{second}-{i:06d}.{rng.choice(TLDS)}"
        if rng.random() >= 0.03:  # most companies use an ASCII domain
            shown = shown.translate(str.maketrans("üşæ", "usa"))
        domain = shown.encode("idna").decode("ascii")
        named = rng.random() < 0.7
        row: dict[str, Any] = {
            "domain": domain, "domain_unicode": shown, "created_at": now - timedelta(minutes=rng.randint(0, 525_600)),
            "name": f"{first.title()} {second.title()} {rng.choice(SUFFIXES)}".strip() if named else None,
        }
        row["updated_at"] = row["created_at"]
        if rng.random() < 0.9:  # scanned
            row.update(scanned_row(rng, rules, now))
        rows.append(row)
    return rows


def scanned_row(rng: random.Random, rules: Any, now: datetime) -> dict[str, Any]:
    """The verdict columns of one scanned company, scored by the default rules."""
    provider = pick(rng, PROVIDERS)
    policy = rng.choice([None, DmarcPolicy.NONE, DmarcPolicy.QUARANTINE, DmarcPolicy.REJECT])
    inp = ScoreInput(provider=provider, spf=rng.choice([SpfStatus.VALID, SpfStatus.VALID, SpfStatus.MISSING]),
                     dkim=rng.choice([DkimStatus.FOUND, DkimStatus.MISSING]),
                     dmarc=DmarcStatus.MISSING if policy is None else DmarcStatus.VALID, dmarc_policy=policy,
                     spf_includes=rng.randint(0, 5), hard_fail="no usable MX" if rng.random() < 0.04 else None)
    score = score_lead(inp, rules)
    return {
        "scan_status": pick(rng, {"ok": 85, "partial": 10, "failed": 5}),
        "scanned_at": now - timedelta(minutes=rng.randint(0, 43_200)), "provider": provider,
        "gateway": pick(rng, GATEWAYS) or None, "hosting_label": "Natro" if provider == "Hosting" else None,
        "confidence": rng.choice(["high", "medium", "low"]), "dmarc_policy": policy.value if policy else None,
        "tenant_id": f"{rng.getrandbits(128):032x}" if provider == "M365" else None, "score": score.score,
        "segment": score.segment, "priority": score.priority, "category": score.category,
        "breakdown": [{"kind": i.kind, "key": i.key, "points": i.points, "reason": i.reason} for i in score.items],
        "evidence": [f"MX 10 mx{n}.{provider.lower()}.example" for n in range(2)]
        + ["SPF v=spf1 include:spf.protection.outlook.com -all", "DMARC v=DMARC1; p=none; rua=mailto:d@x.example"],
    }


def seed(engine: Engine, rows: int, analyze: bool = True) -> dict[str, float]:
    """Bulk-insert ``rows`` companies and tags on ~10% of them; ANALYZE unless told not to (PostgreSQL's
    autovacuum would analyze on its own; SQLite only when someone runs ``ANALYZE`` or ``PRAGMA optimize``).
    Returns timings in seconds and the number of tags."""
    started = time.perf_counter()
    data, rng = company_rows(rows), random.Random(7)
    generated = time.perf_counter()
    with Session(engine) as session, session.begin():
        for start in range(0, len(data), 5000):
            session.execute(insert(Company), data[start : start + 5000])
        ids = session.scalars(select(Company.id)).all()
        tags = [{"company_id": cid, "tag": pick(rng, TAGS), "auto": rng.random() < 0.5}
                for cid in ids if rng.random() < 0.1]
        session.execute(insert(Tag), tags)
    inserted = time.perf_counter()
    if analyze:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return {"generate_s": generated - started, "insert_s": inserted - generated,
            "analyze_s": time.perf_counter() - inserted, "tagged": len(tags)}


def plan(session: Session, flt: LeadFilter, sort: str, descending: bool, offset: int) -> str:
    """The database's plan for the page's id query (the first of ``list_leads``'s queries), one line."""
    dialect = session.get_bind().dialect.name
    stmt = page_ids_statement(flt, dialect, sort=sort, descending=descending, offset=offset, limit=50)
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    conn = session.connection()
    if dialect == "sqlite":
        args = tuple(compiled.params[name] for name in compiled.positiontup or ())
        lines = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)]
    else:
        lines = [row[0].strip() for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)]
    return " | ".join(lines)


def measure(engine: Engine, repeat: int) -> dict[str, Any]:
    """p50/p95/max milliseconds for every query in :data:`QUERIES`, plus each one's total and plan."""
    factory = make_session_factory(engine)
    samples: dict[str, list[float]] = {name: [] for name in QUERIES}
    totals: dict[str, int] = {}
    for run in range(repeat + 3):
        for name, (flt, sort, desc, offset) in QUERIES.items():
            with factory() as session:
                t0 = time.perf_counter()
                page, total = list_leads(session, flt, sort=sort, descending=desc, offset=offset, limit=50)
                elapsed = (time.perf_counter() - t0) * 1000
            assert page, name
            totals[name] = total
            if run >= 3:
                samples[name].append(elapsed)
    out = {}
    with factory() as session:
        for name, values in samples.items():
            qs = statistics.quantiles(values, n=20, method="inclusive")
            out[name] = {"p50_ms": round(statistics.median(values), 2), "p95_ms": round(qs[18], 2),
                         "max_ms": round(max(values), 2), "total": totals[name], "plan": plan(session, *QUERIES[name])}
    return out


def measure_export(engine: Engine) -> dict[str, float]:
    """Stream the whole list through ``iter_leads`` twice: once timed, once under tracemalloc for the
    Python heap peak (MB); tracemalloc slows allocation, so the two are kept apart."""
    def export() -> int:
        with make_session_factory(engine)() as session:
            return sum(1 for _ in iter_leads(session, LeadFilter(), sort="default", descending=False, batch=1000))

    t0 = time.perf_counter()
    rows = export()
    elapsed = time.perf_counter() - t0
    tracemalloc.start()
    export()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
            "heap_peak_mb": round(peak / 2**20, 1)}


def measure_counts(engine: Engine, repeat: int) -> dict[str, float]:
    """p50/p95 milliseconds of the KPI strip: ``counts_by`` segment and category, unfiltered."""
    factory, samples = make_session_factory(engine), []
    for run in range(repeat + 3):
        with factory() as session:
            t0 = time.perf_counter()
            counts_by(session, LeadFilter(), "segment")
            counts_by(session, LeadFilter(), "category")
            if run >= 3:
                samples.append((time.perf_counter() - t0) * 1000)
    qs = statistics.quantiles(samples, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(qs[18], 2)}


def run_database(kind: str, url: str, rows: int, repeat: int, analyze: bool = True) -> dict[str, Any]:
    """Migrate, seed and measure one database."""
    upgrade(url)
    engine = make_engine(url)
    try:
        seeding = seed(engine, rows, analyze)
        queries = measure(engine, repeat)
        kpi = measure_counts(engine, repeat)
        export = measure_export(engine)
    finally:
        engine.dispose()
    print_table(kind, rows, seeding, queries, export)
    print(f"KPI strip (counts_by segment + category): p50 {kpi['p50_ms']} ms, p95 {kpi['p95_ms']} ms")
    return {"seeding": seeding, "queries": queries, "kpi_counts": kpi, "export": export}


def print_table(kind: str, rows: int, seeding: dict[str, float], queries: dict[str, Any],
                export: dict[str, float]) -> None:
    """The per-database result table on stdout."""
    print(f"\n{kind}: {rows:,} companies (insert {seeding['insert_s']:.1f} s, {seeding['tagged']:,} tagged)")
    print(f"{'query':42} {'total':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  plan")
    for name, r in queries.items():
        print(f"{name:42} {r['total']:>7} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['max_ms']:>8.2f}  "
              f"{r['plan'][:90]}")
    worst = max(r["p95_ms"] for r in queries.values())
    print(f"worst p95: {worst:.2f} ms; export of {export['rows']:,} rows via iter_leads: {export['seconds']} s "
          f"({export['rows_per_s']:,}/s), Python heap peak {export['heap_peak_mb']} MB")


@contextmanager
def scratch_pg_database(admin_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    """Create a throw-away PostgreSQL database; yield its URL and the server version; drop it after."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}"
    with admin.connect() as conn:
        version = str(conn.exec_driver_sql("show server_version").scalar())
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False), version
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after seeding")
    args = parser.parse_args(argv)
    analyze = not args.no_analyze
    results: dict[str, Any] = {
        "rows": args.rows, "repeat": args.repeat, "page_size": 50, "analyzed": analyze,
        "python": platform.python_version(), "machine": f"{platform.machine()} {os.cpu_count()} CPU",
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "databases": {},
    }
    for kind in args.db or ["sqlite", "postgresql"]:
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(prefix="leads-bench-") as tmp:
                url = f"sqlite:///{tmp}/hunter.db"
                with create_engine(url).connect() as conn:
                    version = conn.exec_driver_sql("select sqlite_version()").scalar()
                results["databases"][kind] = {"version": version,
                                              **run_database(kind, url, args.rows, args.repeat, analyze)}
            continue
        with scratch_pg_database(args.pg_admin_url, "leadhunter_bench") as (url, version):
            measured = run_database(kind, url, args.rows, args.repeat, analyze)
            results["databases"][kind] = {"version": version, **measured}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
