"""Engines for the two runtime shapes: SQLite pragmas on every connection, PostgreSQL pre-ping."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company


def test_sqlite_engine_creates_folder_and_sets_pragmas(sqlite_url: str, tmp_path: Path) -> None:
    assert not (tmp_path / "data").exists()
    engine = make_engine(sqlite_url)
    try:
        for _ in range(2):  # every pooled connection, not just the first
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert (tmp_path / "data" / "hunter.db").is_file()
    finally:
        engine.dispose()


def test_sqlite_foreign_keys_are_enforced(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            try:
                conn.execute(text("INSERT INTO tags (company_id, tag, auto) VALUES (12345, 'x', 0)"))
            except Exception as exc:  # IntegrityError, wrapped by SQLAlchemy
                assert "FOREIGN KEY" in str(exc)
            else:
                raise AssertionError("an orphan tag was accepted")
    finally:
        engine.dispose()


def test_postgresql_engine_pre_pings(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        assert engine.pool._pre_ping is True
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_session_factory_keeps_attributes_after_commit(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with make_session_factory(engine)() as session:
            company = Company(domain="kept.example", domain_unicode="kept.example", name="Kept")
            session.add(company)
            session.commit()
            assert "name" in company.__dict__  # not expired: no reload needed after the commit
            assert company.name == "Kept"
    finally:
        engine.dispose()
