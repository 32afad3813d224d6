"""The D365 push API on a live server (uvicorn on loopback) over SQLite and PostgreSQL, with the real adapter
pushing to the fake Dataverse over HTTPS: the feature flag, push by ids / domains / filter, retry, status,
job progress, the D365 fields and filter of the lead list, metrics, and readiness while D365 is down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.integrations.d365 import DataverseClient
from leadhunter.services import d365_push
from leadhunter.services.d365_push import PushRequest
from live_server import serve_app
from services.d365_env import (  # noqa: F401  (fixtures)
    FAST,
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)

Dispatch = Callable[[PushRequest], None]


@contextmanager
def _serve(settings: Settings, dispatch: Dispatch | None = None) -> Iterator[tuple[httpx.Client, list[PushRequest]]]:
    """A live API; yields a client and the push requests it dispatched (handed on to ``dispatch`` if given)."""
    sent: list[PushRequest] = []

    def record(request: PushRequest) -> None:
        sent.append(request)
        if dispatch is not None:
            dispatch(request)

    app = create_app(settings, dispatch=lambda job, chunk: None, broker_probe=lambda: "ok")
    app.state.d365_dispatch = record
    with serve_app(app, startup_timeout=10) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield client, sent


def _inline(d365: D365Env, client: DataverseClient) -> Dispatch:
    """What a worker does with a dispatched request, run at once in the API's thread (one attempt each)."""

    def run(request: PushRequest) -> None:
        if request.count == 1:
            d365_push.push_lead(d365.factory, client, request.company_ids[0], options=FAST)
        for chunk in request.chunks if request.count > 1 else ():
            d365_push.push_chunk(d365.factory, client, request.job_id, chunk, options=FAST)

    return run


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return dict(body["error"])


def test_flag_off_refuses_pushes_says_how_and_calls_nobody(d365: D365Env) -> None:
    (cid,) = d365.seed(1)
    with _serve(d365.settings(d365_enabled=False)) as (api, sent):
        error = _error(api.post("/api/d365/push", json={"ids": [cid]}), 409, "d365_disabled")
        assert "HUNTER_D365_ENABLED=true" in error["message"] and "hunter d365 check" in error["message"]
        _error(api.post(f"/api/d365/retry/{cid}"), 409, "d365_disabled")
        state = api.get("/api/d365/status").json()
        assert (state["enabled"], state["status"]) == (False, "disabled") and "HUNTER_D365_ENABLED" in state["message"]
        assert state["counts"]["not_synced"] == 1
        (lead,) = api.get("/api/leads").json()["items"]
        assert (lead["d365_status"], lead["d365_lead_id"], lead["d365_attempts"]) == ("not_synced", None, 0)
    assert sent == [] and d365.dataverse.calls == [] and d365.entra.requests == []


