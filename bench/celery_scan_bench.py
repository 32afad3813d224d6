"""A 10,000-domain scan job through Celery against the engine's own rate (issue 3, "Speed": within 2x).

Usage::

    .venv/bin/python bench/celery_scan_bench.py [--domains 10000] [--shape embedded:1 --shape distributed:1
                                                 --shape distributed:2] [--repeat 1] [--chunk-size N]
                                                 [--env HUNTER_X=Y] [--no-cli] [--keep]

Steps: generate the zones of ``scan_bench.py`` and serve them with NSD on loopback (``dns_rig.py``); then
for each shape (``NAME:WORKERS``):

1. the engine's own rate, measured right before the job so both see the same load on the shared machine:
   the :class:`~leadhunter.services.scanning.Scanner` in this process (uvloop, as ``hunter scan`` uses),
   over the same input lines, with the same settings the workers get;
2. a fresh database (embedded: SQLite file, broker kombu's SQLAlchemy transport on SQLite; distributed:
   a scratch PostgreSQL database and Redis), migrated; ``WORKERS`` real ``hunter worker`` processes
   started and waited ready;
3. the job: :func:`leadhunter.services.ingest.ingest_leads` (as ``POST /api/jobs`` does: companies, raw
   leads, the job and its items, one commit), then one ``hunter.scan_chunk`` message per chunk; the clock
   starts before the ingest and stops when the job row reads ``done`` (polled every 0.1 s);
4. checks: job counts, every company exactly one scan of this job, provider and gateway per company
   against the generated truth; per-task run times from the workers' logs; CPU of workers, PostgreSQL
   backends, NSD and the rest of the machine while the job ran.

The figure is engine domains/s over job domains/s (the issue: <= 2). With ``--repeat N`` each shape runs N
rounds of (engine, job) and the best of each counts; the paired ratio of every round is kept too. The
machine is small (2 cores) and may be shared, so the JSON also has a CPU ratio: CPU seconds the job cost
(workers + database server) over CPU seconds the engine cost, which load on the machine distorts far less.

Once, ``hunter scan --json --no-tenant`` as ``scan_bench.py`` runs it (process launch to exit, for
reference; ``--no-cli`` skips it). Tenant discovery is off everywhere (``HUNTER_TENANT_DISCOVERY=false``,
the ``--no-tenant`` of ``scan_bench.py``): only DNS is measured. Prints a table and writes
``bench/results/celery_scan.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from celery_checks import job_timeline, machine_busy_s, postgres_backend_pids, verify_job
from celery_workers import HUNTER, Workers
from dns_rig import DnsRig, generate_rig
from leads_query_bench import PG_ADMIN_URL, scratch_pg_database
from proc_monitor import cpu_seconds
from report import OutputCheck
from scan_bench import run_scanner

BENCH = Path(__file__).resolve().parent
TARGET_RATIO = 2.0  # the issue: the Celery job within 2x of the engine's own rate
DEFAULT_SHAPES = ["embedded:1", "distributed:1", "distributed:2"]


def shape_env(name: str, rig: DnsRig, data_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    """The ``HUNTER_*`` settings every process of a shape gets (database and broker added by the caller)."""
    env = {"HUNTER_DATA_DIR": str(data_dir), "HUNTER_TENANT_DISCOVERY": "false",
           "HUNTER_DNS_NAMESERVERS": rig.address}
    if args.chunk_size:
        env["HUNTER_SCAN_CHUNK_SIZE"] = str(args.chunk_size)
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def settings_from(env: dict[str, str]) -> Any:
    """:class:`Settings` from exactly ``env`` (this process's own ``HUNTER_*`` variables are ignored)."""
    from leadhunter.config import Settings

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("HUNTER_")}
    try:
        os.environ.update(env)
        return Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        for key in env:
            os.environ.pop(key, None)
        os.environ.update(saved)


def engine_rate(rig: DnsRig, manifest: dict[str, dict[str, str]], settings: Any) -> dict[str, Any]:
    """The Scanner over the input lines in this process, reports built as ``hunter scan`` builds them."""
    from leadhunter.runtime import scan_options
    from leadhunter.services.scanning import Scanner

    options = scan_options(settings)
    inputs = rig.inputs()
    check = OutputCheck(manifest)

    async def run() -> None:
        async with Scanner(options) as scanner:
            async for outcome in scanner.scan_stream(inputs):
                check.feed(json.dumps(outcome.report(options.scoring_rules)))

    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:
        factory = None
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(run())
    wall = time.perf_counter() - t0
    out = check.summary()
    return {"wall_s": round(wall, 3), "domains_per_s": round(len(inputs) / wall, 1),
            "cpu_s": round(time.process_time() - cpu0, 2), "status": out["status"],
            "provider_agreement": out["provider_agreement"], "gateway_agreement": out["gateway_agreement"]}


