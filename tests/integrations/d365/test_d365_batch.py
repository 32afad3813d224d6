"""Bulk push through `$batch` change sets against the fake Dataverse: per-lead results, rollbacks, re-push."""

from __future__ import annotations

from d365_helpers import ClientFactory, snapshot

from fakes.dataverse_server import DataverseServer
from leadhunter.integrations.d365 import Category, MappingConfig

ROLLED_BACK = 424


def _domains(count: int) -> list[str]:
    return [f"lead-{n:03d}.example" for n in range(count)]


def _batches(server: DataverseServer) -> list[int]:
    """Operations per `$batch` request received, in arrival order."""
    sizes: dict[int, int] = {}
    for call in server.calls:
        if call.batch is not None:
            sizes[call.batch] = sizes.get(call.batch, 0) + 1
    return [sizes[n] for n in sorted(sizes)]


def test_bulk_push_creates_then_updates_in_change_sets_of_the_configured_size(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    client = make_client(dataverse, changeset_size=100)
    leads = [snapshot(d) for d in _domains(250)]
    first = client.push_many(leads)
    assert [o.domain for o in first] == _domains(250)
    assert all(o.ok and o.created is True and o.status == 201 for o in first)
    assert sorted(_batches(dataverse)) == [50, 100, 100]
    assert all(o.request_id and o.lead_id for o in first)
    assert {a.path for o in first for a in o.attempts} == {"/api/data/v9.2/$batch"}
    assert first[0].duration_ms > 0

    dataverse.calls.clear()
    second = client.push_many([snapshot(d, score=10) for d in _domains(250)])
    assert all(o.ok and o.created is False and o.status == 200 for o in second)
    assert [o.lead_id for o in second] == [o.lead_id for o in first]
    assert len(dataverse.leads) == 250 and {row["hnt_finalscore"] for row in dataverse.leads} == {10}
    assert all(c.headers.get("if-match") == "*" for c in dataverse.writes())  # lookups made them updates
    lookups = [c for c in dataverse.calls if c.method == "GET" and c.path == "/leads"]
    assert len(lookups) == 5  # one $filter per 50 domains of each change set: 2 + 2 + 1


def test_a_failing_item_gets_its_own_result_and_its_change_set_is_replayed_without_it(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    domains = _domains(20)
    dataverse.fail_writes("lead-007.example", 400)
    outcomes = make_client(dataverse, changeset_size=10).push_many([snapshot(d) for d in domains])

    bad = outcomes[7]
    assert not bad.ok and bad.category is Category.VALIDATION and bad.status == 400
    assert bad.error_code == "0x80044331" and bad.request_id
    assert all(o.ok and o.created for i, o in enumerate(outcomes) if i != 7)
    assert sorted(r["hnt_domain"] for r in dataverse.leads) == [d for d in domains if d != "lead-007.example"]
    # The first change set was rolled back once: lead-000 was written twice, lead-007 only once.
    writes = [c.path for c in dataverse.writes(in_batch=True)]
    assert writes.count("/leads(hnt_domain='lead-000.example')") == 2
    assert writes.count("/leads(hnt_domain='lead-007.example')") == 1
    assert [a.status for a in outcomes[0].attempts] == [ROLLED_BACK, 201]
    assert [a.status for a in bad.attempts] == [400]
    assert writes.count("/leads(hnt_domain='lead-015.example')") == 1  # the other change set was untouched


def test_a_5xx_on_one_item_is_retried_inside_later_batches(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    dataverse.fail_writes("lead-003.example", 500, times=2)
    outcomes = make_client(dataverse, changeset_size=5).push_many([snapshot(d) for d in _domains(5)])
    assert all(o.ok for o in outcomes)
    assert [a.status for a in outcomes[3].attempts] == [500, 500, 201]
    assert len(dataverse.leads) == 5


def test_a_choice_value_the_org_refuses_is_a_validation_error_not_a_retry(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    mapping = MappingConfig(tenant_size_values={"small": 816940000, "medium": 816940001, "large": 999})
    leads = [snapshot("big.example", tenant_size="large"), snapshot("small.example", tenant_size="small")]
    big, small = make_client(dataverse, mapping=mapping).push_many(leads)
    assert small.ok
    assert not big.ok and big.category is Category.VALIDATION and big.status == 400
    assert "outside the valid range" in (big.message or "")
    assert [c.path for c in dataverse.writes()].count("/leads(hnt_domain='big.example')") == 1


def test_existing_and_new_leads_mix_in_one_push(dataverse: DataverseServer, make_client: ClientFactory) -> None:
    client = make_client(dataverse)
    for domain in _domains(10)[::2]:
        assert client.upsert(snapshot(domain)).ok
    outcomes = client.push_many([snapshot(d) for d in _domains(10)])
    assert [o.created for o in outcomes] == [False, True] * 5
    assert len(dataverse.leads) == 10


def test_fallback_bulk_push_uses_stored_ids_lookups_and_deterministic_ids(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    client = make_client(dataverse_nokey, changeset_size=4)
    stored = client.upsert(snapshot("lead-000.example"))
    human = dataverse_nokey.add_lead(subject="From a fair", hnt_domain="lead-001.example")
    deleted = client.upsert(snapshot("lead-002.example"))
    dataverse_nokey.delete_lead(deleted.lead_id or "")
    known = {"lead-000.example": stored.lead_id or "", "lead-002.example": deleted.lead_id or ""}
    leads = [snapshot(d) for d in _domains(9)]
    outcomes = client.push_many(leads, known_ids=known)
    assert all(o.ok for o in outcomes)
    assert outcomes[0].lead_id == stored.lead_id and outcomes[0].created is False
    assert outcomes[1].lead_id == human and outcomes[1].created is False
    assert outcomes[2].created is True  # deleted in D365: the stored id 404'd, so it was created again
    again = client.push_many(leads, known_ids=known)
    assert all(o.ok and o.created is False for o in again)
    assert sorted(r["hnt_domain"] for r in dataverse_nokey.leads) == _domains(9)


def test_a_domain_listed_twice_is_pushed_once(dataverse: DataverseServer, make_client: ClientFactory) -> None:
    first, second = make_client(dataverse).push_many([snapshot("twice.example"), snapshot("twice.example")])
    assert first == second and first.ok and len(dataverse.leads) == 1


def test_dataverse_down_gives_every_lead_an_unavailable_result(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    dataverse.down = "503"
    outcomes = make_client(dataverse).push_many([snapshot(d) for d in _domains(3)])
    assert [o.category for o in outcomes] == [Category.TRANSIENT] * 3
    assert all(not o.ok and o.status == 503 and o.attempts for o in outcomes)
    assert dataverse.leads == []
