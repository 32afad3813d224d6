"""The lead list: filtered, sorted, paged reads of ``companies``. Takes a Session; never commits.

One filter type (:class:`LeadFilter`) feeds three reads: a page with its total (:func:`list_leads`), a
stream for exports (:func:`iter_leads`) and per-value counts for the KPI strip (:func:`counts_by`).

Ordering is the same on SQLite and PostgreSQL: rows without a value in the sort column (not scanned
yet) come last in both directions, and ``domain`` breaks ties so pages never overlap. Null placement is
written ``(column IS NULL), column`` rather than ``NULLS LAST`` because SQLite indexes cannot store a
null ordering; the expression indexes in :mod:`leadhunter.db.models` repeat those terms so the common
orders are read straight from an index on both databases.

A page is read in two steps: the ids of the page (narrow: answered from an index where one fits), then
those rows. Company rows are wide (JSON breakdown and evidence), so the first step never drags them
through a sort or past an ``OFFSET``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, Select, column, func, literal_column, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadhunter.db import registration_repo, team_repo
from leadhunter.db.d365_repo import d365_status_condition
from leadhunter.db.models import Company, Tag
from leadhunter.db.referrals_repo import referral_type_condition
from leadhunter.db.search_text import FTS_TABLE, MIN_TRIGRAM_NEEDLE, fold_needle, fts_phrase
from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG

SORTABLE = frozenset(
    {"domain", "name", "provider", "gateway", "score", "segment", "priority", "category", "confidence",
     "scanned_at", "created_at", "web_host", "dns_host", "mail_country", "web_country"}
)
"""Sort keys :func:`list_leads` and :func:`iter_leads` accept, besides ``"default"``."""

COUNTABLE = frozenset({"segment", "category", "provider", "gateway", "confidence", "scan_status", "dmarc_policy",
                       "web_host", "dns_host", "mail_country", "web_country", "size"})
"""Columns :func:`counts_by` groups by."""

MAX_LIMIT = 1000
"""Largest page :func:`list_leads` serves (rows)."""

_FTS = table(FTS_TABLE, column("rowid", Integer))
"""SQLite's FTS5 search table (see :mod:`leadhunter.db.search_text`), as far as a query reads it."""

LIKE_ESCAPE = "/"
"""Escape character of the search's LIKE patterns."""

_NOT_NULL = frozenset({"domain", "created_at"})


@dataclass(frozen=True)
class LeadFilter:
    """Which companies the lead list shows. Every field narrows the list; empty fields do not filter.

    Within a tuple field the values are alternatives (``segments=("Migration", "Cold")`` keeps either);
    ``tags`` keeps a company carrying at least one of the tags. ``score_min`` and ``score_max`` are
    inclusive points (0–100) and drop companies without a score. ``search`` is a substring of the ASCII
    domain, the Unicode domain or the name, surrounding blanks ignored, compared ignoring case, accents
    and the Turkish dotted/dotless i on both databases (``muller`` finds *Müller*, ``gida`` finds *Gıda*;
    see :mod:`leadhunter.db.search_text`); every character in it is literal (``%``, ``_``, quotes).
    """

    segments: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    gateways: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    tags: tuple[str, ...] = ()
    search: str | None = None
    referral_types: tuple[str, ...] = ()  # Partner Center lead types; "any" / "none": with / without a referral
    d365_statuses: tuple[str, ...] = ()  # D365 push states; "not_synced" includes leads never pushed
    expires_within_days: int | None = None  # domain registration expires between now and N days from now
    registered_after: datetime | None = None  # domain registered on or after this moment (UTC)
    plays: tuple[str, ...] = ()  # white-space play keys ("intune": Intune not seen where a tenant is)
    saas: tuple[str, ...] = ()  # SaaS tags from the apex TXT ("atlassian", "zoom")
    web_hosts: tuple[str, ...] = ()  # where the website runs ("AWS", "Azure", "Natro")
    dns_hosts: tuple[str, ...] = ()  # who hosts the zone ("Azure DNS", "Cloudflare")
    mail_countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 country of the first MX address
    web_countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 country of the website's address
    watched: bool | None = None  # True: someone watches the lead (a star); False: no one does
    watchers: tuple[str, ...] = ()  # watched by one of these callers ("local", "key:<prefix>")
    scan_statuses: tuple[str, ...] = ()  # the current verdict's scan status: ok / partial / failed
    hostings: tuple[str, ...] = ()  # hosting company of the mail ("Natro"; companies.hosting_label)
    sizes: tuple[str, ...] = ()  # company size band: small / medium / large


