"""Migration 0004 (D365 push tables) steps down to 0003 and up again on SQLite and PostgreSQL, keeping the rest."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from leadhunter.db.migrate import downgrade, upgrade

D365_TABLES = {"d365_lead_sync", "d365_push_jobs", "d365_bulk_jobs", "d365_bulk_job_items"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0004_downgrades_and_upgrades(db_url: str) -> None:
    upgrade(db_url, "0004")
    everything = _tables(db_url)
    assert everything >= D365_TABLES
    downgrade(db_url, "0003")
    assert _tables(db_url) == everything - D365_TABLES  # only its own tables go
    upgrade(db_url, "0004")
    assert _tables(db_url) == everything
    engine = create_engine(db_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("d365_lead_sync")}
        assert {"status", "lease_token", "lease_expires_at", "attempts", "record_url", "error_category"} <= columns
    finally:
        engine.dispose()
