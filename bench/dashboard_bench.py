"""Dashboard and full-column export benchmark over 100,000 leads, on SQLite and on PostgreSQL.

Usage::

    .venv/bin/python bench/dashboard_bench.py [--rows 100000] [--repeat 20] [--db sqlite --db postgresql]
                                              [--output bench/results/dashboard.json]

For each database: migrate, seed ``--rows`` realistic scored companies with the seeding of
``leads_query_bench.py`` (tags on ~10 %), then what the dashboard and the export read beside them: web and DNS
hosts on the company rows, play tags on ~40 % of the companies, one stored scan report per scanned company
(MX, SPF, DKIM, DMARC, tenant: what the export's columns read), 2,000 Partner Center referrals (1,500 linked,
some companies with three), 5,000 D365 push states and 20,000 changes over the last 12 weeks. Then start the
real app under uvicorn in its own process (``api_bench.Server``) and measure from this process:

1. ``GET /api/dashboard``: p50/p95/max of 6 filters, ``--repeat`` timed requests each after 3 warm-ups;
2. ``GET /api/leads/export?format=csv`` with every column, of all rows and of about half of them (score >= 50):
   time, bytes, and the server's peak RSS growth (``VmHWM`` reset before each export): flat memory means the
   peak does not grow with the number of rows.

The 1-minute load average before each part is recorded: the machine is shared. Targets: dashboard ≤ 300 ms,
export of 100,000 rows ≤ 10 s with flat memory.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "dashboard.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

QUERIES: dict[str, dict[str, Any]] = {
    "no filter": {},
    "segment=Migration": {"segment": "Migration"},
    "provider=M365, score>=50": {"provider": "M365", "score_min": 50},
    "category=P1+P2": {"category": ["P1", "P2"]},
    "q=müller": {"q": "müller"},
    "play=intune": {"play": "intune"},
}
PLAYS = ("mail_migration", "intune", "teams_phone", "defender_for_office", "azure_migration")
WEB_HOSTS = ("AWS", "Azure", "Cloudflare", "Natro", "Google Cloud", None, None)
KINDS = ("provider_changed", "dmarc_added", "dmarc_tightened", "segment_changed")


def seed_extras(engine: Any, seed: int = 11) -> dict[str, int]:
    """Everything beside the companies: hosts, play tags, scan reports, referrals, D365 states, changes."""
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import Session

    from leadhunter.db.d365_models import D365LeadSync
    from leadhunter.db.models import Company, CompanyChange, Scan, Tag
    from leadhunter.db.referral_models import PartnerCenterReferral

    rng, now = random.Random(seed), datetime.now(UTC)
    with Session(engine) as session, session.begin():
        rows = session.execute(select(Company.id, Company.domain, Company.scan_status)).all()
        for n, host in enumerate(WEB_HOSTS[:-2]):
            session.execute(update(Company).where(Company.id % 7 == n).values(web_host=host, dns_host=f"{host} DNS"))
        tags = [{"company_id": cid, "tag": f"play:{play}", "auto": True}
                for cid, _, _ in rows if rng.random() < 0.4 for play in rng.sample(PLAYS, rng.randint(1, 2))]
        scans = [{"company_id": cid, "status": status if status != "failed" else "ok", "scanned_at": now,
                  "report": report(domain)} for cid, domain, status in rows if status]
        for start in range(0, len(tags), 5000):
            session.execute(insert(Tag), tags[start:start + 5000])
        for start in range(0, len(scans), 5000):
            session.execute(insert(Scan), scans[start:start + 5000])
        ids = [cid for cid, _, _ in rows]
        linked = rng.sample(ids, 500)
        referrals = [{"referral_id": f"R-{n}", "lead_type": rng.choice(["co-sell", "marketplace", "solution-provider"]),
                      "link_status": "linked" if n < 1500 else "unlinked",
                      "company_id": linked[n % 500] if n < 1500 else None, "payload_hash": "h", "raw": {}}
                     for n in range(2000)]
        session.execute(insert(PartnerCenterReferral), referrals)
        session.execute(insert(D365LeadSync), [
            {"company_id": cid, "status": rng.choice(["synced", "synced", "error", "queued"]),
             "d365_lead_id": f"{cid:08d}-0000-0000-0000-000000000000", "record_url": f"https://org.example/lead/{cid}"}
            for cid in rng.sample(ids, 5000)])
        changes = [{"company_id": rng.choice(ids), "kind": rng.choice(KINDS), "old": "a", "new": "b", "detail": "",
                    "alert": False, "acknowledged": False,
                    "changed_at": now - timedelta(minutes=rng.randint(0, 120_960))} for _ in range(20_000)]
        session.execute(insert(CompanyChange), changes)
    return {"play_tags": len(tags), "scans": len(scans), "referrals": 2000, "d365": 5000, "changes": 20_000}


def report(domain: str) -> dict[str, Any]:
    """A stored scan report with the parts the export reads (about 1 KB of JSON)."""
    return {"domain": domain, "status": "ok", "technical_heat": "Hot", "commercial_heat": "Warm",
            "mx": [{"preference": 10, "host": f"{domain.replace('.', '-')}.mail.protection.outlook.com",
                    "addresses": ["52.101.0.1"], "cnames": []}],
            "spf": {"status": "valid", "record": "v=spf1 include:spf.protection.outlook.com -all", "includes": [
                "spf.protection.outlook.com"], "lookups_used": 2},
            "dkim": {"status": "found", "selectors": ["selector1", "selector2"], "cnames": {}},
            "dmarc": {"status": "valid", "policy": "quarantine", "record": "v=DMARC1; p=quarantine; rua=mailto:d@x.io",
                      "pct": 100, "rua": ["mailto:d@x.io"], "vendors": []},
            "tenant": {"status": "found", "namespace": "Managed", "region": "EU", "tenant_id": None},
            "evidence": ["MX 10 mail.protection.outlook.com", "SPF include:spf.protection.outlook.com"]}


def measure_dashboard(client: Any, repeat: int, warmup: int = 3) -> dict[str, Any]:
    """p50/p95/max ms per filter, each request timed from send to the parsed JSON body."""
    samples: dict[str, list[float]] = {name: [] for name in QUERIES}
    leads: dict[str, int] = {}
    for run in range(warmup + repeat):
        for name, params in QUERIES.items():
            t0 = time.perf_counter()
            response = client.get("/api/dashboard", params=params)
            body = response.json()
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (name, response.text[:200])
            leads[name] = body["totals"]["leads"]
            if run >= warmup:
                samples[name].append(elapsed)
    out = {}
    for name, values in samples.items():
        qs = statistics.quantiles(values, n=20, method="inclusive")
        out[name] = {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(qs[18], 1),
                     "max_ms": round(max(values), 1), "leads": leads[name]}
    return out


def run_database(kind: str, url: str, data_dir: Path, rows: int, repeat: int) -> dict[str, Any]:
    """Migrate, seed, serve and measure one database."""
    import httpx

    from leadhunter.db.engine import make_engine
    from leadhunter.db.migrate import upgrade

    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    from api_bench import Server, measure_export, proc_status
    from leads_query_bench import seed

    upgrade(url)
    engine = make_engine(url)
    try:
        seeding = seed(engine, rows, analyze=False)
        extras = seed_extras(engine)
        from sqlalchemy import text

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    finally:
        engine.dispose()
    print(f"\n{kind}: seeded {rows:,} companies, {extras}")
    server = Server(url, data_dir)
    try:
        with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as client:
            server.wait_ready(client)
            load = {"dashboard": os.getloadavg()[0]}
            dashboard = measure_dashboard(client, repeat)
            load["export_all"] = os.getloadavg()[0]
            export_all = measure_export(client, server.proc.pid)
            load["export_half"] = os.getloadavg()[0]
            export_half = measure_half(client, server.proc.pid, proc_status)
    finally:
        server.stop()
    result = {"seeding": {**seeding, **extras}, "load_avg_1min_before": {k: round(v, 2) for k, v in load.items()},
              "dashboard": dashboard, "export_all_columns": export_all, "export_score_50_plus": export_half}
    print_table(kind, result)
    return result


def measure_half(client: Any, pid: int, proc_status: Any) -> dict[str, Any]:
    """The export of leads scoring 50 or more (about half), for the peak-memory comparison."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = proc_status(pid, "VmHWM")
    size = lines = 0
    t0 = time.perf_counter()
    with client.stream("GET", "/api/leads/export", params={"format": "csv", "score_min": 50}, timeout=300) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - t0
    after = proc_status(pid, "VmHWM")
    return {"rows": lines - 1, "seconds": round(elapsed, 2), "mb": round(size / 2**20, 1),
            "peak_growth_mb": round((after - before) / 1024, 1)}


