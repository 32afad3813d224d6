"""End-to-end scan benchmark: Hunter vs checkdmarc against NSD on loopback (issue 2, "Speed").

Usage::

    .venv/bin/python bench/scan_bench.py [--domains 10000] [--delay-ms 0|30] [--checkdmarc-sample 300]
                                         [--keep] [--standin | --hunter-cmd "..."]

Steps: generate N company zones and the provider zones they point to (``zones.py``); start NSD on
127.0.0.1:<free port> (``nsd_server.py``); with ``--delay-ms`` > 0 start the delaying proxy in front
of it (``delay_proxy.py``) and measure what it adds and what it sustains (``dns_load.py``); run
``hunter scan --file <list> --json --nameserver 127.0.0.1:<port> --no-tenant`` and time it from launch
to exit while reading its stdout as it streams and polling its memory (``proc_monitor.py``); run
checkdmarc's MX+SPF+DMARC checks on an evenly spaced sample of the same domains through the same
server (``checkdmarc_run.py``); print the table and write ``bench/results/scan-<delay>ms.json``.

Until ``.venv/bin/hunter`` exists the stand-in ``standin_hunter.py`` is measured instead (said so in
the output and the JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import dns_load
from dns_rig import generate_rig
from nsd_server import NsdServer, free_port
from proc_monitor import TreeMonitor, cpu_seconds
from report import OutputCheck, print_distribution, print_table

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
HUNTER = ROOT / ".venv" / "bin" / "hunter"
RUNNING: list[subprocess.Popen[Any]] = []  # the scan or checkdmarc process of the moment, for SIGTERM


def hunter_command(args: argparse.Namespace) -> tuple[list[str], str]:
    """The scanner to measure and what it is ('hunter', 'standin' or 'custom')."""
    if args.hunter_cmd:
        return shlex.split(args.hunter_cmd), "custom"
    if HUNTER.exists() and not args.standin:
        return [str(HUNTER)], "hunter"
    return [sys.executable, str(BENCH / "standin_hunter.py")], "standin"


def start_proxy(upstream_port: int, delay_ms: float) -> tuple[subprocess.Popen[str], int]:
    """Start ``delay_proxy.py`` on a free port; returns the process and the port once it is ready."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "delay_proxy.py"), "--listen", f"127.0.0.1:{port}",
         "--upstream", f"127.0.0.1:{upstream_port}", "--delay-ms", str(delay_ms)],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError(f"delay proxy did not start: {line!r}")
    return proc, port


