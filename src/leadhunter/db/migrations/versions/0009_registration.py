"""Registration data (RDAP / WHOIS) per company: registrar, dates, nameservers, with source and fetch time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Hand-checked against ``leadhunter.db.registration_models`` (``tests/db/test_db_migrations.py`` compares the
two on SQLite and PostgreSQL). Constraint names follow the models' naming convention.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TABLE = "company_registrations"


def upgrade() -> None:
    """Create ``company_registrations`` with its indexes."""
    op.create_table(
        TABLE,
        sa.Column("company_id", ID, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=True),
        sa.Column("server", sa.String(length=300), nullable=True),
        sa.Column("fetched_at", WHEN, nullable=True),
        sa.Column("checked_at", WHEN, nullable=False),
        sa.Column("registrar", sa.String(length=300), nullable=True),
        sa.Column("registered_at", WHEN, nullable=True),
        sa.Column("expires_at", WHEN, nullable=True),
        sa.Column("last_changed_at", WHEN, nullable=True),
        sa.Column("statuses", JSON, nullable=False),
        sa.Column("nameservers", JSON, nullable=False),
        sa.Column("registrant_organization", sa.String(length=300), nullable=True),
        sa.Column("withheld", JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=f"fk_{TABLE}_company_id_companies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("company_id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_checked_at", TABLE, ["checked_at"])
    op.create_index(f"ix_{TABLE}_registered_at", TABLE, ["registered_at"])
    op.create_index(f"ix_{TABLE}_expires_at", TABLE, ["expires_at"])


def downgrade() -> None:
    """Drop ``company_registrations``."""
    op.drop_table(TABLE)
