"""The footprint through the HTTP API: lead list and detail fields, play / host / country / SaaS filters and
facets, the export's footprint columns, footprint changes as alerts; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

from api_support import LiveApi

from footprint_reports import footprint_report
from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.runtime import session_factory
from leadhunter.services.scan_jobs import store_report

OKTA = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
LEADS = {
    # Intune and Teams set up, site on Azure: no Intune play
    "full.com.tr": footprint_report("full.com.tr", intune=True, teams=True, registration=True, web="azure"),
    # a tenant without Intune, site on AWS, federated with Okta, Atlassian and Zoom verified
    "aws.com": footprint_report("aws.com", web="aws", ns="aws", tenant=OKTA, web_country="US",
                                txt=("atlassian-domain-verification=x1", "ZOOM_verify_abc")),
    # Google mail, no tenant: mail migration, site on Google
    "gmail-co.com": footprint_report("gmail-co.com", mail="google", tenant="none", web="google", ns="cloudflare",
                                     mail_country="US"),
    # tenant, Intune lookup failed: unknown, so no Intune play
    "unknown.com": footprint_report("unknown.com", failed=("enterpriseenrollment",), ns="natro"),
}


def seed(api: LiveApi, leads: dict[str, dict[str, Any]] = LEADS) -> None:
    with session_factory(api.settings.database()).begin() as session:
        companies = companies_repo.upsert_companies(session, [(d, d, None) for d in leads])
        for domain, report in leads.items():
            store_report(session, companies[domain], report, None, utcnow())


def domains(api: LiveApi, **params: Any) -> set[str]:
    response = api.client.get("/api/leads", params=params)
    assert response.status_code == 200, response.text
    return {item["domain"] for item in response.json()["items"]}


def test_list_and_detail_carry_the_footprint(api: LiveApi) -> None:
    seed(api)
    items = {i["domain"]: i for i in api.client.get("/api/leads").json()["items"]}
    aws = items["aws.com"]
    assert (aws["web_host"], aws["dns_host"], aws["web_country"], aws["mail_country"]) == (
        "AWS", "Route 53", "US", "IE")
    assert aws["plays"] == ["move_signin_to_entra", "intune", "teams_phone", "azure_migration"]
    assert aws["saas"] == ["atlassian", "zoom"]
    assert {"okta", "web-aws", "federated"} <= set(aws["tags"])
    assert not any(t.startswith(("play:", "saas:")) for t in aws["tags"])
    detail = api.client.get("/api/leads/aws.com").json()
    grid = {row["key"]: row for row in detail["footprint"]["whitespace"]["rows"]}
    assert grid["intune"]["state"] == "not_seen" and grid["intune"]["play"]["key"] == "intune"
    assert grid["azure"]["play"]["label_en"] == "Azure migration of AWS"
    assert detail["footprint"]["footprint"]["federation"]["value"] == "Okta"
    assert detail["infrastructure"] == "DNS: Route 53 · Web: AWS (US) · Mail: M365 (IE)"
    unknown = api.client.get("/api/leads/unknown.com").json()
    assert {r["key"]: r["state"] for r in unknown["footprint"]["whitespace"]["rows"]}["intune"] == "unknown"


def test_play_host_country_and_saas_filters(api: LiveApi) -> None:
    seed(api)
    assert domains(api, play="intune") == {"aws.com"}  # "Intune not seen": not full (in use), not unknown
    assert domains(api, play="mail_migration") == {"gmail-co.com"}
    assert domains(api, play=["mail_migration", "move_signin_to_entra"]) == {"gmail-co.com", "aws.com"}
    assert domains(api, web_host="AWS") == {"aws.com"}
    assert domains(api, web_host=["Azure", "Google Cloud"]) == {"full.com.tr", "gmail-co.com"}
    assert domains(api, dns_host="Azure DNS") == {"full.com.tr"}
    assert domains(api, web_country="us") == {"aws.com"}
    assert domains(api, mail_country="US") == {"gmail-co.com"}
    assert domains(api, saas="zoom") == {"aws.com"}
    assert domains(api, tag="intune") == {"full.com.tr"}  # the auto tag of the signal
    assert domains(api, play="intune", web_host="Azure") == set()
    bad = api.client.get("/api/leads", params={"play": "world_domination"})
    assert bad.status_code == 422 and "unknown play" in bad.json()["error"]["message"]
    assert api.client.get("/api/leads", params={"web_country": "TUR"}).status_code == 422


def test_facets_list_plays_hosts_countries_and_saas(api: LiveApi) -> None:
    seed(api)
    facets = api.client.get("/api/leads/facets").json()
    assert facets["plays"]["intune"] == 1 and facets["plays"]["mail_migration"] == 1
    assert next(iter(facets["plays"])) == "mail_migration"  # the rule file's order
    assert facets["play_labels"]["intune"]["tr"] == "Cihaz yönetimi (Intune / Business Premium)"
    assert facets["play_labels"]["azure_migration"]["en"] == "Azure migration of …"
    assert facets["web_hosts"] == {"AWS": 1, "Azure": 1, "Google Cloud": 1, "Other": 1}
    assert facets["dns_hosts"]["Natro"] == 1 and facets["saas"] == {"atlassian": 1, "zoom": 1}
    assert facets["mail_countries"] == {"IE": 3, "US": 1}
    assert not any(t.startswith(("play:", "saas:")) for t in facets["tags"])


def test_export_has_footprint_columns_and_follows_the_play_filter(api: LiveApi) -> None:
    seed(api)
    response = api.client.get("/api/leads/export", params={"format": "csv", "play": "move_signin_to_entra"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["ascii_domain"] for r in rows] == ["aws.com"]
    row = rows[0]
    assert (row["web_host"], row["dns_host"]) == ("AWS", "Route 53")
    assert (row["web_country"], row["mail_country"]) == ("US", "IE")
    assert row["plays"] == ("Move sign-in to Entra ID; Device management (Intune / Business Premium); "
                            "Teams Phone / meetings; Azure migration of AWS")
    assert row["saas"] == "atlassian, zoom"
    assert row["infrastructure"] == "DNS: Route 53 · Web: AWS (US) · Mail: M365 (IE)"


def test_intune_added_and_web_move_are_alerts(api: LiveApi) -> None:
    seed(api, {"aws.com": LEADS["aws.com"]})
    moved = footprint_report("aws.com", web="azure", ns="aws", tenant=OKTA, intune=True, web_country="US",
                             txt=("atlassian-domain-verification=x1", "ZOOM_verify_abc"))
    seed(api, {"aws.com": moved})
    alerts = {(a["kind"], a["old"], a["new"]) for a in api.client.get("/api/alerts").json()["items"]}
    assert {("intune_added", "absent", "present"), ("web_host_changed", "AWS", "Azure")} <= alerts
    detail = api.client.get("/api/leads/aws.com").json()
    assert "intune" not in detail["plays"] and "azure_migration" not in detail["plays"]
    assert {"intune", "web-azure"} <= set(detail["tags"]) and "web-aws" not in detail["tags"]
    assert domains(api, play="intune") == set()
