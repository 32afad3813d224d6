"""Query plans behind the lead list's speed fixes (migrations 0002 and 0005, ``leads_repo``), on databases
with statistics (``ANALYZE``), as the 100,000-company benchmark has them: the search reads a trigram index
on both databases, SQLite counts an equality plus a score range from the equality's index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from leads_data import LeadsDb, leads_database, reference
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from leadhunter.db.leads_repo import LeadFilter, filter_conditions, list_leads, page_ids_statement
from leadhunter.db.models import Company

TRIGRAM = "ix_companies_search_trgm"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def leads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """The seeded lead list with fresh statistics, once per database for this module."""
    for leads in leads_database(request, tmp_path_factory):
        with leads.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # PostgreSQL: VACUUM too, which marks the pages all-visible as autovacuum would (index-only scans)
            conn.exec_driver_sql("ANALYZE" if leads.engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
        yield leads


def _plan(session: Session, stmt: Any) -> str:
    """The plan of ``stmt``: PostgreSQL's ``EXPLAIN`` of it with literal values, SQLite's ``EXPLAIN QUERY
    PLAN`` with bound ones (SQLite renders an unbounded ``LIMIT`` as a parameter even with literal binds)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        compiled = stmt.compile(bind)
        args = tuple(compiled.params[name] for name in compiled.positiontup or ())
        rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
        return " | ".join(str(row[3]) for row in rows)
    sql = stmt.compile(bind, compile_kwargs={"literal_binds": True})
    return " | ".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {sql}")))


@pytest.mark.parametrize("needle", ["müller", "MÜLLER", "alpha-00", "100%", "gamma-0123"])
def test_search_reads_the_trigram_index(leads_db: LeadsDb, needle: str) -> None:
    flt = LeadFilter(search=needle)
    with leads_db.sessions() as session:
        dialect = session.get_bind().dialect.name
        page, total = list_leads(session, flt, limit=1000)
        expected = reference(leads_db.rows, flt)
        assert expected and [c.domain for c in page] == expected[:1000] and total == len(expected)
        if dialect == "postgresql":  # on 5,000 rows a sequential scan looks as cheap: leave it out
            session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = _plan(session, page_ids_statement(flt, dialect, sort="default", descending=False, offset=0, limit=50))
    expected_step = "VIRTUAL TABLE INDEX" if dialect == "sqlite" else f"Bitmap Index Scan on {TRIGRAM}"
    assert expected_step in plan, plan


@pytest.mark.parametrize("flt", [
    LeadFilter(segments=("Migration",), score_min=50, score_max=100),
    LeadFilter(providers=("M365",), score_min=50),
    LeadFilter(gateways=("Proofpoint",), score_max=40),
], ids=["segment", "provider", "gateway"])
def test_sqlite_counts_an_equality_and_a_score_range_from_the_equality_index(leads_db: LeadsDb,
                                                                             flt: LeadFilter) -> None:
    """Without the hint, SQLite's planner counted "segment = Migration, score 50-100" by walking
    ``ix_companies_score`` and reading every row in the range; the totals must not change either way."""
    column = next(name for name in ("segment", "provider", "gateway") if getattr(flt, name + "s"))
    with leads_db.sessions() as session:
        dialect = session.get_bind().dialect.name
        page, total = list_leads(session, flt, limit=50)
        assert total == len(reference(leads_db.rows, flt)) > 50
        assert [c.domain for c in page] == reference(leads_db.rows, flt)[:50]
        if dialect != "sqlite":
            return
        count = select(func.count()).select_from(Company).where(*filter_conditions(flt, dialect))
        plan = _plan(session, count)
        unhinted = _plan(session, select(func.count()).select_from(Company)
                         .where(*filter_conditions(flt, "postgresql")))  # the same conditions, no hint
    assert f"COVERING INDEX ix_companies_{column}" in plan and "ix_companies_score" not in plan, plan
    if column == "segment":  # the case the benchmark caught: the test that the hint is needed at all
        assert "ix_companies_score" in unhinted, unhinted


def test_a_short_needle_scans_the_narrow_index(leads_db: LeadsDb) -> None:
    """One or two characters cannot use the trigram indexes; each database scans its narrow B-tree."""
    flt = LeadFilter(search="mü")
    with leads_db.sessions() as session:
        dialect = session.get_bind().dialect.name
        page, total = list_leads(session, flt, limit=1000)
        expected_rows = reference(leads_db.rows, flt)
        assert [c.domain for c in page] == expected_rows and total == len(expected_rows) >= 1
        if dialect == "postgresql":  # on 5,000 rows a sequential scan looks as cheap: leave it out
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = _plan(session, page_ids_statement(flt, dialect, sort="default", descending=False, offset=0, limit=50))
    step = "ix_companies_search_text" if dialect == "sqlite" else "Index Only Scan using ix_companies_search_covering"
    assert step in plan, plan
