"""Dynamics 365 push: per-lead sync state with its lease, the per-attempt audit, bulk push jobs and items.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Hand-checked against ``leadhunter.db.d365_models`` (``tests/db/test_db_migrations.py`` compares the two on
SQLite and PostgreSQL). Constraint names follow the models' naming convention.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)

JOBS = "d365_bulk_jobs"
ITEMS = "d365_bulk_job_items"
SYNC = "d365_lead_sync"
AUDIT = "d365_push_jobs"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def upgrade() -> None:
    """Create the four tables with their indexes (jobs first: the others refer to them)."""
    op.create_table(
        JOBS,
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{JOBS}"),
    )
    op.create_index(f"ix_{JOBS}_status", JOBS, ["status"])
    op.create_index(f"ix_{JOBS}_created_at", JOBS, ["created_at"])

    op.create_table(
        ITEMS,
        sa.Column("id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _fk(ITEMS, "job_id", JOBS, "CASCADE"),
        _fk(ITEMS, "company_id", "companies", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{ITEMS}"),
        sa.UniqueConstraint("job_id", "company_id", name=f"uq_{ITEMS}_job_company"),
    )
    op.create_index(f"ix_{ITEMS}_company_id", ITEMS, ["company_id"])
    op.create_index(f"ix_{ITEMS}_job_chunk", ITEMS, ["job_id", "chunk"])
    op.create_index(f"ix_{ITEMS}_job_state", ITEMS, ["job_id", "state"])

    op.create_table(
        SYNC,
        sa.Column("company_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("d365_lead_id", sa.String(length=36), nullable=True),
        sa.Column("record_url", sa.String(length=500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_category", sa.String(length=16), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_request_id", sa.String(length=100), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("queued_at", WHEN, nullable=True),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("last_push_at", WHEN, nullable=True),
        sa.Column("synced_at", WHEN, nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_expires_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk(SYNC, "company_id", "companies", "CASCADE"),
        _fk(SYNC, "job_id", JOBS, "SET NULL"),
        sa.PrimaryKeyConstraint("company_id", name=f"pk_{SYNC}"),
    )
    for column in ("status", "job_id", "last_push_at", "lease_token"):
        op.create_index(f"ix_{SYNC}_{column}", SYNC, [column])

    op.create_table(
        AUDIT,
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("requested_at", WHEN, nullable=True),
        sa.Column("attempted_at", WHEN, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("error_category", sa.String(length=16), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("d365_lead_id", sa.String(length=36), nullable=True),
        _fk(AUDIT, "company_id", "companies", "SET NULL"),
        _fk(AUDIT, "job_id", JOBS, "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{AUDIT}"),
    )
    for column in ("company_id", "job_id", "attempted_at"):
        op.create_index(f"ix_{AUDIT}_{column}", AUDIT, [column])


def downgrade() -> None:
    """Drop the four tables (their indexes go with them), referring tables first."""
    op.drop_table(AUDIT)
    op.drop_table(SYNC)
    op.drop_table(ITEMS)
    op.drop_table(JOBS)
