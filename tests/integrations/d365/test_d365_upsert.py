"""Single-lead upsert against the fake Dataverse over HTTPS: create, update, redelivery, fallback."""

from __future__ import annotations

import threading

import pytest
from d365_helpers import ClientFactory, snapshot

from fakes.dataverse_server import DataverseServer
from leadhunter.integrations.d365 import Category, PushOutcome
from leadhunter.integrations.d365.writes import deterministic_lead_id


def test_create_then_update_is_the_same_lead_and_spares_salesperson_columns(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    client = make_client(dataverse)
    first = client.upsert(snapshot(score=83))
    assert first.ok and first.created is True and first.status == 201
    assert first.lead_id == dataverse.leads[0]["leadid"]
    lead = dataverse.leads[0]
    assert lead["subject"] == "Hunter: contoso.com" and lead["companyname"] == "Contoso Ltd"
    assert lead["hnt_domain"] == "contoso.com" and lead["hnt_finalscore"] == 83
    assert lead["hnt_provider"] == "M365 via Proofpoint" and lead["hnt_source"] == 816940002

    # A salesperson works the lead in D365; Hunter's next push must not undo that.
    dataverse.table.update(first.lead_id or "", {"companyname": "Contoso (renamed by sales)", "statuscode": 2})
    second = client.upsert(snapshot(score=41, priority=4, category="P4"))

    assert second.ok and second.created is False and second.status == 200
    assert second.lead_id == first.lead_id
    (lead,) = dataverse.leads
    assert lead["hnt_finalscore"] == 41 and lead["hnt_prioritycategory"] == "P4"
    assert lead["companyname"] == "Contoso (renamed by sales)" and lead["statuscode"] == 2
    update_body = dataverse.writes()[-1].json()
    assert update_body and all(key.startswith("hnt_") for key in update_body)
    assert "hnt_domain" not in update_body  # the key travels in the URL only (spec §7)


def test_alternate_key_writes_are_conditional_patches_by_key(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    client = make_client(dataverse)
    client.upsert(snapshot())
    client.upsert(snapshot())
    create, refused, update = dataverse.writes()
    assert create.method == "PATCH" and create.path == "/leads(hnt_domain='contoso.com')"
    assert create.headers["if-none-match"] == "*" and create.status == 201
    assert refused.headers["if-none-match"] == "*" and refused.status == 412
    assert update.headers["if-match"] == "*" and update.status == 200
    assert create.json()["subject"] == "Hunter: contoso.com"


@pytest.mark.parametrize("org", ["dataverse", "dataverse_nokey"])
def test_redelivery_and_racing_workers_never_duplicate_a_lead(
    org: str, request: pytest.FixtureRequest, make_client: ClientFactory
) -> None:
    server: DataverseServer = request.getfixturevalue(org)
    for _ in range(3):  # the same task delivered again and again
        assert make_client(server).upsert(snapshot()).ok
    outcomes: list[PushOutcome] = []
    start = threading.Barrier(8)

    def worker() -> None:  # eight workers, each its own client, push a new domain at the same moment
        client = make_client(server)
        start.wait()
        outcomes.append(client.upsert(snapshot("fabrikam.example")))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(server.leads_for("contoso.com")) == 1
    assert len(server.leads_for("fabrikam.example")) == 1
    assert len(server.leads) == 2
    assert all(o.ok for o in outcomes) and len(outcomes) == 8
    assert sum(o.created is True for o in outcomes) == 1
    assert len({o.lead_id for o in outcomes}) == 1


def test_fallback_updates_the_lead_a_salesperson_made_for_the_domain(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    existing = dataverse_nokey.add_lead(subject="Met at a fair", lastname="Smith", hnt_domain="contoso.com")
    outcome = make_client(dataverse_nokey).upsert(snapshot())
    assert outcome.ok and outcome.created is False and outcome.lead_id == existing
    (lead,) = dataverse_nokey.leads
    assert lead["subject"] == "Met at a fair" and lead["hnt_finalscore"] == 83
    lookup = next(c for c in dataverse_nokey.calls if c.method == "GET" and c.path == "/leads")
    assert lookup.query["$filter"] == "hnt_domain eq 'contoso.com'"


def test_fallback_claims_an_unclaimed_lead_with_the_contact_email(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    claimed = dataverse_nokey.add_lead(subject="Inbound", emailaddress1="CEO@contoso.com")
    other = dataverse_nokey.add_lead(subject="Other", emailaddress1="ceo@contoso.com", hnt_domain="other.example")
    outcome = make_client(dataverse_nokey).upsert(snapshot(contact_email="ceo@contoso.com"))
    assert outcome.ok and outcome.lead_id == claimed and outcome.created is False
    rows = {row["leadid"]: row for row in dataverse_nokey.leads}
    assert rows[claimed]["hnt_domain"] == "contoso.com"  # fallback bodies carry the domain column
    assert rows[other]["hnt_domain"] == "other.example" and len(rows) == 2


def test_fallback_creates_with_the_deterministic_id_and_quotes_are_escaped(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    outcome = make_client(dataverse_nokey).upsert(snapshot("o'brien.example"))
    assert outcome.ok and outcome.created is True
    assert outcome.lead_id == deterministic_lead_id("o'brien.example")
    lookup = next(c for c in dataverse_nokey.calls if c.method == "GET" and c.path == "/leads")
    assert lookup.query["$filter"] == "hnt_domain eq 'o''brien.example'"
    create = dataverse_nokey.writes()[-1]
    assert create.path == f"/leads({outcome.lead_id})" and create.headers["if-none-match"] == "*"


@pytest.mark.parametrize("org", ["dataverse", "dataverse_nokey"])
def test_a_lead_deleted_in_d365_is_created_again(
    org: str, request: pytest.FixtureRequest, make_client: ClientFactory
) -> None:
    server: DataverseServer = request.getfixturevalue(org)
    client = make_client(server)
    first = client.upsert(snapshot())
    assert first.lead_id is not None
    server.delete_lead(first.lead_id)
    again = client.upsert(snapshot(), known_lead_id=first.lead_id)
    assert again.ok and again.created is True
    assert [c.status for c in server.writes()][-2:] == [404, 201]  # update-only missed, then created
    assert len(server.leads) == 1 and server.leads[0]["leadid"] == again.lead_id


def test_a_stored_id_is_updated_by_id_without_a_lookup(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    client = make_client(dataverse_nokey)
    first = client.upsert(snapshot())
    dataverse_nokey.calls.clear()
    again = client.upsert(snapshot(score=12), known_lead_id=first.lead_id)
    assert again.ok and again.created is False and again.lead_id == first.lead_id
    (call,) = dataverse_nokey.calls
    assert call.method == "PATCH" and call.path == f"/leads({first.lead_id})" and call.headers["if-match"] == "*"
    assert call.json()["hnt_domain"] == "contoso.com" and call.json()["hnt_finalscore"] == 12


def test_a_lead_that_cannot_be_mapped_fails_as_validation_without_any_request(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    outcome = make_client(dataverse).upsert(snapshot(score=140, segment="Hot"))
    assert not outcome.ok and outcome.category is Category.VALIDATION and outcome.attempts == ()
    assert "score must be 0–100" in (outcome.message or "") and "segment" in (outcome.message or "")
    assert dataverse.calls == []
