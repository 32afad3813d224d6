"""Scan benchmark under a resolver or service that pushes back (issue 10, "steady when resolvers push back").

Usage::

    python bench/pushback_bench.py --mode rrl|cap|unlimited|tenant [--domains 10000] [--max-qps 2000]
                                   [--entra-delay-ms 80] [--entra-429 300]

Modes (all against the zones of ``zones.py`` served by NSD on loopback, see ``dns_rig.py``):

- ``rrl``: NSD with its default response-rate limiting (``rrl-ratelimit: 200``, ``rrl-slip: 2``): per
  answer bucket and source /24, negative answers of a zone sharing one bucket; limited answers are
  dropped or (every 2nd) sent truncated. Goal: >= 99 % ``ok`` and >= 99 % provider right.
- ``cap``: NSD behind ``delay_proxy.py --max-qps 2000 --delay-ms 0``, which answers at most 2,000
  queries/s in all and drops the rest. Goal: >= 99 % ``ok`` and >= 80 % of the domains/s the cap allows
  (2,000 / DNS lookups per domain, lookups as the scanner counts them: the fewest queries it needs).
- ``unlimited``: NSD without limits. Goal: >= 500 domains/s.
- ``tenant``: tenant discovery on, against the Entra fake (``entra_fake_proc.py``, HTTPS) adding
  ``--entra-delay-ms`` to every answer; after a third of the output the fake answers ``--entra-429``
  requests with 429 + Retry-After 1 s. Goal: >= 300 domains/s, connections reused, no failed discovery.

The scanner is this tree's ``hunter`` (``python -c 'from leadhunter.cli.main import main; main()'`` with
``src`` on ``PYTHONPATH``), or ``--hunter-cmd``. Writes ``bench/results/pushback-<mode>.json`` with the
figures, the load average before and after (the machine is shared) and the scanner's pushback line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_support import FakesProcess
from dns_rig import generate_rig
from report import OutputCheck

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
GOALS = {"rrl": "ok >= 99% and provider right >= 99%", "cap": "ok >= 99% and >= 80% of the cap's domains/s",
         "unlimited": ">= 500 domains/s", "tenant": ">= 300 domains/s, connections reused, no failed discovery"}


def start_cap_proxy(upstream: int, max_qps: float) -> tuple[subprocess.Popen[str], int]:
    """``delay_proxy.py`` with no delay and a query cap, on a free port."""
    from nsd_server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, str(BENCH / "delay_proxy.py"), "--listen", f"127.0.0.1:{port}",
                             "--upstream", f"127.0.0.1:{upstream}", "--delay-ms", "0", "--max-qps", str(max_qps)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError(f"capping proxy did not start: {line!r}")
    return proc, port


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """User + system CPU seconds of this process's reaped children (the scanner, once it has ended)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(argv: list[str], env: dict[str, str], check: OutputCheck, work: Path,
             at_third: Any = None) -> dict[str, Any]:
    """Run the scan, feed its stdout to ``check``; count tenant statuses; call ``at_third`` once. Also
    the scanner's CPU seconds (user + system: a figure the other load on a shared machine disturbs less
    than the wall clock)."""
    tenant_status: dict[str, int] = {}
    stderr_path = work / "scanner.stderr"
    total = len(check.manifest)
    with stderr_path.open("wb") as err:
        cpu0 = children_cpu_s()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                                env=env, cwd=ROOT)
        assert proc.stdout is not None
        for line in proc.stdout:
            check.feed(line)
            tenant = (json.loads(line).get("tenant") or {}).get("status", "-")
            tenant_status[tenant] = tenant_status.get(tenant, 0) + 1
            if at_third is not None and check.lines == total // 3:
                at_third()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        cpu = children_cpu_s() - cpu0
    stderr = stderr_path.read_text("utf-8", "replace")
    pushback = [line for line in stderr.splitlines() if line.startswith("pushback:")]
    return {"argv": argv, "exit_code": rc, "wall_s": round(wall, 2), "domains_per_s": round(total / wall, 1),
            "scanner_cpu_s": round(cpu, 2), "scanner_cpu_ms_per_domain": round(1000 * cpu / total, 3),
            "tenant_status": tenant_status, "pushback": pushback[-1] if pushback else None,
            "stderr_tail": stderr.strip().splitlines()[-3:]}


