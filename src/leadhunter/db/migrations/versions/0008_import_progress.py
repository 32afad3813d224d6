"""Import progress: imports are stored in committed batches, so each records how far it got.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Adds ``imports.status`` (``importing`` / ``done``; existing rows are ``done``), ``updated_at`` (the last
committed batch), ``content_sha256`` (finds an interrupted import of the same file, indexed) and
``stored_through_line`` (rows up to this file line are stored). Hand-checked against
``leadhunter.db.models.Import`` (``tests/db/test_db_migrations.py`` compares).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the progress columns to ``imports``."""
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("status", sa.String(16), server_default="done", nullable=False))
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("stored_through_line", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_imports_content_sha256", ["content_sha256"])


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("imports") as batch:
        batch.drop_index("ix_imports_content_sha256")
        batch.drop_column("stored_through_line")
        batch.drop_column("content_sha256")
        batch.drop_column("status")
        batch.drop_column("updated_at")
