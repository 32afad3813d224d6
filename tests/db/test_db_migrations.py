"""The packaged Alembic migrations: upgrade from empty, step down and up again, and agreement with the models,
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Index, Integer, MetaData, create_engine, inspect, select, text

import leadhunter.db.alert_models  # noqa: F401  (its tables join Base.metadata)
from leadhunter.db import auth_models, d365_models, referral_models, registration_models, team_models  # noqa: F401  (their tables join Base.metadata)
from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from leadhunter.db.models import Base, Company, Tag, include_object_for
from leadhunter.db.search_text import FTS_TABLES

MODEL_TABLES = set(Base.metadata.tables)
SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite://"))
HEAD = SCRIPTS.get_current_head()
CHECK_SCHEMA = "model_check"


def _tables(url: str) -> set[str]:
    """The tables of ``url`` but SQLite's FTS5 search table and its shadows (DDL, not mapped models)."""
    engine = create_engine(url)
    try:
        return {name for name in inspect(engine).get_table_names() if name not in FTS_TABLES}
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    downgrade(db_url, "base")  # this module's PostgreSQL database is shared: start from empty either way
    assert _tables(db_url) <= {"alembic_version"}

    upgrade(db_url)
    assert _tables(db_url) == MODEL_TABLES | {"alembic_version"}
    assert _revision(db_url) == HEAD
    assert {"companies", "scans", "tags", "scan_jobs", "scan_job_items", "metric_counters"} <= MODEL_TABLES

    chain = [script.revision for script in SCRIPTS.walk_revisions()]  # head first, down to the first
    assert chain[-1] == "0001" and chain.index("0002") == len(chain) - 2
    for step, below in enumerate([*chain[1:], None]):  # every revision's downgrade, one step at a time
        downgrade(db_url, "-1")
        assert _revision(db_url) == below, step
    assert _tables(db_url) == {"alembic_version"}

    upgrade(db_url, "head")
    assert _revision(db_url) == HEAD
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:  # the schema works: write, cascade, read back
            session.add(Company(domain="example.com", domain_unicode="example.com", name="Example"))
            session.flush()
            company = session.scalars(select(Company)).one()
            session.add(Tag(company_id=company.id, tag="hot"))
            session.commit()
            session.delete(company)
            session.commit()
            assert session.scalars(select(Tag)).all() == []
    finally:
        engine.dispose()


def test_models_and_migration_agree(db_url: str) -> None:
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; Alembic says so and skips them. The catalogue
            # comparison below covers them.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            # Indexes declared for the other database only (``only_on``) are left out, as in ``env.py``.
            opts = {"compare_type": True, "include_object": include_object_for(conn.dialect.name)}
            diffs = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diffs == []
    finally:
        engine.dispose()


def test_migrated_catalogue_equals_create_all(db_url: str, tmp_path: Path) -> None:
    """Index and table definitions as the database stores them (expressions, DESC, PostgreSQL INCLUDE),
    migrated vs ``Base.metadata.create_all``: catches what autogenerate comparison cannot see."""
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        if engine.dialect.name == "sqlite":
            reference = create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
            Base.metadata.create_all(reference)
            with engine.connect() as migrated, reference.connect() as created:
                assert _sqlite_catalogue(migrated) == _sqlite_catalogue(created)
            reference.dispose()
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {CHECK_SCHEMA} CASCADE")
                conn.exec_driver_sql(f"CREATE SCHEMA {CHECK_SCHEMA}")
                Base.metadata.create_all(conn.execution_options(schema_translate_map={None: CHECK_SCHEMA}))
            with engine.connect() as conn:
                migrated, created = _pg_catalogue(conn, "public"), _pg_catalogue(conn, CHECK_SCHEMA)
                assert migrated == created
                assert "INCLUDE (id)" in migrated["index ix_companies_lead_order"]
                conn.exec_driver_sql(f"DROP SCHEMA {CHECK_SCHEMA} CASCADE")
                conn.commit()
    finally:
        engine.dispose()


