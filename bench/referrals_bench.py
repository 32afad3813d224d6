"""Partner Center referral sync benchmark: 10,000 referrals synced and ingested against the fake, on SQLite and
PostgreSQL.

Usage::

    .venv/bin/python bench/referrals_bench.py [--referrals 10000] [--db sqlite --db postgresql]
                                              [--page-size 100] [--rate 5] [--faults 0.1]
                                              [--output bench/results/referrals.json]

The fake Entra and the fake Partner Center (tests/fakes) run over HTTPS in a child process, so they do not
share this process's interpreter lock. This process signs in with the real device-code flow (the fake
approves it), then for each database: migrate an empty database and time one full sync through the
product's own wiring (``jobs.referral_runtime.client_factory``: MSAL token cache, ``PartnerCenterClient``
with its rate limit and retries, ``services.referrals.run_sync``: ingest in batches, companies, raw leads,
the scan job for the new companies). Then ``--changed`` referrals are updated in the fake and an incremental
sync is timed; then a full sync into another empty database with ``--faults`` of the requests failing
transiently (503 / 500 / 429 / dropped connections; the client's waits are really spent). Every run is
checked: the database must hold exactly the fake's referrals, each with its latest payload.

The issue's target: 10,000 referrals synced and ingested in at most 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_support import FakesProcess, fresh_database

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "referrals.json"
TID = "2b7c1f4e-9a3d-4c5b-8e6f-0a1b2c3d4e5f"
CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
TARGET_SECONDS = 60.0

sys.path.insert(0, str(ROOT / "tests"))


def serve_fakes(count: int, seed: int) -> None:
    """Child process: run both fakes, print their addresses as one JSON line, then obey stdin commands
    (``update N`` / ``faults RATE`` / ``stats`` / ``quit``), answering one JSON line each."""
    import random
    import tempfile as tf

    from fakes.entra_server import EntraServer
    from fakes.loopback_http import write_self_signed_cert
    from fakes.partner_center_data import generate_referrals
    from fakes.partner_center_server import PartnerCenterServer

    directory = tf.mkdtemp(prefix="pc-bench-tls-")
    certificate = write_self_signed_cert(directory)
    with EntraServer(certificate=certificate) as entra, PartnerCenterServer(entra=entra, certificate=certificate) as pc:
        entra.add_tenant(TID, ["contosopartner.com"], brand="Contoso Partner")
        entra.add_app(CLIENT_ID)
        entra.device_poll_interval = 1
        entra.auto_approve_devices(username="seller@contosopartner.com", after_polls=0)
        referrals = generate_referrals(count, seed=seed)
        for item in referrals:
            item["direction"] = "Incoming"  # every one of them is read by a default sync
        pc.add_referrals(referrals)
        print(json.dumps({"entra": entra.base_url, "pc": pc.base_url, "ca": pc.ca_file}), flush=True)
        rng = random.Random(seed)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "update":
                for referral_id in rng.sample(pc.referral_ids, int(arg)):
                    pc.update_referral(referral_id, status="Closed", substatus="Won",
                                       deal_value=float(rng.randint(1000, 10**6)))
                print(json.dumps({"updated": int(arg)}), flush=True)
            elif command == "faults":
                pc.transient_failures(float(arg), seed=seed)
                print(json.dumps({"faults": float(arg)}), flush=True)
            elif command == "stats":
                print(json.dumps({"requests": len(pc.requests), "pages": pc.pages_served,
                                  "injected_failures": pc.injected_failures,
                                  "referrals": {i: pc.referral(i) for i in pc.referral_ids}}), flush=True)
            elif command == "quit":
                break


class Fakes(FakesProcess):
    """The child process running the fakes (this file with ``--serve-fakes``)."""

    def __init__(self, count: int, seed: int) -> None:
        super().__init__(__file__, "--serve-fakes", str(count), "--seed", str(seed))


def _check(url: str, fake: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Database vs the fake: same referral ids, each with the latest payload; raw-lead and company counts."""
    from sqlalchemy import func, select

    from leadhunter.db.models import Company, RawLead
    from leadhunter.db.referral_models import PartnerCenterReferral
    from leadhunter.runtime import session_factory

    with session_factory(url)() as session:
        stored = {r.referral_id: r.raw for r in session.scalars(select(PartnerCenterReferral))}
        raw_leads = session.scalar(select(func.count()).select_from(RawLead).where(RawLead.source == "partnercenter"))
        companies = session.scalar(select(func.count()).select_from(Company))
        unlinked = session.scalar(select(func.count()).select_from(PartnerCenterReferral)
                                  .where(PartnerCenterReferral.link_status == "unlinked"))
    stale = sum(1 for i, payload in fake.items() if stored.get(i) != payload)
    return {"referrals_stored": len(stored), "exactly_the_fakes": set(stored) == set(fake), "stale_rows": stale,
            "raw_leads": raw_leads, "companies": companies, "unlinked": unlinked}


