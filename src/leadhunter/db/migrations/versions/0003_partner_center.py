"""Partner Center referrals and their sync runs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Hand-checked against ``leadhunter.db.referral_models`` (``tests/db/test_db_migrations.py`` compares the
two on SQLite and PostgreSQL). Constraint names follow the models' naming convention.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sa.DateTime(timezone=True)

REFERRALS = "partner_center_referrals"
RUNS = "partner_center_sync_runs"


def upgrade() -> None:
    """Create both tables with their indexes."""
    op.create_table(
        REFERRALS,
        sa.Column("id", ID, nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("engagement_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=True),
        sa.Column("qualification", sa.String(length=32), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("substatus", sa.String(length=16), nullable=True),
        sa.Column("customer_name", sa.String(length=300), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("domain_reason", sa.Text(), nullable=False),
        sa.Column("contacts", JSON, nullable=False),
        sa.Column("team", JSON, nullable=False),
        sa.Column("deal_value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("tenant_id", sa.String(length=36), nullable=True),
        sa.Column("lead_type", sa.String(length=24), nullable=False),
        sa.Column("lead_type_reason", sa.Text(), nullable=False),
        sa.Column("link_status", sa.String(length=16), nullable=False),
        sa.Column("link_reason", sa.Text(), nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("linked_at", WHEN, nullable=True),
        sa.Column("linked_by", sa.String(length=64), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", JSON, nullable=False),
        sa.Column("pc_created_at", WHEN, nullable=True),
        sa.Column("pc_updated_at", WHEN, nullable=True),
        sa.Column("first_seen_at", WHEN, nullable=False),
        sa.Column("synced_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name="fk_partner_center_referrals_company_id_companies", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_partner_center_referrals"),
    )
    for column in ("referral_id",):
        op.create_index(f"ix_{REFERRALS}_{column}", REFERRALS, [column], unique=True)
    for column in ("engagement_id", "type", "status", "domain", "tenant_id", "lead_type", "link_status",
                   "company_id", "synced_at"):
        op.create_index(f"ix_{REFERRALS}_{column}", REFERRALS, [column])

    op.create_table(
        RUNS,
        sa.Column("id", ID, nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("seen_count", sa.Integer(), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("unlinked_count", sa.Integer(), nullable=False),
        sa.Column("scans_queued", sa.Integer(), nullable=False),
        sa.Column("scan_job_id", ID, nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("watermark_from", WHEN, nullable=True),
        sa.Column("watermark", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["scan_job_id"], ["scan_jobs.id"],
                                name="fk_partner_center_sync_runs_scan_job_id_scan_jobs", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_partner_center_sync_runs"),
        sa.UniqueConstraint("active", name="uq_partner_center_sync_runs_active"),
    )
    op.create_index(f"ix_{RUNS}_created_at", RUNS, ["created_at"])
    op.create_index(f"ix_{RUNS}_status", RUNS, ["status"])


def downgrade() -> None:
    """Drop both tables (their indexes go with them)."""
    op.drop_table(RUNS)
    op.drop_table(REFERRALS)
