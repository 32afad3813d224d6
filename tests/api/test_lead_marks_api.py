"""Manual tags, the watchlist and notes through the HTTP API, on SQLite and PostgreSQL: one lead, a selection,
the list's filter; auto tags read-only and kept apart; manual tags through a rescan; the watched filter; notes
with authors (two API keys are two people)."""

from __future__ import annotations

from typing import Any

from api_support import LiveApi
from sqlalchemy import select

from footprint_reports import footprint_report
from leadhunter.db import companies_repo
from leadhunter.db.models import Company, CompanyChange, Tag, utcnow
from leadhunter.runtime import session_factory
from leadhunter.services import lead_marks
from leadhunter.services.api_keys import create_key
from leadhunter.services.scan_jobs import store_report

OKTA = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
LEADS = {
    "aws.com": footprint_report("aws.com", web="aws", ns="aws", tenant=OKTA),  # auto tags okta, web-aws, …
    "full.com.tr": footprint_report("full.com.tr", intune=True, teams=True, registration=True, web="azure"),
    "gmail-co.com": footprint_report("gmail-co.com", mail="google", tenant="none", web="google"),
}


def seed(api: LiveApi) -> None:
    with session_factory(api.settings.database()).begin() as session:
        companies = companies_repo.upsert_companies(session, [(d, d, None) for d in LEADS])
        for domain, report in LEADS.items():
            store_report(session, companies[domain], report, None, utcnow())


def keys(api: LiveApi, *names: str) -> list[dict[str, str]]:
    """One X-API-Key header per name: each key is another caller (``key:<prefix>``)."""
    with session_factory(api.settings.database()).begin() as session:
        return [{"X-API-Key": create_key(session, name)[0]} for name in names]


