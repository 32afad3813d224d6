"""Repository for the Dynamics 365 push state: queueing, the lease that makes redelivery safe, outcomes,
the audit trail, bulk jobs and the summaries the lead list and the status show. Takes a Session; never
commits.

The lease: :func:`claim` moves leads to ``in_progress`` under a fresh token in one UPDATE, so two workers
can never both hold a lead; the holder renews the lease (:func:`renew`) while its push runs, and writes
the outcome only where the token is still its own (:func:`settle`). A lead ``in_progress`` whose lease
expired lost its worker: :func:`claim` takes it over, so a redelivered task resumes it and nothing stays
``in_progress``. That the push itself never makes a second D365 lead is the adapter's job (alternate key
or deterministic lead id); this lease only keeps two workers from pushing the same lead at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadhunter.db.d365_models import (
    ERROR,
    IN_PROGRESS,
    ITEM_PENDING,
    JOB_DONE,
    JOB_QUEUED,
    JOB_RUNNING,
    NOT_SYNCED,
    QUEUED,
    SYNCED,
    D365BulkJob,
    D365BulkJobItem,
    D365LeadSync,
    D365PushAudit,
)
from leadhunter.db.models import Company, UtcDateTime, utcnow

_BATCH = 500  # ids per IN (...) query
SYNC: Table = D365LeadSync.metadata.tables[D365LeadSync.__tablename__]
ITEMS: Table = D365BulkJobItem.metadata.tables[D365BulkJobItem.__tablename__]
JOBS: Table = D365BulkJob.metadata.tables[D365BulkJob.__tablename__]
AUDIT: Table = D365PushAudit.metadata.tables[D365PushAudit.__tablename__]


@dataclass(frozen=True, slots=True)
class LeadD365:
    """What a lead response shows about its D365 push (``status`` is ``not_synced`` without a row)."""

    status: str
    lead_id: str | None = None
    url: str | None = None
    error: str | None = None
    error_category: str | None = None
    attempts: int = 0
    pushed_at: datetime | None = None
    synced_at: datetime | None = None


NEVER_PUSHED = LeadD365(NOT_SYNCED)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A lead this worker now holds: its attempt number, the D365 lead id stored for it, and who queued it
    when (for the audit)."""

    company_id: int
    attempts: int
    d365_lead_id: str | None
    requested_by: str | None = None
    queued_at: datetime | None = None
    job_id: int | None = None


@dataclass(frozen=True, slots=True)
class Settled:
    """A lead's outcome to store: ``status`` is ``synced``, ``error`` or ``queued`` (tried again at
    ``next_attempt_at``)."""

    company_id: int
    status: str
    lead_id: str | None = None
    url: str | None = None
    error: str | None = None
    category: str | None = None
    code: str | None = None
    http_status: int | None = None
    request_id: str | None = None
    next_attempt_at: datetime | None = None


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start:start + _BATCH]


# ---- queueing ------------------------------------------------------------------------------------


def create_job(session: Session, company_ids: Sequence[int], *, kind: str, requested_by: str | None,
               chunk_size: int, now: datetime | None = None) -> D365BulkJob:
    """A bulk job over ``company_ids`` (duplicates dropped, order kept), its items in chunks of
    ``chunk_size``, and every lead queued (see :func:`queue_leads`). The caller commits, then dispatches."""
    now = now or utcnow()
    unique = list(dict.fromkeys(company_ids))
    job = D365BulkJob(kind=kind, status=JOB_QUEUED if unique else JOB_DONE, requested_by=requested_by,
                      total=len(unique), chunks=(len(unique) + chunk_size - 1) // chunk_size, created_at=now,
                      finished_at=None if unique else now)
    session.add(job)
    session.flush()
    if unique:
        session.execute(insert(ITEMS), [{"job_id": job.id, "chunk": i // chunk_size, "company_id": cid,
                                         "state": ITEM_PENDING} for i, cid in enumerate(unique)])
        queue_leads(session, unique, job_id=job.id, requested_by=requested_by, now=now)
    return job


