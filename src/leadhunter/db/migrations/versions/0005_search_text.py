"""Lead search over one folded column with a trigram index: accent-, case- and dotless-i-insensitive, and
served by an index instead of a scan of every company.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Adds ``companies.search_text`` (see ``leadhunter.db.search_text``), fills it for every company in batches
of 2,000, then indexes it. SQLite gets an FTS5 ``trigram`` table with triggers, PostgreSQL a GIN
``gin_trgm_ops`` index (extension ``pg_trgm``, created here when missing; where the database refuses it,
the index is skipped with a warning and the search scans instead; any other failure stops the
migration). Each also gets a narrow B-tree that needles of one or two characters (too short for trigrams)
scan instead of the wide rows. The two search indexes of 0001/0002, which scanned the raw columns, are
dropped first. It needs a live connection (no offline ``--sql``) and, on SQLite, version 3.35 or newer with
FTS5. On PostgreSQL ``companies`` stays locked until the revision commits (the fill and the index builds are
not concurrent).
The folding and the DDL come from ``leadhunter.db.search_text``, the single place both the models and this
revision take them from; a change there that alters stored values needs a revision that refills the column.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from leadhunter.db.search_text import (
    PG_SHORT_INDEX,
    PG_TRGM_INDEX,
    SQLITE_FTS_DDL,
    SQLITE_FTS_DROP,
    SQLITE_MIN_VERSION,
    SQLITE_SHORT_INDEX,
    search_text,
)

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
"""Companies read and updated per round while filling ``search_text``."""

log = logging.getLogger("alembic.runtime.migration")


def _postgresql() -> bool:
    """Whether this runs on PostgreSQL (also in offline ``--sql`` mode, where there is no connection)."""
    return op.get_context().dialect.name == "postgresql"


def _fill(bind: sa.Connection) -> None:
    """``search_text`` for every company, keyset-paged by id."""
    companies = sa.table("companies", sa.column("id", sa.Integer), sa.column("domain", sa.String),
                         sa.column("domain_unicode", sa.String), sa.column("name", sa.String),
                         sa.column("search_text", sa.Text))
    update = (sa.update(companies).where(companies.c.id == sa.bindparam("company_id"))
              .values(search_text=sa.bindparam("text")))
    last = 0
    while True:
        rows = bind.execute(sa.select(companies.c.id, companies.c.domain, companies.c.domain_unicode,
                                      companies.c.name).where(companies.c.id > last)
                            .order_by(companies.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(update, [{"company_id": r.id, "text": search_text(r.domain, r.domain_unicode, r.name)}
                              for r in rows])
        last = rows[-1].id


def _pg_trgm_installed(bind: sa.Connection) -> bool:
    """Whether ``pg_trgm`` is (or could now be) installed. Only ``CREATE EXTENSION`` may fail softly, in a
    savepoint: a managed database that refuses it keeps the migration going, without the index."""
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("cannot install pg_trgm (%s): the lead search will scan companies instead of an index",
                    exc.orig)
        return False
    savepoint.commit()
    return True


def _check_sqlite(bind: sa.Connection) -> None:
    """Refuse, with the reason, an SQLite too old for the search table or built without FTS5."""
    version = tuple(int(part) for part in bind.exec_driver_sql("SELECT sqlite_version()").scalar_one().split("."))
    if version < SQLITE_MIN_VERSION:
        raise RuntimeError(f"SQLite {'.'.join(map(str, version))} is too old for Hunter's search index: "
                           f"{'.'.join(map(str, SQLITE_MIN_VERSION))} or newer is needed")
    if not bind.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar_one():
        raise RuntimeError("this SQLite is built without FTS5, which Hunter's search index needs")


def upgrade() -> None:
    """Add and fill ``search_text``, index it, drop the scan indexes it replaces."""
    if op.get_context().as_sql:
        # Filling the column needs the rows, and an unfilled column would hide every company from the search.
        raise RuntimeError("revision 0005 fills companies.search_text from the rows: run it online (hunter db upgrade)")
    bind = op.get_bind()
    if not _postgresql():
        _check_sqlite(bind)
    # The old scan index goes first: the fill then rewrites one index fewer per row.
    op.drop_index("ix_companies_search_folded" if _postgresql() else "ix_companies_search", table_name="companies")
    op.add_column("companies", sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    _fill(bind)
    if _postgresql():
        if _pg_trgm_installed(bind):
            op.create_index(PG_TRGM_INDEX, "companies", ["search_text"], postgresql_using="gin",
                            postgresql_ops={"search_text": "gin_trgm_ops"})
        op.create_index(PG_SHORT_INDEX, "companies", ["id"],
                        postgresql_include=["search_text", "category", "score", "domain"])
        op.execute("ANALYZE companies")
    else:
        for statement in SQLITE_FTS_DDL:
            op.execute(statement)
        op.execute("INSERT INTO companies_search(companies_search) VALUES ('rebuild')")
        op.create_index(SQLITE_SHORT_INDEX, "companies", ["search_text", "category", "score", "domain"])


def downgrade() -> None:
    """The scan indexes of 0002 (PostgreSQL) and 0001 (SQLite) back, the column and its indexes dropped."""
    if _postgresql():
        op.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")
        op.drop_index(PG_SHORT_INDEX, table_name="companies")
        op.create_index("ix_companies_search_folded", "companies",
                        ["id", sa.text("lower(domain_unicode)"), sa.text("lower(name)")],
                        postgresql_include=["domain", "domain_unicode", "name", "category", "score"])
    else:
        op.drop_index(SQLITE_SHORT_INDEX, table_name="companies")
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
        op.create_index("ix_companies_search", "companies", ["domain_unicode", "name", "domain", "category",
                                                             "score"])
    # Plain ALTER (SQLite >= 3.35 has it): a batch rebuild of the table would lose the expression indexes,
    # which SQLite cannot reflect.
    op.execute("ALTER TABLE companies DROP COLUMN search_text")
