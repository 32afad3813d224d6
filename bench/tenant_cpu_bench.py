"""CPU cost of tenant discovery alone, per domain: Hunter's side and the Entra fake's side, measured apart.

Usage: ``python bench/tenant_cpu_bench.py [--domains 5000] [--delay-ms 80] [--concurrency 64] [--loop uvloop]``

Runs :class:`leadhunter.scanners.tenant.TenantDiscovery` in this process over ``--domains`` synthetic domains
(40 % with a tenant) against ``entra_fake_proc.py`` (HTTPS, its own process) and prints CPU milliseconds per
domain for this process (user + system, ``getrusage``) and for the fake (``/proc/PID/stat``), with the wall
clock and the load average. On a machine shared with other work the CPU figures move far less than the wall
clock, which is why they are the ones to compare; ``pushback_bench.py --mode tenant`` is the end-to-end run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_support import FakesProcess
from pushback_bench import process_cpu_s

BENCH = Path(__file__).resolve().parent


def self_cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_manifest(path: Path, domains: list[str]) -> None:
    """A manifest in ``zones.read_manifest``'s shape: every 5th domain of 2 is Microsoft 365 (40 %)."""
    with path.open("w") as out:
        for i, domain in enumerate(domains):
            provider = "M365" if i % 5 < 2 else "Google"
            out.write("\t".join((domain, domain, provider.lower(), provider, "", "", "", "")) + "\n")


async def discover_all(base_url: str, ca_file: str, domains: list[str], concurrency: int) -> Counter[str]:
    """Discover every domain (all scheduled at once; the discovery's own limit bounds them in flight)."""
    from leadhunter.scanners.tenant import TenantDiscovery

    discovery = TenantDiscovery(base_url, allow_private=True, verify=ca_file, concurrency=concurrency)
    try:
        facts = await asyncio.gather(*(discovery.discover(d) for d in domains))
    finally:
        await discovery.aclose()
    return Counter(f.status.value for f in facts)


def main() -> None:
    """Run once and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=5000)
    parser.add_argument("--delay-ms", type=float, default=80.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    domains = [f"company{i:05d}.com" for i in range(args.domains)]
    with tempfile.TemporaryDirectory(prefix="hunter-tenant-cpu-") as work:
        manifest = Path(work) / "manifest.tsv"
        write_manifest(manifest, domains)
        fake = FakesProcess(str(BENCH / "entra_fake_proc.py"), "--manifest", str(manifest),
                            "--delay-ms", str(args.delay_ms))
        try:
            load = os.getloadavg()
            fake0, cpu0, t0 = process_cpu_s(fake.proc.pid), self_cpu_s(), time.perf_counter()
            if args.loop == "uvloop":
                import uvloop

                statuses = uvloop.run(discover_all(fake.info["base_url"], fake.info["ca_file"], domains,
                                                   args.concurrency))
            else:
                statuses = asyncio.run(discover_all(fake.info["base_url"], fake.info["ca_file"], domains,
                                                    args.concurrency))
            wall, cpu = time.perf_counter() - t0, self_cpu_s() - cpu0
            fake_cpu = process_cpu_s(fake.proc.pid) - fake0
            stats = fake.ask("stats")
        finally:
            fake.close()
    n = args.domains
    print(json.dumps({"domains": n, "loop": args.loop, "statuses": dict(statuses),
                      "hunter_cpu_ms_per_domain": round(1000 * cpu / n, 3),
                      "fake_cpu_ms_per_domain": round(1000 * fake_cpu / n, 3),
                      "wall_s": round(wall, 2), "domains_per_s": round(n / wall, 1),
                      "loadavg_before": [round(x, 2) for x in load],
                      "loadavg_after": [round(x, 2) for x in os.getloadavg()], **stats}))


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()