def queue_leads(session: Session, company_ids: Sequence[int], *, job_id: int | None, requested_by: str | None,
                now: datetime) -> None:
    """Queue the leads for a push: a new request resets ``attempts`` and clears the last error.

    A lead being pushed right now (``in_progress``) is left to that push, which settles this request too.
    Rows are created without a race (INSERT … ON CONFLICT DO NOTHING on both databases), then updated.
    """
    dialect = session.get_bind().dialect.name
    ins: Any = (postgresql.insert(SYNC) if dialect == "postgresql" else sqlite.insert(SYNC))
    for batch in _chunks(list(company_ids)):
        session.execute(ins.on_conflict_do_nothing(index_elements=["company_id"]),
                        [{"company_id": cid, "status": NOT_SYNCED, "attempts": 0, "updated_at": now} for cid in batch])
        session.execute(
            update(SYNC).where(SYNC.c.company_id.in_(batch), SYNC.c.status != IN_PROGRESS)
            .values(status=QUEUED, attempts=0, last_error=None, error_category=None, error_code=None,
                    next_attempt_at=None, job_id=job_id, requested_by=requested_by, queued_at=now, updated_at=now)
        )


# ---- the lease -----------------------------------------------------------------------------------


def claim(session: Session, company_ids: Sequence[int], *, token: str, now: datetime,
          expires: datetime) -> list[Claimed]:
    """Take the leads of ``company_ids`` that are due: queued (and past any backoff), or in progress under
    an expired lease. Each taken lead gets ``token``, ``attempts + 1`` and ``last_push_at = now``."""
    due = or_(and_(SYNC.c.status == QUEUED, or_(SYNC.c.next_attempt_at.is_(None), SYNC.c.next_attempt_at <= now)),
              and_(SYNC.c.status == IN_PROGRESS, SYNC.c.lease_expires_at < now))
    for batch in _chunks(list(company_ids)):
        session.execute(update(SYNC).where(SYNC.c.company_id.in_(batch), due)
                        .values(status=IN_PROGRESS, lease_token=token, lease_expires_at=expires,
                                attempts=SYNC.c.attempts + 1, last_push_at=now, updated_at=now))
    return held(session, token)


def held(session: Session, token: str) -> list[Claimed]:
    """The leads still held under ``token`` (in company id order)."""
    s = D365LeadSync
    rows = session.execute(select(s.company_id, s.attempts, s.d365_lead_id, s.requested_by, s.queued_at, s.job_id)
                           .where(s.lease_token == token).order_by(s.company_id))
    return [Claimed(int(cid), int(attempts), lead_id, by, at, job) for cid, attempts, lead_id, by, at, job in rows]


def renew(session: Session, token: str, expires: datetime) -> int:
    """Push the lease of ``token`` out to ``expires``; returns how many leads it still holds."""
    result = session.execute(update(SYNC).where(SYNC.c.lease_token == token, SYNC.c.status == IN_PROGRESS)
                             .values(lease_expires_at=expires))
    return int(getattr(result, "rowcount", 0) or 0)