def main() -> None:
    """Run one mode once and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(GOALS), required=True)
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--max-qps", type=float, default=2000.0, help="cap mode: answers/s the proxy allows")
    parser.add_argument("--entra-delay-ms", type=float, default=80.0)
    parser.add_argument("--entra-429", type=int, default=300, help="tenant mode: requests answered 429")
    parser.add_argument("--hunter-cmd", help="scanner command (gets 'scan ...')")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    cmd = (shlex.split(args.hunter_cmd) if args.hunter_cmd
           else [sys.executable, "-c", "from leadhunter.cli.main import main; main()"])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    work = Path(tempfile.mkdtemp(prefix=f"hunter-pushback-{args.mode}-"))
    result: dict[str, Any] = {"mode": args.mode, "domains": args.domains, "goal": GOALS[args.mode],
                              "loadavg_before": [round(x, 2) for x in os.getloadavg()],
                              "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count()}
    rig = generate_rig(work, args.domains, args.seed, rrl_ratelimit=200 if args.mode == "rrl" else 0)
    proxy: subprocess.Popen[str] | None = None
    fakes: FakesProcess | None = None
    try:
        rig.serve()
        result.update(rig.info)
        port = rig.nsd.port
        if args.mode == "cap":
            proxy, port = start_cap_proxy(port, args.max_qps)
            result["max_qps"] = args.max_qps
        argv = [*cmd, "scan", "--file", str(work / "inputs.txt"), "--json", "--nameserver", f"127.0.0.1:{port}"]
        at_third = None
        if args.mode == "tenant":
            fakes = FakesProcess(str(BENCH / "entra_fake_proc.py"), "--manifest", str(work / "manifest.tsv"),
                                 "--delay-ms", str(args.entra_delay_ms))
            env.update(HUNTER_TENANT_BASE_URL=fakes.info["base_url"], HUNTER_TENANT_CA_FILE=fakes.info["ca_file"],
                       HUNTER_ALLOW_PRIVATE_TARGETS="true")
            result["entra"] = {"delay_ms": args.entra_delay_ms, "tenants": fakes.info["tenants"],
                               "answered_429": args.entra_429}
            live = fakes
            if args.entra_429:
                at_third = lambda: live.ask(f"429 {args.entra_429}")  # noqa: E731
        else:
            argv.append("--no-tenant")
        check = OutputCheck(rig.manifest())
        print(f"scanning {args.domains} domains ({args.mode}) via 127.0.0.1:{port} ...", flush=True)
        fake_cpu0 = process_cpu_s(fakes.proc.pid) if fakes is not None else 0.0
        scan = run_scan(argv, env, check, work, at_third)
        if fakes is not None:
            fake_cpu = process_cpu_s(fakes.proc.pid) - fake_cpu0
            scan.update(fake_cpu_s=round(fake_cpu, 2), fake_cpu_ms_per_domain=round(1000 * fake_cpu / args.domains, 3))
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        summary = check.summary()
        scan["output"] = summary
        result["scan"] = scan
        lines = max(check.lines, 1)
        ok_share = summary["status"].get("ok", 0) / lines
        provider_share = summary["provider_agreement"] or 0.0
        figures: dict[str, Any] = {"domains_per_s": scan["domains_per_s"], "ok_share": round(ok_share, 4),
                                   "scanner_cpu_ms_per_domain": scan["scanner_cpu_ms_per_domain"],
                                   "provider_right_share": provider_share}
        verdict = check.lines == args.domains and scan["exit_code"] == 0
        if args.mode == "rrl":
            verdict = verdict and ok_share >= 0.99 and provider_share >= 0.99
        elif args.mode == "cap":
            match = re.search(r"(\d+) DNS lookups", scan["pushback"] or "")
            lookups = int(match.group(1)) if match else None
            if proxy is not None:
                proxy.terminate()
                out, _ = proxy.communicate(timeout=10)
                result["proxy"] = json.loads(out.strip().splitlines()[-1])
                proxy = None
            if lookups:
                per_domain = lookups / args.domains
                allowed = args.max_qps / per_domain
                figures.update(lookups_per_domain=round(per_domain, 2), cap_allows_domains_per_s=round(allowed, 1),
                               share_of_cap=round(scan["domains_per_s"] / allowed, 3))
                verdict = verdict and ok_share >= 0.99 and scan["domains_per_s"] >= 0.8 * allowed
            else:
                verdict = False
        elif args.mode == "unlimited":
            verdict = verdict and scan["domains_per_s"] >= 500
        else:
            assert fakes is not None
            entra = fakes.ask("stats")
            result["entra"].update(entra)
            failed = scan["tenant_status"].get("failed", 0)
            figures.update(fake_cpu_ms_per_domain=scan["fake_cpu_ms_per_domain"],
                           tenant_failed=failed, entra_requests=entra["requests"],
                           entra_connections_opened=entra["connections_opened"],
                           entra_max_open_connections=entra["max_open_connections"])
            verdict = (verdict and scan["domains_per_s"] >= 300 and failed == 0
                       and entra["connections_opened"] < entra["requests"] / 10)
        figures["pass"] = verdict
        result["figures"] = figures
        print(json.dumps(figures))
        print(f"pushback: {scan['pushback']}")
        print(f"load average before {result['loadavg_before']}, after {result['loadavg_after']}")
        args.results.mkdir(parents=True, exist_ok=True)
        out_path = args.results / f"pushback-{args.mode}.json"
        out_path.write_text(json.dumps(result, indent=1) + "\n")
        print(f"{'PASS' if verdict else 'FAIL'} ({GOALS[args.mode]}); wrote {out_path}")
    finally:
        if proxy is not None:
            proxy.kill()
        if fakes is not None:
            fakes.close()
        rig.nsd.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
