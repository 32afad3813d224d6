"""National-scale benchmark: the lead list, KPIs and cross-filtered facets over 1,000,000 companies on PostgreSQL,
through HTTP, with every statement's plan (``EXPLAIN (ANALYZE, BUFFERS)``).

Usage::

    .venv/bin/python bench/scale_bench.py [--rows 1000000] [--seed 42] [--repeat 20]
                                          [--keep-url postgresql+psycopg://postgres@127.0.0.1:5432/DB]
                                          [--output bench/results/scale.json] [--plans bench/results/scale-plans.txt]

Without ``--keep-url`` a throw-away database ``leadhunter_scalebench_<pid>`` is created, migrated, seeded by
``scale_data.seed`` (deterministic for ``--seed``), ``VACUUM ANALYZE``d, measured and dropped. With it, an already
seeded database is migrated to head and measured (seeding a million rows takes 10-25 minutes on a shared 2-core
machine). The app runs under uvicorn in its own process (``api_bench.Server``); each query is timed from send to
parsed JSON, ``--repeat`` times after 3 warm-ups, interleaved. The 1-minute load average is recorded next to each
part: the machine may be shared, and the plans (buffers, rows) are the figures that do not depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from api_bench import PG_ADMIN_URL, Server  # noqa: E402
from leads_query_bench import scratch_pg_database  # noqa: E402

RESULTS = BENCH_DIR / "results" / "scale.json"
PLANS = BENCH_DIR / "results" / "scale-plans.txt"

LIST_QUERIES: dict[str, dict[str, Any]] = {
    "default order": {},
    "default, page 2000 (offset 99,950)": {"page": 2000},
    "provider=M365": {"provider": "M365"},
    "provider=Google, score>=60": {"provider": "Google", "score_min": 60},
    "segment=Migration, score 50-100": {"segment": "Migration", "score_min": 50, "score_max": 100},
    "category=P1": {"category": "P1"},
    "categories P1+P2": {"category": ["P1", "P2"]},
    "gateway=Proofpoint, sort=name": {"gateway": "Proofpoint", "sort": "name"},
    "tag=hot": {"tag": "hot"},
    "play=intune": {"play": "intune"},
    "saas=zoom": {"saas": "zoom"},
    "web_host=AWS, mail_country=TR": {"web_host": "AWS", "mail_country": "TR"},
    "dns_host=Cloudflare": {"dns_host": "Cloudflare"},
    "referral_type=any": {"referral_type": "any"},
    "d365_status=synced": {"d365_status": "synced"},
    "sort=score desc": {"sort": "score", "order": "desc"},
    "sort=domain, page 100": {"sort": "domain", "page": 100},
    "sort=name": {"sort": "name"},
    "sort=scanned_at desc": {"sort": "scanned_at", "order": "desc"},
    "sort=created_at desc": {"sort": "created_at", "order": "desc"},
    "sort=priority": {"sort": "priority"},
    "sort=provider": {"sort": "provider"},
    "q=ab (2 chars)": {"q": "ab"},
    "q=zz (2 chars, none)": {"q": "zz"},
    "q=ü (1 char)": {"q": "ü"},
    "q=bau (3 chars)": {"q": "bau"},
    "q=4242 (4 chars)": {"q": "4242"},
    "q=müller (6 chars)": {"q": "müller"},
    "q=nordbau (7 chars)": {"q": "nordbau"},
    "q=müller, provider=M365": {"q": "müller", "provider": "M365"},
    "q=0012345 (rare, 7 chars)": {"q": "0012345"},
}
"""name -> query parameters of GET /api/leads (page of 50)."""

COUNT_QUERIES: dict[str, dict[str, Any]] = {
    "no filter": {},
    "provider=M365": {"provider": "M365"},
    "provider=Google, segment=Migration": {"provider": "Google", "segment": "Migration"},
    "score>=60": {"score_min": 60},
    "tag=hot": {"tag": "hot"},
    "q=müller": {"q": "müller"},
    "q=4242": {"q": "4242"},
    "web_host=AWS, mail_country=TR, category=P1": {"web_host": "AWS", "mail_country": "TR", "category": "P1"},
}
"""name -> filter of GET /api/leads/kpis and GET /api/leads/facets."""


def timed(client: Any, path: str, queries: dict[str, dict[str, Any]], repeat: int) -> dict[str, Any]:
    """p50/p95/max ms per query (send to parsed JSON) and what the last answer said about totals."""
    samples: dict[str, list[float]] = {name: [] for name in queries}
    last: dict[str, Any] = {}
    for run in range(3 + repeat):
        for name, params in queries.items():
            t0 = time.perf_counter()
            response = client.get(path, params={"page_size": 50, **params} if path == "/api/leads" else params)
            body = response.json()
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (name, response.text[:300])
            last[name] = body
            if run >= 3:
                samples[name].append(elapsed)
    out = {}
    for name, values in samples.items():
        qs = statistics.quantiles(values, n=20, method="inclusive")
        body = last[name]
        entry: dict[str, Any] = {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(qs[18], 1),
                                 "max_ms": round(max(values), 1)}
        if path == "/api/leads":
            entry.update(total=body["total"], total_is_estimate=body["total_is_estimate"], rows=len(body["items"]))
        elif path.endswith("/kpis"):
            entry.update(total=sum(body["segments"].values()), estimate=body["estimate"])
        else:
            entry.update(estimated=body["estimated"], providers=body["providers"])
        out[name] = entry
    return out


SCALARS = frozenset({"q", "sort", "order", "score_min", "score_max", "expires_within_days", "registered_after"})
"""Filter parameters that take one value (the others are lists: repeated in a query string)."""


def explain_all(url: str, output: Path) -> None:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of every statement the list, KPI and facet reads issue for each query,
    captured from the repository functions the routes call, written to ``output``."""
    from sqlalchemy import event

    from leadhunter.api.routers.leads import LeadFilterParams
    from leadhunter.db import lead_facets, lead_page
    from leadhunter.db.engine import make_engine, make_session_factory

    engine = make_engine(url)
    captured: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, parameters))

    lines: list[str] = []
    try:
        factory = make_session_factory(engine)
        for kind, queries in (("list", LIST_QUERIES), ("facets+kpis", COUNT_QUERIES)):
            for name, params in queries.items():
                flt_params = LeadFilterParams(**{k: v if not isinstance(v, str) or k in SCALARS else [v]
                                                 for k, v in params.items() if k != "page"})
                page = int(params.get("page", 1))
                with factory() as session:
                    captured.clear()
                    if kind == "list":
                        lead_page.page_of_leads(session, flt_params.to_filter(), sort=flt_params.sort,
                                                descending=flt_params.order == "desc", offset=(page - 1) * 50)
                    else:
                        lead_facets.facet_counts(session, flt_params.to_filter())
                        lead_facets.facet_counts(session, flt_params.to_filter(), ("segments", "categories"),
                                                 cross=False)
                    statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
                    lines.append(f"\n===== {kind}: {name} ({len(statements)} statements) =====")
                    for statement, parameters in statements:
                        if "FROM companies" not in statement and "FROM tags" not in statement \
                                and "lead_value_counts" not in statement:
                            continue
                        plan = session.connection().exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters).scalars().all()
                        lines.append("--- " + " ".join(statement.split())[:400])
                        lines.extend(plan)
                    session.rollback()
    finally:
        engine.dispose()
    output.write_text("\n".join(lines) + "\n")