def _sync(url: str, settings: Any) -> dict[str, Any]:
    from leadhunter.jobs import referral_runtime
    from leadhunter.runtime import session_factory
    from leadhunter.services import referrals

    start = time.perf_counter()
    outcome = referrals.run_sync(session_factory(url), client_factory=referral_runtime.client_factory(settings),
                                 trigger="cli", options=referral_runtime.sync_options(settings))
    seconds = time.perf_counter() - start
    c = outcome.counts
    return {"seconds": round(seconds, 2), "status": outcome.status, "error": outcome.error, "seen": c.seen,
            "new": c.new, "updated": c.updated, "unchanged": c.skipped, "unlinked": c.unlinked,
            "batches": c.batches, "scan_job_id": outcome.scan_job_id,
            "referrals_per_second": round(c.seen / seconds, 1) if seconds else None}


def _settings(url: str, fakes: Fakes, args: argparse.Namespace, tmp: Path, cache: Path) -> Any:
    from leadhunter.config import Settings

    return Settings(
        data_dir=tmp, database_url=url, partner_center_enabled=True, partner_center_base_url=fakes.info["pc"],
        partner_center_authority=fakes.info["entra"], partner_center_client_id=CLIENT_ID,
        partner_center_tenant=TID, partner_center_token_cache=cache, partner_center_ca_file=fakes.info["ca"],
        partner_center_page_size=args.page_size, partner_center_rate_per_second=args.rate,
        _env_file=None,  # type: ignore[call-arg]
    )


def _timed_sync(url: str, settings: Any, fakes: Fakes) -> dict[str, Any]:
    before = fakes.ask("stats")
    result = _sync(url, settings)
    after = fakes.ask("stats")
    result.update(requests=after["requests"] - before["requests"],
                  injected_failures=after["injected_failures"] - before["injected_failures"],
                  check=_check(url, after["referrals"]))
    return result


def bench_database(kind: str, fakes: Fakes, args: argparse.Namespace, tmp: Path, cache: Path) -> dict[str, Any]:
    """Full sync into an empty database, then an incremental one; then, if asked, a full sync into another
    empty database with transient faults."""
    from leadhunter.db.migrate import upgrade

    url, drop = fresh_database(kind, tmp, "hunter_refbench")
    try:
        upgrade(url)
        settings = _settings(url, fakes, args, tmp, cache)
        full = _timed_sync(url, settings, fakes)
        print(f"{kind}: full sync {full}", flush=True)
        fakes.ask(f"update {args.changed}")
        incremental = _timed_sync(url, settings, fakes)
        print(f"{kind}: incremental {incremental}", flush=True)
    finally:
        drop()
    faulty: dict[str, Any] | None = None
    if args.faults:
        url, drop = fresh_database(kind, tmp, "hunter_refbench")
        try:
            upgrade(url)
            fakes.ask(f"faults {args.faults}")
            faulty = _timed_sync(url, _settings(url, fakes, args, tmp, cache), fakes)
            print(f"{kind}: full sync with {args.faults:.0%} transient faults {faulty}", flush=True)
        finally:
            fakes.ask("faults 0")
            drop()
    return {"full": full, "incremental": incremental, "full_with_faults": faulty,
            "meets_target": full["status"] == "ok" and full["seconds"] <= TARGET_SECONDS
            and full["check"]["exactly_the_fakes"] and full["check"]["stale_rows"] == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--page-size", type=int, default=100, help="$top (the product default: 100)")
    parser.add_argument("--rate", type=float, default=5.0, help="client requests per second (product default: 5)")
    parser.add_argument("--changed", type=int, default=100, help="referrals changed before the incremental syncs")
    parser.add_argument("--faults", type=float, default=0.1, help="transient failure rate of the last run (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--serve-fakes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fakes is not None:
        serve_fakes(args.serve_fakes, args.seed)
        return

    from leadhunter.integrations.common.tokens import Authority, DelegatedTokenProvider
    from leadhunter.integrations.partner_center.client import PARTNER_CENTER_SCOPES

    databases = args.db or ["sqlite", "postgresql"]
    fakes = Fakes(args.referrals, args.seed)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="referrals-bench-") as directory:
            tmp = Path(directory)
            cache = tmp / "token-cache.json"
            provider = DelegatedTokenProvider(
                client_id=CLIENT_ID, scopes=PARTNER_CENTER_SCOPES, cache_path=cache,
                authority=Authority(f"{fakes.info['entra']}/{TID}", verify=fakes.info["ca"], instance_discovery=False))
            provider.login(prompt=lambda prompt: None, timeout=60)
            for kind in databases:
                results[kind] = bench_database(kind, fakes, args, tmp, cache)
    finally:
        fakes.close()
    report = {
        "benchmark": "referrals_bench",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": list(os.getloadavg())},
        "parameters": {"referrals": args.referrals, "page_size": args.page_size, "rate_per_second": args.rate,
                       "changed": args.changed, "faults": args.faults, "seed": args.seed},
        "target_seconds": TARGET_SECONDS,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