def test_push_retry_status_and_the_lead_list(d365: D365Env) -> None:
    ids = d365.seed(6)
    d365.dataverse.fail_writes("lead-0005.com.tr", 400)
    client = d365.client()
    with _serve(d365.settings(), _inline(d365, client)) as (api, sent):
        assert api.post("/api/d365/push", json={"ids": ids[:2], "domains": ["x.com"]}).status_code == 422
        dry = api.post("/api/d365/push", json={"filter": {"provider": ["M365"]}, "dry_run": True})
        assert (dry.status_code, dry.json()["count"], dry.json()["job_id"]) == (200, 3, None) and sent == []

        by_ids = api.post("/api/d365/push", json={"ids": [*ids[:2], 999999]})
        assert by_ids.status_code == 202, by_ids.text
        body = by_ids.json()
        assert (body["count"], body["unknown"], body["queued"]) == (2, [999999], True)
        by_domain = api.post("/api/d365/push", json={"domains": ["https://lead-0002.com.tr/x", "nope.example"]}).json()
        assert (by_domain["count"], by_domain["unknown"]) == (1, ["nope.example"])
        by_filter = api.post("/api/d365/push", json={"filter": {"d365_status": ["not_synced"]}}).json()
        assert by_filter["count"] == 3  # the three never pushed

        job = api.get(f"/api/d365/jobs/{body['job_id']}").json()
        assert (job["status"], job["total"], job["synced"], job["failed"], job["pending"]) == ("done", 2, 2, 0, 0)
        _error(api.get("/api/d365/jobs/424242"), 404, "d365_job_not_found")

        leads = {lead["domain"]: lead for lead in api.get("/api/leads", params={"page_size": 10}).json()["items"]}
        synced = leads["lead-0000.com.tr"]
        assert synced["d365_status"] == "synced" and synced["d365_attempts"] == 1 and synced["d365_pushed_at"]
        assert synced["d365_url"].endswith(f"id={synced['d365_lead_id']}") and synced["d365_error"] is None
        failed = leads["lead-0005.com.tr"]
        assert (failed["d365_status"], failed["d365_error_category"]) == ("error", "validation")
        assert "injected failure" in failed["d365_error"]
        detail = api.get("/api/leads/lead-0005.com.tr").json()
        assert (detail["d365_status"], detail["d365_attempts"]) == ("error", 1)
        only_errors = api.get("/api/leads", params={"d365_status": "error"}).json()
        assert [lead["domain"] for lead in only_errors["items"]] == ["lead-0005.com.tr"]
        assert api.get("/api/leads", params={"d365_status": ["synced", "error"]}).json()["total"] == 6

        state = api.get("/api/d365/status").json()
        assert state["enabled"] and state["counts"] == {"not_synced": 0, "queued": 0, "in_progress": 0,
                                                        "synced": 5, "error": 1}
        assert [f["domain"] for f in state["recent_failures"]] == ["lead-0005.com.tr"]
        assert state["last_push"]["outcome"] in ("created", "error")

        d365.dataverse.clear_faults()
        retried = api.post("/api/d365/retry/lead-0005.com.tr")
        assert retried.status_code == 202 and retried.json()["count"] == 1
        assert api.get("/api/leads/lead-0005.com.tr").json()["d365_status"] == "synced"
        by_id = api.post(f"/api/d365/retry/{ids[0]}").json()  # a re-push of a synced lead updates it
        assert api.get(f"/api/d365/jobs/{by_id['job_id']}").json()["synced"] == 1
        _error(api.post("/api/d365/retry/unknown.example"), 404, "lead_not_found")
        _error(api.post("/api/d365/retry/424242"), 404, "lead_not_found")
    assert d365.leads_per_domain() == {f"lead-{i:04d}.com.tr": 1 for i in range(6)}


def test_metrics_and_readiness_while_d365_is_down(d365: D365Env) -> None:
    ids = d365.seed(3)
    d365.dataverse.fail_writes("lead-0002.com.tr", 400)
    client = d365.client(connect_timeout=1.0, read_timeout=2.0)
    with _serve(d365.settings(), _inline(d365, client)) as (api, _):
        assert api.post("/api/d365/push", json={"ids": ids}).status_code == 202
        text = api.get("/metrics").text
        assert "d365_push_total 3.0" in text
        assert 'd365_push_fail_total{category="validation"} 1.0' in text
        assert 'd365_push_fail_total{category="unavailable"} 0.0' in text
        assert 'd365_push_duration_seconds_bucket{le="+Inf"} 3.0' in text and "d365_push_duration_seconds_sum" in text

        d365.dataverse.down = "drop"  # Dynamics goes away: pushes wait, Hunter stays ready
        before = len(d365.dataverse.calls)
        pushed = api.post("/api/d365/push", json={"ids": ids[:1]})
        assert pushed.status_code == 202
        assert api.get("/api/leads/lead-0000.com.tr").json()["d365_status"] == "queued"  # waits for a retry
        calls = len(d365.dataverse.calls)
        assert calls > before  # the push tried
        ready = api.get("/healthz/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ok"
        assert api.get("/api/leads").status_code == 200 and api.get("/api/d365/status").status_code == 200
        assert len(d365.dataverse.calls) == calls  # health and status never call D365
        assert 'd365_push_fail_total{category="unavailable"} 1.0' in api.get("/metrics").text
