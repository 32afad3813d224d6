"""Query plans behind the lead list's speed fixes (migration 0002 and ``leads_repo``), on databases with
statistics (``ANALYZE``), as the 100,000-company benchmark has them: PostgreSQL's search scans the index
holding its folded terms, SQLite counts an equality plus a score range from the equality's index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from leads_data import LeadsDb, leads_database, reference
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from leadhunter.db.leads_repo import LeadFilter, filter_conditions, list_leads, page_ids_statement
from leadhunter.db.migrate import downgrade, upgrade
from leadhunter.db.models import Company

FOLDED = "ix_companies_search_folded"
PLAIN = "ix_companies_search"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def leads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """The seeded lead list with fresh statistics, once per database for this module."""
    for leads in leads_database(request, tmp_path_factory):
        with leads.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # PostgreSQL: VACUUM too, which marks the pages all-visible as autovacuum would (index-only scans)
            conn.exec_driver_sql("ANALYZE" if leads.engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
        yield leads


def _indexes(url: str) -> set[str]:
    """Names of the indexes on ``companies``, from the catalogue (reflection skips expression indexes)."""
    engine = create_engine(url)
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'companies'"
           if engine.dialect.name == "sqlite" else "SELECT indexname FROM pg_indexes WHERE tablename = 'companies'")
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text(sql)))
    finally:
        engine.dispose()


def _plan(session: Session, stmt: object) -> str:
    bind = session.get_bind()
    sql = stmt.compile(bind, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    explain = "EXPLAIN QUERY PLAN" if bind.dialect.name == "sqlite" else "EXPLAIN"
    column = 3 if bind.dialect.name == "sqlite" else 0
    return " | ".join(str(row[column]) for row in session.execute(text(f"{explain} {sql}")))


def test_revision_0002_changes_nothing_on_sqlite(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    assert FOLDED not in _indexes(sqlite_url) and PLAIN in _indexes(sqlite_url)  # SQLite's search does not fold


def test_revision_0002_on_postgresql(pg_url: str) -> None:
    upgrade(pg_url)
    assert FOLDED in _indexes(pg_url) and PLAIN not in _indexes(pg_url)
    downgrade(pg_url, "0001")
    assert FOLDED not in _indexes(pg_url) and PLAIN in _indexes(pg_url)
    upgrade(pg_url)
    assert FOLDED in _indexes(pg_url) and PLAIN not in _indexes(pg_url)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            definition = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": FOLDED})
    finally:
        engine.dispose()
    assert definition is not None
    assert "(id, lower((domain_unicode)::text), lower((name)::text))" in definition
    assert "INCLUDE (domain, domain_unicode, name, category, score)" in definition


@pytest.mark.parametrize("needle", ["müller", "MÜLLER", "alpha-00", "100%", "a"])
def test_postgresql_search_scans_the_folded_terms(leads_db: LeadsDb, needle: str) -> None:
    if leads_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's search does not fold (see test_leads_search)")
    flt = LeadFilter(search=needle)
    with leads_db.sessions() as session:
        dialect = session.get_bind().dialect.name
        page, total = list_leads(session, flt, limit=1000)
        expected = reference(leads_db.rows, flt)
        assert expected and [c.domain for c in page] == expected[:1000] and total == len(expected)
        # On 5,000 rows a heap read looks as cheap as any index: leave the planner the index-only scans only.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = _plan(session, page_ids_statement(flt, dialect, sort="default", descending=False, offset=0, limit=50))
    assert f"Index Only Scan using {FOLDED}" in plan, plan


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
