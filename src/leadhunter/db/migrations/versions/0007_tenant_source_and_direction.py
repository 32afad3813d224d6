"""Where a lead's tenant id came from (``companies.tenant_source``), and which referral direction a sync run read
(``partner_center_sync_runs.direction``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Filling: a company with a tenant id has it from a scan (``scan``); a company without one whose linked referral
carries a tenant id gets that one (``referral``), as a sync or link does from now on. Runs before this revision
read Incoming referrals only (the one direction Hunter asked for then): they are marked ``Incoming``.

Hand-checked against ``leadhunter.db.models.Company`` and ``referral_models.PartnerCenterSyncRun``
(``tests/db/test_db_migrations.py`` compares).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The newest referral carrying a tenant id, in the order ``referrals_repo.tenant_of`` reads them.
_REFERRAL_TENANT = ("SELECT r.tenant_id FROM partner_center_referrals r WHERE r.company_id = companies.id "
                    "AND r.tenant_id IS NOT NULL "
                    "ORDER BY r.pc_updated_at IS NULL, r.pc_updated_at DESC, r.id DESC LIMIT 1")


def upgrade() -> None:
    """Add both columns and fill them from the rows."""
    op.add_column("companies", sa.Column("tenant_source", sa.String(16), nullable=True))
    op.add_column("partner_center_sync_runs", sa.Column("direction", sa.String(16), nullable=True))
    op.execute("UPDATE companies SET tenant_source = 'scan' WHERE tenant_id IS NOT NULL")
    # Constant SQL (no value from outside): the same subquery picks the tenant and says whether there is one.
    op.execute(f"UPDATE companies SET tenant_id = ({_REFERRAL_TENANT}), tenant_source = 'referral' "  # noqa: S608
               f"WHERE tenant_id IS NULL AND EXISTS ({_REFERRAL_TENANT})")
    op.execute("UPDATE partner_center_sync_runs SET direction = 'Incoming'")


def downgrade() -> None:
    """Drop both columns; tenant ids filled from referrals go too (0006 kept scan tenants only)."""
    op.execute("UPDATE companies SET tenant_id = NULL WHERE tenant_source = 'referral'")
    # Plain ALTER (SQLite >= 3.35 has it): a batch rebuild of ``companies`` would lose its search triggers and
    # expression indexes (see 0005).
    op.execute("ALTER TABLE companies DROP COLUMN tenant_source")
    op.execute("ALTER TABLE partner_center_sync_runs DROP COLUMN direction")
