"""The team's marks on leads: manual tags beside automatic ones, watches (a star per person), notes.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07

``tags`` gets who added a manual tag and when (``added_by``, ``added_at``; null for automatic tags and for
manual tags from before this revision), and its unique key becomes (company, tag, auto): a salesperson's tag
"expire-soon" and the registration stage's automatic one are two rows, so a rescan dropping the automatic one
never takes the person's with it. On SQLite the table is rebuilt (a batch copy; a UNIQUE constraint cannot be
dropped in place). ``lead_watches`` and ``lead_notes`` are new.

Hand-checked against ``leadhunter.db.models`` and ``leadhunter.db.team_models`` (``tests/db/test_db_migrations.py``
compares them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Widen ``tags``; create ``lead_watches`` and ``lead_notes``."""
    with op.batch_alter_table("tags") as batch:
        batch.add_column(sa.Column("added_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_tags_company_tag", type_="unique")
        batch.create_unique_constraint("uq_tags_company_tag_auto", ["company_id", "tag", "auto"])
    op.create_table(
        "lead_watches",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("watcher", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_lead_watches_company_id_companies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_watches"),
        sa.UniqueConstraint("company_id", "watcher", name="uq_lead_watches_company_watcher"),
    )
    op.create_index("ix_lead_watches_company_id", "lead_watches", ["company_id"])
    op.create_index("ix_lead_watches_watcher_company", "lead_watches", ["watcher", "company_id"])
    op.create_table(
        "lead_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("d365_pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("d365_annotation_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_lead_notes_company_id_companies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_notes"),
    )
    op.create_index("ix_lead_notes_company_id", "lead_notes", ["company_id"])


def downgrade() -> None:
    """Drop the new tables; a manual tag that shares its name with an automatic one on the same company is
    dropped (the old unique key allows one of them)."""
    op.drop_index("ix_lead_notes_company_id", table_name="lead_notes")
    op.drop_table("lead_notes")
    op.drop_index("ix_lead_watches_watcher_company", table_name="lead_watches")
    op.drop_index("ix_lead_watches_company_id", table_name="lead_watches")
    op.drop_table("lead_watches")
    op.execute("DELETE FROM tags WHERE auto = false AND EXISTS (SELECT 1 FROM tags AS a WHERE a.company_id = "
               "tags.company_id AND a.tag = tags.tag AND a.auto = true)")
    with op.batch_alter_table("tags") as batch:
        batch.drop_constraint("uq_tags_company_tag_auto", type_="unique")
        batch.create_unique_constraint("uq_tags_company_tag", ["company_id", "tag"])
        batch.drop_column("added_at")
        batch.drop_column("added_by")
