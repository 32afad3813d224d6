"""Cross-filtered facet counts for the filter options and the KPI strip.

Each facet is counted over the companies matching the current filter *minus that facet's own selection*: with
"provider = Google, segment = Migration" selected, the provider options count Migration companies of every
provider (so another provider can be added) and the segment options count Google companies of every segment.

Facets sharing the same reduced filter (every facet without a selection of its own) are counted in one pass
(PostgreSQL ``GROUPING SETS``); a facet with a selection gets its own pass. Each pass is exact, except on
PostgreSQL when the planner expects more than :data:`EXACT_UP_TO` companies to match its filter: then it counts
a fixed block sample of the table (``lead_page.sampled_companies``) scaled up, and the facet is flagged as
estimated. With no filter at all PostgreSQL reads the materialised counts (:mod:`leadhunter.db.lead_counts`),
exactly.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, FromClause, func, literal, select, text, tuple_
from sqlalchemy.orm import Session

from leadhunter.db import lead_counts
from leadhunter.db.lead_counts_ddl import TAG_FACET
from leadhunter.db.lead_page import (
    SAMPLE_ROWS,
    lead_conditions,
    on_sample,
    round_estimate,
    sampled_companies,
)
from leadhunter.db.leads_repo import LeadFilter, filter_conditions
from leadhunter.db.models import Company, Tag
from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG

EXACT_UP_TO = 50_000
"""Matching companies counted exactly per pass (PostgreSQL); above it the pass counts a sample."""

COLUMN_FACETS: dict[str, tuple[str, str]] = {
    "segments": ("segment", "segments"), "categories": ("category", "categories"),
    "providers": ("provider", "providers"), "gateways": ("gateway", "gateways"),
    "web_hosts": ("web_host", "web_hosts"), "dns_hosts": ("dns_host", "dns_hosts"),
    "mail_countries": ("mail_country", "mail_countries"), "web_countries": ("web_country", "web_countries"),
    "sizes": ("size", "sizes"),
}
"""Facet key (as the API names it) -> (``companies`` column, ``LeadFilter`` field it filters)."""

TAG_FACETS: dict[str, tuple[str, str]] = {"tags": ("", "tags"), "plays": (PLAY_TAG, "plays"),
                                          "saas": (SAAS_TAG, "saas")}
"""Facet key -> (prefix of its rows in ``tags``, ``LeadFilter`` field): plain tags have no prefix."""


@dataclass
class Counts:
    """Per facet key, value -> number of companies (``None``: companies without a value), and the facet keys
    whose counts are sample estimates."""

    values: dict[str, dict[str | None, int]] = field(default_factory=dict)
    estimated: set[str] = field(default_factory=set)


def facet_counts(session: Session, flt: LeadFilter, keys: tuple[str, ...] | None = None, *,
                 cross: bool = True) -> Counts:
    """Counts of the facets ``keys`` (default: every key of :data:`COLUMN_FACETS` and :data:`TAG_FACETS`) for
    ``flt``: cross-filtered (each facet under ``flt`` without its own field) unless ``cross`` is false (every
    facet under the whole of ``flt``, as the KPI strip counts)."""
    wanted = keys if keys is not None else (*COLUMN_FACETS, *TAG_FACETS)
    passes: dict[LeadFilter, list[str]] = defaultdict(list)
    for key in wanted:
        own = (COLUMN_FACETS.get(key) or TAG_FACETS[key])[1]
        reset: dict[str, Any] = {own: ()} if cross else {}
        passes[dataclasses.replace(flt, **reset)].append(key)
    out = Counts()
    for reduced, facet_keys in passes.items():
        found, estimated = _one_pass(session, reduced, facet_keys)
        out.values.update(found)
        if estimated:
            out.estimated.update(facet_keys)
    return out


def _one_pass(session: Session, flt: LeadFilter, keys: list[str]) -> tuple[dict[str, dict[str | None, int]], bool]:
    """Counts of ``keys`` under ``flt`` and whether they are estimates."""
    dialect = session.get_bind().dialect.name
    columns = [COLUMN_FACETS[k][0] for k in keys if k in COLUMN_FACETS]
    tag_keys = [k for k in keys if k in TAG_FACETS]
    if dialect == "postgresql" and flt == LeadFilter():
        materialised = lead_counts.value_counts(session)
        found = {k: dict(materialised.get(COLUMN_FACETS[k][0], {})) for k in keys if k in COLUMN_FACETS}
        found.update(_split_tags(materialised.get(TAG_FACET, {}), tag_keys))
        return found, False
    conditions = lead_conditions(session, flt) if dialect == "postgresql" else filter_conditions(flt, dialect)
    source: FromClause = Company.__table__
    scale, estimated = 1.0, False
    if dialect == "postgresql" and conditions and planned_rows(session, conditions) > EXACT_UP_TO:
        percent = min(100.0, 100.0 * SAMPLE_ROWS * 2 / max(_reltuples(session), 1.0))
        source = sampled_companies(percent)
        conditions = on_sample(conditions, source)
        scale, estimated = 100.0 / percent, True
    found = _group(session, source, conditions, columns, dialect)
    out = {k: found.get(COLUMN_FACETS[k][0], {}) for k in keys if k in COLUMN_FACETS}
    if tag_keys:
        ids = select(source.c.id).where(*conditions)
        # distinct: a lead may carry one name twice, as a manual and as an automatic tag
        tag_rows = session.execute(select(Tag.tag, func.count(Tag.company_id.distinct()))
                                   .where(Tag.company_id.in_(ids)).group_by(Tag.tag))
        out.update(_split_tags({tag: int(n) for tag, n in tag_rows}, tag_keys))
    if estimated:
        out = {k: {v: round_estimate(n * scale) for v, n in per.items()} for k, per in out.items()}
    return out, estimated


def _group(session: Session, source: FromClause, conditions: list[ColumnElement[bool]], columns: list[str],
           dialect: str) -> dict[str, dict[str | None, int]]:
    """Per column, value -> rows of ``source`` matching ``conditions``: one ``GROUPING SETS`` pass on
    PostgreSQL, one ``GROUP BY`` per column on SQLite (which has no grouping sets)."""
    out: dict[str, dict[str | None, int]] = {c: {} for c in columns}
    if not columns:
        return out
    if dialect != "postgresql" or len(columns) == 1:
        for name in columns:
            col = source.c[name]
            for value, n in session.execute(select(col, func.count()).where(*conditions).group_by(col)):
                out[name][value] = int(n)
        return out
    cols = [source.c[name] for name in columns]
    # grouping(col) is 0 in the rows of col's own set: it tells a NULL value from "not this set".
    flags = [func.grouping(c) for c in cols]
    stmt = (select(*cols, *flags, func.count()).where(*conditions)
            .group_by(func.grouping_sets(*(tuple_(c) for c in cols))))
    for row in session.execute(stmt):
        values: Any = row[:len(cols)]
        grouped = row[len(cols):2 * len(cols)]
        for name, value, flag in zip(columns, values, grouped, strict=True):
            if flag == 0:
                out[name][value] = int(row[-1])
    return out


def _split_tags(per_tag: dict[Any, int], keys: list[str]) -> dict[str, dict[str | None, int]]:
    """Rows of ``tags`` counted per tag, split into the facets ``keys`` by prefix (prefix removed)."""
    out: dict[str, dict[str | None, int]] = {k: {} for k in keys}
    for tag, n in per_tag.items():
        if not isinstance(tag, str):
            continue
        key = "plays" if tag.startswith(PLAY_TAG) else "saas" if tag.startswith(SAAS_TAG) else "tags"
        if key in out:
            prefix = TAG_FACETS[key][0]
            out[key][tag[len(prefix):]] = n
    return out


def planned_rows(session: Session, conditions: list[ColumnElement[bool]]) -> float:
    """PostgreSQL's estimate of the companies matching ``conditions`` (``EXPLAIN``, about a millisecond). Chosen
    over a capped count, which reads up to :data:`EXACT_UP_TO` index entries (60-650 ms at a million under
    load) once per pass: a wrong estimate only moves a pass between exact and sampled."""
    stmt = select(literal(1)).select_from(Company).where(*conditions)
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    plan: Any = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return float(plan[0]["Plan"]["Plan Rows"])


def _reltuples(session: Session) -> float:
    """PostgreSQL's estimate of the number of companies (kept by ANALYZE and autovacuum)."""
    return float(session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'companies'::regclass")) or 0)