def list_leads(
    session: Session,
    flt: LeadFilter,
    *,
    sort: str = "default",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Company], int]:
    """One page of the lead list and the number of companies matching ``flt`` (over all pages).

    ``sort`` is ``"default"`` (category ascending, score descending, domain ascending) or a key of
    :data:`SORTABLE` (then ``domain`` ascending breaks ties); ``descending`` reverses the sort key (for
    ``"default"``, all three terms) while rows without a value stay last. ``offset`` (rows skipped,
    default 0) and ``limit`` (page size, default 50, at most :data:`MAX_LIMIT`) pick the page. Raises
    :class:`ValueError` for an unknown sort key or an out-of-range page.

    The total costs no extra query when the page is the last one; with a search it comes from the same
    scan as the page (a window count), since counting separately would repeat that scan.
    """
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"offset must be >= 0 and limit 1..{MAX_LIMIT}, got offset={offset} limit={limit}")
    dialect = _dialect(session)
    rows = session.execute(page_ids_statement(flt, dialect, sort=sort, descending=descending, offset=offset,
                                              limit=limit)).all()
    ids: list[int] = [row[0] for row in rows]
    total: int | None = None
    if has_search(flt):
        total = rows[0][1] if rows else None
    elif len(ids) < limit and (ids or offset == 0):
        total = offset + len(ids)  # this page is the last one
    if total is None:
        total = session.scalar(select(func.count()).select_from(Company).where(*filter_conditions(flt, dialect))) or 0
    return _rows_in_order(session, ids), total


def page_ids_statement(flt: LeadFilter, dialect: str, *, sort: str, descending: bool, offset: int,
                       limit: int) -> Select[Any]:
    """The first query of :func:`list_leads`: the page's company ids in list order and, when ``flt`` has
    a search, the filtered total as a second column. Public for query plans and benchmarks.

    With a search every match must be visited anyway (a substring cannot seek an index), so the matches
    and their sort keys are collected in a subquery with a window count, then sorted. ``OFFSET 0`` keeps
    PostgreSQL from merging that subquery into the outer query: merged, the planner walks the ordering
    index testing each row, expecting the LIMIT to stop it early, and for a rare substring reads the
    whole table.
    """
    conditions = filter_conditions(flt, dialect)
    if not has_search(flt):
        stmt = select(Company.id).where(*conditions).order_by(*order_by(sort, descending))
        return stmt.offset(offset).limit(limit)
    keys = [getattr(Company, name) for name in sort_columns(sort)]
    matched = (
        select(Company.id, *keys, func.count().over().label("total")).where(*conditions).offset(0).subquery("matched")
    )
    ordered = select(matched.c.id, matched.c.total).order_by(*order_by(sort, descending, lambda name: matched.c[name]))
    return ordered.offset(offset).limit(limit)


def iter_leads(
    session: Session,
    flt: LeadFilter,
    *,
    sort: str = "default",
    descending: bool = False,
    batch: int = 1000,
) -> Iterator[Company]:
    """Every company matching ``flt`` in list order (``sort`` and ``descending`` as for :func:`list_leads`),
    fetched ``batch`` rows (default 1000) at a time.

    Rows stream from a server-side cursor on PostgreSQL and a stepped cursor on SQLite, so memory stays
    flat however many rows match, as long as the caller does not keep them. The read stays open until the
    iterator is exhausted or closed; do not write through ``session`` meanwhile.
    """
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    stmt = select(Company).where(*filter_conditions(flt, _dialect(session))).order_by(*order_by(sort, descending))
    result = session.scalars(stmt.execution_options(yield_per=batch))
    try:
        yield from result  # the identity map holds unchanged rows weakly: a dropped batch is freed
    finally:
        result.close()


