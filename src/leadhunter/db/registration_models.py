"""Registration data of a company's domain, as last fetched (same ``Base`` and naming convention as :mod:`models`).

One row per company. ``fetched_at`` is when the stored record was fetched from ``server`` (``source`` rdap
or whois); ``checked_at`` is the last attempt. An attempt that ends ``unknown`` (timeout, refusal, rate
limit) updates only ``checked_at`` and ``last_error`` when a registry answer is already stored, so a bad day
at a registry never erases what is known. ``withheld`` maps each field the registry did not publish to
the reason it gave.

Import this module wherever ``Base.metadata`` must be complete (Alembic's env, schema comparisons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadhunter.db.models import Base, JsonType, UtcDateTime


class CompanyRegistration(Base):
    """The registration record of one company's domain (see the module docstring)."""

    __tablename__ = "company_registrations"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # ok / not_found / unknown
    source: Mapped[str | None] = mapped_column(String(8))  # rdap / whois
    server: Mapped[str | None] = mapped_column(String(300))
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    registrar: Mapped[str | None] = mapped_column(String(300))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    statuses: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    nameservers: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    registrant_organization: Mapped[str | None] = mapped_column(String(300))
    withheld: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