def settle(session: Session, token: str, outcomes: Sequence[Settled], *, now: datetime) -> None:
    """Store outcomes of leads held under ``token`` and release them (one executemany UPDATE). A lead
    whose lease was taken over meanwhile is left to its new holder. The stored lead id and link are kept
    when an outcome has none."""
    if not outcomes:
        return
    stmt = (
        update(SYNC).where(SYNC.c.company_id == bindparam("b_cid"), SYNC.c.lease_token == token)
        .values(status=bindparam("b_status"),
                d365_lead_id=func.coalesce(bindparam("b_lead"), SYNC.c.d365_lead_id),
                record_url=func.coalesce(bindparam("b_url"), SYNC.c.record_url),
                last_error=bindparam("b_error"), error_category=bindparam("b_category"),
                error_code=bindparam("b_code"), last_status=bindparam("b_http"),
                last_request_id=bindparam("b_request"), next_attempt_at=bindparam("b_next", type_=UtcDateTime()),
                synced_at=func.coalesce(bindparam("b_synced", type_=UtcDateTime()), SYNC.c.synced_at),
                lease_token=None, lease_expires_at=None, updated_at=now)
    )
    session.connection().execute(stmt, [
        {"b_cid": o.company_id, "b_status": o.status, "b_lead": o.lead_id, "b_url": o.url, "b_error": o.error,
         "b_category": o.category, "b_code": o.code, "b_http": o.http_status, "b_request": o.request_id,
         "b_next": o.next_attempt_at, "b_synced": now if o.status == SYNCED else None}
        for o in outcomes
    ])


# ---- jobs and items ------------------------------------------------------------------------------


def pending_in_chunk(session: Session, job_id: int, chunk: int | None) -> list[int]:
    """Company ids of the job's pending items (of one chunk, or all with ``chunk=None``)."""
    stmt = select(ITEMS.c.company_id).where(ITEMS.c.job_id == job_id, ITEMS.c.state == ITEM_PENDING)
    if chunk is not None:
        stmt = stmt.where(ITEMS.c.chunk == chunk)
    return [int(cid) for cid in session.scalars(stmt.order_by(ITEMS.c.id))]


def sync_rows(session: Session, company_ids: Sequence[int]) -> dict[int, D365LeadSync]:
    """The sync rows of ``company_ids`` (leads never queued are absent)."""
    out: dict[int, D365LeadSync] = {}
    for batch in _chunks(list(company_ids)):
        out.update({r.company_id: r for r in session.scalars(select(D365LeadSync)
                                                              .where(D365LeadSync.company_id.in_(batch)))})
    return out


def settle_items(session: Session, states: Mapping[int, str]) -> set[int]:
    """Settle every pending item of these companies, in any job, as ``synced`` or ``error`` (a push
    answers all requests made before it); returns the jobs touched."""
    if not states:
        return set()
    ids = list(states)
    jobs: set[int] = set()
    for batch in _chunks(ids):
        jobs.update(int(j) for j in session.scalars(select(ITEMS.c.job_id).distinct().where(
            ITEMS.c.company_id.in_(batch), ITEMS.c.state == ITEM_PENDING)))
    stmt = (update(ITEMS).where(ITEMS.c.company_id == bindparam("b_cid"), ITEMS.c.state == ITEM_PENDING)
            .values(state=bindparam("b_state")))
    session.connection().execute(stmt, [{"b_cid": cid, "b_state": state} for cid, state in states.items()])
    return jobs


def start_jobs(session: Session, job_ids: Iterable[int], *, now: datetime) -> None:
    """Mark the jobs started at ``now`` (when a worker first takes up one of their leads): ``started_at`` is
    set once, never moved, and a queued job becomes running. Done jobs are left alone."""
    ids = sorted(set(job_ids))
    if not ids:
        return
    session.execute(update(JOBS).where(JOBS.c.id.in_(ids), JOBS.c.started_at.is_(None)).values(started_at=now))
    session.execute(update(JOBS).where(JOBS.c.id.in_(ids), JOBS.c.status == JOB_QUEUED).values(status=JOB_RUNNING))


def refresh_jobs(session: Session, job_ids: Iterable[int], *, now: datetime) -> None:
    """Recount ``done`` / ``failed`` of the jobs from their items; a job with no pending item is done."""
    for job_id in sorted(set(job_ids)):
        job = session.get(D365BulkJob, job_id)
        if job is None:
            continue
        counts: dict[str, int] = {state: int(n) for state, n in session.execute(
            select(ITEMS.c.state, func.count()).where(ITEMS.c.job_id == job_id).group_by(ITEMS.c.state))}
        job.done, job.failed = int(counts.get(SYNCED, 0)), int(counts.get(ERROR, 0))
        if job.started_at is None:  # settled without a worker taking it up (e.g. every lead pushed meanwhile)
            job.started_at = now
        if counts.get(ITEM_PENDING, 0) == 0 and job.status != JOB_DONE:
            job.status, job.finished_at = JOB_DONE, now
        elif job.status == JOB_QUEUED:
            job.status = JOB_RUNNING


