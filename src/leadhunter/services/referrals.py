"""Use case: sync Partner Center referrals — one run at a time, incremental, recorded, scans queued.

A run is requested (:func:`request_sync`: the API button, the CLI) or started by the schedule
(:func:`run_sync` with no run id), then executed by :func:`run_sync`:

1. claim the run (the lease in ``partner_center_sync_runs``: one executor, never two runs at once);
2. read referrals updated since the last successful run's watermark, minus an overlap (the first run
   reads everything), through the client the caller's ``client_factory`` builds;
3. store them in batches, one transaction each (:mod:`referral_ingest`), renewing the lease per batch;
4. queue one scan job for the companies the new and changed referrals point at that need one
   (never scanned, stale, or scanned before the referral was linked; never twice while one waits), so
   new referrals show up in the lead list scored without anyone pressing a button;
5. close the run: OK with the new watermark, FAIL with the error, or "sign-in required".

A failed run keeps the old watermark, so the next run re-reads what it missed; what it did store is
kept (re-reading it changes nothing). Errors become data here: whatever goes wrong is recorded on the
run and returned, never raised, so a worker is never killed by a sync.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import referral_runs_repo as runs
from leadhunter.db import referrals_repo
from leadhunter.db.models import utcnow
from leadhunter.db.referral_models import RUN_FAILED, RUN_OK, RUN_SIGN_IN, PartnerCenterSyncRun
from leadhunter.db.referral_runs_repo import RunCounts
from leadhunter.integrations.common.redaction import scrub
from leadhunter.integrations.partner_center.client import PartnerCenterClient
from leadhunter.integrations.partner_center.errors import IntegrationError, SignInRequired
from leadhunter.services import scan_jobs
from leadhunter.services.referral_ingest import BatchResult, ingest_batch

log = logging.getLogger(__name__)

ClientFactory = Callable[[], PartnerCenterClient]
"""Builds a client for one run (the caller closes nothing: the run closes it)."""

BOTH = "both"
DIRECTIONS = ("Incoming", "Outgoing", BOTH)
"""Values of :attr:`SyncOptions.direction` (``HUNTER_PARTNER_CENTER_DIRECTION``)."""

SIGN_IN_HINT = "sign in again: run `hunter partner-center login` on the server"


@dataclass(frozen=True)
class SyncOptions:
    """How to sync. ``direction``: the referrals read, ``Incoming`` (sent to the partner; the default),
    ``Outgoing`` (created by the partner) or ``both``; ``statuses`` limits the referral status read (empty =
    all); ``overlap`` is re-read before the watermark (clock skew, late writes); ``batch_size`` referrals are
    stored per transaction;
    a running run whose heartbeat is older than ``lease`` lost its worker and may be taken over;
    companies scanned within ``fresh_scan`` are not rescanned for a referral; ``chunk_size`` domains per
    scan task; ``server_filter`` asks the server to filter by date (undocumented on the real API);
    ``read_ahead`` batches are fetched while the current one is stored (0: fetch and store in turn)."""

    direction: str = "Incoming"
    statuses: tuple[str, ...] = ()
    overlap: timedelta = timedelta(minutes=15)
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=10)  # above one batch's worst case: the client's 120 s retry budget
    fresh_scan: timedelta = timedelta(days=14)
    chunk_size: int = scan_jobs.DEFAULT_CHUNK
    server_filter: bool = False
    read_ahead: int = 2


@dataclass(frozen=True)
class SyncOutcome:
    """What :func:`run_sync` did. ``status`` is the run's (ok / failed / sign_in_required), or ``busy``
    when another worker holds the run, or the run's own status when nothing was executed (``executed``
    False). ``scan_job_id`` and ``chunks`` are the scan job to dispatch after the call."""

    run_id: int | None
    status: str
    executed: bool
    counts: RunCounts = field(default_factory=RunCounts)
    scan_job_id: int | None = None
    chunks: list[int] = field(default_factory=list)
    error: str | None = None


def request_sync(session: Session, *, trigger: str, requested_by: str | None,
                 options: SyncOptions = SyncOptions()) -> tuple[PartnerCenterSyncRun, bool]:
    """Queue a run, or return the one already queued or running; ``True`` when this call queued it.
    The caller commits, then dispatches the run's task."""
    now = utcnow()
    return runs.enqueue(session, trigger=trigger, requested_by=requested_by, now=now, stale_before=now - options.lease)


