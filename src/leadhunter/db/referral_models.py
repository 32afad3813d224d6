"""Partner Center referrals and their sync runs (same ``Base`` and naming convention as :mod:`models`).

``partner_center_referrals`` holds one row per referral id, upserted on every sync: re-syncing updates the
row (status Won/Lost, deal value…) and never adds a second one. Each new *version* of a referral (new or
changed payload, see ``payload_hash``) is also appended to ``raw_leads`` with source ``partnercenter``.

``partner_center_sync_runs`` is the sync history and the lease that keeps runs from overlapping: at most
one run holds ``active = 1`` (a unique column; finished runs set it to NULL, and NULLs never collide on
either database), and the worker executing it renews ``heartbeat_at``.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, IdType, JsonType, UtcDateTime, utcnow

LINKED = "linked"
UNLINKED = "unlinked"
LINK_STATUSES = (LINKED, UNLINKED)
"""Values of ``PartnerCenterReferral.link_status``."""

RUN_QUEUED, RUN_RUNNING, RUN_OK, RUN_FAILED, RUN_SIGN_IN = "queued", "running", "ok", "failed", "sign_in_required"
RUN_STATES = (RUN_QUEUED, RUN_RUNNING, RUN_OK, RUN_FAILED, RUN_SIGN_IN)
"""Values of ``PartnerCenterSyncRun.status``; the first two are active."""


class PartnerCenterReferral(Base):
    """One Partner Center referral as last synced, with Hunter's decisions about it.

    ``type``, ``qualification``, ``direction``, ``status`` and ``substatus`` are the vendor's enum values
    as received. ``lead_type`` (co-sell / marketplace / solution-provider) and ``domain`` are Hunter's
    decisions, each stored with the reason. ``link_status`` is ``linked`` when the referral points at a
    company (``company_id``; ``linked_by`` is ``sync`` or whoever linked it by hand), else ``unlinked``
    with ``link_reason`` (e.g. no usable domain). ``pc_*``
    times are Partner Center's; ``first_seen_at``, ``synced_at`` (last seen by a sync) and ``updated_at``
    (row last changed) are Hunter's. ``deal_value`` is in ``currency`` (ISO 4217).
    """

    __tablename__ = "partner_center_referrals"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    engagement_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    type: Mapped[str | None] = mapped_column(String(16), index=True)
    qualification: Mapped[str | None] = mapped_column(String(32))
    direction: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    substatus: Mapped[str | None] = mapped_column(String(16))
    customer_name: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(8))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    domain_reason: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    team: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    deal_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    tenant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_size: Mapped[str | None] = mapped_column(String(40))  # customerProfile.size as received
    lead_type: Mapped[str] = mapped_column(String(24), index=True)
    lead_type_reason: Mapped[str] = mapped_column(Text, default="")
    link_status: Mapped[str] = mapped_column(String(16), default=UNLINKED, index=True)
    link_reason: Mapped[str] = mapped_column(Text, default="")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    linked_by: Mapped[str | None] = mapped_column(String(64))  # "sync", or the caller who linked it by hand
    payload_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JsonType)
    pc_created_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    pc_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PartnerCenterSyncRun(Base):
    """One sync of referrals: when, how it ended, what it counted, and the watermark it reached.

    ``status`` is one of :data:`RUN_STATES`. ``active`` is 1 while queued or running and NULL after, so
    the unique constraint admits one active run at a time; the worker executing it (``lease_owner``) renews
    ``heartbeat_at``, and a run whose heartbeat went stale may be taken over. ``watermark_from`` is the lower bound of
    ``updatedDateTime`` this run asked for (None = full read); ``watermark`` the newest
    ``updatedDateTime`` it stored, which the next run starts from (minus an overlap) once this run is OK.
    """

    __tablename__ = "partner_center_sync_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))  # manual / beat / cli
    # The referral direction the run read: Incoming / Outgoing / both (HUNTER_PARTNER_CENTER_DIRECTION); a run
    # continues from the watermark of runs that read the same direction only.
    direction: Mapped[str | None] = mapped_column(String(16))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default=RUN_QUEUED, index=True)
    active: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))  # the worker executing the run
    batches: Mapped[int] = mapped_column(Integer, default=0)  # stored batches of referrals
    seen_count: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    unlinked_count: Mapped[int] = mapped_column(Integer, default=0)
    scans_queued: Mapped[int] = mapped_column(Integer, default=0)
    scan_job_id: Mapped[int | None] = mapped_column(ForeignKey("scan_jobs.id", ondelete="SET NULL"))
    error_code: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    watermark_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    watermark: Mapped[datetime | None] = mapped_column(UtcDateTime())
