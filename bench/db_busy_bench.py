"""Leads typed in while a large import runs, on the embedded SQLite file: how long each waits, and whether any
fails.

Usage::

    .venv/bin/python bench/db_busy_bench.py [--import-rows 100000] [--leads 500] [--threads 8]
                                            [--output bench/results/db-busy.json]

Starts the real app (:func:`leadhunter.api.app.create_app`) under uvicorn in a thread on loopback (auth off,
dispatch a no-op), uploads a CSV of ``--import-rows`` distinct domains with ``POST /api/imports`` and, once the
import's first batch is stored, posts ``--leads`` leads (``POST /api/leads``) from ``--threads`` threads.
Prints and writes: the import's time to its 202, the leads' latency p50/p95/max (seconds), the statuses
seen, and how many leads were posted while the import was still running. Before batched writes (one ~20 s
transaction) leads failed after SQLite's 5 s busy timeout with a plain-text 500.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "db-busy.json"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(import_rows: int, leads: int, threads: int) -> dict[str, Any]:
    """One run in a fresh temp folder; returns the figures."""
    from leadhunter.api.app import create_app
    from leadhunter.config import Settings
    from leadhunter.db.migrate import upgrade
    from leadhunter.db.models import Import

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'hunter.db'}"
        settings = Settings(data_dir=Path(folder), database_url=url, tenant_discovery=False,  # type: ignore[call-arg]
                            dns_nameservers="127.0.0.1:9", _env_file=None)
        upgrade(url)
        app = create_app(settings, dispatch=lambda job, chunk: None, broker_probe=lambda: "ok")
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        data = ("Firma,Web Sitesi\n" + "".join(f"Firma {i},bench{i}.com.tr\n" for i in range(import_rows))).encode()
        upload: dict[str, Any] = {}

        def do_import() -> None:
            start = time.perf_counter()
            with httpx.Client(base_url=base, timeout=600, trust_env=False) as client:
                answer = client.post("/api/imports", files={"file": ("bench.csv", data, "text/csv")})
            upload.update(status=answer.status_code, seconds=time.perf_counter() - start,
                          accepted=answer.json().get("accepted"))

        importer = threading.Thread(target=do_import)
        importer.start()
        engine = create_engine(url)
        with Session(engine) as session:
            while importer.is_alive() and not session.scalar(
                    select(func.count()).select_from(Import).where(Import.stored_through_line > 0)):
                time.sleep(0.05)

        def post(i: int) -> tuple[int, float, bool]:
            during = importer.is_alive()
            start = time.perf_counter()
            with httpx.Client(base_url=base, timeout=120, trust_env=False) as client:
                answer = client.post("/api/leads", json={"domain": f"typed{i}.com.tr"})
            return answer.status_code, time.perf_counter() - start, during

        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(post, range(leads)))
        importer.join()
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    latencies = sorted(seconds for _, seconds, _ in results)
    return {
        "import": upload,
        "leads": leads,
        "threads": threads,
        "lead_statuses": dict(Counter(str(status) for status, _, _ in results)),
        "leads_posted_during_import": sum(1 for _, _, during in results if during),
        "lead_latency_s": {"p50": round(statistics.median(latencies), 4),
                           "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 4),
                           "max": round(latencies[-1], 4)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    figures = run(args.import_rows, args.leads, args.threads)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
              "python": sys.version.split()[0], "import_rows": args.import_rows, **figures}
    print(json.dumps(report, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
