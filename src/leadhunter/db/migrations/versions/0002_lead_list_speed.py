"""Lead-list speed: on PostgreSQL, the search scans an index holding its folded terms.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The lead search is a case-insensitive substring match, which no B-tree can seek, so every search scans a
narrow index. On PostgreSQL it compares ``lower(domain_unicode)`` and ``lower(name)`` (all of Unicode),
and those two ``lower()`` calls were over half the time of a search scanning ``ix_companies_search``
(45 ms over 100,000 companies). ``ix_companies_search_folded`` stores both expressions, with the columns
the search reads included, so the scan compares stored values: about twice as fast. ``id`` leads its key
(no search seeks it) so that new companies append at the index's right edge and its pages stay full: a
bigger index makes the planner prefer a sequential scan of the wide rows. It replaces ``ix_companies_search``
there: kept side by side, the planner would often pick the smaller old one, since it does not count what
``lower()`` costs.

PostgreSQL only: SQLite's search does not fold (its LIKE ignores ASCII case by itself) and keeps scanning
``ix_companies_search``, so this revision does nothing there. (In the models, both indexes are declared
for their own database only; see ``leadhunter.db.models.only_on``.)

Hand-checked against ``leadhunter.db.models`` (``tests/db/test_db_migrations.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLDED_INDEX = "ix_companies_search_folded"
PLAIN_INDEX = "ix_companies_search"


def _postgresql() -> bool:
    """Whether this runs on PostgreSQL (also in offline ``--sql`` mode, where there is no connection)."""
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    """PostgreSQL: build the folded search index, drop the plain one it replaces."""
    if not _postgresql():
        return
    op.create_index(FOLDED_INDEX, "companies", ["id", sa.text("lower(domain_unicode)"), sa.text("lower(name)")],
                    postgresql_include=["domain", "domain_unicode", "name", "category", "score"])
    op.drop_index(PLAIN_INDEX, table_name="companies")


def downgrade() -> None:
    """PostgreSQL: the plain search index of 0001 back, the folded one dropped."""
    if not _postgresql():
        return
    op.create_index(PLAIN_INDEX, "companies", ["domain_unicode", "name", "domain", "category", "score"],
                    postgresql_include=["id"])
    op.drop_index(FOLDED_INDEX, table_name="companies")
