"""The fake Partner Center itself, spoken to with plain httpx: OData subset, paging, auth, faults."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakes.entra_server import EntraServer
from fakes.partner_center_data import generate_referrals
from fakes.partner_center_odata import FilterError, compile_filter, parse_orderby
from fakes.partner_center_server import PartnerCenterServer
from leadhunter.integrations.common.tokens import DelegatedTokenProvider

LIST = "/v1.0/engagements/referrals"
ITEM: dict[str, Any] = {
    "id": "a", "status": "New", "substatus": "Pending", "type": "Shared", "direction": "Incoming",
    "qualification": "SalesQualified", "engagementId": "65edc0b5-3485-41b7-a17e-dfa9ef4706e2",
    "updatedDateTime": "2024-10-31T08:15:12.1234567Z", "customerProfile": {"address": {"country": "US"}},
    "name": "O'Brien deal",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("status eq 'New' and qualification eq 'SalesQualified'", True),
        ("customerProfile/address/country eq 'US' and direction eq 'Incoming'", True),
        ("(type eq 'Shared' and direction eq 'Incoming')", True),
        ("(direction eq 'Incoming' and substatus eq 'Pending')", True),
        ("engagementId eq '65edc0b5-3485-41b7-a17e-dfa9ef4706e2'", True),
        ("engagementId eq 65edc0b5-3485-41b7-a17e-dfa9ef4706e2", True),  # unquoted, as links.relatedReferrals
        ("status eq 'Closed' or type eq 'Shared'", True),
        ("not (status eq 'New')", False),
        ("status ne 'New'", False),
        ("updatedDateTime ge 2024-10-31T08:15:12.1234567Z", True),
        ("updatedDateTime gt 2024-10-31T08:15:12.1234567Z", False),
        ("updatedDateTime lt '2025-01-01T00:00:00Z'", True),
        ("name eq 'O''Brien deal'", True),
        ("closedDateTime eq null", True),
        ("customerProfile/address/city eq 'Oslo'", False),
        ("", True),
    ],
)
def test_filter_subset(text: str, matches: bool) -> None:
    assert compile_filter(text)(ITEM) is matches


@pytest.mark.parametrize(
    "text",
    ["team/any(t:t/email eq 'x@contoso.com')", "status eq", "status = 'New'", "(status eq 'New'", "status eq 'New')",
     "contains(name, 'x')", "updatedDateTime ge 'yesterday'", "direction eq 'incoming'", "status eq 'Open'"],
)  # fmt: skip
def test_unsupported_filters_are_refused(text: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(text)


def test_orderby() -> None:
    assert parse_orderby("updatedDateTime desc") == ("updatedDateTime", True)
    assert parse_orderby("createdDateTime") == ("createdDateTime", False)
    with pytest.raises(FilterError):
        parse_orderby("name asc")


@pytest.fixture
def http(pc: PartnerCenterServer, provider: DelegatedTokenProvider) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {provider.token()}"}
    context = ssl.create_default_context(cafile=pc.ca_file)
    with httpx.Client(base_url=pc.base_url, verify=context, trust_env=False, headers=headers, timeout=10) as client:
        yield client


def test_default_page_size_absolute_next_link_and_stale_token(pc: PartnerCenterServer, http: httpx.Client) -> None:
    pc.add_referrals(generate_referrals(45, seed=1))
    first = http.get(LIST).json()
    assert len(first["value"]) == 20 and first["@odata.count"] == 20
    link = first["@odata.nextLink"]
    assert link.startswith(f"{pc.base_url}{LIST}?") and "$skiptoken=" in link
    again = http.get(link).json()  # the same link twice: the same page
    assert [r["id"] for r in http.get(link).json()["value"]] == [r["id"] for r in again["value"]]
    last = http.get(again["@odata.nextLink"]).json()
    assert len(last["value"]) == 5 and "@odata.nextLink" not in last
    assert http.get(LIST, params={"$skiptoken": "nope.20"}).json()["error"]["code"] == "invalidRequest"


def test_bad_query_is_400_invalid_request(pc: PartnerCenterServer, http: httpx.Client) -> None:
    for params in ({"$filter": "team/any(t:t/email eq 'x')"}, {"$orderby": "name"}, {"$top": "0"}):
        response = http.get(LIST, params=params)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalidRequest"


def test_direction_is_filtered_honestly(pc: PartnerCenterServer, http: httpx.Client) -> None:
    """Each direction returns exactly its referrals, no filter returns both, an unknown direction is a 400."""
    everything = generate_referrals(120, seed=4)
    pc.add_referrals(everything)
    by_direction = {d: {r["id"] for r in everything if r["direction"] == d} for d in ("Incoming", "Outgoing")}
    assert by_direction["Incoming"] and by_direction["Outgoing"]  # the generator makes both
    for direction, expected in by_direction.items():
        page = http.get(LIST, params={"$top": "500", "$filter": f"direction eq '{direction}'"}).json()
        assert {r["id"] for r in page["value"]} == expected
    both = http.get(LIST, params={"$top": "500"}).json()
    assert {r["id"] for r in both["value"]} == by_direction["Incoming"] | by_direction["Outgoing"]
    refused = http.get(LIST, params={"$filter": "direction eq 'Sideways'"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalidRequest"


def test_get_by_id_and_404(pc: PartnerCenterServer, http: httpx.Client) -> None:
    pc.add_referrals(generate_referrals(1, seed=2))
    referral_id = pc.referral_ids[0]
    body = http.get(f"{LIST}/{referral_id}").json()
    assert body["id"] == referral_id and body["@odata.context"].endswith("$metadata#Referrals/$entity")
    missing = http.get(f"{LIST}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"


def test_auth_is_required_and_checked(pc: PartnerCenterServer, http: httpx.Client, entra: EntraServer) -> None:
    assert http.get(LIST, headers={"Authorization": ""}).status_code == 401
    assert http.get(LIST, headers={"Authorization": "Bearer forged"}).status_code == 401
    pc.accept_token("static-token")
    assert http.get(LIST, headers={"Authorization": "Bearer static-token"}).status_code == 200
    entra.expire_all_tokens()
    assert http.get(LIST).status_code == 401


def test_fault_switches_count_down(pc: PartnerCenterServer, http: httpx.Client) -> None:
    pc.fault("429:9", times=1)
    pc.fault("503:2", times=1)
    first, second, third = http.get(LIST), http.get(LIST), http.get(LIST)
    assert (first.status_code, first.headers["retry-after"]) == (429, "9")
    assert (second.status_code, second.headers["retry-after"]) == (503, "2")
    assert third.status_code == 200
    with pytest.raises(ValueError):
        pc.fault("418")


def test_requests_are_recorded_with_headers(pc: PartnerCenterServer, http: httpx.Client) -> None:
    http.get(LIST, params={"$top": "3"}, headers={"client-request-id": "abc"})
    recorded = pc.requests[-1]
    assert (recorded.method, recorded.path, recorded.query["$top"]) == ("GET", LIST, "3")
    assert recorded.headers["client-request-id"] == "abc"


def test_update_bumps_time_and_etag(pc: PartnerCenterServer) -> None:
    pc.add_referrals(generate_referrals(1, seed=3))
    before = pc.referral(pc.referral_ids[0])
    after = pc.update_referral(before["id"], status="Closed", substatus="Won", deal_value=99)
    assert after["updatedDateTime"] > before["updatedDateTime"] and after["eTag"] != before["eTag"]
    assert (after["status"], after["substatus"], after["details"]["dealValue"]) == ("Closed", "Won", 99)
    assert after["closedDateTime"] is not None


def test_generator_is_deterministic_and_valid() -> None:
    one, two = generate_referrals(50, seed=7), generate_referrals(50, seed=7)
    assert [r["id"] for r in one] == [r["id"] for r in two]
    pairs = {(r["status"], r["substatus"]) for r in generate_referrals(300, seed=8)}
    allowed = {("New", "Pending"), ("New", "Received"), ("Active", "Accepted"), ("Closed", "Won"),
               ("Closed", "Lost"), ("Closed", "Declined"), ("Closed", "Expired")}  # fmt: skip
    assert pairs == allowed
