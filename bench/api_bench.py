"""HTTP API benchmark over 100,000 scored leads, on SQLite and on PostgreSQL.

Usage::

    .venv/bin/python bench/api_bench.py [--rows 100000] [--repeat 40] [--db sqlite --db postgresql]
                                        [--import-rows 100000] [--output bench/results/api.json]

For each database: migrate and seed ``--rows`` realistic scored companies with the seeding of
``leads_query_bench.py``, then start the real app (:func:`leadhunter.api.app.create_app`) under uvicorn in a
separate process on loopback (auth off; ``dispatch`` is a no-op recorder, the broker probe says ok) and
measure, with httpx from this process:

1. the lead list: p50/p95 of ~10 typical ``GET /api/leads`` queries (page of 50 with its total), ``--repeat``
   timed requests each after 5 warm-ups, query order interleaved;
2. ``GET /api/leads/export?format=csv`` of every row, streamed to nowhere: time, bytes, and the server's
   peak RSS (``VmHWM``, reset through ``/proc/<pid>/clear_refs`` before the export) next to its RSS before;
3. ``POST /api/imports`` of a generated CSV of ``--import-rows`` distinct domains (``Firma,Web Sitesi``):
   time to the 202 and the ``accepted`` count;
4. the export again, now over rows + import-rows leads, to show the peak RSS does not grow with the rows.

The issue's targets: p95 ≤ 50 ms, import ≤ 30 s, export ≤ 10 s with memory flat in the row count.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "api.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# name → query parameters of GET /api/leads (page_size 50 unless told).
QUERIES: dict[str, dict[str, Any]] = {
    "default order": {},
    "provider=M365": {"provider": "M365"},
    "segment=Migration, score 50-100": {"segment": "Migration", "score_min": 50, "score_max": 100},
    "category=P1": {"category": "P1"},
    "provider=Google, score>=60": {"provider": "Google", "score_min": 60},
    "sort=score desc": {"sort": "score", "order": "desc"},
    "sort=domain, page 100": {"sort": "domain", "page": 100},
    "q=müller": {"q": "müller"},
    "q=4242": {"q": "4242"},
    "q=ab (too short for trigrams)": {"q": "ab"},
    "tag=hot": {"tag": "hot"},
    "gateway=Proofpoint, sort=name": {"gateway": "Proofpoint", "sort": "name"},
}


def make_app() -> Any:
    """Uvicorn factory for the server process: settings from ``HUNTER_*`` env vars, no-op dispatch."""
    from leadhunter.api.app import create_app
    from leadhunter.config import Settings

    dispatched: list[tuple[int, int]] = []
    settings = Settings(api_host="127.0.0.1", tenant_discovery=False, dns_nameservers="127.0.0.1:9",
                        _env_file=None)  # type: ignore[call-arg]
    return create_app(settings, dispatch=lambda job, chunk: dispatched.append((job, chunk)),
                      broker_probe=lambda: "ok")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int, key: str) -> int:
    """One ``kB`` field of ``/proc/<pid>/status`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


class Server:
    """``uvicorn --factory api_bench:make_app`` in its own process, on a free loopback port."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HUNTER_DATABASE_URL": url, "HUNTER_DATA_DIR": str(data_dir),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "api_bench:make_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env=env, cwd=data_dir)

    def wait_ready(self, client: Any) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if client.get("/api/leads", params={"page_size": 1}).status_code == 200:
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measure_queries(client: Any, repeat: int, warmup: int = 5) -> dict[str, Any]:
    """p50/p95/max ms per query, each request timed from send to the parsed JSON body."""
    samples: dict[str, list[float]] = {name: [] for name in QUERIES}
    totals: dict[str, int] = {}
    for run in range(warmup + repeat):
        for name, params in QUERIES.items():
            t0 = time.perf_counter()
            response = client.get("/api/leads", params={"page_size": 50, **params})
            body = response.json()
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (name, response.text[:200])
            assert body["items"], name
            totals[name] = body["total"]
            if run >= warmup:
                samples[name].append(elapsed)
    out = {}
    for name, values in samples.items():
        qs = statistics.quantiles(values, n=20, method="inclusive")
        out[name] = {"p50_ms": round(statistics.median(values), 2), "p95_ms": round(qs[18], 2),
                     "max_ms": round(max(values), 2), "total": totals[name]}
    return out


def measure_export(client: Any, pid: int) -> dict[str, Any]:
    """Stream the CSV export to nowhere; the server's RSS before, its peak during (VmHWM reset first), and the
    highest RSS a 20 ms sampler saw."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    rss_before, hwm_before = proc_status(pid, "VmRSS"), proc_status(pid, "VmHWM")
    sampled = [rss_before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            sampled.append(proc_status(pid, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    size = lines = 0
    t0 = time.perf_counter()
    with client.stream("GET", "/api/leads/export", params={"format": "csv"}, timeout=300) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - t0
    done.set()
    sampler.join()
    hwm_after = proc_status(pid, "VmHWM")
    return {"rows": lines - 1, "seconds": round(elapsed, 2), "mb": round(size / 2**20, 1),
            "rows_per_s": round((lines - 1) / elapsed), "rss_before_mb": round(rss_before / 1024, 1),
            "hwm_before_mb": round(hwm_before / 1024, 1), "hwm_after_mb": round(hwm_after / 1024, 1),
            "peak_growth_mb": round((hwm_after - hwm_before) / 1024, 1),
            "sampled_rss_max_mb": round(max(sampled) / 1024, 1)}


def import_csv(rows: int) -> bytes:
    """A lead list of ``rows`` distinct domains not in the seeded set, as the Turkish-header CSV users upload."""
    out = io.StringIO()
    out.write("Firma,Web Sitesi\n")
    for i in range(rows):
        out.write(f"Yeni Firma {i} Ltd,https://www.yenifirma-{i:06d}.com.tr/\n")
    return out.getvalue().encode("utf-8")


def measure_import(client: Any, rows: int) -> dict[str, Any]:
    """POST /api/imports of a generated CSV; seconds until the 202 and its counts."""
    content = import_csv(rows)
    t0 = time.perf_counter()
    response = client.post("/api/imports", files={"file": ("leads.csv", content, "text/csv")}, timeout=600)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 202, (response.status_code, response.text[:300])
    body = response.json()
    return {"rows": rows, "mb": round(len(content) / 2**20, 1), "seconds": round(elapsed, 2),
            "status": response.status_code, "accepted": body["accepted"], "duplicates": body["duplicates"],
            "errors": body["errors"], "queued": body["queued"]}


def run_database(kind: str, url: str, data_dir: Path, rows: int, repeat: int, import_rows: int) -> dict[str, Any]:
    """Migrate, seed, serve and measure one database."""
    import httpx

    from leadhunter.db.engine import make_engine
    from leadhunter.db.migrate import upgrade

    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    from leads_query_bench import seed  # the 100k realistic scored companies of the repository benchmark

    upgrade(url)
    engine = make_engine(url)
    try:
        seeding = seed(engine, rows)
    finally:
        engine.dispose()
    print(f"\n{kind}: seeded {rows:,} companies in {seeding['insert_s']:.1f} s ({seeding['tagged']:,} tagged)")
    server = Server(url, data_dir)
    try:
        with httpx.Client(base_url=server.url, timeout=60, trust_env=False) as client:
            server.wait_ready(client)
            rss_start = proc_status(server.proc.pid, "VmRSS")
            # The machine may be shared (other jobs on the same cores): the 1-minute load average next to
            # each measurement says how busy it was.
            load = {"queries": os.getloadavg()[0]}
            queries = measure_queries(client, repeat)
            load["export"] = os.getloadavg()[0]
            export = measure_export(client, server.proc.pid)
            load["import"] = os.getloadavg()[0]
            imported = measure_import(client, import_rows)
            load["export_after_import"] = os.getloadavg()[0]
            export_after = measure_export(client, server.proc.pid)
    finally:
        server.stop()
    result = {"seeding": seeding, "server_rss_start_mb": round(rss_start / 1024, 1),
              "load_avg_1min_before": {k: round(v, 2) for k, v in load.items()}, "queries": queries,
              "export": export, "import": imported, "export_after_import": export_after}
    print_table(kind, result)
    return result


def print_table(kind: str, r: dict[str, Any]) -> None:
    """The per-database result table on stdout."""
    print(f"{'GET /api/leads (page of 50 + total)':40} {'total':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, q in r["queries"].items():
        print(f"{name:40} {q['total']:>7} {q['p50_ms']:>8.2f} {q['p95_ms']:>8.2f} {q['max_ms']:>8.2f}")
    worst = max(q["p95_ms"] for q in r["queries"].values())
    print(f"worst p95: {worst:.2f} ms (target ≤ 50); 1-minute load average before each part: "
          f"{r['load_avg_1min_before']} on {os.cpu_count()} CPUs")
    i = r["import"]
    print(f"POST /api/imports {i['rows']:,} rows ({i['mb']} MB): {i['seconds']} s to {i['status']} "
          f"(accepted {i['accepted']:,}, duplicates {i['duplicates']}, errors {i['errors']}) (target ≤ 30 s)")
    for label, e in (("export", r["export"]), ("export after import", r["export_after_import"])):
        print(f"{label}: {e['rows']:,} rows, {e['mb']} MB in {e['seconds']} s ({e['rows_per_s']:,}/s); server RSS "
              f"before {e['rss_before_mb']} MB, peak during {e['hwm_after_mb']} MB (+{e['peak_growth_mb']} MB), "
              f"sampled max {e['sampled_rss_max_mb']} MB (target ≤ 10 s, flat)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine

    results: dict[str, Any] = {
        "rows": args.rows, "import_rows": args.import_rows, "repeat": args.repeat, "warmup": 5, "page_size": 50,
        "python": platform.python_version(), "machine": f"{platform.machine()} {os.cpu_count()} CPU",
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "server": "uvicorn, 1 process, loopback",
        "databases": {},
    }
    for kind in args.db or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
            if kind == "sqlite":
                url = f"sqlite:///{tmp}/hunter.db"
                with create_engine(url).connect() as conn:
                    version = conn.exec_driver_sql("select sqlite_version()").scalar()
                measured = run_database(kind, url, Path(tmp), args.rows, args.repeat, args.import_rows)
                results["databases"][kind] = {"version": version, **measured}
                continue
            from leads_query_bench import scratch_pg_database

            with scratch_pg_database(args.pg_admin_url, "leadhunter_apibench") as (url, version):
                measured = run_database(kind, url, Path(tmp), args.rows, args.repeat, args.import_rows)
                results["databases"][kind] = {"version": version, **measured}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