def print_table(kind: str, r: dict[str, Any]) -> None:
    """The per-database result table on stdout."""
    print(f"{'GET /api/dashboard':28} {'leads':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, q in r["dashboard"].items():
        print(f"{name:28} {q['leads']:>7} {q['p50_ms']:>8.1f} {q['p95_ms']:>8.1f} {q['max_ms']:>8.1f}")
    worst = max(q["p95_ms"] for q in r["dashboard"].values())
    print(f"worst p95: {worst:.1f} ms (target ≤ 300); 1-minute load average before each part: "
          f"{r['load_avg_1min_before']} on {os.cpu_count()} CPUs")
    e, h = r["export_all_columns"], r["export_score_50_plus"]
    print(f"export, every column: {e['rows']:,} rows, {e['mb']} MB in {e['seconds']} s; server peak "
          f"+{e['peak_growth_mb']} MB over {e['hwm_before_mb']} MB (target ≤ 10 s, flat)")
    print(f"export, score >= 50: {h['rows']:,} rows, {h['mb']} MB in {h['seconds']} s; server peak "
          f"+{h['peak_growth_mb']} MB")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    results: dict[str, Any] = {
        "rows": args.rows, "repeat": args.repeat, "warmup": 3, "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": "uvicorn, 1 process, loopback", "databases": {},
    }
    for kind in args.db or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
            if kind == "sqlite":
                results["databases"][kind] = run_database(kind, f"sqlite:///{tmp}/hunter.db", Path(tmp), args.rows,
                                                          args.repeat)
                continue
            from leads_query_bench import scratch_pg_database

            with scratch_pg_database(args.pg_admin_url, "leadhunter_dashbench") as (url, version):
                results["databases"][kind] = {"version": version,
                                              **run_database(kind, url, Path(tmp), args.rows, args.repeat)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
