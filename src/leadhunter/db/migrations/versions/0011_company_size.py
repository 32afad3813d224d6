"""Company size on the company row and the Partner Center customer size band on the referral.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``companies.size`` (small / medium / large) is a filter column with an index that carries the lead list's
default order (like ``ix_companies_provider``); ``companies.size_detail`` keeps the whole estimate (band,
confidence, source, reasons) for the lead modal and the sales brief. ``partner_center_referrals.customer_size``
keeps ``customerProfile.size`` as received (it was read and dropped before).

Hand-checked against ``leadhunter.db.models`` (``tests/db/test_db_migrations.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE_ID = ["id"]


def _null_last(column: str, *, descending: bool = False) -> list[sa.ColumnElement[bool] | str]:
    """``(column IS NULL), column [DESC]``: the index terms of one nulls-last sort key (as in 0001)."""
    return [sa.literal_column(f"({column} IS NULL)"), sa.literal_column(f"{column} DESC") if descending else column]


LEAD_ORDER = [*_null_last("category"), *_null_last("score", descending=True), "domain"]


def upgrade() -> None:
    """Add the columns and the size index."""
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("companies", sa.Column("size", sa.String(8), nullable=True))
    op.add_column("companies", sa.Column("size_detail", json_type, nullable=True))
    op.add_column("partner_center_referrals", sa.Column("customer_size", sa.String(40), nullable=True))
    op.create_index("ix_companies_size", "companies", ["size", *LEAD_ORDER], postgresql_include=INCLUDE_ID)


def downgrade() -> None:
    """Drop the index and the columns (plain ALTER: a batch rebuild would lose SQLite's expression indexes)."""
    op.drop_index("ix_companies_size", table_name="companies")
    op.execute("ALTER TABLE partner_center_referrals DROP COLUMN customer_size")
    op.execute("ALTER TABLE companies DROP COLUMN size_detail")
    op.execute("ALTER TABLE companies DROP COLUMN size")
