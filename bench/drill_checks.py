"""The fault drill's checks, read from the database directly (``fault_drill.py``): the queue drained, every
accepted lead and imported row stored exactly once, no item of a job scanned twice."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, create_engine, func, select

BATCH = 500  # domains per IN (...) query


def engine_for(url: str) -> Engine:
    """A small engine of the drill's own (SQLite: waits up to 30 s for the writers' locks)."""
    args = {"timeout": 30} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=args, pool_size=2)


def unfinished_jobs(engine: Engine) -> list[dict[str, Any]]:
    """Jobs still queued or running, with their pending items and chunks."""
    from leadhunter.db.models import ScanJob, ScanJobItem

    with engine.connect() as conn:
        jobs = conn.execute(select(ScanJob.id, ScanJob.kind, ScanJob.status, ScanJob.total, ScanJob.done)
                            .where(ScanJob.status.in_(("queued", "running"))).order_by(ScanJob.id)).all()
        out = []
        for job_id, kind, status, total, done in jobs:
            pending = conn.execute(select(ScanJobItem.chunk, func.count()).where(
                ScanJobItem.job_id == job_id, ScanJobItem.state == "pending").group_by(ScanJobItem.chunk)).all()
            out.append({"job_id": job_id, "kind": kind, "status": status, "total": total, "done": done,
                        "pending_items": sum(n for _, n in pending), "pending_chunks": sorted(c for c, _ in pending)})
    return out


STUCK_AFTER = 120.0  # seconds an unfinished job may show no pending item before it counts as stuck


def wait_drained(engine: Engine, timeout: float) -> dict[str, Any]:
    """Poll every second until no job is queued or running, ``timeout`` seconds at most.

    Stops early when every unfinished job has had no pending item for :data:`STUCK_AFTER` seconds: nothing is
    left to scan, so the job row itself is stuck (its status is set right after its last chunk is stored) and
    no wait will finish it; those jobs are listed as ``stuck``."""
    t0 = time.monotonic()
    left = unfinished_jobs(engine)
    idle_since: dict[int, float] = {}
    while left and time.monotonic() - t0 < timeout:
        now = time.monotonic()
        idle_since = {job["job_id"]: idle_since.get(job["job_id"], now) for job in left if not job["pending_items"]}
        if len(idle_since) == len(left) and all(now - t >= STUCK_AFTER for t in idle_since.values()):
            break
        time.sleep(1.0)
        left = unfinished_jobs(engine)
    stuck = [job["job_id"] for job in left if not job["pending_items"]]
    return {"drained": not left, "waited_s": round(time.monotonic() - t0, 1), "unfinished": left[:20],
            "unfinished_count": len(left), "stuck_without_pending_items": stuck}


def _batches(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), BATCH):
        yield values[start:start + BATCH]


def company_counts(engine: Engine, domains: Iterable[str]) -> dict[str, int]:
    """Company rows per domain (0 for a domain not stored)."""
    from leadhunter.db.models import Company

    wanted = sorted(set(domains))
    found: dict[str, int] = dict.fromkeys(wanted, 0)
    with engine.connect() as conn:
        for batch in _batches(wanted):
            rows = conn.execute(select(Company.domain, func.count()).where(Company.domain.in_(batch))
                                .group_by(Company.domain)).all()
            found.update({domain: int(n) for domain, n in rows})
    return found


def _lost_and_twice(counts: dict[str, int]) -> dict[str, Any]:
    lost = [d for d, n in counts.items() if n == 0]
    twice = [d for d, n in counts.items() if n > 1]
    return {"expected": len(counts), "lost": len(lost), "duplicated": len(twice), "lost_examples": lost[:10],
            "duplicated_examples": twice[:10]}


def check_leads(engine: Engine, accepted: Iterable[str], imports: list[dict[str, Any]]) -> dict[str, Any]:
    """Every lead answered with a 2xx present exactly once; every row of every accepted import present exactly
    once, with one raw lead per row of the import; no domain stored twice in any letter case."""
    from leadhunter.db.models import Company, RawLead

    posted = _lost_and_twice(company_counts(engine, accepted))
    imported: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for entry in imports:
            response = entry.get("response")
            if not response:
                imported.append({"label": entry["label"], "accepted_by_server": False})
                continue
            raw = conn.scalar(select(func.count()).select_from(RawLead)
                              .where(RawLead.import_id == response["import_id"])) or 0
            imported.append({"label": entry["label"], "rows_sent": entry["rows"], "raw_leads": int(raw),
                             **_lost_and_twice(company_counts(engine, entry["domains"]))})
        case_twins = conn.execute(select(func.lower(Company.domain)).group_by(func.lower(Company.domain))
                                  .having(func.count() > 1).limit(10)).scalars().all()
        companies = conn.scalar(select(func.count()).select_from(Company)) or 0
    lost = posted["lost"] + sum(i.get("lost", 0) for i in imported)
    duplicated = posted["duplicated"] + sum(i.get("duplicated", 0) for i in imported) + len(case_twins)
    rows_ok = all(i.get("raw_leads") == i.get("rows_sent") for i in imported if "raw_leads" in i)
    return {"posted": posted, "imports": imported, "case_twins": list(case_twins), "companies": int(companies),
            "lost": lost, "duplicated": duplicated, "import_rows_ok": rows_ok}


def check_scans(engine: Engine) -> dict[str, Any]:
    """No company scanned twice within one job (a twin delivery of a chunk stores nothing twice), and every
    finished item of a job has its scan."""
    from leadhunter.db.models import Scan, ScanJobItem

    with engine.connect() as conn:
        twice = conn.execute(select(Scan.job_id, Scan.company_id, func.count()).where(Scan.job_id.is_not(None))
                             .group_by(Scan.job_id, Scan.company_id).having(func.count() > 1)).all()
        items_done = dict(conn.execute(select(ScanJobItem.job_id, func.count()).where(
            ScanJobItem.state.not_in(("pending", "cancelled"))).group_by(ScanJobItem.job_id)).all())
        scans = dict(conn.execute(select(Scan.job_id, func.count()).where(Scan.job_id.is_not(None))
                                  .group_by(Scan.job_id)).all())
        total_scans = conn.scalar(select(func.count()).select_from(Scan)) or 0
    mismatched = [{"job_id": job, "items_done": n, "scans": scans.get(job, 0)}
                  for job, n in items_done.items() if scans.get(job, 0) != n]
    return {"scans": int(total_scans), "jobs_with_scans": len(scans),
            "companies_scanned_twice_in_a_job": len(twice),
            "twice_examples": [{"job_id": j, "company_id": c, "scans": n} for j, c, n in twice[:10]],
            "jobs_items_vs_scans_mismatch": mismatched[:10], "mismatched_jobs": len(mismatched)}
