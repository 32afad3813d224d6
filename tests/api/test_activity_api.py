"""Who did what, on SQLite and PostgreSQL: keys made by an admin through the API (shown once, with a role and an
owner, revocable), requests recorded with their caller, route and outcome, and the admin's filters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import LiveApi, settings_for, start_api

from leadhunter.db.models import ScanJob
from leadhunter.runtime import session_factory
from leadhunter.services import api_keys


@pytest.fixture
def keyed_api(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveApi, str]]:
    """Keys mode, with one admin key made by the CLI's service."""
    settings = settings_for(tmp_path / "data", database_url, auth_mode="keys")
    for live in start_api(settings, []):
        with session_factory(settings.database()).begin() as session:
            key, _ = api_keys.create_key(session, "admin robot", role="admin", owner="ops")
        yield live, key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_admin_makes_a_seller_key_that_works_once_shown_and_dies_when_revoked(keyed_api: tuple[LiveApi, str]) -> None:
    live, admin = keyed_api
    made = live.client.post("/api/admin/keys", json={"name": "crm webhook", "role": "seller"}, headers=auth(admin))
    assert made.status_code == 201
    body = made.json()
    assert body["role"] == "seller" and body["owner"].startswith("key:hk_") and body["key"].startswith(body["prefix"])
    listed = live.client.get("/api/admin/keys", headers=auth(admin)).json()["items"]
    assert body["key"] not in str(listed) and {k["prefix"] for k in listed} >= {body["prefix"]}
    seller = body["key"]
    assert live.client.post("/api/scans", json={"domains": ["contoso.com"]}, headers=auth(seller)).status_code == 202
    assert live.client.get("/api/admin/keys", headers=auth(seller)).status_code == 403
    revoked = live.client.post(f"/api/admin/keys/{body['id']}/revoke", headers=auth(admin))
    assert revoked.status_code == 200
    assert live.client.get("/api/leads", headers=auth(seller)).status_code == 401
    refused = live.client.post("/api/admin/keys", json={"name": "x", "role": "root"}, headers=auth(admin))
    assert refused.status_code == 422


def test_activity_records_callers_and_filters(keyed_api: tuple[LiveApi, str]) -> None:
    live, admin = keyed_api
    viewer = live.client.post("/api/admin/keys", json={"name": "dashboard", "role": "viewer"},
                              headers=auth(admin)).json()
    live.client.post("/api/scans", json={"domains": ["contoso.com"]}, headers=auth(admin))
    files = {"file": ("leads.csv", b"domain\nfabrikam.com\n", "text/csv")}
    assert live.client.post("/api/imports", files=files, headers=auth(admin)).status_code == 202
    assert live.client.post("/api/scans", json={"domains": ["x.com"]}, headers=auth(viewer["key"])).status_code == 403
    live.client.get("/api/leads/export", headers=auth(viewer["key"]))
    admin_name = live.client.get("/api/me", headers=auth(admin)).json()["name"]

    def query(**params: str) -> dict[str, object]:
        reply = live.client.get("/api/admin/activity", params=params, headers=auth(admin))
        assert reply.status_code == 200, reply.text
        return reply.json()  # type: ignore[no-any-return]

    everything = query()
    actions = [(e["actor"], e["action"], e["status"]) for e in everything["items"]]  # type: ignore[union-attr]
    assert (admin_name, "POST /api/scans", 202) in actions
    assert (admin_name, "POST /api/imports", 202) in actions
    assert (admin_name, "POST /api/admin/keys", 201) in actions
    assert (f"key:{viewer['prefix']}", "POST /api/scans", 403) in actions
    assert (f"key:{viewer['prefix']}", "GET /api/leads/export", 200) in actions
    assert all(a != "GET /api/admin/activity" for _, a, _ in actions)  # reading is not recorded
    by_viewer = query(actor=f"key:{viewer['prefix']}")
    assert {e["action"] for e in by_viewer["items"]} == {"POST /api/scans", "GET /api/leads/export"}  # type: ignore[union-attr]
    failed = query(failed="true")
    assert [(e["actor"], e["status"]) for e in failed["items"]] == [(f"key:{viewer['prefix']}", 403)]  # type: ignore[union-attr]
    assert query(action="imports")["total"] == 1
    assert query(actor="key:*")["total"] == everything["total"]
    assert query(since="2999-01-01T00:00:00Z")["total"] == 0
    assert set(everything["actors"]) == {admin_name, f"key:{viewer['prefix']}"}  # type: ignore[arg-type]


def test_scan_and_import_carry_who_asked(keyed_api: tuple[LiveApi, str]) -> None:
    live, admin = keyed_api
    job = live.client.post("/api/scans", json={"domains": ["contoso.com"]}, headers=auth(admin)).json()["job_id"]
    name = live.client.get("/api/me", headers=auth(admin)).json()["name"]
    with session_factory(live.settings.database())() as session:
        assert session.get(ScanJob, job).requested_by == name  # type: ignore[union-attr]
