"""The lead list's page with a total that stays cheap at a million companies (PostgreSQL).

:func:`leads_repo.list_leads` counts every match exactly: over 1,000,000 companies "provider = M365" alone is
a 350,000-entry count. :func:`page_of_leads` counts exactly only up to :data:`COUNT_CAP` matches (an index
walk that stops there) and above that returns an honest estimate flagged as such (``total_is_estimate``):
the exact figure from the materialised value counts where the filter is one of those values
(:mod:`leadhunter.db.lead_counts`), otherwise a count over a fixed block sample of the table scaled up,
rounded to two significant figures. The count also picks the page's plan for a search: a needle with few
matches sorts them (the trigram index finds them); a common one walks the order index and stops after the
page.

SQLite (the embedded shape, tested to 100,000 companies) keeps the exact count of ``list_leads``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ARRAY, ColumnElement, TableSample, Text, cast, func, literal, select, tablesample, text
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from leadhunter.db import lead_counts
from leadhunter.db.leads_repo import (
    LeadFilter,
    filter_conditions,
    has_search,
    list_leads,
    order_by,
    page_ids_statement,
    rows_in_order,
    sort_columns,
)
from leadhunter.db.models import Company
from leadhunter.db.search_text import MIN_TRIGRAM_NEEDLE, PG_GRAMS_INDEX, fold_needle

COUNT_CAP = 10_000
"""Matches counted exactly (PostgreSQL); above it the total is an estimate."""

SAMPLE_ROWS = 20_000
"""Companies read (about) by the block sample that estimates a total above :data:`COUNT_CAP`."""


@dataclass(frozen=True)
class LeadPage:
    """A page of the lead list: its companies in order, the number of matches and whether that is an estimate."""

    rows: list[Company]
    total: int
    total_is_estimate: bool = False


def page_of_leads(session: Session, flt: LeadFilter, *, sort: str = "default", descending: bool = False,
                  offset: int = 0, limit: int = 50, count_cap: int = COUNT_CAP,
                  sample_rows: int = SAMPLE_ROWS) -> LeadPage:
    """One page of the lead list (arguments as for :func:`leads_repo.list_leads`) and its total: exact up to
    ``count_cap`` matches (default :data:`COUNT_CAP`), otherwise estimated from a sample of about ``sample_rows``
    companies and flagged (PostgreSQL only; SQLite counts exactly)."""
    if session.get_bind().dialect.name != "postgresql":
        rows, total = list_leads(session, flt, sort=sort, descending=descending, offset=offset, limit=limit)
        return LeadPage(rows, total)
    conditions = lead_conditions(session, flt)
    capped: int | None = None
    if has_search(flt):
        # Count first: the number of matches decides the plan (sort the few, or walk the order and stop).
        capped = capped_count(session, conditions, count_cap)
        if capped is not None:
            matched = select(Company.id, *(getattr(Company, n) for n in sort_columns(sort))).where(*conditions)
            inner = matched.offset(0).subquery("matched")  # OFFSET 0: sort the few matches, never walk the order
            stmt = (select(inner.c.id).order_by(*order_by(sort, descending, lambda name: inner.c[name]))
                    .offset(offset).limit(limit))
        else:
            stmt = select(Company.id).where(*conditions).order_by(*order_by(sort, descending))
            stmt = stmt.offset(offset).limit(limit)
    else:
        stmt = page_ids_statement(flt, "postgresql", sort=sort, descending=descending, offset=offset, limit=limit)
    ids: list[int] = [row[0] for row in session.execute(stmt)]
    rows = rows_in_order(session, ids)
    if capped is not None:
        return LeadPage(rows, capped)
    if len(ids) < limit and (ids or offset == 0):
        return LeadPage(rows, offset + len(ids))  # the last page: its end is the total
    if not has_search(flt):
        capped = capped_count(session, conditions, count_cap)
        if capped is not None:
            return LeadPage(rows, capped)
    exact = lead_counts.exact_total(session, flt)
    if exact is not None:
        return LeadPage(rows, exact)
    total, estimated = sampled_total(session, conditions, sample_rows)
    return LeadPage(rows, max(total, count_cap + 1) if estimated else total, total_is_estimate=estimated)


def lead_conditions(session: Session, flt: LeadFilter) -> list[ColumnElement[bool]]:
    """``leads_repo.filter_conditions`` of ``flt`` for PostgreSQL, plus, for a search of one or two characters
    that few companies contain, the condition that lets the planner find them in the grams index
    (``search_text.PG_GRAMS_INDEX``) instead of reading every company. A common one (in more than
    :data:`GRAMS_UP_TO` of the companies by the index's statistics) goes without: walking the list's order
    finds a page of it sooner."""
    conditions = filter_conditions(flt, "postgresql")
    needle = fold_needle(flt.search or "")
    if needle and len(needle) < MIN_TRIGRAM_NEEDLE and gram_share(session, needle) <= GRAMS_UP_TO:
        grams = func.hunter_short_grams(Company.search_text)
        conditions.append(grams.op("@>")(cast(array([needle]), ARRAY(Text))))
    return conditions


GRAMS_UP_TO = 0.02
"""Share of companies up to which a short needle is looked up in the grams index (2%: 20,000 of 1,000,000)."""


def gram_share(session: Session, gram: str) -> float:
    """The share of companies whose ``search_text`` contains ``gram`` (one or two characters), from the grams
    index's statistics (ANALYZE): its most common elements with their frequencies; a gram not among them is
    rarer than all of those. Without statistics yet: 0 (use the index)."""
    row = session.execute(text("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                               "WHERE tablename = :index"), {"index": PG_GRAMS_INDEX}).first()
    if row is None or row[0] is None:
        return 0.0
    shares = dict(zip(row[0], row[1], strict=False))
    return float(shares.get(gram, 0.0))


def capped_count(session: Session, conditions: list[ColumnElement[bool]], cap: int = COUNT_CAP) -> int | None:
    """How many companies match ``conditions``, or ``None`` when more than ``cap`` do (stops reading there)."""
    limited = select(literal(1)).select_from(Company).where(*conditions).limit(cap + 1).subquery()
    found = int(session.scalar(select(func.count()).select_from(limited)) or 0)
    return found if found <= cap else None


def sampled_total(session: Session, conditions: list[ColumnElement[bool]],
                  sample_rows: int = SAMPLE_ROWS) -> tuple[int, bool]:
    """Companies matching ``conditions`` and whether that is an estimate: from a fixed block sample of about
    ``sample_rows`` companies (``TABLESAMPLE SYSTEM ... REPEATABLE``: the same blocks every time, so paging
    does not make the figure jump), rounded to two significant figures; counted exactly when the table (by
    PostgreSQL's statistics) holds no more than that."""
    rows = float(session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'companies'::regclass")) or 0)
    if rows <= sample_rows:
        return int(session.scalar(select(func.count()).select_from(Company).where(*conditions)) or 0), False
    percent = 100.0 * sample_rows / rows
    sample = sampled_companies(percent)
    found = int(session.scalar(select(func.count()).select_from(sample).where(*on_sample(conditions, sample))) or 0)
    return round_estimate(found * 100.0 / percent), True


def sampled_companies(percent: float) -> TableSample:
    """``companies`` as a fixed block sample of ``percent`` % of its pages (``SYSTEM``, ``REPEATABLE (0)``)."""
    return tablesample(Company.__table__, func.system(percent), name="sampled", seed=literal(0))


def on_sample(conditions: list[ColumnElement[bool]], sample: TableSample) -> list[ColumnElement[bool]]:
    """``conditions`` (written over ``companies``) re-pointed at ``sample`` (:func:`sampled_companies`)."""
    adapter = ClauseAdapter(sample)
    return [adapter.traverse(c) for c in conditions]


def round_estimate(value: float) -> int:
    """``value`` rounded to two significant figures (123,456 -> 120,000): an estimate claims no more."""
    if value < 100:
        return round(value)
    digits = len(str(int(value))) - 2
    return int(round(value, -digits))