def run_sync(factory: sessionmaker[Session], *, client_factory: ClientFactory, run_id: int | None = None,
             trigger: str = "beat", options: SyncOptions = SyncOptions(), auth_changed_at: datetime | None = None,
             owner: str | None = None) -> SyncOutcome:
    """Execute run ``run_id`` (None: the active run, or a new one — the schedule's way); see the module
    docstring. ``auth_changed_at`` is when the sign-in (token cache) last changed: a scheduled run after
    a "sign-in required" run does not ask Entra again until it changed. Never raises for a failed sync."""
    owner = owner or f"{trigger}:{uuid.uuid4().hex[:16]}"
    now = utcnow()
    stale_before = now - options.lease
    with factory.begin() as session:
        if run_id is None:
            waiting = _sign_in_still_required(session, auth_changed_at, now)
            if waiting is not None:
                return SyncOutcome(waiting, RUN_SIGN_IN, False, error=SIGN_IN_HINT)
            run, _ = runs.enqueue(session, trigger=trigger, requested_by=trigger, now=now, stale_before=stale_before)
            run_id = run.id
        if not runs.claim(session, run_id, owner=owner, now=now, stale_before=stale_before):
            current = session.get(PartnerCenterSyncRun, run_id)
            if current is None:
                return SyncOutcome(run_id, "missing", False)
            return SyncOutcome(run_id, "busy" if current.active else current.status, False)
        since = runs.watermark(session, options.direction)
        runs.heartbeat(session, run_id, owner=owner, now=now, counts=RunCounts(), watermark_from=since,
                       direction=options.direction)
    progress = _Progress(newest=since)
    error: tuple[str, str, str] | None = None
    try:
        with client_factory() as client:
            payloads = client.iter_referrals(since=since, statuses=options.statuses, overlap=options.overlap,
                                             direction=None if options.direction == BOTH else options.direction,
                                             server_filter=options.server_filter)
            for batch in _read_ahead(_batches(payloads, options.batch_size), options.read_ahead):
                if not _store(factory, run_id, owner, batch, progress):
                    return SyncOutcome(run_id, "busy", False, progress.counts, error="lost the run's lease")
    except SignInRequired as exc:
        error = (RUN_SIGN_IN, "sign_in_required", f"{exc}; {SIGN_IN_HINT}")
    except IntegrationError as exc:
        error = (RUN_FAILED, exc.code or type(exc).__name__, str(exc))
    # The run's boundary: a defect or a database hiccup in one sync must be recorded on the run, not
    # kill the worker or leave the run "running" until its lease expires.
    except Exception as exc:
        message = _safe_error(exc)
        # A database error's text carries the statement's parameters (customer names, e-mails): no traceback.
        log.error("referral sync run %s failed unexpectedly: %s", run_id, message,
                  exc_info=not isinstance(exc, SQLAlchemyError))
        error = (RUN_FAILED, "internal_error", message)
    return _finish(factory, run_id, owner, progress, error, options)


@dataclass
class _Progress:
    counts: RunCounts = field(default_factory=RunCounts)
    company_ids: list[int] = field(default_factory=list)
    newest: datetime | None = None


_Batch = list[Mapping[str, Any]]


