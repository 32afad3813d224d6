"""The D365 push service against the fake Dataverse over HTTPS and the fake Entra, on SQLite and PostgreSQL:
create then update the same record, the audit trail, error categories and the attempt limit, manual retry,
referral data in the pushed lead, and D365 down."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import insert, select

from leadhunter.db.d365_models import D365BulkJob
from leadhunter.db.models import Company, utcnow
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.integrations.d365 import MappingConfig
from leadhunter.services import d365_push
from services.d365_env import (  # noqa: F401  (fixtures)
    FAST,
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For tests whose SQL the other tests already run on PostgreSQL (the API test covers D365 down on both)."""


def test_push_creates_then_a_repush_updates_the_same_record(d365: D365Env) -> None:
    ids = d365.seed(3)
    client = d365.client()
    first = d365.queue(ids)
    d365.drain(client, first.job_id, first.chunks)
    assert d365.statuses() == {"synced": 3}
    synced = {cid: d365.sync(cid) for cid in ids}
    leads = {lead["hnt_domain"]: lead for lead in d365.dataverse.leads}
    assert len(leads) == 3
    for row in synced.values():
        assert row.d365_lead_id and row.attempts == 1 and row.last_error is None and row.lease_token is None
        page = f"{d365.dataverse.org_url}/main.aspx?pagetype=entityrecord&etn=lead&id={row.d365_lead_id}"
        assert row.record_url == page
    audit = d365.audit()
    assert [a.outcome for a in audit if a.outcome in ("created", "updated")] == ["created"] * 3
    assert all(a.requested_by == "test" and a.job_id == first.job_id and a.attempt == 1 for a in audit)
    assert all(a.request_id and a.http_status for a in audit)

    with d365.factory.begin() as session:  # the score changes, the lead is pushed again
        session.get(Company, ids[0]).score = 99  # type: ignore[union-attr]
    again = d365.queue(ids)
    d365.drain(client, again.job_id, again.chunks)
    assert d365.leads_per_domain() == {lead: 1 for lead in leads}
    assert {cid: d365.sync(cid).d365_lead_id for cid in ids} == {cid: r.d365_lead_id for cid, r in synced.items()}
    (lead,) = d365.dataverse.leads_for("lead-0000.com.tr")
    assert lead["hnt_finalscore"] == 99
    assert [a.outcome for a in d365.audit() if a.job_id == again.job_id and a.outcome != "ok"] == ["updated"] * 3
    with d365.factory() as session:
        job = session.get(D365BulkJob, again.job_id)
        assert job is not None and (job.status, job.total, job.done, job.failed) == ("done", 3, 3, 0)


def test_validation_error_is_recorded_with_its_category_and_never_retried(d365: D365Env) -> None:
    good, bad = d365.seed(2)
    d365.dataverse.fail_writes("lead-0001.com.tr", 400)
    request = d365.queue([good, bad])
    results = d365.drain(d365.client(), request.job_id, request.chunks)
    assert results[-1].retry_in is None and len(results) == 1  # nothing left to try again
    row = d365.sync(bad)
    assert (row.status, row.error_category, row.attempts, row.last_status) == ("error", "validation", 1, 400)
    assert row.last_error and "injected failure" in row.last_error and row.error_code == "0x80044331"
    bad_writes = [c for c in d365.dataverse.writes() if "lead-0001" in c.path]
    assert len(bad_writes) == 1  # the 400 was not sent again
    assert d365.sync(good).status == "synced"
    (final,) = [a for a in d365.audit(bad) if a.outcome == "error"]
    assert (final.http_status, final.error_category, final.attempt) == (400, "validation", 1)


def test_three_transient_failures_end_in_error_and_a_manual_retry_resets(d365: D365Env) -> None:
    (cid,) = d365.seed(1)
    d365.dataverse.fail_writes("lead-0000.com.tr", 503)  # every write of this lead fails
    client = d365.client()
    request = d365.queue([cid])
    runs = []
    for _ in range(20):  # what the task's retries do: run again once the backoff is over
        result = d365_push.push_lead(d365.factory, client, cid, options=FAST)
        runs.append(result)
        if result.retry_in is None:
            break
        time.sleep(result.retry_in)
    assert [(r.requeued, r.failed) for r in runs if r.claimed] == [(1, 0), (1, 0), (0, 1)]
    assert d365_push.push_lead(d365.factory, client, cid, options=FAST).claimed == 0  # no 4th attempt
    row = d365.sync(cid)
    assert (row.status, row.attempts, row.error_category) == ("error", 3, "unavailable")
    assert row.last_error and row.last_error.startswith("failed 3 times")
    finals = [a.outcome for a in d365.audit(cid) if a.outcome in ("will_retry", "error")]
    assert finals == ["will_retry", "will_retry", "error"]
    assert {a.attempt for a in d365.audit(cid)} == {1, 2, 3}
    assert all(a.http_status == 503 for a in d365.audit(cid) if a.method == "PATCH")
    with d365.factory() as session:
        assert session.get(D365BulkJob, request.job_id).failed == 1  # type: ignore[union-attr]

    d365.dataverse.clear_faults()
    d365.queue([cid], kind="retry")  # manual retry: attempts reset, error cleared, queued again
    row = d365.sync(cid)
    assert (row.status, row.attempts, row.last_error, row.error_category) == ("queued", 0, None, None)
    assert d365_push.push_lead(d365.factory, client, cid, options=FAST).synced == 1
    assert (d365.sync(cid).status, d365.sync(cid).attempts) == ("synced", 1)
    assert d365.leads_per_domain() == {"lead-0000.com.tr": 1}


