"""Dynamics 365 push state (same ``Base`` and naming convention as :mod:`models`).

- ``d365_lead_sync``: one row per company that was ever asked to be pushed (no row = ``not_synced``): its
  push state, the D365 lead id and link, the last error with its category, the attempt count and the
  *lease* of the worker pushing it. A push claims a lead by writing a fresh ``lease_token`` and
  ``lease_expires_at`` (renewed by a heartbeat while the push runs); a lead ``in_progress`` whose lease
  expired lost its worker and may be claimed again, so no lead is ever stuck ``in_progress``.
- ``d365_push_jobs``: the audit trail, one row per attempt — per HTTP exchange the adapter made for the
  lead (a ``$batch`` counts once per lead in it), or one row when a push was refused before any HTTP
  (unmappable lead, feature off). Never updated, never deleted with the company (``company_id`` is set
  NULL, ``domain`` stays).
- ``d365_bulk_jobs`` / ``d365_bulk_job_items``: one push request (one lead, a list, or a filter) and its
  leads grouped in chunks, one chunk per task; progress is counted from the items.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, IdType, UtcDateTime, utcnow

NOT_SYNCED, QUEUED, IN_PROGRESS, SYNCED, ERROR = "not_synced", "queued", "in_progress", "synced", "error"
SYNC_STATES = (NOT_SYNCED, QUEUED, IN_PROGRESS, SYNCED, ERROR)
"""Values of ``D365LeadSync.status`` (mapping spec "Push states")."""

ERROR_CATEGORIES = ("auth", "throttled", "validation", "unavailable", "unknown")
"""Values of ``error_category`` (mapping spec)."""

JOB_QUEUED, JOB_RUNNING, JOB_DONE = "queued", "running", "done"
ITEM_PENDING = "pending"  # an item is otherwise settled as ``synced`` or ``error``


class D365LeadSync(Base):
    """The push state of one company's D365 lead.

    ``attempts`` counts push attempts since the last request (a new request or a manual retry resets it);
    ``last_push_at`` is when the last attempt started, ``synced_at`` when one last succeeded.
    ``next_attempt_at`` is set while a queued lead waits out a backoff. ``job_id`` is the bulk job that
    queued it last. ``last_status`` / ``last_request_id`` belong to the deciding HTTP answer.
    """

    __tablename__ = "d365_lead_sync"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=NOT_SYNCED, index=True)
    d365_lead_id: Mapped[str | None] = mapped_column(String(36))
    record_url: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_category: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_request_id: Mapped[str | None] = mapped_column(String(100))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("d365_bulk_jobs.id", ondelete="SET NULL"), index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_push_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(36), index=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class D365PushAudit(Base):
    """One attempt of one lead's push: who asked and when, what happened, how long it took.

    ``outcome``: ``created`` / ``updated`` (the deciding success), ``error`` (the deciding failure, no
    retry), ``will_retry`` (the deciding failure of an attempt that is tried again later), ``retried``
    (a failed exchange the adapter itself retried), ``rolled_back`` (the lead's write was undone because
    another write of its change set failed) or ``ok`` (a successful look-up on the way).
    ``attempt`` is the lead's push attempt number (1–3). ``duration_ms`` is this exchange's time.
    """

    __tablename__ = "d365_push_jobs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    domain: Mapped[str] = mapped_column(String(253))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("d365_bulk_jobs.id", ondelete="SET NULL"), index=True)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str] = mapped_column(String(16))
    created: Mapped[bool | None] = mapped_column(Boolean)
    method: Mapped[str | None] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(String(300))
    http_status: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(100))
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    error_category: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    d365_lead_id: Mapped[str | None] = mapped_column(String(36))


class D365BulkJob(Base):
    """One push request. ``kind``: ``push`` (ids, domains or a filter) or ``retry``; ``total`` leads;
    ``done`` / ``failed`` are refreshed from the items as chunks finish."""

    __tablename__ = "d365_bulk_jobs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="push")
    status: Mapped[str] = mapped_column(String(16), default=JOB_QUEUED, index=True)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)


class D365BulkJobItem(Base):
    """One lead of a bulk job; ``chunk`` groups items into one task. ``state``: pending / synced / error."""

    __tablename__ = "d365_bulk_job_items"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("d365_bulk_jobs.id", ondelete="CASCADE"))
    chunk: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=ITEM_PENDING)

    __table_args__ = (
        UniqueConstraint("job_id", "company_id", name="uq_d365_bulk_job_items_job_company"),
        Index("ix_d365_bulk_job_items_job_chunk", "job_id", "chunk"),
        Index("ix_d365_bulk_job_items_job_state", "job_id", "state"),
    )
