"""Dynamics 365 bulk push benchmark: 1,000 leads pushed against the fake Dataverse, on SQLite and PostgreSQL.

Usage::

    .venv/bin/python bench/d365_bench.py [--leads 1000] [--db sqlite --db postgresql] [--faults 0.1]
                                         [--chunk 500] [--batch 100] [--no-worker]
                                         [--output bench/results/d365.json]

The fake Entra and the fake Dataverse (tests/fakes, alternate key on ``hnt_domain``) run over HTTPS in a
child process, so they do not share this process's interpreter lock. For each database (a fresh SQLite
file, or a scratch PostgreSQL database):

1. ``service``: ``--leads`` scanned companies are queued as one push job and pushed by
   ``services.d365_push.push_chunk`` in this process through the product's wiring
   (``jobs.d365_runtime.client``: MSAL client-credentials token, ``$batch`` change sets of ``--batch``,
   the org's send gate) — what one worker does, without Celery; then the same leads again (all updates).
2. ``worker`` (unless ``--no-worker``): one real ``hunter worker`` (embedded: kombu's SQLAlchemy
   transport on SQLite; PostgreSQL: Redis), started and waited ready; another ``--leads`` companies are
   queued (``request_push``, as ``POST /api/d365/push`` does) and one ``hunter.push_d365_chunk`` message per
   chunk is sent; the clock stops when the job row reads ``done``. Then the same leads again (updates),
   then another ``--leads`` with ``--faults`` of the fake's requests answering 503.

Every run is checked: every lead ``synced`` (with faults: at least 99 %), and the fake holds exactly one lead
per domain. The issue's target: 1,000 leads pushed in bulk in at most 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_support import FakesProcess, fresh_database

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "d365.json"
TENANT_ID = "5d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT_ID = "d365-app-0000-0000-0000-000000000001"
SECRET = "d365~secret"
TARGET_SECONDS = 30.0

sys.path.insert(0, str(ROOT / "tests"))


def serve_fakes(seed: int) -> None:
    """Child process: run both fakes, print their addresses as one JSON line, then obey stdin commands
    (``faults RATE`` / ``stats`` / ``quit``), answering one JSON line each."""
    import tempfile as tf

    from fakes.dataverse_server import DataverseServer
    from fakes.entra_server import EntraServer
    from fakes.loopback_http import write_self_signed_cert

    certificate = write_self_signed_cert(tf.mkdtemp(prefix="d365-bench-tls-"))
    with EntraServer(certificate=certificate) as entra, DataverseServer(entra, certificate=certificate,
                                                                                           seed=seed) as org:
        entra.add_tenant(TENANT_ID, ["hunter-sales.example"])
        entra.add_app(CLIENT_ID, SECRET)
        print(json.dumps({"entra": entra.base_url, "org": org.org_url, "ca": certificate[0]}), flush=True)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "faults":
                org.transient_rate = float(arg)
                print(json.dumps({"faults": float(arg)}), flush=True)
            elif command == "stats":
                per_domain: dict[str, int] = {}
                for lead in org.leads:
                    per_domain[str(lead.get("hnt_domain"))] = per_domain.get(str(lead.get("hnt_domain")), 0) + 1
                calls = list(org.calls)
                print(json.dumps({"leads": sum(per_domain.values()), "domains": len(per_domain),
                                  "max_per_domain": max(per_domain.values(), default=0),
                                  "requests": sum(1 for c in calls if not c.in_batch),
                                  "injected_503": sum(1 for c in calls if c.status == 503 and not c.in_batch),
                                  "peak_in_flight": org.peak_in_flight}), flush=True)
            elif command == "quit":
                break


class Fakes(FakesProcess):
    """The child process running the fakes (this file with ``--serve-fakes``)."""

    def __init__(self, seed: int) -> None:
        super().__init__(__file__, "--serve-fakes", "--seed", str(seed))


def _env(kind: str, url: str, tmp: Path, fakes: Fakes, args: argparse.Namespace) -> dict[str, str]:
    """The ``HUNTER_*`` settings of the instance (this process's settings and the worker's)."""
    env = {"HUNTER_DATA_DIR": str(tmp / "data"), "HUNTER_DATABASE_URL": url, "HUNTER_D365_ENABLED": "true",
           "HUNTER_D365_ORG_URL": fakes.info["org"], "HUNTER_D365_AUTHORITY": fakes.info["entra"],
           "HUNTER_D365_TENANT_ID": TENANT_ID, "HUNTER_D365_CLIENT_ID": CLIENT_ID, "HUNTER_D365_CLIENT_SECRET": SECRET,
           "HUNTER_D365_CA_FILE": fakes.info["ca"], "HUNTER_D365_JOB_CHUNK": str(args.chunk),
           "HUNTER_D365_BATCH_SIZE": str(args.batch), "HUNTER_D365_RETRY_BACKOFF": "1",
           "HUNTER_TENANT_DISCOVERY": "false"}
    if kind == "postgresql":
        env["HUNTER_BROKER_URL"] = f"redis://127.0.0.1:6379/{int(uuid.uuid4().int % 15) + 1}"
    return env


def _seed(url: str, n: int, prefix: str) -> list[int]:
    """``n`` scanned companies ``<prefix>-00000.example.com`` … in one bulk insert; their ids."""
    from sqlalchemy import insert, select

    from leadhunter.db.models import Company, utcnow
    from leadhunter.runtime import session_factory

    now = utcnow()
    rows = [{"domain": f"{prefix}-{i:05d}.example.com", "domain_unicode": f"{prefix}-{i:05d}.example.com",
             "name": f"Company {i}", "created_at": now, "updated_at": now, "scan_status": "ok", "scanned_at": now,
             "provider": ("M365", "Google", "Local")[i % 3], "gateway": "Proofpoint" if i % 7 == 0 else None,
             "score": 30 + i % 70, "segment": ("Migration", "Existing", "Cold")[i % 3], "priority": 1 + i % 7,
             "category": f"P{1 + i % 6}",
             "breakdown": [{"kind": "provider", "key": "M365", "points": 50, "reason": "Mail provider M365"}]}
            for i in range(n)]
    with session_factory(url).begin() as session:
        session.execute(insert(Company), rows)
        return [int(i) for i in session.scalars(select(Company.id).where(Company.domain.like(f"{prefix}-%"))
                                                .order_by(Company.id))]


def _check(url: str, ids: list[int], stats: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from leadhunter.db.d365_models import D365LeadSync
    from leadhunter.runtime import session_factory

    with session_factory(url)() as session:
        counts = {s: int(n) for s, n in session.execute(
            select(D365LeadSync.status, func.count()).where(D365LeadSync.company_id.in_(ids))
            .group_by(D365LeadSync.status))}
    return {"statuses": counts, "fake_leads": stats["leads"], "fake_max_per_domain": stats["max_per_domain"],
            "one_lead_per_domain": stats["max_per_domain"] == 1 and stats["leads"] == stats["domains"]}


def _service_run(url: str, settings: Any, ids: list[int], fakes: Fakes) -> dict[str, Any]:
    """Queue ``ids`` and push every chunk in this process (retries waited out), timed."""
    from leadhunter.jobs import d365_runtime
    from leadhunter.runtime import session_factory
    from leadhunter.services import d365_push

    factory, options = session_factory(url), d365_runtime.push_options(settings)
    client = d365_runtime.client(settings)
    before = fakes.ask("stats")
    start = time.perf_counter()
    with factory.begin() as session:
        request = d365_push.request_push(session, ids, requested_by="bench", options=options)
    pending = list(request.chunks)
    while pending:
        results = {c: d365_push.push_chunk(factory, client, request.job_id, c, options=options) for c in pending}
        pending = [c for c, r in results.items() if r.retry_in is not None]
        if pending:
            time.sleep(min(r.retry_in or 0 for r in results.values() if r.retry_in is not None))
    seconds = time.perf_counter() - start
    after = fakes.ask("stats")
    return {"seconds": round(seconds, 2), "leads_per_second": round(len(ids) / seconds, 1),
            "requests": after["requests"] - before["requests"], "check": _check(url, ids, after)}


def _worker_run(url: str, ids: list[int], fakes: Fakes, send: Callable[[int, int], None],
                options: Any) -> dict[str, Any]:
    """Queue ``ids`` as a job, send its chunks to the running worker, wait until the job is done."""
    from leadhunter.db.d365_models import D365BulkJob
    from leadhunter.runtime import session_factory
    from leadhunter.services import d365_push

    factory = session_factory(url)
    before = fakes.ask("stats")
    start = time.perf_counter()
    with factory.begin() as session:
        request = d365_push.request_push(session, ids, requested_by="bench", options=options)
    for chunk in request.chunks:
        send(request.job_id, chunk)
    deadline = start + 600
    while time.perf_counter() < deadline:
        with factory() as session:
            job = session.get(D365BulkJob, request.job_id)
            if job is not None and job.status == "done":
                break
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    after = fakes.ask("stats")
    return {"seconds": round(seconds, 2), "leads_per_second": round(len(ids) / seconds, 1),
            "requests": after["requests"] - before["requests"], "injected_503": after["injected_503"]
            - before["injected_503"], "check": _check(url, ids, after)}


def bench_database(kind: str, fakes: Fakes, args: argparse.Namespace) -> dict[str, Any]:
    """The service runs, then (unless ``--no-worker``) the worker runs, on one fresh database."""
    from celery import Celery

    from celery_workers import Workers
    from leadhunter.config import Settings
    from leadhunter.db.migrate import upgrade
    from leadhunter.jobs import d365_runtime

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="d365-bench-") as directory:
        tmp = Path(directory)
        url, drop = fresh_database(kind, tmp, "hunter_d365bench")
        try:
            upgrade(url)
            env = _env(kind, url, tmp, fakes, args)
            settings = Settings(**{k.removeprefix("HUNTER_").lower(): v for k, v in env.items()},
                                _env_file=None)  # type: ignore[call-arg]
            ids = _seed(url, args.leads, "svc")
            out["service_create"] = _service_run(url, settings, ids, fakes)
            print(f"{kind}: service, create {out['service_create']}", flush=True)
            out["service_update"] = _service_run(url, settings, ids, fakes)
            print(f"{kind}: service, update {out['service_update']}", flush=True)
            if not args.no_worker:
                if kind == "postgresql":
                    import redis

                    redis.Redis.from_url(env["HUNTER_BROKER_URL"]).flushdb()
                celery = Celery("bench", broker=settings.broker())
                workers = Workers(1, env, tmp / "logs")
                out["worker_ready_s"] = round(workers.start(timeout=300), 1)
                options = d365_runtime.push_options(settings)

                def send(job_id: int, chunk: int) -> None:
                    celery.send_task("hunter.push_d365_chunk", args=[job_id, chunk])

                try:
                    ids = _seed(url, args.leads, "wrk")
                    out["worker_create"] = _worker_run(url, ids, fakes, send, options)
                    print(f"{kind}: worker, create {out['worker_create']}", flush=True)
                    out["worker_update"] = _worker_run(url, ids, fakes, send, options)
                    print(f"{kind}: worker, update {out['worker_update']}", flush=True)
                    if args.faults:
                        fakes.ask(f"faults {args.faults}")
                        ids = _seed(url, args.leads, "flt")
                        out["worker_create_with_faults"] = _worker_run(url, ids, fakes, send, options)
                        fakes.ask("faults 0")
                        faulty = out["worker_create_with_faults"]
                        print(f"{kind}: worker, {args.faults:.0%} faults {faulty}", flush=True)
                finally:
                    workers.stop()
                    celery.close()
        finally:
            drop()
    timed = [v for k, v in out.items() if isinstance(v, dict) and "faults" not in k]
    out["meets_target"] = all(r["seconds"] <= TARGET_SECONDS and r["check"]["one_lead_per_domain"]
                              and r["check"]["statuses"] == {"synced": args.leads} for r in timed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--faults", type=float, default=0.1, help="503 rate of the last worker run (0: skip)")
    parser.add_argument("--chunk", type=int, default=500, help="leads per task (HUNTER_D365_JOB_CHUNK)")
    parser.add_argument("--batch", type=int, default=100, help="writes per change set (HUNTER_D365_BATCH_SIZE)")
    parser.add_argument("--no-worker", action="store_true", help="only the in-process service runs")
    parser.add_argument("--seed", type=int, default=6, help="the fake's failure draws (6: about one in ten early on)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--serve-fakes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fakes:
        serve_fakes(args.seed)
        return
    for name in [n for n in os.environ if n.startswith("HUNTER_")]:
        del os.environ[name]  # the benchmark's settings come from _env only
    fakes = Fakes(args.seed)
    results: dict[str, Any] = {}
    try:
        for kind in args.db or ["sqlite", "postgresql"]:
            results[kind] = bench_database(kind, fakes, args)
    finally:
        fakes.close()
    report = {
        "benchmark": "d365_bench",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": list(os.getloadavg())},
        "parameters": {"leads": args.leads, "faults": args.faults, "chunk": args.chunk, "batch": args.batch,
                       "worker": not args.no_worker, "seed": args.seed},
        "target_seconds": TARGET_SECONDS,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
