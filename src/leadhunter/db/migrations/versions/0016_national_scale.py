"""National scale (PostgreSQL): materialised facet counts and an index for one- and two-character searches.

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-07

- ``lead_value_counts`` on both databases (it stays empty on SQLite, the embedded shape, which groups on demand).

PostgreSQL only:

- ``lead_value_counts``'s its trigger functions and statement-level triggers on ``companies`` and ``tags``
  (``leadhunter.db.lead_counts_ddl``), filled from the rows already there. ``companies`` and ``tags`` are
  locked in SHARE mode (reads go on, writes wait) from the fill until the revision's transaction commits, so
  no write falls between the fill and the triggers: over 1,000,000 companies that is seconds.
- ``hunter_short_grams(text)`` and a GIN index over it on ``companies.search_text``
  (``leadhunter.db.search_text``), built with ``CREATE INDEX CONCURRENTLY`` outside the transaction, so a
  large ``companies`` keeps taking writes while it builds. A build that fails leaves an INVALID index, which
  the next run drops and builds again.

Hand-checked against ``leadhunter.db.models`` (``tests/db/test_db_migrations.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from leadhunter.db.lead_counts_ddl import PG_BACKFILL, PG_DDL, PG_DROP
from leadhunter.db.search_text import PG_GRAMS_DDL, PG_GRAMS_FUNCTION, PG_GRAMS_INDEX

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    """Counts table (both databases), triggers and fill in the revision's transaction; the grams index
    concurrently after it (PostgreSQL)."""
    op.create_table("lead_value_counts",
                    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
                    sa.Column("facet", sa.String(32), nullable=False), sa.Column("value", sa.String(64)),
                    sa.Column("n", sa.BigInteger(), nullable=False))
    if not _postgresql():
        return
    op.execute("LOCK TABLE companies, tags IN SHARE MODE")
    for statement in PG_DDL:
        op.execute(statement)
    for statement in PG_BACKFILL:
        op.execute(statement)
    op.execute(PG_GRAMS_DDL)
    with op.get_context().autocommit_block():  # CONCURRENTLY cannot run inside a transaction
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {PG_GRAMS_INDEX}")  # an INVALID leftover of a failed build
        op.execute(f"CREATE INDEX CONCURRENTLY {PG_GRAMS_INDEX} ON companies USING gin "
                   f"({PG_GRAMS_FUNCTION}(search_text))")


def downgrade() -> None:
    """Drop the index, the function, the triggers and the counts table."""
    if _postgresql():
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {PG_GRAMS_INDEX}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_GRAMS_FUNCTION}(text)")
        for statement in PG_DROP:
            op.execute(statement)
    op.drop_table("lead_value_counts")