def submit(settings: Any, inputs: list[str]) -> dict[str, Any]:
    """Ingest the inputs as one job (committed in batches) and send one message per chunk; times in seconds."""
    from leadhunter.jobs.celery_app import create_celery
    from leadhunter.runtime import session_factory
    from leadhunter.services.ingest import LeadInput, ingest_leads

    factory = session_factory(settings.database())
    app = create_celery(settings)
    t0 = time.perf_counter()
    with factory() as session:  # ingest_leads commits a large list batch by batch
        result = ingest_leads(session, [LeadInput(text) for text in inputs], source="manual",
                              requested_by="celery-bench", chunk_size=settings.scan_chunk_size)
        session.commit()
    committed = time.perf_counter()
    # the message hunter.jobs.tasks.dispatch_chunk sends, through this shape's broker
    for chunk in result.chunks:
        app.send_task("hunter.scan_chunk", args=(result.job_id, chunk))
    dispatched = time.perf_counter()
    app.close()
    return {"t0": t0, "job_id": result.job_id, "chunks": len(result.chunks), "companies": len(result.company_ids),
            "invalid": len(result.invalid), "ingest_s": round(committed - t0, 3),
            "dispatch_s": round(dispatched - committed, 3)}


def wait_done(settings: Any, job_id: int, t0: float, workers: Workers, timeout: float) -> tuple[float, list[Any]]:
    """Poll the job row every 0.1 s until it is ``done``; returns seconds since ``t0`` and (s, done) samples."""
    from sqlalchemy import select

    from leadhunter.db.models import ScanJob
    from leadhunter.runtime import session_factory

    factory = session_factory(settings.database())
    samples: list[tuple[float, int]] = []
    while time.perf_counter() - t0 < timeout:
        with factory() as session:
            status, done = session.execute(select(ScanJob.status, ScanJob.done).where(ScanJob.id == job_id)).one()
        now = time.perf_counter() - t0
        if not samples or samples[-1][1] != done:
            samples.append((round(now, 2), done))
        if status == "done":
            return now, samples
        if not workers.alive():
            raise RuntimeError(f"a worker died: {workers.tail(0)}")
        time.sleep(0.1)
    raise RuntimeError(f"job {job_id} not done after {timeout:.0f} s (last: {samples[-1:]})")