def stop_proxy(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """SIGTERM the proxy and return the counters it prints on exit."""
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    try:
        return dict(json.loads(out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": out[-500:]}


def measure_dns(nsd_port: int, proxy_port: int | None, names: list[str], seconds: float) -> dict[str, Any]:
    """Latency (one query in flight) and capacity (many in flight) of the server and of the proxy."""

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        direct = await dns_load.measure("127.0.0.1", nsd_port, names, window=1, seconds=0.5)
        out["nsd_latency"] = asdict(direct)
        out["nsd_capacity"] = asdict(await dns_load.measure("127.0.0.1", nsd_port, names, window=200,
                                                            seconds=seconds))
        if proxy_port is not None:
            via = await dns_load.measure("127.0.0.1", proxy_port, names, window=1, seconds=1.0)
            out["proxy_latency"] = asdict(via)
            out["proxy_added_ms_p50"] = dns_load.added_latency_ms(direct, via)
            # 1000 in flight at 30 ms is up to ~33k qps offered: enough to show >= 10k sustained
            out["proxy_capacity"] = asdict(await dns_load.measure("127.0.0.1", proxy_port, names,
                                                                  window=1000, seconds=seconds))
        return out

    try:
        import uvloop
    except ImportError:
        return asyncio.run(run())
    return uvloop.run(run())


def run_scanner(cmd: list[str], inputs: Path, port: int, check: OutputCheck, total: int,
                work: Path) -> dict[str, Any]:
    """Launch the scan, stream its stdout into ``check``, poll memory; timing is launch to exit."""
    argv = [*cmd, "scan", "--file", str(inputs), "--json", "--nameserver", f"127.0.0.1:{port}", "--no-tenant"]
    stderr_path = work / "scanner.stderr"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with stderr_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                text=True, bufsize=1 << 16, cwd=ROOT)
        RUNNING.append(proc)
        monitor = TreeMonitor(proc.pid).start()
        first_line = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if first_line is None:
                first_line = time.perf_counter() - t0
            check.feed(line)
            monitor.progress = check.lines
        rc = proc.wait()
        wall = time.perf_counter() - t0
    monitor.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tail = stderr_path.read_bytes()[-1500:].decode("utf-8", "replace").replace("\r", "\n").strip()
    return {
        "argv": argv, "exit_code": rc, "wall_s": round(wall, 3), "domains_per_s": round(total / wall, 1),
        "first_output_s": round(first_line, 3) if first_line is not None else None,
        "cpu_user_s": round(after.ru_utime - before.ru_utime, 2),
        "cpu_sys_s": round(after.ru_stime - before.ru_stime, 2),
        "peak_rss_mb": round(monitor.peak / 2**20, 1), "peak_rss_processes": monitor.peak_procs,
        "max_single_rss_mb": round(after.ru_maxrss / 1024, 1),
        "rss_mb_at_progress": monitor.rss_at_progress(total),
        "stderr_tail": tail.splitlines()[-3:],
    }


def run_checkdmarc(domains: list[str], port: int, work: Path) -> dict[str, Any]:
    """checkdmarc on ``domains`` in a subprocess (its own interpreter, like a user would run it)."""
    sample = work / "checkdmarc-domains.txt"
    sample.write_text("".join(d + "\n" for d in domains))
    python = str(VENV_PY) if VENV_PY.exists() else sys.executable
    t0 = time.perf_counter()
    proc = subprocess.Popen([python, str(BENCH / "checkdmarc_run.py"), "--file", str(sample), "--server",
                             f"127.0.0.1:{port}", "--details", str(work / "checkdmarc-details.jsonl")],
                            stdout=subprocess.PIPE, text=True)
    RUNNING.append(proc)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        return {"error": f"checkdmarc_run exited {proc.returncode}", "wall_s": time.perf_counter() - t0}
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    """Run the whole benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added to every DNS answer (proxy)")
    parser.add_argument("--checkdmarc-sample", type=int, default=300, help="0 skips checkdmarc")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (zones, logs, output)")
    parser.add_argument("--standin", action="store_true", help="measure the stand-in even if hunter exists")
    parser.add_argument("--hunter-cmd", help="command to run instead of .venv/bin/hunter (gets 'scan ...')")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--nsd-servers", type=int, default=1, help="NSD server-count")
    parser.add_argument("--probe-seconds", type=float, default=2.0, help="load-test length for NSD/proxy")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    cmd, kind = hunter_command(args)
    work = Path(tempfile.mkdtemp(prefix="hunter-bench-"))
    print(f"work dir {work}; scanner: {kind} ({' '.join(cmd)})", flush=True)
    result: dict[str, Any] = {"domains": args.domains, "delay_ms": args.delay_ms, "hunter_kind": kind,
                              "hunter_command": cmd, "seed": args.seed}
    nsd: NsdServer | None = None
    proxy: subprocess.Popen[str] | None = None

    def cleanup() -> None:  # idempotent: runs from the finally below and from the SIGTERM handler
        for child in RUNNING:
            if child.poll() is None:
                child.kill()
        if proxy is not None and proxy.poll() is None:
            stop_proxy(proxy)
        if nsd is not None:
            nsd.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def on_sigterm(*_: object) -> None:
        # clean up and leave right here: a SystemExit raised inside a uvloop callback can be swallowed,
        # and the benchmark would carry on against a stopped server (seen while testing)
        cleanup()
        sys.stdout.flush()
        os._exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        # 1. zones and 2. NSD (dns_rig.py, shared with celery_scan_bench.py)
        served = generate_rig(work, args.domains, args.seed, server_count=args.nsd_servers)
        nsd, summary = served.nsd, served.summary
        served.serve()
        result.update(served.info)
        # 3. delay proxy
        port = nsd.port
        proxy_port = None
        if args.delay_ms > 0:
            proxy, proxy_port = start_proxy(nsd.port, args.delay_ms)
            port = proxy_port
        manifest = served.manifest()
        names = list(manifest)[:2000]
        result["dns_probe"] = measure_dns(nsd.port, proxy_port, names, args.probe_seconds)
        probe = result["dns_probe"]
        print(f"NSD: {probe['nsd_latency']['p50_ms']} ms p50 round trip, "
              f"{probe['nsd_capacity']['qps']:.0f} qps with 200 in flight", flush=True)
        if proxy_port is not None:
            cap = probe["proxy_capacity"]
            print(f"proxy: adds {probe['proxy_added_ms_p50']} ms (p50 {probe['proxy_latency']['p50_ms']} ms "
                  f"vs {probe['nsd_latency']['p50_ms']} ms direct); sustains {cap['qps']:.0f} qps with "
                  f"{cap['window']} in flight (p50 {cap['p50_ms']} ms, p99 {cap['p99_ms']} ms, "
                  f"lost {cap['lost']})", flush=True)
        # 4. the scan
        check = OutputCheck(manifest)
        print(f"scanning {args.domains} domains via 127.0.0.1:{port} ...", flush=True)
        rig = {"nsd": nsd.proc.pid if nsd.proc else 0, "proxy": proxy.pid if proxy else 0}
        rig_before = {name: cpu_seconds(pid) for name, pid in rig.items() if pid}
        result["hunter"] = run_scanner(cmd, work / "inputs.txt", port, check, args.domains, work)
        # what the server (and proxy) burnt of the 2 cores while the scan ran
        result["rig_cpu_s_during_scan"] = {name: round(cpu_seconds(rig[name]) - before, 2)
                                           for name, before in rig_before.items()}
        result["hunter"]["output"] = check.summary()
        h = result["hunter"]
        print(f"scan: exit {h['exit_code']}, {h['wall_s']} s, {h['domains_per_s']} domains/s, "
              f"peak RSS {h['peak_rss_mb']} MB ({h['peak_rss_processes']} processes), "
              f"CPU {h['cpu_user_s']}+{h['cpu_sys_s']} s, RSS by progress {h['rss_mb_at_progress']}; "
              f"meanwhile CPU s of {result['rig_cpu_s_during_scan']}", flush=True)
        if check.lines != args.domains:
            print(f"WARNING: {check.lines} output lines for {args.domains} input lines", flush=True)
        print_distribution(summary.providers, check)
        # 5. checkdmarc on an evenly spaced sample of the same domains, through the same server/proxy
        result["checkdmarc"] = None
        if args.checkdmarc_sample > 0:
            domains = list(manifest)
            step = max(1, len(domains) // args.checkdmarc_sample)
            sample = domains[::step][:args.checkdmarc_sample]
            print(f"\ncheckdmarc on {len(sample)} domains (sequential, as the library works) ...", flush=True)
            result["checkdmarc"] = run_checkdmarc(sample, port, work)
            c = result["checkdmarc"]
            if c.get("domains_per_s"):
                result["ratio"] = round(h["domains_per_s"] / c["domains_per_s"], 1)
            print(f"checkdmarc: {c}", flush=True)
        if proxy is not None:
            result["proxy_stats"] = stop_proxy(proxy)
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "kernel": platform.release(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        print_table(result)
        args.results.mkdir(parents=True, exist_ok=True)
        suffix = "" if kind == "hunter" else f"-{kind}"
        out = args.results / f"scan-{args.delay_ms:g}ms{suffix}.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
    finally:
        cleanup()
        if args.keep:
            print(f"kept {work}")


if __name__ == "__main__":
    main()
