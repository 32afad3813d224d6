"""Table tests for the pure parts: lead mapping (d365-lead-mapping.md), org validation, error categories,
URL and literal helpers, and the `$batch` reader against the fake's writer."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from d365_helpers import TENANT_ID, snapshot

from fakes.dataverse_batch import InnerResponse, write_batch
from leadhunter.integrations.d365 import Category, MappingConfig, OrgMetadata, push_error_category
from leadhunter.integrations.d365.batch import BatchOperation, build_batch, parse_batch_response
from leadhunter.integrations.d365.errors import LeadMappingError, category_of_status
from leadhunter.integrations.d365.mapping import map_lead, validate_against_org
from leadhunter.integrations.d365.payloads import entity_id_from_header, key_path, string_literal
from leadhunter.integrations.d365.writes import deterministic_lead_id, plan_write

SYNCED = datetime.datetime(2025, 3, 1, 13, 30, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
CONFIG = MappingConfig()


def _map(**changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = map_lead(snapshot(**changes), CONFIG, synced_at=SYNCED)
    return payload.always, payload.on_create


# (snapshot changes, column, expected value, written "always" or only on "create")
COLUMN_ROWS = [
    ({}, "subject", "Hunter: contoso.com", "create"),
    ({}, "companyname", "Contoso Ltd", "create"),
    ({"company_name": None}, "companyname", "contoso.com", "create"),
    ({"company_name": "X" * 150}, "companyname", "X" * 99 + "…", "create"),
    ({}, "websiteurl", "https://contoso.com", "create"),
    ({"contact_email": "ceo@contoso.com"}, "emailaddress1", "ceo@contoso.com", "create"),
    ({}, "leadsourcecode", 10, "create"),
    ({}, "hnt_domain", "contoso.com", "always"),
    ({"score": 0}, "hnt_finalscore", 0, "always"),
    ({"score": 100}, "hnt_finalscore", 100, "always"),
    ({"priority": 7, "category": "P6"}, "hnt_priorityscore", 7, "always"),
    ({"category": "P1", "priority": 1}, "hnt_prioritycategory", "P1", "always"),
    ({"segment": "Existing"}, "hnt_segment", "Existing", "always"),
    ({}, "hnt_provider", "M365 via Proofpoint", "always"),
    ({"gateway": None}, "hnt_provider", "M365", "always"),
    ({"provider": None, "gateway": "Mimecast"}, "hnt_provider", None, "always"),
    ({}, "hnt_tenantid", TENANT_ID, "always"),
    ({"tenant_id": None}, "hnt_tenantid", None, "always"),
    ({"tenant_size": "small"}, "hnt_huntertenantsize", 816940000, "always"),
    ({"tenant_size": "medium"}, "hnt_huntertenantsize", 816940001, "always"),
    ({"tenant_size": "large"}, "hnt_huntertenantsize", 816940002, "always"),
    ({"tenant_size": None}, "hnt_huntertenantsize", None, "always"),
    ({"referral_id": "c5fbb3b6-be74-4795-9fb5-4324c73fed37"}, "hnt_source", 816940000, "create"),
    ({"source": "manual"}, "hnt_source", 816940001, "create"),
    ({"source": "import"}, "hnt_source", 816940002, "create"),
    ({"referral_id": "r-1", "referral_type": "co-sell"}, "hnt_referralid", "r-1", "always"),
    ({"referral_type": "marketplace"}, "hnt_referraltype", "marketplace", "always"),
    ({"score_breakdown": "b" * 5000}, "hnt_scorebreakdown", "b" * 3999 + "…", "always"),
    ({"score_breakdown": ""}, "hnt_scorebreakdown", None, "always"),
    ({}, "hnt_lastsynctime", "2025-03-01T12:30:05Z", "always"),  # UTC, from +01:00
    ({}, "description", "Created by Hunter: https://hunter.example/leads/contoso.com", "create"),
]


@pytest.mark.parametrize(("changes", "column", "expected", "when"), COLUMN_ROWS)
def test_column_mapping(changes: dict[str, Any], column: str, expected: Any, when: str) -> None:
    always, on_create = _map(**changes)
    assert (always if when == "always" else on_create)[column] == expected
    assert column not in (on_create if when == "always" else always)


@pytest.mark.parametrize(
    ("changes", "present"),
    [
        ({"contact_email": "someone@gmail.com"}, False),  # not on the company domain: never written
        ({"contact_email": None}, False),
        ({"contact_email": "Sales@Contoso.com"}, True),
        ({"hunter_url": None}, False),
    ],
)
def test_optional_create_columns(changes: dict[str, Any], present: bool) -> None:
    _, on_create = _map(**changes)
    column = "description" if "hunter_url" in changes else "emailaddress1"
    assert (column in on_create) is present


@pytest.mark.parametrize(
    ("config", "hunter_url", "written"),
    [
        (MappingConfig(hunter_url=True), "https://hunter.example/?lead=contoso.com", "https://hunter.example/?lead=contoso.com"),
        (MappingConfig(hunter_url=True), None, None),  # configured, but no link for this lead: empty
        (MappingConfig(hunter_url=True), "https://hunter.example/?lead=" + "x" * 1000, None),  # a cut link: not sent
        (MappingConfig(prefix="cr123_", hunter_url=True), "https://h.example/?lead=contoso.com", "https://h.example/?lead=contoso.com"),
        (MappingConfig(), "https://hunter.example/?lead=contoso.com", "absent"),  # no public address: never sent
    ],
)  # fmt: skip
def test_hunter_url_column(config: MappingConfig, hunter_url: str | None, written: str | None) -> None:
    payload = map_lead(snapshot(hunter_url=hunter_url), config, synced_at=SYNCED)
    column = config.column("hunterurl")
    assert column not in payload.on_create  # Hunter's own column: on every push, not only on create
    if written == "absent":
        assert column not in payload.always and column not in config.written_columns()
    else:
        assert payload.always[column] == written and column in config.written_columns()


def test_an_org_without_the_hunter_url_column_fails_the_check_only_when_it_is_written() -> None:
    with_url = MappingConfig(hunter_url=True)
    org = OrgMetadata(ORG_COLUMNS, ORG_CHOICES)  # the org as the mapping spec describes it: no hnt_hunterurl
    assert all(r.passed for r in validate_against_org(CONFIG, org))
    failed = [r for r in validate_against_org(with_url, org) if not r.passed]
    assert [(r.name, r.reason) for r in failed] == [("columns", "missing on the lead table: hnt_hunterurl")]


def test_update_body_is_hunters_columns_only_and_key_column_left_to_the_url() -> None:
    payload = map_lead(snapshot(), CONFIG, synced_at=SYNCED)
    by_key = plan_write(payload, "update", key_column="hnt_domain", lead_id=None)
    assert by_key.path == "/leads(hnt_domain='contoso.com')?$select=leadid" and by_key.headers["If-Match"] == "*"
    assert set(by_key.body) == set(payload.always) - {"hnt_domain"}
    create = plan_write(payload, "create", key_column=None, lead_id=deterministic_lead_id("contoso.com"))
    assert create.headers["If-None-Match"] == "*" and create.body["hnt_domain"] == "contoso.com"
    assert create.body["subject"] == "Hunter: contoso.com"


def test_a_custom_prefix_and_choice_values_come_from_configuration() -> None:
    sources = {"manual": 100, "import": 101, "partner_center": 102}
    sizes = {"small": 1, "medium": 2, "large": 3}
    config = MappingConfig(prefix="cr123_", lead_source_code=None, source_values=sources, tenant_size_values=sizes)
    payload = map_lead(snapshot(source="manual"), config, synced_at=SYNCED)
    assert payload.always["cr123_huntertenantsize"] == 3 and payload.on_create["cr123_source"] == 100
    assert "leadsourcecode" not in payload.on_create and not any(k.startswith("hnt_") for k in payload.always)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"score": 101}, "score must be 0–100"),
        ({"score": -1}, "score must be 0–100"),
        ({"priority": 0}, "priority must be 1–7"),
        ({"priority": 8}, "priority must be 1–7"),
        ({"category": "P7"}, "category must be P1…P6"),
        ({"segment": "Warm"}, "segment must be one of"),
        ({"referral_type": "reseller"}, "referral type must be one of"),
        ({"tenant_size": "huge"}, "tenant size 'huge' has no choice value"),
        ({"source": "crawler"}, "source 'crawler' has no choice value"),
        ({"domain": "Contoso.com"}, "lower-case ASCII registrable domain"),
        ({"domain": "bücher.example"}, "lower-case ASCII registrable domain"),
        ({"domain": "localhost"}, "lower-case ASCII registrable domain"),
    ],
)
def test_out_of_range_snapshots_are_refused_with_the_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(LeadMappingError) as raised:
        map_lead(snapshot(**changes), CONFIG, synced_at=SYNCED)
    assert any(reason in r for r in raised.value.reasons)


def test_a_naive_sync_time_is_refused() -> None:
    with pytest.raises(LeadMappingError, match="timezone-aware"):
        map_lead(snapshot(), CONFIG, synced_at=datetime.datetime(2025, 1, 1))


ORG_COLUMNS = frozenset(CONFIG.written_columns())
ORG_CHOICES = {
    "hnt_huntertenantsize": frozenset({816940000, 816940001, 816940002}),
    "hnt_source": frozenset({816940000, 816940001, 816940002}),
    "leadsourcecode": frozenset(range(1, 11)),
}


@pytest.mark.parametrize(
    ("columns", "choices", "failing"),
    [
        (ORG_COLUMNS, ORG_CHOICES, set()),
        (ORG_COLUMNS - {"hnt_segment"}, ORG_CHOICES, {"columns"}),
        (ORG_COLUMNS, {**ORG_CHOICES, "hnt_source": frozenset({816940000})}, {"choice hnt_source"}),
        (ORG_COLUMNS, {**ORG_CHOICES, "leadsourcecode": frozenset({1, 2})}, {"choice leadsourcecode"}),
        (ORG_COLUMNS, {k: v for k, v in ORG_CHOICES.items() if k != "hnt_huntertenantsize"},
         {"choice hnt_huntertenantsize"}),
    ],
)  # fmt: skip
def test_mapping_validation_against_the_org(
    columns: frozenset[str], choices: dict[str, frozenset[int]], failing: set[str]
) -> None:
    results = validate_against_org(CONFIG, OrgMetadata(columns, choices))
    assert {r.name for r in results if not r.passed} == failing
    assert all(r.reason for r in results)


@pytest.mark.parametrize(
    ("status", "category", "shown"),
    [
        (400, Category.VALIDATION, "validation"),
        (413, Category.VALIDATION, "validation"),
        (401, Category.AUTH, "auth"),
        (403, Category.AUTH, "auth"),
        (404, Category.NOT_FOUND, "unknown"),
        (412, Category.CONFLICT, "unknown"),
        (429, Category.THROTTLED, "throttled"),
        (500, Category.TRANSIENT, "unavailable"),
        (503, Category.TRANSIENT, "unavailable"),
        (None, Category.TRANSIENT, "unavailable"),
    ],
)
def test_error_categories(status: int | None, category: Category, shown: str) -> None:
    assert category_of_status(status) is category
    assert push_error_category(category) == shown


@pytest.mark.parametrize(
    ("value", "literal", "path"),
    [
        ("contoso.com", "'contoso.com'", "/leads(hnt_domain='contoso.com')"),
        ("o'brien.example", "'o''brien.example'", "/leads(hnt_domain='o''brien.example')"),
        ("a b.example", "'a b.example'", "/leads(hnt_domain='a%20b.example')"),
    ],
)
def test_literals_and_key_paths(value: str, literal: str, path: str) -> None:
    assert string_literal(value) == literal
    assert key_path("hnt_domain", value) == path


@pytest.mark.parametrize(
    ("header", "lead_id"),
    [
        ("https://x/api/data/v9.2/leads(7EB682F1-CA75-E511-80D4-00155D2A68D2)", "7eb682f1-ca75-e511-80d4-00155d2a68d2"),
        ("https://x/api/data/v9.2/leads(leadid=7eb682f1-ca75-e511-80d4-00155d2a68d2)",
         "7eb682f1-ca75-e511-80d4-00155d2a68d2"),
        ("https://x/api/data/v9.2/leads(hnt_domain='contoso.com')", None),
        (None, None),
    ],
)  # fmt: skip
def test_entity_id_header(header: str | None, lead_id: str | None) -> None:
    assert entity_id_from_header(header) == lead_id


def test_batch_reader_understands_the_fakes_writer() -> None:
    ok = [InnerResponse(201, "Created", {"REQ_ID": "r1"}, b'{"leadid": "a"}', "1"),
          InnerResponse(200, "OK", {}, b'{"leadid": "b"}', "2")]  # fmt: skip
    failed = InnerResponse(412, "Precondition Failed", {}, b'{"error": {"code": "0x80040237"}}', "7")
    content_type, body = write_batch([ok, failed])
    parts = parse_batch_response(content_type, body)
    assert [(p.status, p.content_id, p.changeset) for p in parts] == [(201, "1", 0), (200, "2", 0), (412, "7", None)]
    assert parts[0].headers["req_id"] == "r1" and parts[1].json() == {"leadid": "b"}


def test_batch_request_shape() -> None:
    ops = [BatchOperation("1", "PATCH", "/api/data/v9.2/leads(hnt_domain='a.example')", {"hnt_finalscore": 3},
                          {"If-Match": "*"})]  # fmt: skip
    content_type, body = build_batch([ops], batch_id="B")
    text = body.decode()
    assert content_type == "multipart/mixed; boundary=batch_B"
    assert text.startswith("--batch_B\r\nContent-Type: multipart/mixed; boundary=changeset_")
    assert "Content-ID: 1\r\n\r\nPATCH /api/data/v9.2/leads(hnt_domain='a.example') HTTP/1.1\r\n" in text
    assert "Content-Length: 20\r\n" in text and text.endswith("--batch_B--\r\n")
    with pytest.raises(ValueError, match="boundary"):
        parse_batch_response("multipart/mixed", body)


def test_plays_and_infrastructure_are_hunter_columns_cut_to_length() -> None:
    from leadhunter.integrations.d365 import LeadSnapshot
    from leadhunter.integrations.d365.mapping import INFRASTRUCTURE_MAX, PLAYS_MAX

    lead = LeadSnapshot(domain="contoso.com", score=70, priority=2, category="P2", segment="Migration",
                        plays=("Move sign-in to Entra ID", "x" * 2000), infrastructure="DNS: Azure DNS · " + "y" * 500)
    payload = map_lead(lead, MappingConfig(), synced_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    assert payload.always["hnt_plays"].startswith("Move sign-in to Entra ID; x")
    assert len(payload.always["hnt_plays"]) == PLAYS_MAX and payload.always["hnt_plays"].endswith("…")
    assert len(payload.always["hnt_infrastructure"]) == INFRASTRUCTURE_MAX
    assert "hnt_plays" in payload.for_update() and "hnt_infrastructure" in MappingConfig().written_columns()
    empty = map_lead(LeadSnapshot(domain="contoso.com", score=70, priority=2, category="P2", segment="Migration"),
                     MappingConfig(), synced_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    assert empty.always["hnt_plays"] is None and empty.always["hnt_infrastructure"] is None
