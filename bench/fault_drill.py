"""Fault drill (issue 11, "Operations"): mixed load on both runtime shapes while the worker is killed twice and
the broker restarted once; nothing may be lost, duplicated or answered outside the error shape.

Usage::

    .venv/bin/python bench/fault_drill.py [--minutes 10] [--shape embedded --shape distributed]
                                          [--import-rows 5000] [--seed-rows 1000] [--output PATH] [--keep]

Not a timed test: it checks behaviour under faults and records the lead list's latency while they happen.
Everything runs on loopback: the company domains are generated zones served by NSD (``dns_rig.py``, the
scan benchmarks' rig), which every Hunter process uses as its only nameserver (``HUNTER_DNS_NAMESERVERS``);
tenant discovery is off (no internet). Per shape (``drill_procs.py``):

- embedded: ``hunter serve`` (API + its worker + beat) on a SQLite file, kombu's SQLAlchemy broker on SQLite;
- distributed: a fresh PostgreSQL database, a private ``redis-server`` started by the drill,
  ``hunter serve --no-worker``, ``hunter worker``, ``hunter beat``.

Load (``drill_load.py``), for ``--minutes``: a seed import first (its scans waited for), then two clients
listing leads with the HTTP benchmark's filters/sorts/searches (latency of every 2xx kept), one posting leads
(each a new domain, each posted once; retried after 429/503 or no answer), a CSV export every 20 s, a job
list poll every 3 s; two more CSV imports and a ``POST /api/leads/rescan`` of the seeded leads on the
timeline below. Faults, at fractions of the load's duration::

    0.10 import A    0.12 kill -9 worker #1 (import A's job scanning)    0.45 rescan    0.47 kill -9 worker #2
    0.62 import B    0.65 broker restart (down --down-seconds, import B's job scanning)

A fault waits (60 s at most) for the import or rescan before it to be answered, so that it strikes that job;
each records how many jobs and items were in progress when it struck.

After the load the drill waits (``--drain-seconds``) for every scan job to finish, then checks from the
database (``drill_checks.py``): every 2xx-answered lead stored exactly once, every imported row stored once
with one raw lead per row, no company scanned twice within one job, each finished item with its scan. Every
answer must be 2xx/3xx or ``{"error": {"code", "message", ...}}``; a request that got no answer while the API
was meant to be up fails the drill too. Writes ``bench/results/fault-drill.json``, prints a table, and exits
1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench_support import fresh_database
from dns_rig import DnsRig, generate_rig
from drill_checks import check_leads, check_scans, engine_for, unfinished_jobs, wait_drained
from drill_load import Load, Recorder, latency_summary
from drill_procs import DistributedShape, EmbeddedShape, Shape

BENCH = Path(__file__).resolve().parent
SHAPES = ("embedded", "distributed")
POST_PAUSE = 0.5  # seconds between two posted leads


class LoadSampler:
    """The 1-minute load average every 5 s while the drill runs (the machine is shared)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(5.0):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> dict[str, Any]:
        """Stop; the start, maximum and end 1-minute load averages."""
        self._stop.set()
        self._thread.join()
        end = os.getloadavg()[0]
        return {"max_1min": round(max([*self.samples, end]), 2), "end_1min": round(end, 2),
                "cpus": os.cpu_count()}


def split_domains(rig: DnsRig, seed_rows: int, import_rows: int) -> dict[str, list[tuple[str, str]]]:
    """Disjoint (input form, domain) lists: the seed import, imports A and B, and the posts."""
    pairs = [(entry["input"], domain) for domain, entry in rig.manifest().items()]
    a, b = seed_rows, seed_rows + import_rows
    return {"seed": pairs[:a], "import A": pairs[a:b], "import B": pairs[b:b + import_rows],
            "posts": pairs[b + import_rows:]}


