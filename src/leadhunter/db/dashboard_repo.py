"""The dashboard's counts over the companies a :class:`~leadhunter.db.leads_repo.LeadFilter` keeps: one grouped
query per chart, each narrowed by the lead list's own WHERE conditions, so a chart and the list a click on it
opens always agree. Takes a Session; never commits.

Without a filter no ``IN (SELECT id FROM companies ...)`` is added: the grouped counts then read the narrow
indexes on their own column (``ix_companies_segment``, ``ix_tags_tag``...) instead of the wide table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadhunter.db import leads_repo
from leadhunter.db.d365_models import NOT_SYNCED, D365LeadSync
from leadhunter.db.models import Company, CompanyChange, Tag
from leadhunter.db.referral_models import LINKED, UNLINKED, PartnerCenterReferral
from leadhunter.domain.footprint_columns import PLAY_TAG

WEEKS = 12
"""Weeks the weekly charts cover: the current (ISO, Monday 00:00 UTC) week and the 11 before it."""
SCORE_BINS = 10
"""Score histogram bars: 0-9, 10-19, ... 90-100 (100 joins the last bar)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The weekly charts' span: ``start`` (a Monday 00:00 UTC) and ``weeks`` weeks from it."""

    start: datetime
    weeks: int = WEEKS

    @classmethod
    def ending(cls, now: datetime, weeks: int = WEEKS) -> Window:
        """The window whose last week holds ``now``."""
        monday = (now.astimezone(UTC) - timedelta(days=now.astimezone(UTC).weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0)
        return cls(monday - timedelta(weeks=weeks - 1), weeks)

    def mondays(self) -> list[str]:
        """Each week's first day, YYYY-MM-DD, oldest first."""
        return [(self.start + timedelta(weeks=n)).date().isoformat() for n in range(self.weeks)]


class Counter:
    """Grouped counts over the companies ``flt`` keeps, on the session's database."""

    def __init__(self, session: Session, flt: leads_repo.LeadFilter) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.conditions = leads_repo.filter_conditions(flt, self.dialect)

    def _kept(self, company_id: InstrumentedAttribute[Any]) -> list[ColumnElement[bool]]:
        """``company_id`` belongs to a kept company (nothing when every company is kept)."""
        if not self.conditions:
            return []
        return [company_id.in_(select(Company.id).where(*self.conditions))]

    def by_column(self, column: str) -> dict[str | None, int]:
        """Companies per value of a ``companies`` column (None: without a value)."""
        attr: InstrumentedAttribute[Any] = getattr(Company, column)
        # With a filter, SQLite would walk this column's own index for the GROUP BY and look every company up to
        # test the filter (web_host with segment=Migration: 1.2 s on a loaded machine); `column || ''` (same
        # value, NULL stays NULL) is no indexed column, so it reads the filter's index and sorts what it keeps.
        key = attr.concat("") if self.conditions and self.dialect == "sqlite" else attr
        stmt = select(key, func.count()).where(*self.conditions).group_by(key)
        return {value: int(n) for value, n in self.session.execute(stmt)}

    def states_and_hosting(self) -> tuple[dict[str | None, int], dict[str | None, int]]:
        """Companies per scan status (None: never scanned) and, of those whose mail is at a hosting company,
        per hosting label: one pass, since neither column has an index and each would read the wide table."""
        stmt = (select(Company.scan_status, Company.provider, Company.hosting_label, func.count())
                .where(*self.conditions).group_by(Company.scan_status, Company.provider, Company.hosting_label))
        states: dict[str | None, int] = {}
        hosting: dict[str | None, int] = {}
        for status, provider, label, n in self.session.execute(stmt):  # a few dozen groups
            states[status] = states.get(status, 0) + int(n)
            if provider == "Hosting":
                hosting[label] = hosting.get(label, 0) + int(n)
        return states, hosting

    def score_bins(self) -> tuple[list[int], int]:
        """Companies per score bar (:data:`SCORE_BINS` bars of 10 points) and the number without a score."""
        width = 100 // SCORE_BINS
        bar = case((Company.score >= 100, SCORE_BINS - 1), else_=Company.score // width)  # floor on both databases
        bars, unscored = [0] * SCORE_BINS, 0
        stmt = select(bar, func.count()).where(*self.conditions).group_by(bar)
        for index, n in self.session.execute(stmt):
            if index is None:
                unscored += int(n)
            else:
                bars[min(max(int(index), 0), SCORE_BINS - 1)] += int(n)
        return bars, unscored

    def plays(self) -> dict[str, int]:
        """Companies per white-space play (automatic tags ``play:<key>``)."""
        stmt = (select(Tag.tag, func.count()).where(Tag.tag >= PLAY_TAG, Tag.tag < PLAY_TAG[:-1] + chr(ord(":") + 1),
                                                   *self._kept(Tag.company_id)).group_by(Tag.tag))
        return {tag[len(PLAY_TAG):]: int(n) for tag, n in self.session.execute(stmt)}

    def referrals(self) -> dict[str, dict[str, int]]:
        """Referrals per link status and lead type: ``linked`` ones of kept companies, and every ``unlinked``
        one (an unlinked referral belongs to no company, so no lead filter can narrow it)."""
        r = PartnerCenterReferral
        out: dict[str, dict[str, int]] = {LINKED: {}, UNLINKED: {}}
        linked = (select(r.lead_type, func.count()).where(r.company_id.is_not(None), *self._kept(r.company_id))
                  .group_by(r.lead_type))
        unlinked = select(r.lead_type, func.count()).where(r.company_id.is_(None)).group_by(r.lead_type)
        for status, stmt in ((LINKED, linked), (UNLINKED, unlinked)):
            out[status] = {lead_type: int(n) for lead_type, n in self.session.execute(stmt)}
        return out

    def leads_with_referrals(self) -> int:
        """Kept companies with at least one referral."""
        r = PartnerCenterReferral
        stmt = select(func.count(func.distinct(r.company_id))).where(r.company_id.is_not(None),
                                                                     *self._kept(r.company_id))
        return int(self.session.scalar(stmt) or 0)

    def d365(self, leads: int) -> dict[str, int]:
        """Kept companies per D365 push state; ``not_synced`` includes those never queued (``leads`` is the
        number of kept companies)."""
        s = D365LeadSync
        stmt = (select(s.status, func.count()).where(s.status != NOT_SYNCED, *self._kept(s.company_id))
                .group_by(s.status))
        counts = {status: int(n) for status, n in self.session.execute(stmt)}
        counts[NOT_SYNCED] = leads - sum(counts.values())
        return counts

    def _week(self, column: InstrumentedAttribute[Any], window: Window) -> ColumnElement[Any]:
        """The week index (0 = ``window.start``'s week) of a timestamp column, in SQL."""
        if self.dialect == "sqlite":  # stored as UTC text; julianday() reads it
            start = window.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            return cast((func.julianday(column) - func.julianday(literal(start))) / 7, Integer)
        seconds = func.extract("epoch", column - literal(window.start))
        return cast(func.floor(seconds / (7 * 86400)), Integer)

    def changes_per_week(self, window: Window) -> dict[str, list[int]]:
        """Changes of kept companies per kind and week of ``window`` (kinds without any are absent)."""
        c = CompanyChange
        week = self._week(c.changed_at, window)
        stmt = (select(c.kind, week, func.count()).where(c.changed_at >= window.start, *self._kept(c.company_id))
                .group_by(c.kind, week))
        out: dict[str, list[int]] = {}
        for kind, index, n in self.session.execute(stmt):
            if index is not None and 0 <= int(index) < window.weeks:
                out.setdefault(kind, [0] * window.weeks)[int(index)] += int(n)
        return dict(sorted(out.items()))

    def new_per_week(self, window: Window) -> list[int]:
        """Kept companies first seen (``created_at``) in each week of ``window``."""
        week = self._week(Company.created_at, window)
        stmt = select(week, func.count()).where(*self.conditions, Company.created_at >= window.start).group_by(week)
        weeks = [0] * window.weeks
        for index, n in self.session.execute(stmt):
            if index is not None and 0 <= int(index) < window.weeks:
                weeks[int(index)] += int(n)
        return weeks


def named(counts: dict[str | None, int], none: str) -> dict[str, int]:
    """``counts`` with the None key renamed ``none``, largest first (ties by name)."""
    out = {none if key is None else key: n for key, n in counts.items()}
    return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))


def in_order(counts: Mapping[Any, int], order: Sequence[str], none: str) -> dict[str, int]:
    """``counts`` in the fixed ``order`` (every key of it, 0 when absent), then other keys, then ``none``."""
    out = {key: counts.get(key, 0) for key in order}
    out.update({key: n for key, n in counts.items() if key is not None and key not in out})
    if counts.get(None):
        out[none] = counts[None]
    return out
