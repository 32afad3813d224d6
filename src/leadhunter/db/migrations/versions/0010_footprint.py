"""Microsoft footprint on the company row: web and DNS host, mail and web country, and the stored grid.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

Each scan keeps its whole report (``footprint``, ``network``, ``whitespace`` keys included) in ``scans``; the
company row gets the current verdict's copy: the four filter columns, each with an index that carries the
lead list's default order (like ``ix_companies_provider``), and ``footprint`` (JSON) for the lead modal and
change detection. Plays and SaaS products are automatic tags in ``tags``: no schema change.

Hand-checked against ``leadhunter.db.models`` (``tests/db/test_db_migrations.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE_ID = ["id"]
COLUMNS = (("web_host", 60), ("dns_host", 60), ("mail_country", 2), ("web_country", 2))


def _null_last(column: str, *, descending: bool = False) -> list[sa.ColumnElement[bool] | str]:
    """``(column IS NULL), column [DESC]``: the index terms of one nulls-last sort key (as in 0001)."""
    return [sa.literal_column(f"({column} IS NULL)"), sa.literal_column(f"{column} DESC") if descending else column]


LEAD_ORDER = [*_null_last("category"), *_null_last("score", descending=True), "domain"]


def upgrade() -> None:
    """Add the columns and their indexes."""
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    for name, length in COLUMNS:
        op.add_column("companies", sa.Column(name, sa.String(length), nullable=True))
    op.add_column("companies", sa.Column("footprint", json_type, nullable=True))
    for name, _ in COLUMNS:
        op.create_index(f"ix_companies_{name}", "companies", [name, *LEAD_ORDER], postgresql_include=INCLUDE_ID)


def downgrade() -> None:
    """Drop the indexes and the columns."""
    for name, _ in COLUMNS:
        op.drop_index(f"ix_companies_{name}", table_name="companies")
    # Plain ALTER (SQLite >= 3.35 has it): a batch rebuild of the table would lose the expression indexes,
    # which SQLite cannot reflect, and the search table's triggers.
    for name in ("footprint", *(n for n, _ in reversed(COLUMNS))):
        op.execute(f"ALTER TABLE companies DROP COLUMN {name}")
