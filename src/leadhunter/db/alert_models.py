"""Alert delivery: where alerts go (``alert_targets``) and the outbox of deliveries (``alert_deliveries``).

- ``alert_targets``: one destination — Microsoft Teams (Workflows webhook), Slack (incoming webhook), a
  generic signed webhook or e-mail over SMTP. ``config`` holds the plain settings (SMTP host, recipients…),
  ``secrets`` the secret ones (webhook URL, signing secret, SMTP password), each either encrypted
  (``{"enc": "<Fernet token>"}``) or a reference to an environment variable (``{"env": "HUNTER_ALERT_..."}``).
  ``lead_filter`` is the lead list's filter (:class:`~leadhunter.db.leads_repo.LeadFilter` as JSON, see
  :mod:`leadhunter.db.lead_filter_json`) and ``filter_params`` the same filter in the API's words, kept to
  show it back. ``kinds``: change kinds to deliver (empty: every change flagged as an alert).
  ``mode``: ``immediate`` or ``digest`` (once a day at ``digest_hour`` in ``timezone``).
- ``alert_deliveries``: the outbox, one row per (target, change) (a unique constraint), written in the same
  transaction as the change, so a change is never lost and never queued twice. ``state``: ``pending`` →
  ``sending`` (claimed: ``lease_token`` / ``lease_until``; a worker killed mid-send lets the lease run out and
  the row is claimed again) → ``sent``, or back to ``pending`` with a later ``due_at`` (backoff) and
  ``last_error``, or ``failed`` after the last attempt.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, IdType, UtcDateTime, utcnow

TARGET_KINDS = ("teams", "slack", "webhook", "email")
"""Values of ``AlertTarget.kind``."""

IMMEDIATE, DIGEST = "immediate", "digest"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
DELIVERY_STATES = (PENDING, SENDING, SENT, FAILED)
"""Values of ``AlertDelivery.state``."""


class AlertTarget(Base):
    """One place alerts are delivered to (see the module docstring)."""

    __tablename__ = "alert_targets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(2), default="en")  # en / tr
    kinds: Mapped[list[Any]] = mapped_column(default=list)
    lead_filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    filter_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mode: Mapped[str] = mapped_column(String(16), default=IMMEDIATE)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)  # 0-23, local time in ``timezone``
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AlertDelivery(Base):
    """One change to deliver to one target (see the module docstring). ``attempts`` counts claims (a claim
    whose worker died counts too); ``due_at`` is when it may be sent next (the digest hour, or after a backoff)."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("alert_targets.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("company_changes.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("target_id", "change_id", name="uq_alert_deliveries_target_id_change_id"),
        Index("ix_alert_deliveries_state_due_at", "state", "due_at"),
    )