def run_timeline(shape: Shape, load: Load, rec: Recorder, engine: Engine, seconds: float,
                 domains: dict[str, list[tuple[str, str]]], down_seconds: float) \
        -> tuple[list[dict[str, Any]], list[threading.Thread]]:
    """The one-shot actions and faults at their times; returns the faults done and the action threads."""
    seeded = [d for _, d in domains["seed"]]

    def later(action: Callable[[], None]) -> Callable[[], dict[str, Any]]:
        def start() -> dict[str, Any]:
            thread = threading.Thread(target=action, daemon=True)
            thread.start()
            threads.append(thread)
            return {}
        return start

    def api_back() -> None:
        rec.api_down = False

    def broker() -> dict[str, Any]:
        rec.api_down = shape.name == "embedded"  # serve itself restarts there: refused connections expected
        try:
            return shape.restart_broker(down_seconds, api_back)
        finally:
            rec.api_down = False

    threads: list[threading.Thread] = []
    timeline: list[tuple[float, str, Callable[[], dict[str, Any]]]] = [
        (0.10, "import A", later(lambda: load.import_csv(domains["import A"], "A"))),
        (0.12, "kill -9 worker #1", shape.kill_worker),  # while import A's job is scanning
        (0.45, "rescan", later(lambda: load.rescan(seeded))),
        (0.47, "kill -9 worker #2", shape.kill_worker),  # while the rescan is
        (0.62, "import B", later(lambda: load.import_csv(domains["import B"], "B"))),
        (0.65, "broker restart", broker),  # while import B's is
    ]
    faults: list[dict[str, Any]] = []
    for fraction, name, action in timeline:
        delay = rec.t0 + fraction * seconds - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if name.startswith(("kill", "broker")):
            for thread in threads:  # the import or rescan before it has its job (60 s at most): strike that job
                thread.join(timeout=60)
        entry: dict[str, Any] = {"what": name, "t_s": rec.now()}
        if name.startswith(("kill", "broker")):  # did the fault hit work in progress?
            active = unfinished_jobs(engine)
            entry["jobs_active"] = len(active)
            entry["items_pending"] = sum(job["pending_items"] for job in active)
        try:
            entry.update(action())
        except (RuntimeError, OSError) as exc:
            entry["failed"] = f"{type(exc).__name__}: {exc}"
        if name.startswith(("kill", "broker")):
            entry["done_t_s"] = rec.now()
            faults.append(entry)
        facts = {k: v for k, v in entry.items() if k not in ("what", "t_s")}
        print(f"  [{entry['t_s']:6.1f} s] {name}: {json.dumps(facts)}", flush=True)
    return faults, threads


def log_tracebacks(work: Path) -> dict[str, int]:
    """Tracebacks per log file of the shape (where a failure shows its cause)."""
    out = {}
    for log in sorted((work / "logs").rglob("*.log")):
        count = log.read_text("utf-8", "replace").count("Traceback (most recent call last)")
        if count:
            out[str(log.relative_to(work))] = count
    return out


