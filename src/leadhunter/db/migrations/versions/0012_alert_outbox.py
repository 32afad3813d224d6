"""Alert targets (Teams, Slack, signed webhook, e-mail) and the outbox of deliveries, one per (target, change).

Revision ID: 0012
Revises: 0014 (main had 0014_auth on 0010 when this branch merged main)
Create Date: 2026-12-07

Hand-checked against ``leadhunter.db.alert_models`` (``tests/db/test_db_migrations.py`` compares the two on
SQLite and PostgreSQL). Constraint names follow the models' naming convention.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TARGETS, DELIVERIES = "alert_targets", "alert_deliveries"


def upgrade() -> None:
    """Create ``alert_targets`` and ``alert_deliveries`` with their indexes."""
    op.create_table(
        TARGETS,
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("kinds", JSON, nullable=False),
        sa.Column("lead_filter", JSON, nullable=False),
        sa.Column("filter_params", JSON, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("secrets", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TARGETS}"),
    )
    op.create_table(
        DELIVERIES,
        sa.Column("id", ID, nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("change_id", ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["target_id"], [f"{TARGETS}.id"], name=f"fk_{DELIVERIES}_target_id_{TARGETS}",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["change_id"], ["company_changes.id"],
                                name=f"fk_{DELIVERIES}_change_id_company_changes", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{DELIVERIES}"),
        sa.UniqueConstraint("target_id", "change_id", name=f"uq_{DELIVERIES}_target_id_change_id"),
    )
    op.create_index(f"ix_{DELIVERIES}_change_id", DELIVERIES, ["change_id"])
    op.create_index(f"ix_{DELIVERIES}_state_due_at", DELIVERIES, ["state", "due_at"])


def downgrade() -> None:
    """Drop the outbox, then the targets."""
    op.drop_table(DELIVERIES)
    op.drop_table(TARGETS)
