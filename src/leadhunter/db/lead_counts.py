"""Materialised per-value counts of the lead list's facets on PostgreSQL, kept current by the writers.

Grouping a million companies by one column takes 100-300 ms; the filter options show eleven such columns and
the tags. ``lead_value_counts`` holds the counts as signed delta rows ``(facet, value, n)``: statement-level
triggers on ``companies`` (facets :data:`FACET_COLUMNS`) and ``tags`` (facet ``tag``) append, per statement,
one row per value whose count changed (an update that leaves the facet columns alone appends nothing). Delta
rows rather than one counter per value so that concurrent writers (scan workers, imports) never wait on one
another's counter row: an append takes no lock another append waits for. A reader sums them
(:func:`value_counts`); :func:`compact` folds them back into one row per value (deleted and re-inserted in one
statement, so rows appended meanwhile stay as they are) from the beat schedule and when a reader finds many.

SQLite (the embedded shape, up to ~100,000 companies) has no such table: it groups on demand.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

from leadhunter.db.lead_counts_ddl import COMPACT_SQL, TABLE, TAG_FACET
from leadhunter.db.leads_repo import LeadFilter, has_search

COMPACT_OVER = 5000
"""Delta rows above which a reader compacts before summing (a sum over a few thousand rows is ~1 ms)."""

def compact(session: Session) -> None:
    """Fold the delta rows into one row per value (the caller commits). Rows appended by writers meanwhile are
    outside this statement's snapshot and stay as they are: no count is lost or doubled."""
    session.execute(text(COMPACT_SQL))


def value_counts(session: Session) -> dict[str, dict[str | None, int]]:
    """Per facet (a column of :data:`FACET_COLUMNS` or :data:`TAG_FACET`), the number of companies (tags rows)
    per value over all companies; ``None`` is the value of companies without one. Values no company has are
    absent. PostgreSQL only."""
    many = text(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} LIMIT {COMPACT_OVER}) s")  # noqa: S608 (constants)
    if int(session.scalar(many) or 0) >= COMPACT_OVER:
        with session.bind.connect() as conn, conn.begin():  # type: ignore[union-attr]
            conn.execute(text(COMPACT_SQL))  # its own transaction: a read-only caller need not commit
    out: dict[str, dict[str | None, int]] = defaultdict(dict)
    summed = text(f"SELECT facet, value, sum(n) FROM {TABLE} GROUP BY facet, value HAVING sum(n) <> 0")  # noqa: S608
    for facet, value, n in session.execute(summed):
        out[facet][value] = int(n)
    return dict(out)


_FILTER_FACET = {"segments": "segment", "categories": "category", "providers": "provider", "gateways": "gateway",
                 "web_hosts": "web_host", "dns_hosts": "dns_host", "mail_countries": "mail_country",
                 "web_countries": "web_country", "sizes": "size", "scan_statuses": "scan_status"}
"""``LeadFilter`` fields that are one facet column each."""


def exact_total(session: Session, flt: LeadFilter) -> int | None:
    """The number of companies matching ``flt`` from the materialised counts, when the filter is nothing or
    values of one facet column (or one tag); ``None`` when the counts cannot tell (any other filter, SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    set_fields = {name: value for name, value in vars(flt).items()
                  if value not in ((), None) and (name != "search" or has_search(flt))}
    counts = value_counts(session)
    if not set_fields:
        return sum(counts.get("segment", {}).values())
    if len(set_fields) != 1:
        return None
    (name, values), = set_fields.items()
    if name in _FILTER_FACET:
        per_value = counts.get(_FILTER_FACET[name], {})
        return sum(per_value.get(v, 0) for v in set(values))
    if name == "tags" and len(values) == 1:  # the tag counts are per lead (a name twice on one lead counts once)
        return counts.get(TAG_FACET, {}).get(values[0], 0)
    return None