def _batches(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[_Batch]:
    batch: _Batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _read_ahead(batches: Iterator[_Batch], depth: int) -> Iterator[_Batch]:
    """The batches of ``batches``, read by a helper thread up to ``depth`` batches ahead, so fetching the next
    pages (network- and rate-limit-bound) overlaps storing this one (database-bound). An error in the reader
    is raised here, in order; leaving early tells the reader to stop. ``depth`` 0 reads in this thread."""
    if depth <= 0:
        yield from batches
        return
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not put(("batch", batch)):
                    return
            put(("end", None))
        # Whatever the reader meets (SignInRequired, a transport error, a defect) belongs to the run: it is
        # handed over and raised in the caller's thread, where the run records it.
        except BaseException as exc:  # noqa: BLE001
            put(("error", exc))

    reader = threading.Thread(target=read, name="referral-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()  # the reader stops at its next hand-over; the client it reads through is closed by the caller


def _store(factory: sessionmaker[Session], run_id: int, owner: str, batch: list[Mapping[str, Any]],
           progress: _Progress) -> bool:
    """Store one batch and renew the lease in the same transaction; False (nothing stored) when the lease
    was lost to another worker."""
    now = utcnow()
    with factory.begin() as session:
        if runs.holds(session, run_id, owner) is None:
            return False
        result: BatchResult = ingest_batch(session, batch, now)
        c = progress.counts
        progress.counts = replace(c, batches=c.batches + 1, seen=c.seen + len(batch), new=c.new + result.new,
                                  updated=c.updated + result.updated,
                                  skipped=c.skipped + result.unchanged + result.unreadable,
                                  unlinked=c.unlinked + result.unlinked)
        progress.company_ids.extend(result.company_ids)
        if result.newest is not None and (progress.newest is None or result.newest > progress.newest):
            progress.newest = result.newest
        runs.heartbeat(session, run_id, owner=owner, now=now, counts=progress.counts)
    return True


def _finish(factory: sessionmaker[Session], run_id: int, owner: str, progress: _Progress,
            error: tuple[str, str, str] | None, options: SyncOptions) -> SyncOutcome:
    """Queue the scans the stored referrals need and close the run (OK moves the watermark)."""
    now = utcnow()
    with factory.begin() as session:
        run = runs.holds(session, run_id, owner)
        if run is None:
            return SyncOutcome(run_id, "busy", False, progress.counts, error="lost the run's lease")
        # Scans are queued even for a failed run: what it stored is kept, and a re-read of it later is
        # "unchanged", which would never queue them.
        due = referrals_repo.needing_scan(session, progress.company_ids, fresh_after=now - options.fresh_scan)
        job_id: int | None = None
        chunks: list[int] = []
        if due:
            job, chunks = scan_jobs.create_scan_job(session, due, "referral", requested_by=f"referral-sync:{run_id}",
                                                    chunk_size=options.chunk_size)
            job_id = job.id
        runs.heartbeat(session, run_id, owner=owner, now=now, counts=progress.counts)
        run.scans_queued, run.scan_job_id = len(due), job_id
        if error is None:
            run.watermark = progress.newest
            runs.close(session, run, RUN_OK, now)
            status, message = RUN_OK, None
        else:
            status, code, message = error
            runs.close(session, run, status, now, error_code=code, error=message)
    log.info("referral sync run %s: %s, %s", run_id, status, progress.counts)
    return SyncOutcome(run_id, status, True, progress.counts, job_id, chunks, message)


def _safe_error(exc: Exception) -> str:
    """The error's type and a short message fit for logs and the status API: SQLAlchemy appends the
    statement and its parameters (personal data) to its messages, so only the driver's message is kept,
    with e-mail addresses and phone numbers masked."""
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return f"{type(exc).__name__}: {scrub(text.split('[SQL:')[0].strip(), limit=300)}"


def _sign_in_still_required(session: Session, auth_changed_at: datetime | None, now: datetime) -> int | None:
    """The last run's id when it ended "sign-in required", nothing is active and the sign-in has not
    changed since: the schedule then records the check on that run instead of asking Entra again."""
    if runs.active(session) is not None:
        return None
    last = runs.last_finished(session)
    if last is None or last.status != RUN_SIGN_IN or last.finished_at is None:
        return None
    if auth_changed_at is not None and auth_changed_at > last.finished_at:
        return None
    last.heartbeat_at = now  # "still waiting for a sign-in, checked at"
    return last.id