def counts_by(session: Session, flt: LeadFilter, column: str) -> dict[str | None, int]:
    """How many companies matching ``flt`` have each value of ``column`` (a key of :data:`COUNTABLE`);
    ``None`` counts companies without a value, and values no company has are absent. For the KPI strip
    of every segment regardless of a segment filter, pass ``dataclasses.replace(flt, segments=())``."""
    if column not in COUNTABLE:
        raise ValueError(f"cannot count by {column!r}; choose one of {sorted(COUNTABLE)}")
    attr: InstrumentedAttribute[str | None] = getattr(Company, column)
    stmt = select(attr, func.count()).where(*filter_conditions(flt, _dialect(session))).group_by(attr)
    return {value: count for value, count in session.execute(stmt)}


def has_search(flt: LeadFilter) -> bool:
    """Whether ``flt`` carries a search that still says something once folded (blanks, control characters
    or lone combining accents do not: they would match every company)."""
    return bool(fold_needle(flt.search or ""))


def filter_conditions(flt: LeadFilter, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``flt`` over ``companies`` (an empty list matches every company), written
    for ``dialect`` (``session.get_bind().dialect.name``: ``"sqlite"`` or ``"postgresql"``)."""
    conditions: list[ColumnElement[bool]] = []
    for values, attr in (
        (flt.segments, Company.segment),
        (flt.providers, Company.provider),
        (flt.gateways, Company.gateway),
        (flt.categories, Company.category),
        (flt.web_hosts, Company.web_host),
        (flt.dns_hosts, Company.dns_host),
        (flt.mail_countries, Company.mail_country),
        (flt.web_countries, Company.web_country),
        (flt.scan_statuses, Company.scan_status),
        (flt.hostings, Company.hosting_label),
        (flt.sizes, Company.size),
    ):
        if values:
            conditions.append(attr == values[0] if len(values) == 1 else attr.in_(values))
    bounds: list[ColumnElement[bool]] = []
    if flt.score_min is not None:
        bounds.append(Company.score >= flt.score_min)
    if flt.score_max is not None:
        bounds.append(Company.score <= flt.score_max)
    if dialect == "sqlite" and conditions:  # a score range next to a segment, provider, gateway or category
        bounds = [_wide_range(bound) for bound in bounds]
    conditions.extend(bounds)
    # Tags, plays and SaaS products are all rows of ``tags`` (plays as "play:<key>", SaaS as "saas:<tag>"):
    # each group keeps companies with at least one of its values, and the groups narrow one another.
    for group in (flt.tags, tuple(PLAY_TAG + p for p in flt.plays), tuple(SAAS_TAG + t for t in flt.saas)):
        if group:
            # IN rather than a correlated EXISTS: the tag index is read once, not probed once per company.
            conditions.append(Company.id.in_(select(Tag.company_id).where(Tag.tag.in_(group))))
    if flt.referral_types:
        conditions.append(referral_type_condition(flt.referral_types))  # EXISTS on partner_center_referrals
    if flt.d365_statuses:
        conditions.append(d365_status_condition(flt.d365_statuses))  # EXISTS on d365_lead_sync
    if flt.expires_within_days is not None:  # IN on company_registrations.expires_at's index
        conditions.append(registration_repo.expires_within_condition(flt.expires_within_days, datetime.now(UTC)))
    if flt.registered_after is not None:
        conditions.append(registration_repo.registered_after_condition(flt.registered_after))
    conditions.extend(team_repo.watch_condition(flt.watched, flt.watchers))  # IN on lead_watches
    if has_search(flt):
        conditions.append(_search_condition(flt.search or "", dialect))
    return conditions


def _wide_range(bound: ColumnElement[bool]) -> ColumnElement[bool]:
    """``bound`` marked as keeping most rows (SQLite's ``likelihood(X, 0.9)``, X's value unchanged).

    Without statistics on values (no STAT4 in Python's SQLite), SQLite's planner takes a range on an
    indexed column to keep a small fraction of the rows, so "segment = Migration, score 50-100" was counted
    by walking ``ix_companies_score`` and reading every company in that range (50 ms over 100,000). Marked
    wide, the range is tested inside the equality's own index (``ix_companies_segment`` and its siblings
    carry the score): under a millisecond. Alone, a score range keeps its index (no equality to prefer).
    """
    return func.likelihood(bound, literal_column("0.9"), type_=Boolean)


def like_pattern(needle: str) -> str:
    """A LIKE pattern (escape character :data:`LIKE_ESCAPE`) matching ``needle`` anywhere, literally."""
    for char in (LIKE_ESCAPE, "%", "_"):  # the escape character itself first
        needle = needle.replace(char, LIKE_ESCAPE + char)
    return f"%{needle}%"


def _search_condition(needle: str, dialect: str) -> ColumnElement[bool]:
    """The company's domain, Unicode domain or name contains ``needle``, ignoring case, accents and the
    Turkish dotted/dotless i: :func:`~leadhunter.db.search_text.fold_needle` of it within ``search_text``.

    Each database answers from a trigram index (see :mod:`leadhunter.db.search_text`): on SQLite a phrase
    query on the FTS5 table for a needle of three characters or more, PostgreSQL's planner picks the GIN
    index for the LIKE by itself. A shorter needle scans the column.
    """
    folded = fold_needle(needle)
    if dialect == "sqlite" and len(folded) >= MIN_TRIGRAM_NEEDLE:
        matches = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(fts_phrase(folded)))
        return Company.id.in_(matches)
    return Company.search_text.like(like_pattern(folded), escape=LIKE_ESCAPE)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _rows_in_order(session: Session, ids: Sequence[int]) -> list[Company]:
    """The companies with ``ids``, in that order (one primary-key lookup each, in a single query)."""
    if not ids:
        return []
    by_id = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


rows_in_order = _rows_in_order
"""Public name of :func:`_rows_in_order` for the other lead-list readers (``lead_page``)."""


def sort_columns(sort: str) -> tuple[str, ...]:
    """The ``companies`` columns that order ``sort`` reads, most significant first. Raises
    :class:`ValueError` for a key that is neither ``"default"`` nor in :data:`SORTABLE`."""
    if sort == "default":
        return ("category", "score", "domain")
    if sort not in SORTABLE:
        raise ValueError(f"cannot sort by {sort!r}; choose 'default' or one of {sorted(SORTABLE)}")
    return ("domain",) if sort == "domain" else (sort, "domain")


def order_by(sort: str, descending: bool,
             column: Callable[[str], ColumnElement[Any]] | None = None) -> list[ColumnElement[Any]]:
    """The ORDER BY terms for ``sort`` (``"default"`` or a key of :data:`SORTABLE`), nulls last, over
    ``companies`` or over the columns ``column(name)`` returns (e.g. a subquery's).

    Over ``companies`` the terms match the expression indexes term for term; change them together.
    """
    names = sort_columns(sort)
    # Default: category asc, score desc, domain asc (all flipped when descending). Otherwise the key,
    # then domain ascending.
    directions = (descending, not descending, descending) if sort == "default" else (descending, False)
    terms: list[ColumnElement[Any]] = []
    for name, desc in zip(names, directions, strict=False):
        col = getattr(Company, name) if column is None else column(name)
        if name not in _NOT_NULL:
            terms.append(col.is_(None))
        terms.append(col.desc() if desc else col.asc())
    return terms
