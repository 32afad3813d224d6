"""Sign-in: roles and owners on API keys, sign-in attempts, sessions and the activity log (issue 17).

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07

Keys made before roles existed could do everything, so they become ``admin`` (the column's server default);
new keys are given their role explicitly. Hand-checked against ``leadhunter.db.models`` and
``leadhunter.db.auth_models`` (``tests/db/test_db_migrations.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add the key columns and create the three tables."""
    op.add_column("api_keys", sa.Column("role", sa.String(16), server_default="admin", nullable=False))
    op.add_column("api_keys", sa.Column("owner", sa.String(200), nullable=True))
    op.create_table(
        "login_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("return_to", sa.String(512), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
        sa.UniqueConstraint("state", name="uq_login_attempts_state"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
    )
    op.create_index("ix_user_sessions_subject", "user_sessions", ["subject"])
    op.create_table(
        "activity",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(220), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(120), nullable=False),
        sa.Column("target", sa.String(300), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("details", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
    )
    op.create_index("ix_activity_at", "activity", ["at"])
    op.create_index("ix_activity_actor_at", "activity", ["actor", "at"])


def downgrade() -> None:
    """Drop the tables and the key columns."""
    op.drop_table("activity")
    op.drop_table("user_sessions")
    op.drop_table("login_attempts")
    op.execute("ALTER TABLE api_keys DROP COLUMN owner")
    op.execute("ALTER TABLE api_keys DROP COLUMN role")
