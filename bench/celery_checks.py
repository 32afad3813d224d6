"""Checks and figures for the Celery scan benchmark: what the job stored, its progress curve, machine CPU."""

from __future__ import annotations

import os
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds all cores spent not idle since boot (``/proc/stat``), to size what the rest of the
    shared machine used while a job ran."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICK


def job_timeline(samples: list[tuple[float, int]]) -> dict[str, Any]:
    """Seconds from submission to the first stored result, to half and to all; plus up to ~20 samples."""
    total = samples[-1][1] if samples else 0

    def at(fraction: float) -> float | None:
        return next((t for t, done in samples if done >= fraction * total and done > 0), None)

    step = max(1, len(samples) // 20)
    return {"first_result_s": at(0.0), "half_s": at(0.5), "all_s": at(1.0),
            "samples_s_done": [list(s) for s in samples[::step]]}


def verify_job(settings: Any, job_id: int, manifest: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Job counts; every company scanned exactly once by this job (and by nothing else); provider and
    gateway per company against the generated truth."""
    from sqlalchemy import func, select

    from leadhunter.db.models import Company, Scan
    from leadhunter.runtime import session_factory
    from leadhunter.services import scan_jobs

    with session_factory(settings.database())() as session:
        state = scan_jobs.progress(session, job_id)
        companies = session.execute(select(Company.id, Company.domain, Company.provider, Company.gateway)).all()
        per_company = dict(session.execute(select(Scan.company_id, func.count()).where(Scan.job_id == job_id)
                                           .group_by(Scan.company_id)).all())
        all_scans = session.scalar(select(func.count()).select_from(Scan)) or 0
    counts = [per_company.get(cid, 0) for cid, _, _, _ in companies]
    provider_ok = gateway_ok = 0
    wrong: dict[str, int] = {}
    for _, domain, provider, gateway in companies:
        truth = manifest.get(domain)
        if truth is None:
            continue
        if str(provider).lower() == truth["provider"].lower():
            provider_ok += 1
        else:
            key = f"{truth['provider']}->{provider}"
            wrong[key] = wrong.get(key, 0) + 1
        gateway_ok += str(gateway or "-").lower() == truth["gateway"].lower()
    n = len(manifest)
    one_each = len(companies) == n and all(c == 1 for c in counts) and all_scans == n
    out: dict[str, Any] = {
        "job": {"status": state.status, "total": state.total, "done": state.done, "ok": state.ok,
                "partial": state.partial, "failed": state.failed, "cancelled": state.cancelled},
        "companies": len(companies), "scans_of_job": sum(counts), "scans_total": all_scans,
        "companies_without_scan": counts.count(0), "companies_scanned_twice_or_more": sum(c > 1 for c in counts),
        "one_scan_each": one_each,
        "provider_agreement": round(provider_ok / n, 4), "gateway_agreement": round(gateway_ok / n, 4),
        "provider_mismatches": dict(sorted(wrong.items(), key=lambda kv: -kv[1])[:8]),
    }
    out["ok"] = (state.status == "done" and state.total == state.done == n and state.failed == 0 and one_each
                 and provider_ok == n)
    out["summary"] = (f"job {state.status} {state.done}/{state.total} (failed {state.failed}, partial "
                      f"{state.partial}); {len(companies)} companies, {sum(counts)} scans, one each: {one_each}; "
                      f"provider agreement {out['provider_agreement']}, gateway {out['gateway_agreement']}")
    return out


def postgres_backend_pids(database_url: str) -> list[int]:
    """Server process ids of the PostgreSQL connections to ``database_url``'s database (this machine's
    server: their CPU is the database work done for the job)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name "
                                     "AND pid <> pg_backend_pid()"), {"name": name}).all()
    finally:
        engine.dispose()
    return [int(pid) for (pid,) in rows]