def run(url: str, repeat: int, plans: Path) -> dict[str, Any]:
    """Serve ``url`` and measure; write the plans."""
    import httpx

    result: dict[str, Any] = {"load_avg_1min_before": {}}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        server = Server(url, Path(tmp))
        try:
            with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as client:
                server.wait_ready(client)
                for part, path, queries in (("list", "/api/leads", LIST_QUERIES),
                                            ("kpis", "/api/leads/kpis", COUNT_QUERIES),
                                            ("facets", "/api/leads/facets", COUNT_QUERIES)):
                    result["load_avg_1min_before"][part] = round(os.getloadavg()[0], 2)
                    result[part] = timed(client, path, queries, repeat)
                    print_part(part, result[part], result["load_avg_1min_before"][part])
        finally:
            server.stop()
    result["load_avg_1min_before"]["plans"] = round(os.getloadavg()[0], 2)
    explain_all(url, plans)
    return result


def print_part(part: str, rows: dict[str, Any], load: float) -> None:
    """One result table on stdout."""
    print(f"\n{part} (1-minute load average before: {load} on {os.cpu_count()} CPUs)")
    for name, r in rows.items():
        extra = {k: v for k, v in r.items() if k not in ("p50_ms", "p95_ms", "max_ms", "providers")}
        print(f"  {name:42} p50 {r['p50_ms']:>7.1f}  p95 {r['p95_ms']:>7.1f}  max {r['max_ms']:>7.1f}  {extra}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep-url", help="measure this already seeded database instead of a throw-away one")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--plans", type=Path, default=PLANS)
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text

    from leadhunter.db.migrate import upgrade
    from scale_data import analyze, seed

    meta: dict[str, Any] = {"rows": args.rows, "seed": args.seed, "repeat": args.repeat, "warmup": 3,
                            "machine": f"{os.cpu_count()} CPU", "when": datetime.now(UTC).isoformat(timespec="seconds"),
                            "server": "uvicorn, 1 process, loopback"}

    def measure(url: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        upgrade(url)
        meta["migrate_s"] = round(time.perf_counter() - t0, 1)
        engine = create_engine(url)
        try:
            if not args.keep_url:
                meta["seeding"] = seed(engine, args.rows, args.seed)
            analyze(engine)
            with engine.connect() as conn:
                meta["companies"] = conn.execute(text("SELECT count(*) FROM companies")).scalar_one()
                meta["version"] = conn.execute(text("SHOW server_version")).scalar_one()
        finally:
            engine.dispose()
        return {**meta, **run(url, args.repeat, args.plans)}

    if args.keep_url:
        results = measure(args.keep_url)
    else:
        with scratch_pg_database(args.pg_admin_url, "leadhunter_scalebench") as (url, _version):
            results = measure(url)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output} and {args.plans}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