def run_shape(name: str, rig: DnsRig, work: Path, args: argparse.Namespace,
              domains: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """Start the shape, seed it, run load and faults, drain, check; the shape's results."""
    base_env = {"HUNTER_DNS_NAMESERVERS": rig.address, "HUNTER_TENANT_DISCOVERY": "false"}
    shape_work = work / name
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if name == "embedded":
        shape: Shape = EmbeddedShape(shape_work, base_env)
    else:
        url, drop = fresh_database("postgresql", shape_work, "hunter_drill")
        shape = DistributedShape(shape_work, base_env, url)
    seconds = args.minutes * 60
    out: dict[str, Any] = {"shape": name, "minutes": args.minutes}
    engine = engine_for(shape.database_url())
    try:
        t_start = time.monotonic()
        shape.start()
        out["startup_s"] = round(time.monotonic() - t_start, 1)
        print(f"[{name}] up in {out['startup_s']} s at {shape.base_url}", flush=True)
        rec = Recorder()
        load = Load(shape.base_url, rec, post_domains=domains["posts"], list_clients=args.list_clients,
                    post_pause=POST_PAUSE)
        load.import_csv(domains["seed"], "seed")
        seeding = wait_drained(engine, args.drain_seconds)
        out["seed"] = {"rows": len(domains["seed"]), "scanned_s": seeding["waited_s"], "drained": seeding["drained"]}
        print(f"[{name}] seed import of {len(domains['seed'])} rows scanned in {seeding['waited_s']} s", flush=True)
        sampler = LoadSampler()
        rec.t0 = time.monotonic()
        load.start(seconds)
        faults, threads = run_timeline(shape, load, rec, engine, seconds, domains, args.down_seconds)
        time.sleep(max(0.0, rec.t0 + seconds - time.monotonic()))
        load.stop()
        for thread in threads:
            thread.join(timeout=300)
        out["load_average"] = sampler.stop()
        print(f"[{name}] load over after {rec.now()} s; waiting for the queue to drain", flush=True)
        out["drain"] = wait_drained(engine, args.drain_seconds)
        out["leads"] = check_leads(engine, rec.accepted, rec.imports)
        out["scans"] = check_scans(engine)
        out.update(summarize(rec, faults))
        out["notes"] = shape.notes
    finally:
        shape.stop()
        engine.dispose()
        out["log_tracebacks"] = log_tracebacks(shape_work)
        drop()
    out["checks"] = verdicts(out)
    out["passed"] = all(out["checks"].values())
    return out


def summarize(rec: Recorder, faults: list[dict[str, Any]]) -> dict[str, Any]:
    """What the clients saw."""
    errors = {k: v for k, v in sorted(rec.statuses.items()) if int(k.rsplit(" ", 1)[1]) >= 400}
    return {
        "requests": dict(rec.requests), "statuses": dict(sorted(rec.statuses.items())), "errors_by_status": errors,
        "outside_shape": rec.outside_shape, "outside_shape_examples": rec.outside_examples,
        "no_answer": dict(rec.transport), "no_answer_examples": rec.transport_examples,
        "refused_while_api_down": dict(rec.refused_while_down),
        "list_latency": latency_summary(rec.list_ms),
        "posts": {"accepted": len(rec.accepted), "given_up": len(rec.unanswered_posts),
                  "accepted_not_queued": sum(1 for v in rec.accepted.values() if v.get("queued") is False),
                  "not_queued_job_ids": sorted(v["job_id"] for v in rec.accepted.values() if v.get("queued") is False)},
        "imports": [{k: v for k, v in i.items() if k != "domains"} for i in rec.imports],
        "rescans": rec.rescans, "exports": {"count": len(rec.exports), "last": rec.exports[-1:]},
        "faults": faults,
    }


def verdicts(out: dict[str, Any]) -> dict[str, bool]:
    """The drill's checks, each True when it passed."""
    leads, scans, faults = out.get("leads", {}), out.get("scans", {}), out.get("faults", [])
    return {
        "no_answer_outside_error_shape": out.get("outside_shape", 1) == 0,
        "every_request_answered": not out.get("no_answer", {"?": 1}),
        "no_lead_lost": leads.get("lost", 1) == 0,
        "no_lead_duplicated": leads.get("duplicated", 1) == 0,
        "imports_accepted_and_complete": bool(leads.get("imports")) and leads.get("import_rows_ok", False)
        and all(i.get("accepted_by_server", True) for i in leads["imports"]),
        "queue_drained": out.get("drain", {}).get("drained", False),
        "no_duplicate_scans": scans.get("companies_scanned_twice_in_a_job", 1) == 0
        and scans.get("mismatched_jobs", 1) == 0,
        "faults_injected": len(faults) == 3 and not any("failed" in f for f in faults),
    }


def print_table(result: dict[str, Any]) -> None:
    """One block per shape."""
    for r in result["shapes"]:
        lat = r.get("list_latency", {})
        print(f"\n{r['shape']} ({r['minutes']} min): {'PASS' if r['passed'] else 'FAIL'}")
        print(f"  requests {r.get('requests')}")
        print(f"  errors by status {r.get('errors_by_status')}; outside the error shape {r.get('outside_shape')}; "
              f"no answer {r.get('no_answer')}; refused while the API was down on purpose "
              f"{r.get('refused_while_api_down')}")
        print(f"  lead list: {lat.get('count')} answers, p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms, "
              f"max {lat.get('max_ms')} ms")
        leads = r.get("leads", {})
        imports = [f"{i['label']}: {i.get('rows_sent')} rows, {i.get('raw_leads')} raw leads, lost {i.get('lost')}, "
                   f"duplicated {i.get('duplicated')}" for i in leads.get("imports", [])]
        print(f"  posts accepted {r.get('posts', {}).get('accepted')}, lost {leads.get('lost')}, duplicated "
              f"{leads.get('duplicated')}; imports {imports}")
        drain = r.get("drain", {})
        print(f"  queue drained {drain.get('drained')} after {drain.get('waited_s')} s (unfinished jobs "
              f"{drain.get('unfinished_count')}; posts answered \"queued\": false: "
              f"{r.get('posts', {}).get('not_queued_job_ids')}); scans twice in a job "
              f"{r.get('scans', {}).get('companies_scanned_twice_in_a_job')}")
        print(f"  faults {[(f['what'], f['t_s'], f.get('failed', 'ok')) for f in r.get('faults', [])]}")
        print(f"  load average {r.get('load_average')}; checks failed: "
              f"{[k for k, v in r.get('checks', {}).items() if not v] or 'none'}")


def main() -> int:
    """Run the drill; returns the exit status (1 when a check failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="load duration per shape (default 10)")
    parser.add_argument("--shape", action="append", choices=SHAPES, help="repeatable (default: both)")
    parser.add_argument("--seed-rows", type=int, default=1000, help="leads imported (and scanned) before the load")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows of each of the two imports")
    parser.add_argument("--list-clients", type=int, default=2)
    parser.add_argument("--down-seconds", type=float, default=5.0, help="how long the broker stays down")
    # 12 min: a job whose chunks the broker never got (the API answered "queued": false while it was down) waits
    # for beat's sweeper, which re-sends chunks stalled for 10 min and runs every minute
    parser.add_argument("--drain-seconds", type=float, default=720.0, help="wait for the queue at most this long")
    parser.add_argument("--seed", type=int, default=20240601, help="zone generator seed")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (zones, logs, SQLite files)")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "fault-drill.json")
    args = parser.parse_args()
    posts = int(args.minutes * 60 / POST_PAUSE) + 20  # more than the post client can send in the time
    work = Path(tempfile.mkdtemp(prefix="hunter-fault-drill-"))
    os.environ["HUNTER_DATA_DIR"] = str(work / "import-default")  # Celery's default app, if anything imports it
    print(f"work dir {work}", flush=True)
    rig = generate_rig(work / "dns", args.seed_rows + 2 * args.import_rows + posts, args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: processes, scratch database, NSD
    result: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "minutes": args.minutes,
                              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                          "load_before": os.getloadavg()},
                              "settings": {k: v for k, v in vars(args).items() if k not in ("output", "shape")},
                              "shapes": []}
    try:
        rig.serve()
        domains = split_domains(rig, args.seed_rows, args.import_rows)
        for name in args.shape or SHAPES:
            print(f"\n[{name}]", flush=True)
            try:
                result["shapes"].append(run_shape(name, rig, work, args, domains))
            except (RuntimeError, OSError) as exc:  # a shape that could not start or run: recorded, not fatal
                print(f"[{name}] drill aborted: {type(exc).__name__}: {exc}", flush=True)
                result["shapes"].append({"shape": name, "minutes": args.minutes, "aborted": f"{exc}"[:500],
                                         "checks": {"ran": False}, "passed": False})
    finally:
        rig.nsd.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["passed"] = all(r["passed"] for r in result["shapes"])
    print_table(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
