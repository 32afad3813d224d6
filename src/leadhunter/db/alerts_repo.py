"""The alert outbox: queue deliveries for new changes, claim due ones under a lease, settle them. Takes a
Session; never commits.

:func:`enqueue_for_changes` runs in the transaction that records the changes (a scan's batch, a registration
lookup), so a change and its deliveries are stored together or not at all. Claims are conditional updates:
a row is taken only while it is ``pending`` and due, or ``sending`` with its lease run out (the worker that
held it died), so two workers never hold the same row, and a retried task finds nothing it already sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from leadhunter.db.alert_models import DIGEST, FAILED, PENDING, SENDING, SENT, AlertDelivery, AlertTarget
from leadhunter.db.lead_filter_json import filter_from_json
from leadhunter.db.leads_repo import filter_conditions
from leadhunter.db.models import Company, CompanyChange, utcnow
from leadhunter.domain.alert_schedule import next_digest_at


def wants(target: AlertTarget, change: CompanyChange) -> bool:
    """Whether ``target`` takes ``change`` by kind: its ``kinds`` list, or every alert when the list is empty."""
    return change.kind in target.kinds if target.kinds else bool(change.alert)


def enqueue_for_changes(session: Session, changes: Sequence[CompanyChange], *, now: datetime | None = None) -> int:
    """Queue one delivery per (enabled target, change) that the target's kinds and lead filter take; returns
    how many. The company rows must already hold the verdict the changes led to (the filter reads them)."""
    if not changes:
        return 0
    targets = list(session.scalars(select(AlertTarget).where(AlertTarget.enabled.is_(True))))
    if not targets:
        return 0
    session.flush()  # the changes' ids, and the companies' new values for the filters
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    queued = 0
    for target in targets:
        wanted = [change for change in changes if wants(target, change)]
        if wanted and target.lead_filter:
            ids = {change.company_id for change in wanted}
            keep = set(session.scalars(select(Company.id).where(
                Company.id.in_(ids), *filter_conditions(filter_from_json(target.lead_filter), dialect))))
            wanted = [change for change in wanted if change.company_id in keep]
        due = next_digest_at(now, target.digest_hour, target.timezone) if target.mode == DIGEST else now
        for change in wanted:
            session.add(AlertDelivery(target_id=target.id, change_id=change.id, due_at=due, state=PENDING,
                                      attempts=0))
            queued += 1
    return queued


def _claimable(now: datetime) -> ColumnElement[bool]:
    # A disabled target's deliveries wait (pending) until it is enabled again.
    enabled = AlertDelivery.target_id.in_(select(AlertTarget.id).where(AlertTarget.enabled.is_(True)))
    return and_(or_(and_(AlertDelivery.state == PENDING, AlertDelivery.due_at <= now),
                    and_(AlertDelivery.state == SENDING, AlertDelivery.lease_until < now)), enabled)


@dataclass(frozen=True)
class Claim:
    """Deliveries one worker holds until ``lease_until``; ``token`` proves it when settling them."""

    token: str
    lease_until: datetime
    deliveries: list[AlertDelivery]


def claim_due(session: Session, now: datetime, *, limit: int = 500, lease_seconds: float = 120.0) -> Claim:
    """Claim up to ``limit`` deliveries that are due (or whose lease ran out), oldest first, for
    ``lease_seconds``; each claim counts as an attempt. The caller commits before sending."""
    token = uuid.uuid4().hex
    until = now + timedelta(seconds=lease_seconds)
    ids = list(session.scalars(select(AlertDelivery.id).where(_claimable(now))
                               .order_by(AlertDelivery.due_at, AlertDelivery.id).limit(limit)))
    if not ids:
        return Claim(token, until, [])
    # The WHERE is checked again under each row's lock, so a row another worker claimed meanwhile is skipped.
    session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(ids), _claimable(now))
                    .values(state=SENDING, lease_token=token, lease_until=until, attempts=AlertDelivery.attempts + 1)
                    .execution_options(synchronize_session=False))
    rows = list(session.scalars(select(AlertDelivery).where(AlertDelivery.lease_token == token)
                                .order_by(AlertDelivery.id).execution_options(populate_existing=True)))
    return Claim(token, until, rows)


def mark_sent(session: Session, token: str, ids: Sequence[int], now: datetime) -> int:
    """Settle claimed deliveries as sent (only those still held under ``token``); returns how many."""
    result = session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(ids), AlertDelivery.lease_token == token,
                                                         AlertDelivery.state == SENDING)
                             .values(state=SENT, sent_at=now, lease_token=None, lease_until=None, last_error=None)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_failed(session: Session, token: str, ids: Sequence[int], error: str, *, retry_at: datetime | None) -> int:
    """Settle claimed deliveries after a failed send: back to ``pending`` until ``retry_at``, or ``failed``
    for good when ``retry_at`` is None. ``error`` is stored as ``last_error`` (no secrets in it)."""
    values: dict[str, object] = {"lease_token": None, "lease_until": None, "last_error": error[:2000]}
    values.update({"state": PENDING, "due_at": retry_at} if retry_at is not None else {"state": FAILED})
    result = session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(ids), AlertDelivery.lease_token == token,
                                                         AlertDelivery.state == SENDING)
                             .values(**values).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def retry_now(session: Session, delivery_id: int, now: datetime) -> bool:
    """Send a ``failed`` delivery again (attempts reset); False when it is not failed."""
    result = session.execute(update(AlertDelivery)
                             .where(AlertDelivery.id == delivery_id, AlertDelivery.state == FAILED)
                             .values(state=PENDING, due_at=now, attempts=0)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def deliveries(session: Session, *, target_id: int | None = None, state: str | None = None,
               limit: int = 100) -> list[tuple[AlertDelivery, CompanyChange, str]]:
    """The newest deliveries with their change and the lead's domain (Unicode), newest first."""
    stmt = (select(AlertDelivery, CompanyChange, Company.domain_unicode)
            .join(CompanyChange, CompanyChange.id == AlertDelivery.change_id)
            .join(Company, Company.id == CompanyChange.company_id))
    if target_id is not None:
        stmt = stmt.where(AlertDelivery.target_id == target_id)
    if state is not None:
        stmt = stmt.where(AlertDelivery.state == state)
    rows = session.execute(stmt.order_by(AlertDelivery.id.desc()).limit(limit)).all()
    return [(row[0], row[1], row[2]) for row in rows]


def counts_by_state(session: Session, target_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per target: the number of deliveries in each state."""
    out: dict[int, dict[str, int]] = {tid: {} for tid in target_ids}
    if not target_ids:
        return out
    rows = session.execute(select(AlertDelivery.target_id, AlertDelivery.state, func.count())
                           .where(AlertDelivery.target_id.in_(target_ids))
                           .group_by(AlertDelivery.target_id, AlertDelivery.state)).all()
    for target_id, state, n in rows:
        out[target_id][state] = n
    return out
