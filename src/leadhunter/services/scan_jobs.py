"""Use cases for batch scans: create a job, scan one chunk, cancel, report progress, find rescans due.

A job's domains are items grouped in chunks; one chunk is one queued task. Scanning a chunk is
idempotent: items already finished are skipped, and a chunk's results are stored in short transactions of
:data:`STORE_BATCH` reports, each marking its own items finished, so a worker killed mid-chunk leaves the
rest of the chunk pending (redelivered, rescanned) and nothing half-stored or stored twice. Counters are
recomputed from the items, never incremented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo, referrals_repo
from leadhunter.db.models import Company, Scan, ScanJob, ScanJobItem, utcnow
from leadhunter.db.write_lock import begin_write
from leadhunter.domain.assessment import ReferralSignals
from leadhunter.domain.changes import auto_tags, detect_changes, verdict_of
from leadhunter.domain.report import has_verdict
from leadhunter.services import company_size
from leadhunter.services.scanning import Scanner, ScanOptions, ScanOutcome

DEFAULT_CHUNK = 200  # domains per task: big enough to keep DNS busy, small enough to retry cheaply
JOB_BATCH = 10_000
"""Items written per committed transaction when a large job is created in batches (about 0.1 s on SQLite)."""
STORE_BATCH = 50
"""Scan reports of one chunk stored per committed transaction (each with its items' states)."""
FINISHED = ("ok", "partial", "failed", "cancelled")

Dispatch = Callable[[int, int], None]  # (job id, chunk) → enqueue one chunk task


class JobNotFoundError(LookupError):
    """No scan job with that id."""


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A job's state and counts (computed from its items)."""

    id: int
    kind: str
    status: str
    total: int
    done: int
    ok: int
    partial: int
    failed: int
    cancelled: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {f.name: _iso(getattr(self, f.name)) for f in fields(self)}


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def create_scan_job(session: Session, company_ids: Sequence[int], kind: str, *, requested_by: str | None = None,
                    chunk_size: int = DEFAULT_CHUNK, commit_every: int | None = None) -> tuple[ScanJob, list[int]]:
    """Create a queued job over ``company_ids`` (duplicates dropped); return it and its chunk numbers.

    The caller commits, then dispatches each chunk (so a task never starts before its job exists). With
    ``commit_every`` (items; the ingest paths pass :data:`JOB_BATCH`), a larger job is written in short
    transactions instead of one long one: the job is committed as ``preparing``, its items batch by batch,
    and it becomes ``queued`` in the caller's commit. A job left ``preparing`` was interrupted while being
    created: no chunk of it was ever dispatched. Use a session outside ``Session.begin()`` then.
    """
    unique = list(dict.fromkeys(company_ids))
    batched = commit_every is not None and len(unique) > commit_every
    job = ScanJob(kind=kind, status="preparing" if batched else "queued" if unique else "done", total=len(unique),
                  requested_by=requested_by)
    if not unique:
        job.finished_at = utcnow()
    session.add(job)
    session.flush()
    step = commit_every if batched and commit_every else max(1, len(unique))
    items = ScanJobItem.metadata.tables[ScanJobItem.__tablename__]
    for start in range(0, len(unique), step):  # bulk inserts, not ORM rows: an import's job has up to 100,000
        if batched:
            session.commit()
        companies_repo.insert_rows(session, items, [{"company_id": cid, "chunk": i // chunk_size}
                                                    for i, cid in enumerate(unique[start : start + step], start)],
                                   constants={"job_id": job.id, "state": "pending"})
    if batched:
        job.status = "queued"
    chunks = list(range((len(unique) + chunk_size - 1) // chunk_size))
    return job, chunks


def progress(session: Session, job_id: int) -> JobProgress:
    """The job's state with counts computed from its items."""
    job = session.get(ScanJob, job_id)
    if job is None:
        raise JobNotFoundError(job_id)
    rows = session.execute(
        select(ScanJobItem.state, func.count()).where(ScanJobItem.job_id == job_id).group_by(ScanJobItem.state)
    ).all()
    counts = {state: int(n) for state, n in rows}
    done = sum(counts.get(s, 0) for s in FINISHED)
    return JobProgress(job.id, job.kind, job.status, job.total, done, counts.get("ok", 0), counts.get("partial", 0),
                       counts.get("failed", 0), counts.get("cancelled", 0), job.created_at, job.started_at,
                       job.finished_at)


def cancel_job(session: Session, job_id: int) -> None:
    """Cancel a job: pending items become cancelled; chunks already scanning finish and are kept."""
    job = session.get(ScanJob, job_id)
    if job is None:
        raise JobNotFoundError(job_id)
    if job.status in ("done", "cancelled", "failed"):
        return
    session.execute(update(ScanJobItem).where(ScanJobItem.job_id == job_id, ScanJobItem.state == "pending")
                    .values(state="cancelled"))
    job.status = "cancelled"
    job.finished_at = utcnow()


def _pending(session: Session, job_id: int, chunk: int, *, lock: bool = False,
             only: Sequence[int] | None = None) -> list[tuple[int, str]]:
    stmt = (select(ScanJobItem.id, Company.domain).join(Company, Company.id == ScanJobItem.company_id)
            .where(ScanJobItem.job_id == job_id, ScanJobItem.chunk == chunk, ScanJobItem.state == "pending"))
    if only is not None:
        stmt = stmt.where(ScanJobItem.id.in_(only))
    if lock:
        # PostgreSQL: a twin delivery of this chunk waits here, then sees the items finished.
        stmt = stmt.with_for_update(of=ScanJobItem)
    return [(item_id, domain) for item_id, domain in session.execute(stmt)]


async def scan_chunk(factory: sessionmaker[Session], options: ScanOptions, job_id: int, chunk: int) -> int:
    """Scan the pending items of one chunk and store the results (in batches of :data:`STORE_BATCH`).

    Returns how many items were stored (0 when the chunk was done already or the job was cancelled).
    """
    with factory.begin() as session:
        job = session.get(ScanJob, job_id)
        if job is None:
            raise JobNotFoundError(job_id)
        if job.status in ("cancelled", "failed"):
            return 0
        if job.status == "queued":
            job.status, job.started_at = "running", utcnow()
        items = _pending(session, job_id, chunk)
        # Partner Center referrals are evidence too (tenant id, co-sell): read afresh for every scan, so
        # they survive rescans whatever DNS says.
        referrals = referrals_repo.signals_for(session, (domain for _, domain in items))
    if not items:
        # Nothing pending: a twin delivery, or a worker killed after storing the last batch but before closing
        # the job. Closing it here (idempotent) means a redelivered chunk never leaves a job "running" forever.
        finish_if_complete(factory, job_id)
        return 0
    async with Scanner(options) as scanner:
        outcomes = [o async for o in scanner.scan_stream((domain for _, domain in items), referrals)]
        lookups = {k: v for k, v in scanner.resolver.stats.items() if k != "cached"}
    scanned_at = utcnow()
    with factory.begin() as session:
        companies_repo.add_counters(session, "dns_lookups", lookups)
    pairs = list(zip(items, outcomes, strict=True))
    for start in range(0, len(pairs), STORE_BATCH):  # short writes: other writers wait one batch at most
        _store_batch(factory, options, job_id, chunk, pairs[start : start + STORE_BATCH], scanned_at, referrals)
    finish_if_complete(factory, job_id)
    return len(items)


def _store_batch(factory: sessionmaker[Session], options: ScanOptions, job_id: int, chunk: int,
                 pairs: list[tuple[tuple[int, str], ScanOutcome]], scanned_at: datetime,
                 referrals: Mapping[str, ReferralSignals]) -> None:
    """Store some outcomes of a chunk and mark their items finished, in one transaction: a worker killed
    between two batches leaves the rest pending, rescanned on redelivery, and nothing stored twice."""
    with factory.begin() as session:
        begin_write(session)  # SQLite: hold the write lock before reading which items are still pending
        wanted = [item_id for (item_id, _), _ in pairs]
        still = {item_id for item_id, _ in _pending(session, job_id, chunk, lock=True, only=wanted)}
        companies = companies_repo.get_by_domains(session, (d for (_, d), _ in pairs))
        states: dict[str, list[int]] = {}
        stored: list[tuple[Company, dict[str, Any]]] = []  # for the company sizes, set once per chunk
        # No autoflush while storing: each company's tag query would otherwise flush the rows added before
        # it, one company at a time (half a job's time in the benchmark); one flush writes the batch.
        # Safe: a company occurs once per job, so no query here needs another's unflushed rows.
        with session.no_autoflush:
            for (item_id, domain), outcome in pairs:
                if item_id not in still:  # a twin delivery stored it already
                    continue
                report = outcome.report(options.scoring_rules)
                if not inconclusive(report, had_verdict=companies[domain].provider is not None):
                    stored.append((companies[domain], report))  # a report that replaces the verdict
                store_report(session, companies[domain], report, job_id, scanned_at,
                             footprint_alerts=options.whitespace_rules.change_alerts)
                states.setdefault(report["status"], []).append(item_id)
        company_size.refresh_sizes(session, stored)
        # A referral's tenant id stays the lead's tenant where this scan found none (one UPDATE per chunk).
        referrals_repo.adopt_referral_tenants(session, [companies[d].id for (i, d), _ in pairs
                                                        if i in still and d in referrals and referrals[d].tenant_id])
        for state, ids in states.items():  # one UPDATE per outcome, not per item
            session.execute(update(ScanJobItem).where(ScanJobItem.id.in_(ids)).values(state=state))


def store_report(session: Session, company: Company, report: dict[str, Any], job_id: int | None,
                 scanned_at: datetime, *, footprint_alerts: frozenset[str] | None = None) -> None:
    """Store one scan report for a company with its change history and auto tags (``footprint_alerts``: the
    footprint change kinds that are alerts; default the shipped white-space rule file's).

    A lookup that failed is not a record that is missing: when the scan failed, or its MX lookup did not
    answer while the company already has a verdict, the scan is kept as evidence but the verdict, the
    change history and the auto tags stay as the last good scan left them.
    """
    old = verdict_of({"provider": company.provider, "gateway": company.gateway, "score": company.score,
                      "segment": company.segment, "category": company.category,
                      "dmarc": {"policy": company.dmarc_policy},
                      "footprint": (company.footprint or {}).get("footprint")})
    if not inconclusive(report, had_verdict=company.provider is not None):
        changes = detect_changes(old, verdict_of(report), footprint_alerts=footprint_alerts)
        companies_repo.apply_scan(session, company, report, job_id, scanned_at, changes, auto_tags(report))
        return
    companies_repo.apply_scan(session, company, report, job_id, scanned_at, [], None, update_verdict=False)


def inconclusive(report: dict[str, Any], *, had_verdict: bool) -> bool:
    """True when the report cannot replace the current verdict: the scan failed (other than finding that
    the domain does not exist, which is an answer), or the MX lookup got no answer (timeout, SERVFAIL,
    ...) and there is an earlier verdict to keep."""
    if not has_verdict(report):
        return True
    mx_failed = any(lk.get("type") == "MX" and lk.get("name") == report.get("domain")
                    for lk in report.get("lookups") or [])
    return had_verdict and mx_failed


def finish_if_complete(factory: sessionmaker[Session], job_id: int) -> None:
    """Refresh the job's stored counters from its items and close it when nothing is pending."""
    with factory.begin() as session:
        begin_write(session)
        job = session.get(ScanJob, job_id, with_for_update=True)
        if job is None:
            return
        state = progress(session, job_id)
        job.done, job.failed, job.partial = state.done, state.failed, state.partial
        if state.done >= job.total and job.status in ("queued", "running"):
            job.status, job.finished_at = "done", utcnow()


def due_for_rescan(session: Session, *, older_than: timedelta, limit: int = 10_000) -> list[int]:
    """Companies never scanned or last scanned before ``older_than`` ago, oldest first."""
    cutoff = utcnow() - older_than
    stmt = (select(Company.id).where((Company.scanned_at.is_(None)) | (Company.scanned_at < cutoff))
            .order_by(Company.scanned_at.asc().nulls_first(), Company.id).limit(limit))
    return list(session.scalars(stmt))


def active_job_ids(session: Session, kind: str | None = None) -> list[int]:
    """Jobs still queued or running (for workers resuming after a restart), optionally of one kind."""
    stmt = select(ScanJob.id).where(ScanJob.status.in_(("queued", "running")))
    if kind is not None:
        stmt = stmt.where(ScanJob.kind == kind)
    return list(session.scalars(stmt.order_by(ScanJob.id)))


def unfinished_idle_jobs(session: Session) -> list[int]:
    """Running jobs with no pending item left: a worker died between storing a chunk's last batch and closing
    the job. The sweeper closes them with :func:`finish_if_complete`."""
    pending = select(ScanJobItem.id).where(ScanJobItem.job_id == ScanJob.id, ScanJobItem.state == "pending")
    stmt = select(ScanJob.id).where(ScanJob.status == "running", ~pending.exists())
    return list(session.scalars(stmt.order_by(ScanJob.id)))


def stalled_chunks(session: Session, *, stall_after: timedelta) -> list[tuple[int, int]]:
    """(job, chunk) pairs with pending items in active jobs whose last stored scan (or start) is older
    than ``stall_after``."""
    cutoff = utcnow() - stall_after
    out: list[tuple[int, int]] = []
    for job_id in active_job_ids(session):
        last = session.scalar(select(func.max(Scan.scanned_at)).where(Scan.job_id == job_id))
        job = session.get(ScanJob, job_id)
        assert job is not None
        latest = _aware(last) or _aware(job.started_at) or _aware(job.created_at)
        if latest is not None and latest < cutoff:
            out.extend((job_id, chunk) for chunk in pending_chunks(session, job_id))
    return out


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def pending_chunks(session: Session, job_id: int) -> list[int]:
    """Chunks of a job that still have pending items."""
    stmt = (select(ScanJobItem.chunk).where(ScanJobItem.job_id == job_id, ScanJobItem.state == "pending")
            .distinct().order_by(ScanJobItem.chunk))
    return list(session.scalars(stmt))
