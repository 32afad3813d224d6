"""The team's own marks on a lead: watches (a star per person) and notes (same ``Base`` and naming convention as
:mod:`models`). Manual tags are rows of ``tags`` with ``auto`` false (:class:`~leadhunter.db.models.Tag`).

Who: ``watcher`` and ``author`` hold the API caller (``local`` with keys off, ``key:<prefix>`` with a key, a
user id once sign-in exists), at most 64 characters.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, IdType, UtcDateTime, utcnow

NOTE_MAX_CHARS = 4000
"""Longest note text (characters, i.e. Unicode code points)."""


class LeadWatch(Base):
    """One person watching one lead: its changes always reach that person's alerts."""

    __tablename__ = "lead_watches"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    watcher: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("company_id", "watcher", name="uq_lead_watches_company_watcher"),
        # "watched by me": the watcher's companies straight from the index.
        Index("ix_lead_watches_watcher_company", "watcher", "company_id"),
    )


class LeadNote(Base):
    """A note on a lead for the team's own research; never sent anywhere unless its author asks
    (``d365_pushed_at`` records the last push to Dynamics 365, ``d365_annotation_id`` the annotation written)."""

    __tablename__ = "lead_notes"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    d365_pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    d365_annotation_id: Mapped[str | None] = mapped_column(String(36))
