"""Migration 0005 (the folded search column and its trigram indexes) and 0002 before it, up and down, on
SQLite and PostgreSQL; each database is this module's own, so stepping down to empty disturbs no other test."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from leadhunter.db.leads_repo import LeadFilter, list_leads
from leadhunter.db.migrate import alembic_config, downgrade, upgrade
from leadhunter.db.models import Company

FOLDED = "ix_companies_search_folded"  # 0002's PostgreSQL scan index, replaced by 0005
PLAIN = "ix_companies_search"  # 0001's scan index, replaced by 0005
TRIGRAM = "ix_companies_search_trgm"


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


def _sqlite_objects(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT type || ' ' || name FROM sqlite_master")))
    finally:
        engine.dispose()


def test_revision_0005_on_sqlite(sqlite_url: str) -> None:
    search = {"table companies_search", "trigger companies_search_insert", "trigger companies_search_delete",
              "trigger companies_search_update"}
    upgrade(sqlite_url, "0004")
    assert PLAIN in _indexes(sqlite_url) and not search & _sqlite_objects(sqlite_url)
    upgrade(sqlite_url)
    assert PLAIN not in _indexes(sqlite_url) and search <= _sqlite_objects(sqlite_url)
    assert "ix_companies_search_text" in _indexes(sqlite_url)
    downgrade(sqlite_url, "0004")
    assert PLAIN in _indexes(sqlite_url) and not search & _sqlite_objects(sqlite_url)
    assert "ix_companies_search_text" not in _indexes(sqlite_url)


def test_revisions_0002_and_0005_on_postgresql(pg_url: str) -> None:
    downgrade(pg_url, "base")  # this module's PostgreSQL database is shared: start from empty
    upgrade(pg_url, "0004")
    assert FOLDED in _indexes(pg_url) and PLAIN not in _indexes(pg_url)
    downgrade(pg_url, "0001")
    assert FOLDED not in _indexes(pg_url) and PLAIN in _indexes(pg_url)
    upgrade(pg_url)
    assert {TRIGRAM, "ix_companies_search_covering"} <= _indexes(pg_url) and not {FOLDED, PLAIN} & _indexes(pg_url)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            definition = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": TRIGRAM})
    finally:
        engine.dispose()
    assert definition is not None and "USING gin (search_text gin_trgm_ops)" in definition, definition
    downgrade(pg_url, "0004")
    assert FOLDED in _indexes(pg_url) and not {TRIGRAM, "ix_companies_search_covering"} & _indexes(pg_url)
    upgrade(pg_url)


def test_revision_0005_fills_search_text_for_existing_companies(db_url: str) -> None:
    """Companies stored before 0005 are found after it, folded, on both databases."""
    downgrade(db_url, "base")
    upgrade(db_url, "0004")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO companies (domain, domain_unicode, name, created_at, updated_at) "
                              "VALUES ('xn--mller-kva.example', 'müller.example', 'Müller Gıda', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            assert session.scalar(select(Company.search_text)) == "muller.example\nxn--mller-kva.example\nmuller gida"
            page, total = list_leads(session, LeadFilter(search="MULLER GIDA"))
            assert [c.domain for c in page] == ["xn--mller-kva.example"] and total == 1
    finally:
        engine.dispose()


def test_revision_0005_refuses_offline_sql(sqlite_url: str) -> None:
    """Offline ``--sql`` cannot fill the column from the rows: it says so instead of leaving it empty."""
    config = alembic_config(sqlite_url)
    with pytest.raises(RuntimeError, match="run it online"):
        command.upgrade(config, "0004:0005", sql=True)