def celery_job(spec: str, rig: DnsRig, manifest: dict[str, dict[str, str]], work: Path,
               args: argparse.Namespace, round_no: int) -> dict[str, Any]:
    """Engine rate, then the same domains as one Celery job in shape ``spec`` (``NAME:WORKERS``), on a
    fresh database; the two back to back so that both see about the same load on the shared machine."""
    name, _, count = spec.partition(":")
    workers_n = int(count or 1)
    data_dir = work / f"{name}-{workers_n}-{round_no}"
    env = shape_env(name, rig, data_dir, args)
    out: dict[str, Any] = {"round": round_no}
    with ExitStack() as stack:
        if name == "distributed":
            scratch = scratch_pg_database(args.pg_admin_url, f"hunter_celerybench_{workers_n}")
            url, version = stack.enter_context(scratch)
            env.update(HUNTER_DATABASE_URL=url, HUNTER_BROKER_URL=args.redis_url)
            out["postgresql"] = version
            stack.callback(clear_redis, args.redis_url)
            ensure_empty_redis(args.redis_url)
        elif name != "embedded":
            raise SystemExit(f"unknown shape {spec!r}: embedded:N or distributed:N")
        settings = settings_from(env)
        out["settings"] = {k: v for k, v in env.items() if k != "HUNTER_DATABASE_URL"}
        out["chunk_size"] = settings.scan_chunk_size
        out["engine"] = engine_rate(rig, manifest, settings)
        print(f"[{spec} #{round_no}] engine (Scanner in-process): {out['engine']['domains_per_s']} domains/s "
              f"({out['engine']['wall_s']} s, CPU {out['engine']['cpu_s']} s)", flush=True)
        from leadhunter.db.migrate import upgrade

        data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database())
        workers = Workers(workers_n, env, data_dir / "logs")
        stack.callback(workers.stop)
        out["workers_ready_s"] = round(workers.start(), 2)
        nsd_pid = rig.nsd.proc.pid if rig.nsd.proc else 0
        pg0 = {pid: cpu_seconds(pid) for pid in postgres_backend_pids(settings.database())} if name != "embedded" \
            else {}
        cpu0 = (workers.cpu_seconds(), cpu_seconds(nsd_pid), time.process_time(), machine_busy_s())
        sub = submit(settings, rig.inputs())
        wall, samples = wait_done(settings, sub["job_id"], sub.pop("t0"), workers, args.timeout)
        cpu1 = (workers.cpu_seconds(), cpu_seconds(nsd_pid), time.process_time(), machine_busy_s())
        pg_cpu = sum(cpu_seconds(pid) - pg0.get(pid, 0.0) for pid in postgres_backend_pids(settings.database())) \
            if name != "embedded" else 0.0
        out["submit"] = sub
        out["wall_s"] = round(wall, 3)
        out["domains_per_s"] = round(len(manifest) / wall, 1)
        # the job alone, without the ingest that created it (companies, raw leads, items: the request's part)
        out["after_ingest_domains_per_s"] = round(len(manifest) / (wall - sub["ingest_s"]), 1)
        out["ratio_engine_to_celery"] = round(out["engine"]["domains_per_s"] / out["domains_per_s"], 2)
        out["progress"] = job_timeline(samples)
        used = [round(b - a, 2) for a, b in zip(cpu0, cpu1, strict=True)]
        out["cpu_s"] = {"workers": used[0], "postgres_backends": round(pg_cpu, 2), "nsd": used[1],
                        "bench_process": used[2], "machine_total": used[3],
                        "rest_of_machine": round(used[3] - used[0] - pg_cpu - used[1] - used[2], 2),
                        "machine_capacity": round(wall * (os.cpu_count() or 1), 2)}
        # CPU the job cost against CPU the engine cost: what the wall ratio would approach on an idle machine
        # if both were CPU-bound (ingest excluded on both sides: the engine has none)
        out["cpu_ratio_celery_to_engine"] = round((used[0] + pg_cpu) / out["engine"]["cpu_s"], 2)
        workers.stop()
        out["tasks"] = workers.task_stats()
        out["check"] = verify_job(settings, sub["job_id"], manifest)
    print(f"[{spec} #{round_no}] job {sub['job_id']}: {sub['companies']} companies, {sub['chunks']} chunks of "
          f"{out['chunk_size']}, ingest {sub['ingest_s']} s, dispatch {sub['dispatch_s']} s; done after "
          f"{out['wall_s']} s: {out['domains_per_s']} domains/s, engine/celery {out['ratio_engine_to_celery']}x "
          f"(CPU ratio {out['cpu_ratio_celery_to_engine']}x)", flush=True)
    print(f"[{spec} #{round_no}] {out['check']['summary']}", flush=True)
    print(f"[{spec} #{round_no}] CPU s while the job ran: {out['cpu_s']}; tasks: {out['tasks']}", flush=True)
    return out


def run_shape(spec: str, rig: DnsRig, manifest: dict[str, dict[str, str]], work: Path,
              args: argparse.Namespace) -> dict[str, Any]:
    """``--repeat`` rounds of (engine, job); the figures are the best of each (the least disturbed)."""
    name, _, count = spec.partition(":")
    print(f"\n[{spec}]", flush=True)
    rounds = [celery_job(spec, rig, manifest, work, args, i + 1) for i in range(args.repeat)]
    engine = max(r["engine"]["domains_per_s"] for r in rounds)
    celery = max(r["domains_per_s"] for r in rounds)
    ratio = round(engine / celery, 2)
    ok = all(r["check"]["ok"] for r in rounds)
    return {"shape": name, "workers": int(count or 1), "chunk_size": rounds[0]["chunk_size"],
            "engine_domains_per_s": engine, "domains_per_s": celery, "ratio_engine_to_celery": ratio,
            "paired_ratios": [r["ratio_engine_to_celery"] for r in rounds],
            "cpu_ratios": [r["cpu_ratio_celery_to_engine"] for r in rounds],
            "checks_ok": ok, "passed": ok and ratio <= TARGET_RATIO, "rounds": rounds}


