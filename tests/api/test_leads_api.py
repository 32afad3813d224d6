"""The HTTP API over real sockets: ingest, validation, list/filter/sort/page, detail, export, errors."""

from __future__ import annotations

import csv
import io

import pytest
from api_helpers import report_for, seed_scanned
from api_support import LiveApi

from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.runtime import session_factory
from leadhunter.services.scan_jobs import store_report


def test_adding_a_lead_queues_a_scan_and_returns_at_once(api: LiveApi) -> None:
    response = api.client.post("/api/leads", json={"domain": "https://www.Örnek.com.tr/iletisim", "name": "Örnek"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["domain"], body["domain_unicode"]) == ("xn--rnek-4qa.com.tr", "örnek.com.tr")
    assert api.dispatched == [(body["job_id"], 0)]
    job = api.client.get(f"/api/jobs/{body['job_id']}").json()
    assert (job["status"], job["total"], job["done"]) == ("queued", 1, 0)


@pytest.mark.parametrize(
    ("domain", "reason"),
    [("gmail.com", "consumer_mailbox"), ("not a domain", "bad_characters"), ("192.168.1.1", "ip_address"),
     ("co.uk", "no_registrable_domain")],
)
def test_bad_domain_is_a_422_that_says_why(api: LiveApi, domain: str, reason: str) -> None:
    response = api.client.post("/api/leads", json={"domain": domain})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_domain" and error["details"][0] == {"field": "domain", "reason": reason}
    assert error["message"]


def test_validation_errors_share_the_error_shape(api: LiveApi) -> None:
    response = api.client.post("/api/leads", json={"name": "no domain"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "domain"
    assert api.client.get("/api/leads", params={"sort": "password"}).json()["error"]["code"] == "validation_error"
    assert api.client.get("/api/leads/nothing.example.com").status_code == 404


def test_scan_request_reports_invalid_inputs_and_accepts_the_rest(api: LiveApi) -> None:
    body = api.client.post("/api/scans", json={"domains": ["contoso.com", "a@gmail.com", "contoso.com", "x"]}).json()
    assert body["accepted"] == 1 and [i["input"] for i in body["invalid"]] == ["a@gmail.com", "x"]


def test_list_filters_sorts_pages_and_counts(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 120)
    page = api.client.get("/api/leads", params={"page_size": 10}).json()
    assert page["total"] == 120 and len(page["items"]) == 10
    first = page["items"]
    keys = [(r["category"], -r["score"], r["domain"]) for r in first]
    assert keys == sorted(keys)  # default order: category, score desc, domain
    google = api.client.get("/api/leads", params={"provider": "Google", "page_size": 500}).json()
    assert google["total"] == 30 and {r["provider"] for r in google["items"]} == {"Google"}
    both = api.client.get("/api/leads", params=[("segment", "Existing"), ("segment", "Skip")]).json()
    assert both["total"] == sum(1 for i in range(120) if i % 4 in (0, 3))
    ranged = api.client.get("/api/leads", params={"score_min": 80, "score_max": 90, "page_size": 500}).json()
    assert ranged["items"] and all(80 <= r["score"] <= 90 for r in ranged["items"])
    by_domain = api.client.get("/api/leads", params={"sort": "domain", "order": "desc", "page": 2,
                                                     "page_size": 50}).json()
    domains = [r["domain"] for r in by_domain["items"]]
    assert domains == sorted(domains, reverse=True) and len(domains) == 50
    search = api.client.get("/api/leads", params={"q": "ACME-07"}).json()
    assert sorted(r["domain"] for r in search["items"]) == [f"acme-{i:03d}.com.tr" for i in range(70, 80)]
    kpis = api.client.get("/api/leads/kpis").json()
    assert sum(kpis["segments"].values()) == 120


def test_detail_has_breakdown_evidence_history(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 4)
    detail = api.client.get("/api/leads/acme-001.com.tr").json()
    assert detail["provider"] == "Google" and detail["breakdown"] and detail["evidence"]
    assert detail["history"][0]["score"] == detail["score"]
    assert detail["report"]["domain"] == "acme-001.com.tr"


def test_csv_export_matches_the_filter_and_defangs_formulas(api: LiveApi) -> None:
    factory = session_factory(api.settings.database())
    seed_scanned(factory, 40, name="=HYPERLINK(\"http://evil\")")
    response = api.client.get("/api/leads/export", params={"format": "csv", "provider": "M365"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["domain", "ascii_domain", "company", "category"]
    listed = api.client.get("/api/leads", params={"provider": "M365", "page_size": 500}).json()
    assert [r[1] for r in rows[1:]] == [r["domain"] for r in listed["items"]]
    assert all(r[2].startswith("'=") for r in rows[1:])


def test_xlsx_export_opens(api: LiveApi) -> None:
    import openpyxl

    seed_scanned(session_factory(api.settings.database()), 12)
    response = api.client.get("/api/leads/export", params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "domain" and len(rows) == 13


def test_rescan_and_cancel(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 3)
    body = api.client.post("/api/leads/rescan", json={"domains": ["acme-000.com.tr", "nobody.com"]}).json()
    assert body["total"] == 1 and body["unknown"] == ["nobody.com"]
    cancelled = api.client.post(f"/api/jobs/{body['job_id']}/cancel").json()
    assert (cancelled["status"], cancelled["cancelled"]) == ("cancelled", 1)


def test_health_and_metrics(api: LiveApi) -> None:
    assert api.client.get("/healthz/live").json() == {"status": "ok"}
    ready = api.client.get("/healthz/ready").json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    seed_scanned(session_factory(api.settings.database()), 2)
    api.client.get("/api/leads")
    text = api.client.get("/metrics").text
    assert 'hunter_scans_total{status="ok"} 2.0' in text
    assert 'hunter_http_request_duration_seconds_count{method="GET",route="/api/leads",status="200"}' in text


def test_security_headers(api: LiveApi) -> None:
    response = api.client.get("/healthz/live")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_rescan_changes_become_alerts_and_history(api: LiveApi) -> None:
    factory = session_factory(api.settings.database())
    seed_scanned(factory, 2)  # acme-001 is Google, p=reject
    with factory.begin() as session:
        company = companies_repo.get_by_domains(session, ["acme-001.com.tr"])["acme-001.com.tr"]
        moved = report_for("acme-001.com.tr", 0)  # now on M365 → Existing
        store_report(session, company, moved, None, utcnow())
    alerts = api.client.get("/api/alerts").json()["items"]
    assert {(a["domain"], a["kind"], a["old"], a["new"]) for a in alerts} >= {
        ("acme-001.com.tr", "provider_changed", "Google", "M365"),
        ("acme-001.com.tr", "segment_changed", "Migration", "Existing")}
    detail = api.client.get("/api/leads/acme-001.com.tr").json()
    assert detail["provider"] == "M365" and len(detail["history"]) == 2
    assert {c["kind"] for c in detail["changes"]} >= {"provider_changed", "segment_changed"}
    first = alerts[0]["id"]
    assert api.client.post(f"/api/alerts/{first}/ack").json()["acknowledged"] is True
    assert first not in [a["id"] for a in api.client.get("/api/alerts").json()["items"]]
