"""The referrals API on a live server (uvicorn on loopback) over SQLite and PostgreSQL, with the real client
syncing from the fake Partner Center: feature flag, sync and its status, list, detail, link, create lead, and
the referral fields and filter of the lead list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from fakes.partner_center_data import generate_referrals
from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.integrations.partner_center.mapping import decide_lead_type
from live_server import serve_app
from services.referral_env import PcEnv, db_url, incoming, pc_env, referral  # noqa: F401


@contextmanager
def _serve(settings: Settings) -> Iterator[tuple[httpx.Client, list[int], list[tuple[int, int]]]]:
    """A live API; yields a client, the sync runs it dispatched and the scan chunks it dispatched."""
    runs: list[int] = []
    chunks: list[tuple[int, int]] = []
    app = create_app(settings, dispatch=lambda job, chunk: chunks.append((job, chunk)), broker_probe=lambda: "ok")
    app.state.referral_dispatch = runs.append
    with serve_app(app, startup_timeout=10) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield client, runs, chunks


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return body["error"]


def test_flag_off_refuses_to_sync_and_says_how_to_turn_it_on(pc_env: PcEnv) -> None:  # noqa: F811
    asked = (len(pc_env.entra.requests), len(pc_env.pc.requests))
    with _serve(pc_env.settings(partner_center_enabled=False)) as (client, runs, _):
        error = _error(client.post("/api/referrals/sync"), 409, "partner_center_disabled")
        assert "HUNTER_PARTNER_CENTER_ENABLED=true" in error["message"]
        assert "hunter partner-center login" in error["message"]
        state = client.get("/api/referrals/sync-status").json()
        assert (state["enabled"], state["outcome"], state["status"]) == (False, "disabled", "disabled")
        assert "HUNTER_PARTNER_CENTER_ENABLED" in state["message"]
        assert client.get("/api/referrals").json()["total"] == 0  # stored referrals stay readable
    assert runs == []
    assert (len(pc_env.entra.requests), len(pc_env.pc.requests)) == asked  # nothing reached the fakes


def test_sync_status_list_and_detail(pc_env: PcEnv) -> None:  # noqa: F811
    pc_env.pc.add_referrals(generate_referrals(45, seed=21))
    wanted = incoming(pc_env.pc)
    with _serve(pc_env.settings()) as (client, runs, _):
        assert client.get("/api/referrals/sync-status").json()["outcome"] is None  # never synced
        first = client.post("/api/referrals/sync")
        assert first.status_code == 202
        body = first.json()
        assert (body["status"], body["created"], body["queued"]) == ("queued", True, True)
        second = client.post("/api/referrals/sync").json()  # while it is queued: the same run
        assert (second["run_id"], second["created"]) == (body["run_id"], False)
        assert client.get("/api/referrals/sync-status").json()["outcome"] == "queued"
        assert runs and set(runs) == {body["run_id"]}

        assert pc_env.sync(run_id=body["run_id"]).status == "ok"  # what the worker does with the dispatched run
        state = client.get("/api/referrals/sync-status").json()
        assert (state["outcome"], state["running"], state["last_error"]) == ("OK", False, None)
        assert state["counts"]["seen"] == state["counts"]["new"] == len(wanted)
        assert state["last_sync_at"] and state["last_success_at"] == state["last_sync_at"]

        page = client.get("/api/referrals", params={"page_size": 10, "page": 2}).json()
        assert (page["total"], len(page["items"]), page["page"]) == (len(wanted), 10, 2)
        assert "contacts" not in page["items"][0]  # personal data only in the detail
        cosell = {i for i, p in wanted.items() if decide_lead_type(p).lead_type.value == "co-sell"}
        listed = client.get("/api/referrals", params={"lead_type": "co-sell", "page_size": 500}).json()
        assert {i["referral_id"] for i in listed["items"]} == cosell and listed["total"] == len(cosell)
        closed = client.get("/api/referrals", params={"status": "Closed", "page_size": 500}).json()
        assert {i["referral_id"] for i in closed["items"]} == {i for i, p in wanted.items() if p["status"] == "Closed"}
        unlinked = client.get("/api/referrals", params={"link_status": "unlinked", "page_size": 500}).json()
        assert unlinked["total"] > 0 and all(i["link_status"] == "unlinked" for i in unlinked["items"])
        one = next(iter(wanted.values()))
        found = client.get("/api/referrals", params={"q": one["customerProfile"]["name"].upper()}).json()
        assert one["id"] in {i["referral_id"] for i in found["items"]}
        _error(client.get("/api/referrals", params={"lead_type": "partner"}), 422, "validation_error")

        detail = client.get(f"/api/referrals/{one['id']}").json()
        assert "raw" not in detail and detail["referral_id"] == one["id"]
        assert isinstance(detail["contacts"], list) and isinstance(detail["team"], list)
        assert set(detail["deal"]) == {"value", "currency", "closing_at", "notes"}
        raw = client.get(f"/api/referrals/{one['id']}", params={"raw": "true"}).json()
        assert raw["raw"] == one
        _error(client.get("/api/referrals/00000000-0000-4000-8000-000000000000"), 404, "referral_not_found")


def test_link_create_lead_and_the_lead_list_fields(pc_env: PcEnv) -> None:  # noqa: F811
    cosell = referral(500, type="Shared", profile={"website": "cosell-firma.com.tr"})
    plain = {"type": "Independent", "qualification": "Direct", "referralSource": None, "callToAction": None}
    lonely = referral(501, **plain, profile={"website": None, "team": []})
    other = referral(502, **plain, profile={"website": None, "team": []})
    pc_env.pc.add_referrals([cosell, lonely, other])
    with _serve(pc_env.settings()) as (client, _runs, chunks):
        run = client.post("/api/referrals/sync").json()
        assert pc_env.sync(run_id=run["run_id"]).status == "ok"
        assert client.post("/api/leads", json={"domain": "handmade.com.tr"}).status_code == 202

        _error(client.post(f"/api/referrals/{lonely['id']}/link", json={"domain": "nobody-here.com.tr"}), 404,
               "lead_not_found")
        _error(client.post(f"/api/referrals/{lonely['id']}/create-lead", json={}), 422, "invalid_domain")
        linked = client.post(f"/api/referrals/{lonely['id']}/link", json={"domain": "https://handmade.com.tr/"})
        assert linked.status_code == 200, linked.text
        assert (linked.json()["link_status"], linked.json()["lead_domain"]) == ("linked", "handmade.com.tr")
        made = client.post(f"/api/referrals/{other['id']}/create-lead", json={"domain": "fresh-firma.com.tr"})
        assert made.status_code == 201 and made.json()["created"]
        assert made.json()["lead"]["domain"] == "fresh-firma.com.tr"
        assert made.json()["job_id"] is not None and (made.json()["job_id"], 0) in chunks  # its scan was dispatched
        again = client.post(f"/api/referrals/{other['id']}/create-lead", json={"domain": "fresh-firma.com.tr"})
        assert again.status_code == 200 and not again.json()["created"]

        leads = {i["domain"]: i for i in client.get("/api/leads", params={"page_size": 500}).json()["items"]}
        assert (leads["cosell-firma.com.tr"]["referral_type"], leads["cosell-firma.com.tr"]["referral_count"],
                leads["cosell-firma.com.tr"]["referral_link_status"]) == ("co-sell", 1, "linked")
        assert leads["handmade.com.tr"]["referral_count"] == 1
        with_cosell = client.get("/api/leads", params={"referral_type": "co-sell"}).json()
        assert [i["domain"] for i in with_cosell["items"]] == ["cosell-firma.com.tr"] and with_cosell["total"] == 1
        without = client.get("/api/leads", params={"referral_type": "none", "page_size": 500}).json()
        assert without["total"] == len(leads) - 3
        assert all(i["referral_count"] == 0 and i["referral_type"] is None for i in without["items"])
        _error(client.get("/api/leads", params={"referral_type": "partner"}), 422, "validation_error")