def ensure_empty_redis(url: str) -> None:
    """Refuse to use a Redis database that holds keys: they are someone else's (never flushed here)."""
    import redis

    size = redis.Redis.from_url(url).dbsize()
    if size:
        raise SystemExit(f"{url} holds {size} keys; pass --redis-url with an empty database")


def clear_redis(url: str) -> None:
    """Delete the keys Celery/kombu left in the (previously empty) benchmark database."""
    import redis

    client = redis.Redis.from_url(url)
    for pattern in ("celery*", "_kombu.*", "unacked*"):
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)


def print_table(result: dict[str, Any]) -> None:
    """One line per shape."""
    head = (f"{'shape':12} {'workers':>7} {'chunk':>5} {'engine dom/s':>12} {'celery dom/s':>12} {'ratio':>6} "
            f"{'paired':>12} {'CPU ratio':>12} {'checks':>6}  target <= {TARGET_RATIO:g}x")
    print("\n" + head + "\n" + "-" * len(head))
    for r in result["shapes"]:
        paired = "/".join(f"{x:.2f}" for x in r["paired_ratios"])
        cpu = "/".join(f"{x:.2f}" for x in r["cpu_ratios"])
        print(f"{r['shape']:12} {r['workers']:>7} {r['chunk_size']:>5} {r['engine_domains_per_s']:>12.0f} "
              f"{r['domains_per_s']:>12.0f} {r['ratio_engine_to_celery']:>5.2f}x {paired:>12} {cpu:>12} "
              f"{'ok' if r['checks_ok'] else 'FAIL':>6}  {'PASS' if r['passed'] else 'FAIL'}")
    print(f"({result['domains']} domains, tenant discovery off; checks: job done with every item, each company "
          f"exactly one scan, provider per company = generated truth; {os.cpu_count()} cores, 1-minute load "
          f"average after the run {os.getloadavg()[0]:.2f})")
    if result.get("cli"):
        print(f"(hunter scan CLI, launch to exit: {result['cli']['domains_per_s']} domains/s)")


def main() -> None:
    """Run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--shape", action="append", help=f"NAME:WORKERS, repeatable (default {DEFAULT_SHAPES})")
    parser.add_argument("--chunk-size", type=int, help="HUNTER_SCAN_CHUNK_SIZE (default: the product's)")
    parser.add_argument("--env", action="append", default=[], help="extra HUNTER_X=Y for every process")
    parser.add_argument("--no-cli", action="store_true", help="skip the hunter scan CLI reference run")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0",
                        help="an empty Redis database (tests use 1-15 and flush them)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of (engine, job) per shape; best counts")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for one job")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (zones, databases, logs)")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "celery_scan.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hunter-celery-bench-"))
    # leadhunter.jobs.celery_app builds a default app at import; keep its SQLite broker file in the work dir
    os.environ["HUNTER_DATA_DIR"] = str(work / "import-default")
    print(f"work dir {work}", flush=True)
    rig = generate_rig(work, args.domains, args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: workers, scratch DB, NSD are cleaned up
    try:
        rig.serve()
        manifest = rig.manifest()
        result: dict[str, Any] = {"domains": args.domains, "seed": args.seed, "tenant_discovery": False,
                                  "target_ratio": TARGET_RATIO, **rig.info, "load_before": os.getloadavg()}
        if not args.no_cli:
            check = OutputCheck(manifest)
            print("hunter scan CLI (reference) ...", flush=True)
            port = rig.nsd.port
            cli = run_scanner([str(HUNTER)], work / "inputs.txt", port, check, args.domains, work)
            result["cli"] = {k: cli[k] for k in ("argv", "exit_code", "wall_s", "domains_per_s", "peak_rss_mb")}
            result["cli"]["provider_agreement"] = check.summary()["provider_agreement"]
            print(f"CLI: {cli['domains_per_s']} domains/s ({cli['wall_s']} s, launch to exit)", flush=True)
        result["shapes"] = []
        for spec in args.shape or DEFAULT_SHAPES:
            result["shapes"].append(run_shape(spec, rig, manifest, work, args))
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "kernel": platform.release(), "load_after": os.getloadavg(),
                             "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        print_table(result)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.output}")
    finally:
        rig.nsd.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
