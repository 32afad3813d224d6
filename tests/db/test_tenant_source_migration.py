"""Migration 0007 on SQLite and PostgreSQL: a company's tenant id gets its source (``scan`` where one was stored,
else the newest linked referral's tenant id as ``referral``), sync runs before it read Incoming referrals; down
and up again keeps scan tenants and drops the referral ones with the column."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from leadhunter.db.migrate import downgrade, upgrade

SCAN_TENANT = "11111111-1111-4111-8111-111111111111"
OLD_REFERRAL = "22222222-2222-4222-8222-222222222222"
NEW_REFERRAL = "33333333-3333-4333-8333-333333333333"


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _seed(url: str) -> None:
    engine = create_engine(url)
    referral = ("INSERT INTO partner_center_referrals (referral_id, domain_reason, contacts, team, tenant_id, "
                "lead_type, lead_type_reason, link_status, link_reason, company_id, payload_hash, raw, pc_updated_at, "
                "first_seen_at, synced_at, updated_at) VALUES (:rid, '', '[]', '[]', :tenant, 'co-sell', '', "
                "'linked', '', :cid, 'h', '{}', :updated, :seen, :synced, :now)")
    try:
        with engine.begin() as conn:
            for cid, domain, tenant in ((1, "scanned.example", SCAN_TENANT), (2, "referred.example", None),
                                        (3, "plain.example", None)):
                conn.execute(text("INSERT INTO companies (id, domain, domain_unicode, search_text, created_at, "
                                  "updated_at, tenant_id) VALUES (:id, :d, :du, :ds, :now, :now2, :t)"),
                             {"id": cid, "d": domain, "du": domain, "ds": domain, "t": tenant,
                              "now": "2026-01-01 00:00:00", "now2": "2026-01-01 00:00:00"})
            for rid, tenant, cid, updated in (("r-old", OLD_REFERRAL, 2, "2026-01-01 00:00:00"),
                                              ("r-new", NEW_REFERRAL, 2, "2026-02-01 00:00:00"),
                                              ("r-none", None, 2, "2026-03-01 00:00:00"),  # newest, but no tenant
                                              ("r-scanned", OLD_REFERRAL, 1, "2026-03-01 00:00:00")):
                conn.execute(text(referral), {"rid": rid, "tenant": tenant, "cid": cid, "updated": updated,
                                              **dict.fromkeys(("seen", "synced", "now"), "2026-01-01 00:00:00")})
            conn.execute(text("INSERT INTO partner_center_sync_runs (trigger, status, created_at, batches, "
                              "seen_count, new_count, updated_count, skipped_count, unlinked_count, scans_queued) "
                              "VALUES ('beat', 'ok', '2026-01-01 00:00:00', 0, 0, 0, 0, 0, 0, 0)"))
    finally:
        engine.dispose()


def test_0007_fills_tenant_sources_and_run_directions(db_url: str) -> None:
    downgrade(db_url, "base")  # the module's PostgreSQL database is shared: start from empty either way
    upgrade(db_url, "0006")
    _seed(db_url)
    upgrade(db_url, "0007")
    tenants = "SELECT domain, tenant_id, tenant_source FROM companies ORDER BY id"
    assert _rows(db_url, tenants) == [("scanned.example", SCAN_TENANT, "scan"),  # a scan's tenant is kept
                                      ("referred.example", NEW_REFERRAL, "referral"),  # the newest that has one
                                      ("plain.example", None, None)]
    assert _rows(db_url, "SELECT direction FROM partner_center_sync_runs") == [("Incoming",)]

    downgrade(db_url, "0006")
    engine = create_engine(db_url)
    try:
        assert "tenant_source" not in {c["name"] for c in inspect(engine).get_columns("companies")}
        assert "direction" not in {c["name"] for c in inspect(engine).get_columns("partner_center_sync_runs")}
    finally:
        engine.dispose()
    assert _rows(db_url, "SELECT tenant_id FROM companies ORDER BY id") == [(SCAN_TENANT,), (None,), (None,)]
    upgrade(db_url)
    assert _rows(db_url, tenants)[1] == ("referred.example", NEW_REFERRAL, "referral")
