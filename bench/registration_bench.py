"""Registration stage benchmark: 10,000 domains through RDAP and WHOIS fakes, each server rate-limited.

    .venv/bin/python bench/registration_bench.py                       # defaults below, ~3.5 minutes
    .venv/bin/python bench/registration_bench.py --domains 2000 --whois-domains 30   # a quick look

Servers (real sockets on 127.0.0.1, in this process's threads): ``--rdap-servers`` registry RDAP servers
over HTTPS (one fake TLD each), one registrar RDAP server the registries link to, one WHOIS server for
``.tr`` and its second-level zones. Every server is limited by the stage's own token bucket: RDAP
``--rdap-rate`` (10/s), WHOIS ``--whois-rate`` (1/s), burst 1.

The time the limits allow is ``T_limit = max over servers s of (n_s - burst) / rate_s`` where n_s is the
number of queries server s must answer (registry queries, registrar follow-ups, WHOIS queries); the
stage passes when its wall time is within 20 % of T_limit. The fakes run in a child process (their
CPU, request logs and memory are theirs); the stage uses the on-disk cache as ``hunter scan`` does.
Memory: resident size sampled every second against progress; "flat" means the growth after the first
10 % of answers stays small. Pacing: the most queries any server saw in a sliding 1-second window (must
not exceed rate + burst).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from fakes.loopback_http import RecordedRequest, Reply, write_self_signed_cert  # noqa: E402
from fakes.rdap_server import DomainRecord, RdapServer  # noqa: E402
from fakes.whois_server import WhoisServer  # noqa: E402
from leadhunter.domain.registration import RegistrationOutcome  # noqa: E402
from leadhunter.scanners.registration.bootstrap import ServerDirectory  # noqa: E402
from leadhunter.scanners.registration.bootstrap import WhoisServer as WhoisTarget  # noqa: E402
from leadhunter.scanners.registration.cache import SqliteCache  # noqa: E402
from leadhunter.scanners.registration.ratelimit import Limit  # noqa: E402
from leadhunter.scanners.registration.stage import RegistrationOptions, RegistrationStage  # noqa: E402

RDAP_TLDS = ["com", "net", "org", "io", "xyz", "app", "online", "site", "store", "tech", "info", "biz"]
TR_ZONES = ["com.tr", "org.tr", "gen.tr", "av.tr", "bel.tr", "k12.tr", "net.tr", "biz.tr", "web.tr", "info.tr",
            "tv.tr", "edu.tr", "gov.tr"]
RESULT = ROOT / "bench" / "results" / "registration.json"


class TimedRdap(RdapServer):
    """The fake RDAP server, noting when each request arrived (for the pacing check)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.times: list[float] = []
        self._times_lock = threading.Lock()

    def handle(self, request: RecordedRequest) -> Reply | None:
        with self._times_lock:
            self.times.append(time.monotonic())
        return super().handle(request)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any sliding window of ``window`` seconds."""
    ordered, best, start = sorted(times), 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def build(args: argparse.Namespace, cert: tuple[str, str]) -> tuple[list[TimedRdap], TimedRdap, WhoisServer,
                                                                    list[tuple[str, str]]]:
    """Start the servers and fill them; returns them and (domain, expected outcome) in a shuffled order."""
    rng = random.Random(args.seed)
    registrar = TimedRdap(certificate=cert).start()
    registries = [TimedRdap(certificate=cert, registrar_base=registrar.registrar_url).start()
                  for _ in range(args.rdap_servers)]
    whois = WhoisServer().start()
    plan: list[tuple[str, str]] = []
    for number in range(args.domains - args.whois_domains):
        server = number % args.rdap_servers
        name = f"firma{number:05d}.{_tld(server)}"
        if rng.random() < args.not_found:
            plan.append((name, "not_found"))
            continue
        record = DomainRecord(name, registrar=f"Registrar {number % 40}", registry_names_registrar=rng.random()
                              >= args.follow, registrant_org=f"Firma {number} Ltd" if number % 3 else None)
        registries[server].add(record)
        registrar.add(record)
        plan.append((name, "ok"))
    for number in range(args.whois_domains):
        name = f"firma{number:05d}.{TR_ZONES[number % len(TR_ZONES)]}"
        if rng.random() < args.not_found:
            plan.append((name, "not_found"))
            continue
        whois.add_tr(name, registrant=f"Firma {number} A.Ş.")
        plan.append((name, "ok"))
    rng.shuffle(plan)
    return registries, registrar, whois, plan


def _tld(server: int) -> str:
    return f"{RDAP_TLDS[server % len(RDAP_TLDS)]}{server // len(RDAP_TLDS) or ''}"


def serve(args: argparse.Namespace, conn: Connection) -> None:
    """The fakes' process: build and start the servers, hand over their addresses and the plan, wait for
    "stop", then report what each server saw. Kept apart so the fakes' CPU, request logs and memory do
    not count against the stage."""
    with tempfile.TemporaryDirectory(prefix="hunter-reg-bench-") as tmp:
        cert = write_self_signed_cert(tmp)
        registries, registrar, whois, plan = build(args, cert)
        conn.send({"ca": cert[0], "plan": plan, "whois_port": whois.port,
                   "rdap": {_tld(i): s.registry_url for i, s in enumerate(registries)}})
        conn.recv()  # "stop"
        for server in [*registries, registrar]:
            server.stop()
        whois.stop()
        times = {f"rdap registry {i}": s.times for i, s in enumerate(registries)}
        times["rdap registrar"] = registrar.times
        times["whois .tr"] = [t for t, _ in whois.queries]
        conn.send({name: {"queries": len(ts), "peak_1s": max_in_window(ts),
                          "last_at": max(ts) if ts else None} for name, ts in times.items()})


async def run_stage(directory: ServerDirectory, ca: str, plan: list[tuple[str, str]],
                    args: argparse.Namespace, cache_path: Path) -> dict[str, Any]:
    options = RegistrationOptions(rdap_limit=Limit(args.rdap_rate), whois_limit=Limit(args.whois_rate),
                                  verify=ca, allow_private=True, per_server_concurrency=args.concurrency)
    expected = dict(plan)
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    memory: list[tuple[int, float]] = [(0, rss_mb())]
    started = time.monotonic()
    next_sample = started + 1.0
    cache = SqliteCache(cache_path)  # what `hunter scan --registration` uses: answers on disk, not in memory
    async with RegistrationStage(directory, options=options, cache=cache) as stage:
        done = 0
        async for facts in stage.stream(name for name, _ in plan):
            done += 1
            outcomes[facts.outcome.value] += 1
            if facts.outcome.value != expected.get(facts.domain):
                wrong.append(f"{facts.domain}: {facts.outcome.value} ({facts.reason})")
            elif facts.outcome is RegistrationOutcome.OK and facts.registrar is None:
                wrong.append(f"{facts.domain}: no registrar")
            if time.monotonic() >= next_sample:
                memory.append((done, rss_mb()))
                next_sample += 1.0
                if args.progress:
                    print(f"\r{done}/{len(plan)} {time.monotonic() - started:.0f} s", end="", file=sys.stderr)
    elapsed = time.monotonic() - started
    cache.close()
    memory.append((len(plan), rss_mb()))
    return {"started": started, "elapsed": elapsed, "outcomes": dict(outcomes), "wrong": wrong, "memory": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--whois-domains", type=int, default=200, help=".tr domains (WHOIS), of --domains")
    parser.add_argument("--rdap-servers", type=int, default=5)
    parser.add_argument("--rdap-rate", type=float, default=10.0)
    parser.add_argument("--whois-rate", type=float, default=1.0)
    parser.add_argument("--follow", type=float, default=0.1, help="share of registry answers naming no registrar")
    parser.add_argument("--not-found", type=float, default=0.02, help="share of unregistered domains")
    parser.add_argument("--concurrency", type=int, default=4, help="queries in flight per server")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/registration.json")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    fakes = multiprocessing.get_context("fork").Process(target=serve, args=(args, theirs), daemon=True)
    fakes.start()
    setup = ours.recv()
    plan: list[tuple[str, str]] = [tuple(p) for p in setup["plan"]]  # type: ignore[misc]
    directory = ServerDirectory({}, rdap_overrides=setup["rdap"],
                                whois_overrides={"tr": WhoisTarget("127.0.0.1", setup["whois_port"])})
    load_before = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="hunter-reg-cache-") as tmp:
            baseline = rss_mb()
            run = asyncio.run(run_stage(directory, setup["ca"], plan, args, Path(tmp) / "cache.sqlite"))
    finally:
        ours.send("stop")
    seen: dict[str, dict[str, Any]] = ours.recv()
    fakes.join(timeout=10)
    if args.progress:
        print(file=sys.stderr)

    rates = {name: args.whois_rate if name.startswith("whois") else args.rdap_rate for name in seen}
    limit_seconds = max((v["queries"] - 1) / rates[name] for name, v in seen.items() if v["queries"])
    memory = run["memory"]
    tenth = next((mb for done, mb in memory if done >= len(plan) // 10), memory[-1][1])
    result = {
        "command": "python bench/registration_bench.py " + " ".join(sys.argv[1:]),
        "domains": len(plan), "whois_domains": args.whois_domains, "rdap_servers": args.rdap_servers,
        "limits": {"rdap_per_server_per_s": args.rdap_rate, "whois_per_server_per_s": args.whois_rate, "burst": 1},
        "queries_per_server": {name: v["queries"] for name, v in seen.items()},
        "formula": "T_limit = max_s (n_s - burst) / rate_s",
        "t_limit_s": round(limit_seconds, 1),
        "elapsed_s": round(run["elapsed"], 1),
        "ratio": round(run["elapsed"] / limit_seconds, 3),
        "within_20_percent": run["elapsed"] <= 1.2 * limit_seconds,
        "last_query_after_s": {name: round(v["last_at"] - run["started"], 1) for name, v in seen.items()
                               if v["last_at"] is not None},
        "max_queries_in_any_1s_window": {name: v["peak_1s"] for name, v in seen.items()},
        "outcomes": run["outcomes"],
        "wrong": run["wrong"][:20],
        "wrong_count": len(run["wrong"]),
        "rss_mb": {"before_stage": round(baseline, 1), "at_10_percent": round(tenth, 1),
                   "end": round(memory[-1][1], 1), "peak": round(max(mb for _, mb in memory), 1),
                   "growth_after_10_percent": round(memory[-1][1] - tenth, 1)},
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "rss_by_progress": [[done, round(mb, 1)] for done, mb in memory[:: max(1, len(memory) // 40)]],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rss_by_progress"}, indent=2))
    if not args.no_write:
        RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"written {RESULT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