def _sqlite_catalogue(conn: Connection) -> dict[str, str]:
    """type+name → normalised CREATE statement: parentheses and blanks removed (the migration writes
    ``(category IS NULL)`` where SQLAlchemy writes ``category IS NULL``); a table's column and constraint
    clauses sorted (their order differs), an index's kept in order (it matters)."""
    out: dict[str, str] = {}
    rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name <> 'alembic_version'"))
    for kind, name, sql in rows:
        flat = re.sub(r"[\s()\"]", "", (sql or "").lower())
        out[f"{kind} {name}"] = ",".join(sorted(flat.split(","))) if kind == "table" else flat
    return out


def _pg_catalogue(conn: Connection, schema: str) -> dict[str, str]:
    """index/column/constraint → its definition in ``schema``, with the schema name taken out."""
    out: dict[str, str] = {}
    for name, definition in conn.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s AND tablename <> 'alembic_version'"),
        {"s": schema},
    ):
        out[f"index {name}"] = definition.replace(f"{schema}.", "")
    for table, column, kind, nullable in conn.execute(
        text("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
             "WHERE table_schema = :s AND table_name <> 'alembic_version'"),
        {"s": schema},
    ):
        out[f"column {table}.{column}"] = f"{kind} {nullable}"
    for name, definition in conn.execute(
        text("SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n "
             "ON n.oid = c.connamespace WHERE n.nspname = :s AND c.conname <> 'alembic_version_pkc'"),
        {"s": schema},
    ):
        out[f"constraint {name}"] = definition.replace(f"{schema}.", "")
    return out


def test_compare_detects_drift(db_url: str) -> None:
    """The agreement test is not vacuous: a model with an extra column and index shows up as differences."""
    upgrade(db_url)
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    companies = drifted.tables["companies"]
    companies.append_column(Column("employees", Integer))
    Index("ix_companies_employees", companies.c.employees)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            diffs = compare_metadata(MigrationContext.configure(conn), drifted)
    finally:
        engine.dispose()
    kinds = {(d[0], getattr(d[-1], "name", None)) for d in diffs if isinstance(d, tuple)}
    assert ("add_column", "employees") in kinds
    assert ("add_index", "ix_companies_employees") in kinds


def test_datetimes_are_utc_on_both_databases(db_url: str) -> None:
    """An aware non-UTC datetime is stored as the same instant and read back aware, in UTC."""
    downgrade(db_url, "base")
    upgrade(db_url)
    engine = make_engine(db_url)
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    try:
        with make_session_factory(engine)() as session:
            session.add(Company(domain="tz.example", domain_unicode="tz.example", scanned_at=moment))
            session.commit()
        with make_session_factory(engine)() as session:
            company = session.scalars(select(Company)).one()
            assert company.scanned_at == moment
            assert company.scanned_at is not None and company.scanned_at.utcoffset() == timedelta(0)
            assert company.created_at.tzinfo is not None
            assert session.scalar(select(Company.id).where(Company.scanned_at < datetime(2024, 5, 1, 9, 30,
                                                                                          tzinfo=UTC))) == company.id
    finally:
        engine.dispose()


BROKEN_REVISION = '''"""A revision that fails halfway."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("companies", sa.Column("half_done", sa.Integer))
    raise RuntimeError("migration failed halfway")


def downgrade() -> None:
    pass
'''


def test_failed_migration_rolls_back_entirely(db_url: str, tmp_path: Path) -> None:
    """DDL is transactional on both databases (on SQLite because the migration connection issues its own
    BEGIN): a revision failing halfway leaves neither its table nor its column, and the version stays."""
    downgrade(db_url, "base")
    upgrade(db_url)
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_broken.py").write_text(BROKEN_REVISION.replace("{head}", HEAD or ""))
    config = alembic_config(db_url)
    config.set_main_option("script_location", str(scripts))
    with pytest.raises(RuntimeError, match="failed halfway"):
        command.upgrade(config, "head")
    assert _tables(db_url) == MODEL_TABLES | {"alembic_version"}
    engine = create_engine(db_url)
    try:
        assert "half_done" not in {c["name"] for c in inspect(engine).get_columns("companies")}
    finally:
        engine.dispose()
    assert _revision(db_url) == HEAD