def active_chunks(session: Session) -> list[tuple[int, int]]:
    """(job id, chunk) of every chunk with a pending item in an unfinished job, oldest job first."""
    stmt = (select(ITEMS.c.job_id, ITEMS.c.chunk).distinct()
            .join(D365BulkJob, D365BulkJob.id == ITEMS.c.job_id)
            .where(D365BulkJob.status != JOB_DONE, ITEMS.c.state == ITEM_PENDING)
            .order_by(ITEMS.c.job_id, ITEMS.c.chunk))
    return [(int(j), int(c)) for j, c in session.execute(stmt)]


# ---- audit ---------------------------------------------------------------------------------------


def add_audit(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append audit rows (column → value mappings of ``d365_push_jobs``) in one bulk insert."""
    if rows:
        session.execute(insert(AUDIT), list(rows))


# ---- reads for the lead list and the status ------------------------------------------------------


def summary_for_companies(session: Session, company_ids: Sequence[int]) -> dict[int, LeadD365]:
    """The push state per company (companies never queued are absent: show :data:`NEVER_PUSHED`)."""
    s = D365LeadSync
    out: dict[int, LeadD365] = {}
    for batch in _chunks(list(company_ids)):
        stmt = select(s.company_id, s.status, s.d365_lead_id, s.record_url, s.last_error, s.error_category,
                      s.attempts, s.last_push_at, s.synced_at).where(s.company_id.in_(batch))
        for cid, status, lead_id, url, error, category, attempts, pushed_at, synced_at in session.execute(stmt):
            out[int(cid)] = LeadD365(status, lead_id, url, error, category, int(attempts), pushed_at, synced_at)
    return out


def d365_status_condition(statuses: Sequence[str]) -> ColumnElement[bool]:
    """A condition over ``companies``: the lead's push state is one of ``statuses`` (``not_synced``
    includes leads never queued)."""
    s = D365LeadSync
    wanted = [st for st in statuses if st != NOT_SYNCED]
    parts: list[ColumnElement[bool]] = []
    if wanted:
        parts.append(exists().where(s.company_id == Company.id, s.status.in_(wanted)))
    if NOT_SYNCED in statuses:
        parts.append(~exists().where(s.company_id == Company.id, s.status != NOT_SYNCED))
    return or_(*parts)


def status_counts(session: Session) -> dict[str, int]:
    """Leads per push state; ``not_synced`` counts companies never queued too."""
    counts = {status: int(n) for status, n in session.execute(
        select(D365LeadSync.status, func.count()).group_by(D365LeadSync.status))}
    companies = int(session.scalar(select(func.count()).select_from(Company)) or 0)
    counts[NOT_SYNCED] = companies - sum(n for st, n in counts.items() if st != NOT_SYNCED)
    return counts


def recent_failures(session: Session, limit: int = 10) -> list[tuple[D365LeadSync, str]]:
    """Leads in ``error``, most recently pushed first, with their domains."""
    stmt = (select(D365LeadSync, Company.domain).join(Company, Company.id == D365LeadSync.company_id)
            .where(D365LeadSync.status == ERROR)
            .order_by(D365LeadSync.last_push_at.is_(None), D365LeadSync.last_push_at.desc()).limit(limit))
    return [(row, domain) for row, domain in session.execute(stmt)]


def last_attempt(session: Session) -> D365PushAudit | None:
    """The newest audit row (the last push attempt anyone made)."""
    return session.scalars(select(D365PushAudit).order_by(D365PushAudit.id.desc()).limit(1)).first()
