"""Shared pauses of external destinations: a 429 from a Dynamics 365 org pauses every worker's sends to it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Hand-checked against ``leadhunter.db.models.IntegrationPause`` (``tests/db/test_db_migrations.py`` compares).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``integration_pauses``."""
    op.create_table(
        "integration_pauses",
        sa.Column("destination", sa.String(255), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("destination", name="pk_integration_pauses"),
    )


def downgrade() -> None:
    """Drop ``integration_pauses``."""
    op.drop_table("integration_pauses")