def domains(api: LiveApi, headers: dict[str, str] | None = None, **params: Any) -> set[str]:
    response = api.client.get("/api/leads", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return {item["domain"] for item in response.json()["items"]}


def lead(api: LiveApi, domain: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = api.client.get(f"/api/leads/{domain}", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_tag_one_lead_auto_tags_stay_apart_and_read_only(api: LiveApi) -> None:
    seed(api)
    before = lead(api, "aws.com")
    assert "okta" in before["auto_tags"] and before["manual_tags"] == []
    answer = api.client.post("/api/leads/aws.com/tags", json={"add": ["  VIP ", "Fuar 2026", "okta", "VIP"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["manual_tags"] == ["Fuar 2026", "VIP", "okta"]  # trimmed, once each, sorted
    assert answer.json()["added"] == 3 and "okta" in answer.json()["auto_tags"]
    assert {"VIP", "okta"} <= set(lead(api, "aws.com")["tags"])  # the merged list names okta once
    assert lead(api, "aws.com")["tags"].count("okta") == 1

    # remove the manual "okta": the automatic one stays; removing it again: 409 (auto), unknown: 404
    gone = api.client.delete("/api/leads/aws.com/tags/okta")
    assert gone.status_code == 200 and "okta" not in gone.json()["manual_tags"] and "okta" in gone.json()["auto_tags"]
    again = api.client.delete("/api/leads/aws.com/tags/okta")
    assert again.status_code == 409 and again.json()["error"]["code"] == "auto_tag_read_only"
    assert api.client.delete("/api/leads/aws.com/tags/nope").json()["error"]["code"] == "tag_not_found"
    assert api.client.post("/api/leads/aws.com/tags", json={"remove": ["web-aws"]}).json()["removed"] == 0
    assert "web-aws" in lead(api, "aws.com")["auto_tags"]

    for bad in (["play:intune"], ["saas:zoom"], ["x" * 65], ["a\u0007b"], []):
        refused = api.client.post("/api/leads/aws.com/tags", json={"add": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["code"] in ("invalid_tag", "validation_error")
    assert api.client.post("/api/leads/nowhere.com/tags", json={"add": ["x"]}).status_code == 404


def test_tag_filter_matches_manual_and_auto_and_facets_count_both(api: LiveApi) -> None:
    seed(api)
    api.client.post("/api/leads/full.com.tr/tags", json={"add": ["VIP"]})
    api.client.post("/api/leads/aws.com/tags", json={"add": ["VIP", "okta"]})
    assert domains(api, tag="VIP") == {"full.com.tr", "aws.com"}
    assert domains(api, tag="okta") == {"aws.com"}  # auto and manual on one lead: listed once
    facets = api.client.get("/api/leads/facets").json()["tags"]
    assert facets["VIP"] == 2 and facets["okta"] == 1


def test_bulk_tags_on_selection_and_on_filter(api: LiveApi) -> None:
    seed(api)
    ids = {item["domain"]: item["id"] for item in api.client.get("/api/leads").json()["items"]}
    picked = api.client.post("/api/tags/bulk", json={"add": ["q3"], "domains": ["aws.com", "https://gmail-co.com/x",
                                                                                   "unknown.org"]})
    assert picked.status_code == 200, picked.text
    assert picked.json() | {"unknown": None} == {"leads": 2, "added": 2, "removed": 0, "unknown": None,
                                                   "dry_run": False}
    assert picked.json()["unknown"] == ["unknown.org"]
    assert domains(api, tag="q3") == {"aws.com", "gmail-co.com"}
    by_id = api.client.post("/api/tags/bulk", json={"add": ["q3"], "ids": [ids["full.com.tr"], ids["aws.com"]]})
    assert by_id.json()["added"] == 1  # aws.com had it already

    # the filter: every lead the list shows for provider=Google (only gmail-co.com) loses q3 and gets "google-q"
    counted = api.client.post("/api/tags/bulk", json={"add": ["google-q"], "filter": {"provider": ["Google"]},
                                                      "dry_run": True})
    assert counted.json()["leads"] == 1 and counted.json()["added"] == 0 and domains(api, tag="google-q") == set()
    done = api.client.post("/api/tags/bulk", json={"add": ["google-q"], "remove": ["q3"],
                                                   "filter": {"provider": ["Google"]}})
    assert (done.json()["leads"], done.json()["added"], done.json()["removed"]) == (1, 1, 1)
    assert domains(api, tag="q3") == {"aws.com", "full.com.tr"} and domains(api, tag="google-q") == {"gmail-co.com"}
    everything = api.client.post("/api/tags/bulk", json={"add": ["all"], "filter": {}})
    assert everything.json()["leads"] == 3 and domains(api, tag="all") == set(LEADS)
    two = api.client.post("/api/tags/bulk", json={"add": ["x"], "ids": [1], "filter": {}})
    assert two.status_code == 422


def test_manual_tags_survive_a_rescan_that_drops_the_auto_tag_of_the_same_name(api: LiveApi) -> None:
    seed(api)
    api.client.post("/api/leads/aws.com/tags", json={"add": ["okta", "keep-me"]})
    with session_factory(api.settings.database()).begin() as session:  # the next scan: no Okta any more
        company = session.scalars(select(Company).where(Company.domain == "aws.com")).one()
        store_report(session, company, footprint_report("aws.com", web="azure"), None, utcnow())
    after = lead(api, "aws.com")
    assert after["manual_tags"] == ["keep-me", "okta"]
    assert "okta" not in after["auto_tags"] and "web-azure" in after["auto_tags"]
    with session_factory(api.settings.database())() as session:
        rows = session.execute(select(Tag.tag, Tag.auto, Tag.added_by).join(Company)
                               .where(Company.domain == "aws.com", Tag.auto.is_(False))).all()
        assert sorted(rows) == [("keep-me", False, "local"), ("okta", False, "local")]


def test_watchlist_per_caller_and_the_watched_filter(api: LiveApi) -> None:
    seed(api)
    ana, bora = keys(api, "ana", "bora")
    assert api.client.put("/api/leads/aws.com/watch", headers=ana).json() | {"changed": None} == {
        "domain": "aws.com", "watched": True, "changed": None, "watchers": 1}
    assert api.client.put("/api/leads/aws.com/watch", headers=ana).json()["changed"] is False  # idempotent
    api.client.put("/api/leads/full.com.tr/watch", headers=bora)
    assert lead(api, "aws.com", ana)["watched"] is True and lead(api, "aws.com", bora)["watched"] is False
    rows = {i["domain"]: i["watched"] for i in api.client.get("/api/leads", headers=ana).json()["items"]}
    assert rows == {"aws.com": True, "full.com.tr": False, "gmail-co.com": False}

    assert domains(api, ana, watched="me") == {"aws.com"}
    assert domains(api, bora, watched="me") == {"full.com.tr"}
    assert domains(api, watched="me") == set()  # "local" watches nothing
    assert domains(api, watched="any") == {"aws.com", "full.com.tr"}
    assert domains(api, watched="none") == {"gmail-co.com"}
    assert api.client.get("/api/leads", params={"watched": "maybe"}).status_code == 422
    kpis = api.client.get("/api/leads/kpis", params={"watched": "me"}, headers=ana).json()
    assert sum(kpis["segments"].values()) == 1
    counted = api.client.post("/api/tags/bulk", headers=ana, json={"add": ["mine"], "filter": {"watched": ["me"]}})
    assert counted.json()["leads"] == 1 and domains(api, tag="mine") == {"aws.com"}

    # the alert pipeline's questions
    with session_factory(api.settings.database()).begin() as session:
        aws = session.scalars(select(Company).where(Company.domain == "aws.com")).one()
        gmail = session.scalars(select(Company).where(Company.domain == "gmail-co.com")).one()
        assert lead_marks.watchers_for_company(session, aws.id) == [ana_caller(api, ana)]
        assert lead_marks.watchers_for_company(session, gmail.id) == []
        watched = CompanyChange(company_id=aws.id, kind="provider_changed", old="Google", new="M365", detail="")
        quiet = CompanyChange(company_id=gmail.id, kind="provider_changed", old="Google", new="M365", detail="")
        session.add_all([watched, quiet])
        session.flush()
        assert lead_marks.watchers_for_changes(session, [watched.id, quiet.id]) == {watched.id: [ana_caller(api, ana)]}

    assert api.client.delete("/api/leads/aws.com/watch", headers=ana).json()["watched"] is False
    assert domains(api, ana, watched="me") == set()
    assert api.client.put("/api/leads/nowhere.com/watch").status_code == 404


def ana_caller(api: LiveApi, headers: dict[str, str]) -> str:
    """The caller id the API records for a key: ``key:<prefix>``."""
    return "key:" + "_".join(headers["X-API-Key"].split("_")[:2])  # hk_<8 hex>_<secret>


def test_notes_author_only_edit_and_delete_and_length_limit(api: LiveApi) -> None:
    seed(api)
    ana, bora = keys(api, "ana", "bora")
    first = api.client.post("/api/leads/aws.com/notes", headers=ana, json={"text": "  Called IT: renewal in May.\r\n"})
    assert first.status_code == 201, first.text
    note = first.json()
    assert note["text"] == "Called IT: renewal in May." and note["author"] == ana_caller(api, ana) and note["mine"]
    assert note["updated_at"] is None and note["d365_pushed_at"] is None
    assert api.client.post("/api/leads/aws.com/notes", headers=bora, json={"text": "Bora's note"}).status_code == 201

    listed = api.client.get("/api/leads/aws.com/notes", headers=ana).json()["items"]
    assert [(n["text"], n["mine"]) for n in listed] == [("Bora's note", False), ("Called IT: renewal in May.", True)]

    url = f"/api/leads/aws.com/notes/{note['id']}"
    edited = api.client.patch(url, headers=ana, json={"text": "Renewal in June."})
    assert edited.status_code == 200 and edited.json()["text"] == "Renewal in June." and edited.json()["updated_at"]
    for response in (api.client.patch(url, headers=bora, json={"text": "mine now"}), api.client.delete(url),
                     api.client.delete(url, headers=bora)):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "not_note_author" and response.json()["error"]["request_id"]
    assert api.client.patch(f"/api/leads/full.com.tr/notes/{note['id']}", headers=ana,
                            json={"text": "x"}).status_code == 404  # the note is on another lead

    exact = api.client.post("/api/leads/aws.com/notes", json={"text": "ç" * 4000})
    assert exact.status_code == 201 and len(exact.json()["text"]) == 4000
    too_long = api.client.post("/api/leads/aws.com/notes", json={"text": "ç" * 4001})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "text"
    assert "4000" in too_long.json()["error"]["message"]
    assert api.client.post("/api/leads/aws.com/notes", json={"text": "   "}).json()["error"]["code"] == "invalid_note"

    assert api.client.delete(url, headers=ana).status_code == 204
    assert api.client.delete(url, headers=ana).status_code == 404
    assert [n["text"] for n in api.client.get("/api/leads/aws.com/notes").json()["items"]] == ["ç" * 4000,
                                                                                               "Bora's note"]
