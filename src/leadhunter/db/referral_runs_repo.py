"""Repository for Partner Center sync runs: the history, and the lease that keeps runs from overlapping.
Takes a Session; never commits.

At most one run is active (queued or running): ``active = 1`` is unique, so a second enqueue loses the
insert and gets the active run back, on SQLite and PostgreSQL alike. Executing a run is claimed with one
conditional UPDATE (queued → running, or a running run whose heartbeat went stale → taken over), so two
workers handed the same run cannot both execute it; the claimant's ``lease_owner`` token guards every
later write, so a worker that lost its lease cannot overwrite the taker's results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadhunter.db.referral_models import RUN_FAILED, RUN_OK, RUN_QUEUED, RUN_RUNNING, PartnerCenterSyncRun

Run = PartnerCenterSyncRun


@dataclass(frozen=True, slots=True)
class RunCounts:
    """Counters of one run so far: batches stored, referrals seen / new / updated / unchanged (skipped),
    and how many of the new and updated were left unlinked."""

    batches: int = 0
    seen: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    unlinked: int = 0


def active(session: Session) -> Run | None:
    """The queued or running run, if any."""
    return session.scalar(select(Run).where(Run.active == 1))


def latest(session: Session) -> Run | None:
    """The most recent run, whatever its state."""
    return session.scalar(select(Run).order_by(Run.id.desc()).limit(1))


def last_finished(session: Session) -> Run | None:
    """The most recent finished run (OK, failed or sign-in required)."""
    return session.scalar(select(Run).where(Run.active.is_(None)).order_by(Run.id.desc()).limit(1))


def last_ok(session: Session) -> Run | None:
    """The most recent successful run."""
    return session.scalar(select(Run).where(Run.status == RUN_OK).order_by(Run.id.desc()).limit(1))


def watermark(session: Session, direction: str | None = None) -> datetime | None:
    """The newest ``updatedDateTime`` stored by a successful run (None: never synced) — of runs that read
    ``direction`` (Incoming / Outgoing / both) when given: a sync that widens or changes the direction reads
    everything once, since runs of another direction never asked for those referrals."""
    stmt = select(func.max(Run.watermark)).where(Run.status == RUN_OK)
    if direction is not None:
        stmt = stmt.where(Run.direction == direction)
    return session.scalar(stmt)


def recent(session: Session, limit: int = 20) -> list[Run]:
    """The latest runs, newest first."""
    return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))


def enqueue(session: Session, *, trigger: str, requested_by: str | None, now: datetime,
            stale_before: datetime) -> tuple[Run, bool]:
    """The active run, or a new queued one when there is none; ``True`` when this call created it.

    A running run whose heartbeat is older than ``stale_before`` lost its worker: it is closed as failed
    first, so a dead worker never blocks syncing for good.
    """
    current = active(session)
    if current is not None and _stale(current, stale_before):
        close(session, current, RUN_FAILED, now, error_code="worker_lost",
              error="the worker running this sync stopped renewing its lease")
        session.flush()
        current = None
    if current is not None:
        return current, False
    run = Run(trigger=trigger[:16], requested_by=(requested_by or "")[:64] or None, status=RUN_QUEUED, active=1,
              created_at=now)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:  # another request queued one first: theirs is the run (ours left with the savepoint)
        winner = active(session)
        if winner is None:
            raise
        return winner, False
    return run, True


def _stale(run: Run, stale_before: datetime) -> bool:
    stamp = run.heartbeat_at or run.started_at
    return run.status == RUN_RUNNING and (stamp is None or stamp < stale_before)


def claim(session: Session, run_id: int, *, owner: str, now: datetime, stale_before: datetime) -> bool:
    """Start executing run ``run_id`` as ``owner``: True when this call won it (it was queued, or running
    with a heartbeat older than ``stale_before``), False when another worker holds it or it finished."""
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.active == 1,
               or_(Run.status == RUN_QUEUED,
                   (Run.status == RUN_RUNNING) & (func.coalesce(Run.heartbeat_at, Run.started_at) < stale_before)))
        .values(status=RUN_RUNNING, started_at=now, heartbeat_at=now, lease_owner=owner[:64])
        .execution_options(synchronize_session="fetch")  # a loaded run object sees the claim
    )
    return _rowcount(result) == 1


def heartbeat(session: Session, run_id: int, *, owner: str, now: datetime, counts: RunCounts,
              watermark_from: datetime | None = None, direction: str | None = None) -> bool:
    """Renew the lease and store the counters so far (and, when given, where the run reads from and which
    referral direction); False when ``owner`` no longer holds the run."""
    values: dict[str, object] = {
        "heartbeat_at": now, "batches": counts.batches, "seen_count": counts.seen, "new_count": counts.new,
        "updated_count": counts.updated, "skipped_count": counts.skipped, "unlinked_count": counts.unlinked,
    }
    if watermark_from is not None:
        values["watermark_from"] = watermark_from
    if direction is not None:
        values["direction"] = direction
    result = session.execute(
        update(Run).where(Run.id == run_id, Run.status == RUN_RUNNING, Run.lease_owner == owner[:64])
        .values(**values).execution_options(synchronize_session="fetch")
    )
    return _rowcount(result) == 1


def holds(session: Session, run_id: int, owner: str) -> Run | None:
    """The run, locked for update where the database can, when ``owner`` still executes it."""
    run = session.scalar(select(Run).where(Run.id == run_id).with_for_update())
    if run is None or run.status != RUN_RUNNING or run.lease_owner != owner[:64]:
        return None
    return run


def close(session: Session, run: Run, status: str, now: datetime, *, error_code: str | None = None,
          error: str | None = None) -> None:
    """Finish ``run`` with ``status`` (ok / failed / sign_in_required), freeing the active slot."""
    run.status, run.active, run.finished_at = status, None, now
    run.error_code = error_code[:40] if error_code else None
    run.last_error = error[:2000] if error else None


def _rowcount(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
