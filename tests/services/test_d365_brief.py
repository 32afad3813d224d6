"""The D365 push carries the company size (``hnt_huntertenantsize``) and, on create only, the short sales
brief in the lead's description; a re-push never overwrites what a seller wrote there. Against the fake
Dataverse over HTTPS, wired from settings as the workers wire it."""

from __future__ import annotations

from footprint_reports import footprint_report
from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.jobs import d365_runtime
from leadhunter.services.company_size import refresh_sizes
from leadhunter.services.scan_jobs import store_report
from services.d365_env import (  # noqa: F401  (fixtures)
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)

OKTA = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
PUBLIC = "https://hunter.contoso-partner.example"
MEDIUM = 816940001


def _seed(d365: D365Env) -> int:
    with d365.factory.begin() as session:
        company = companies_repo.upsert_companies(session, [("federe.com.tr", "federe.com.tr", "Federe Ltd")])
        report = footprint_report("federe.com.tr", tenant=OKTA, web="aws")
        store_report(session, company["federe.com.tr"], report, None, utcnow())
        refresh_sizes(session, [(company["federe.com.tr"], report)])
        return company["federe.com.tr"].id


def _push(d365: D365Env, ids: list[int], **overrides: object) -> None:
    values: dict[str, object] = {"public_url": PUBLIC, "brief_partner_name": "Contoso Bilişim",
                                 "brief_seller_signature": "Ayşe Yılmaz", **overrides}
    settings = d365.settings(**values)
    options = d365_runtime.push_options(settings)
    request = d365.queue(ids, options=options)
    d365.drain(d365_runtime.client(settings), request.job_id, request.chunks, options=options)
    assert all(d365.sync(cid).status == "synced" for cid in ids)


def test_size_and_turkish_brief_on_create_never_over_a_sellers_edit(d365: D365Env) -> None:
    cid = _seed(d365)
    _push(d365, [cid])
    (lead,) = d365.dataverse.leads_for("federe.com.tr")
    assert lead["hnt_huntertenantsize"] == MEDIUM  # federated sign-in: a mid-size heuristic
    description = lead["description"]
    assert description.startswith(f"Created by Hunter: {PUBLIC}/?lead=federe.com.tr\n\n")
    assert "Federe Ltd (federe.com.tr)" in description and "hazırlık puanı" in description
    assert "E-posta güvenliği:" in description and "Sonraki adım:" in description
    # a seller rewrites the description; a re-push (an update) leaves it alone but still writes the size
    with d365.dataverse._table_lock:
        d365.dataverse.table.rows[lead["leadid"]]["description"] = "Görüşüldü, Ocak'ta tekrar aranacak."
        d365.dataverse.table.rows[lead["leadid"]]["hnt_huntertenantsize"] = None
    before = len(d365.dataverse.writes())
    _push(d365, [cid])
    assert len(d365.dataverse.writes()) > before
    (lead,) = d365.dataverse.leads_for("federe.com.tr")
    assert lead["description"] == "Görüşüldü, Ocak'ta tekrar aranacak."
    assert lead["hnt_huntertenantsize"] == MEDIUM


def test_english_or_no_brief_by_setting(d365: D365Env) -> None:
    cid = _seed(d365)
    _push(d365, [cid], brief_d365_lang="en", public_url="")
    (lead,) = d365.dataverse.leads_for("federe.com.tr")
    assert lead["description"].startswith("Federe Ltd (federe.com.tr): ")
    assert "readiness" in lead["description"] and "Created by Hunter" not in lead["description"]
