"""Initial schema: companies and their scans, changes, tags and raw leads; scan jobs, imports, API keys,
metric counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Hand-checked against ``leadhunter.db.models`` (``tests/db/test_migrations.py`` compares the two on SQLite
and PostgreSQL). Constraint names follow the models' naming convention. The lead-list indexes are
expression indexes (``(column IS NULL), column``: rows without a value sort last on both databases) and,
on PostgreSQL only, carry ``id`` as an INCLUDE column for index-only scans.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sa.DateTime(timezone=True)
INCLUDE_ID = ["id"]


def _null_last(column: str, descending: bool = False) -> list[sa.ColumnElement[object] | str]:
    """``(column IS NULL), column [DESC]``: the index terms of one nulls-last sort key."""
    return [sa.literal_column(f"({column} IS NULL)"), sa.literal_column(f"{column} DESC") if descending else column]


LEAD_ORDER = [*_null_last("category"), *_null_last("score", descending=True), "domain"]


def upgrade() -> None:
    """Create every table, constraint and index."""
    op.create_table(
        "companies",
        sa.Column("id", ID, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("domain_unicode", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=True),
        sa.Column("scanned_at", WHEN, nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=True),
        sa.Column("gateway", sa.String(length=40), nullable=True),
        sa.Column("hosting_label", sa.String(length=60), nullable=True),
        sa.Column("confidence", sa.String(length=8), nullable=True),
        sa.Column("tenant_id", sa.String(length=36), nullable=True),
        sa.Column("dmarc_policy", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("segment", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=4), nullable=True),
        sa.Column("breakdown", JSON, nullable=True),
        sa.Column("evidence", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_companies"),
        sa.UniqueConstraint("domain", name="uq_companies_domain"),
    )
    op.create_index("ix_companies_category_score_domain", "companies", ["category", "score", "domain"])
    op.create_index("ix_companies_score", "companies", ["score"])
    op.create_index("ix_companies_scanned_at", "companies", ["scanned_at"])
    op.create_index("ix_companies_lead_order", "companies", LEAD_ORDER, postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_score_order", "companies", [*_null_last("score", descending=True), "domain"],
                    postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_priority_order", "companies", [*_null_last("priority"), "domain"],
                    postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_name_order", "companies", [*_null_last("name"), "domain"],
                    postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_scanned_order", "companies", [*_null_last("scanned_at", descending=True), "domain"],
                    postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_created_order", "companies", [sa.literal_column("created_at DESC"), "domain"],
                    postgresql_include=INCLUDE_ID)
    for column in ("segment", "provider", "gateway"):
        op.create_index(f"ix_companies_{column}", "companies", [column, *LEAD_ORDER], postgresql_include=INCLUDE_ID)
    op.create_index("ix_companies_search", "companies", ["domain_unicode", "name", "domain", "category", "score"],
                    postgresql_include=INCLUDE_ID)

    op.create_table(
        "scan_jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scan_jobs"),
    )
    op.create_index("ix_scan_jobs_created_at", "scan_jobs", ["created_at"])
    op.create_index("ix_scan_jobs_status", "scan_jobs", ["status"])

    op.create_table(
        "scans",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("scanned_at", WHEN, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_scans_company_id_companies",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_id"], ["scan_jobs.id"], name="fk_scans_job_id_scan_jobs", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_scans"),
    )
    op.create_index("ix_scans_company_id", "scans", ["company_id"])
    op.create_index("ix_scans_job_id", "scans", ["job_id"])

    op.create_table(
        "company_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("old", sa.String(length=64), nullable=True),
        sa.Column("new", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_company_changes_company_id_companies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_company_changes"),
    )
    op.create_index("ix_company_changes_changed_at", "company_changes", ["changed_at"])
    op.create_index("ix_company_changes_company_id", "company_changes", ["company_id"])

    op.create_table(
        "tags",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_tags_company_id_companies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("company_id", "tag", name="uq_tags_company_tag"),
    )
    op.create_index("ix_tags_company_id", "tags", ["company_id"])
    op.create_index("ix_tags_tag", "tags", ["tag"])

    op.create_table(
        "scan_job_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_scan_job_items_company_id_companies",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_id"], ["scan_jobs.id"], name="fk_scan_job_items_job_id_scan_jobs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_scan_job_items"),
        sa.UniqueConstraint("job_id", "company_id", name="uq_scan_job_items_job_company"),
    )
    op.create_index("ix_scan_job_items_job_chunk", "scan_job_items", ["job_id", "chunk"])
    op.create_index("ix_scan_job_items_job_state", "scan_job_items", ["job_id", "state"])

    op.create_table(
        "imports",
        sa.Column("id", ID, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["scan_jobs.id"], name="fk_imports_job_id_scan_jobs", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )

    op.create_table(
        "raw_leads",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("import_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_raw_leads_company_id_companies",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name="fk_raw_leads_import_id_imports",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_raw_leads"),
    )
    op.create_index("ix_raw_leads_company_id", "raw_leads", ["company_id"])
    op.create_index("ix_raw_leads_import_id", "raw_leads", ["import_id"])
    op.create_index("ix_raw_leads_received_at", "raw_leads", ["received_at"])
    op.create_index("ix_raw_leads_source", "raw_leads", ["source"])

    op.create_table(
        "api_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("last_used_at", WHEN, nullable=True),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_prefix", "api_keys", ["prefix"])

    op.create_table(
        "metric_counters",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metric_counters"),
        sa.UniqueConstraint("name", "label", name="uq_metric_counters_name_label"),
    )


def downgrade() -> None:
    """Drop every table (their indexes go with them), children before parents."""
    for table in ("metric_counters", "api_keys", "raw_leads", "imports", "scan_job_items", "tags",
                  "company_changes", "scans", "scan_jobs", "companies"):
        op.drop_table(table)