@SQLITE_ONLY
def test_unscanned_lead_is_a_validation_error_without_a_request(d365: D365Env) -> None:
    (cid,) = d365.seed(1, scanned=False)
    request = d365.queue([cid])
    d365.drain(d365.client(), request.job_id, request.chunks)
    row = d365.sync(cid)
    assert (row.status, row.error_category) == ("error", "validation") and "not scanned" in (row.last_error or "")
    assert d365.dataverse.writes() == []
    (only,) = d365.audit(cid)
    assert (only.outcome, only.http_status, only.method) == ("error", None, None)


@SQLITE_ONLY
def test_referral_type_and_source_reach_the_lead(d365: D365Env) -> None:
    cid, plain = d365.seed(2)
    now = utcnow()
    with d365.factory.begin() as session:
        for n, lead_type in enumerate(("marketplace", "co-sell")):
            session.execute(insert(PartnerCenterReferral).values(
                referral_id=f"ref-{n}", lead_type=lead_type, company_id=cid, link_status="linked", domain_reason="",
                contacts=[], team=[], lead_type_reason="", link_reason="", payload_hash="x", raw={},
                first_seen_at=now, synced_at=now, updated_at=now))
    request = d365.queue([cid, plain])
    d365.drain(d365.client(), request.job_id, request.chunks)
    sources = MappingConfig().source_values
    (referred,) = d365.dataverse.leads_for("lead-0000.com.tr")
    assert (referred["hnt_referraltype"], referred["hnt_referralid"]) == ("co-sell", "ref-1")
    assert referred["hnt_source"] == sources["partner_center"]
    (other,) = d365.dataverse.leads_for("lead-0001.com.tr")
    assert other["hnt_referraltype"] is None and other["hnt_source"] == sources["manual"]
    assert other["hnt_provider"] == "M365" and referred["hnt_provider"] == "Google via Proofpoint"


@SQLITE_ONLY
def test_d365_down_leads_wait_then_go_when_it_is_back(d365: D365Env) -> None:
    ids = d365.seed(4)
    d365.dataverse.down = "drop"
    client = d365.client(connect_timeout=1.0, read_timeout=2.0)
    request = d365.queue(ids)
    (first,) = d365.drain(client, request.job_id, request.chunks, rounds=1)
    assert first.requeued == 4 and first.retry_in is not None
    assert d365.statuses() == {"queued": 4}
    row = d365.sync(ids[0])
    assert (row.attempts, row.error_category, row.next_attempt_at is not None) == (1, "unavailable", True)
    d365.dataverse.down = None
    d365.drain(client, request.job_id, request.chunks)
    assert d365.statuses() == {"synced": 4}
    assert {d365.sync(i).attempts for i in ids} == {2}
    with d365.factory() as session:
        assert session.scalar(select(D365BulkJob.status).where(D365BulkJob.id == request.job_id)) == "done"


def test_push_writes_the_plays_and_the_infrastructure_line(d365: D365Env) -> None:
    from footprint_reports import footprint_report
    from leadhunter.db import companies_repo
    from leadhunter.services.scan_jobs import store_report

    okta = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
    with d365.factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [("aws.com.tr", "aws.com.tr", "AWS Co"),
                                                              ("plain.com.tr", "plain.com.tr", None)])
        store_report(session, companies["aws.com.tr"], footprint_report(
            "aws.com.tr", web="aws", ns="aws", tenant=okta, web_country="US"), None, utcnow())
        store_report(session, companies["plain.com.tr"], footprint_report(
            "plain.com.tr", intune=True, teams=True, web="azure"), None, utcnow())
        ids = [companies["aws.com.tr"].id, companies["plain.com.tr"].id]
    request = d365.queue(ids)
    d365.drain(d365.client(), request.job_id, request.chunks)
    (lead,) = d365.dataverse.leads_for("aws.com.tr")
    assert lead["hnt_plays"] == ("Move sign-in to Entra ID; Device management (Intune / Business Premium); "
                                 "Teams Phone / meetings; Azure migration of AWS")
    assert lead["hnt_infrastructure"] == "DNS: Route 53 · Web: AWS (US) · Mail: M365 (IE)"
    (plain,) = d365.dataverse.leads_for("plain.com.tr")
    assert plain["hnt_plays"] is None  # nothing to sell on the grid: the column is cleared, not left stale
    assert plain["hnt_infrastructure"] == "DNS: Azure DNS · Web: Azure (TR) · Mail: M365 (IE)"
