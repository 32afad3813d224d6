"""Referral payload → ReferralRecord: lead type, domain choice, tenant id, deal value (table-driven)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fakes.partner_center_data import generate_referrals
from leadhunter.integrations.partner_center.errors import ProtocolError
from leadhunter.integrations.partner_center.mapping import (
    LeadType,
    decide_domain,
    decide_lead_type,
    tenant_id_of,
    to_record,
)

# Spec §11, with a real TLD so the domain rules accept it.
SPEC_EXAMPLE: dict[str, Any] = {
    "id": "c5fbb3b6-be74-4795-9fb5-4324c73fed37",
    "engagementId": "65edc0b5-3485-41b7-a17e-dfa9ef4706e2",
    "name": "Fabrikam - Microsoft 365 rollout",
    "createdDateTime": "2024-10-30T21:03:00.0000000Z",
    "updatedDateTime": "2024-10-31T08:15:12.1234567Z",
    "closedDateTime": None,
    "status": "New",
    "substatus": "Pending",
    "statusReason": None,
    "qualification": "SalesQualified",
    "type": "Shared",
    "direction": "Incoming",
    "referralSource": None,
    "callToAction": None,
    "eTag": '"84001c9d-0000-0100-0000-6225a63e0000"',
    "customerProfile": {
        "name": "Fabrikam Inc",
        "size": "51to250employees",
        "address": {"city": "Oslo", "postalCode": "0150", "country": "no"},
        "team": [
            {
                "firstName": "Sue",
                "lastName": "Smith",
                "phoneNumber": "+4712345678",
                "email": "sue.smith@fabrikam.no",
                "title": None,
            }
        ],
        "ids": [{"profileType": "Duns", "id": "795986822"}],
    },
    "details": {"dealValue": 10000, "currency": "usd"},
    "team": [{"firstName": "John", "lastName": "Doe", "phoneNumber": None, "email": "john.doe@microsoft.com"}],
}


def _referral(**changes: Any) -> dict[str, Any]:
    """The spec example with top-level keys replaced; `profile` replaces customerProfile keys."""
    payload = copy.deepcopy(SPEC_EXAMPLE)
    profile_changes = changes.pop("profile", {})
    payload.update(changes)
    payload["customerProfile"].update(profile_changes)
    return payload


def _people(*emails: str | None) -> list[dict[str, Any]]:
    return [{"firstName": "A", "lastName": "B", "email": e} for e in emails]


@pytest.mark.parametrize(
    ("fields", "expected", "reason_part"),
    [
        ({"type": "Shared", "qualification": "SalesQualified"}, LeadType.CO_SELL, "type=Shared"),
        ({"type": "Shared", "qualification": "None"}, LeadType.CO_SELL, "qualification=None"),
        ({"type": "Shared", "referralSource": "AppSource"}, LeadType.CO_SELL, "co-sell"),
        ({"type": "Independent", "qualification": "MarketingQualified", "referralSource": "AppSource"},
         LeadType.MARKETPLACE, "referralSource=AppSource"),
        ({"type": "Independent", "callToAction": "ContactMe"}, LeadType.MARKETPLACE, "callToAction=ContactMe"),
        ({"type": None, "referralSource": "AzureMarketplace"}, LeadType.MARKETPLACE, "type=missing"),
        ({"type": "Independent", "referralSource": "None", "callToAction": ""}, LeadType.SOLUTION_PROVIDER,
         "Independent"),
        ({"type": "Independent", "qualification": "Direct"}, LeadType.SOLUTION_PROVIDER, "qualification=Direct"),
        ({"type": "Independent", "qualification": "MarketingQualified"}, LeadType.SOLUTION_PROVIDER,
         "no co-sell or marketplace marker"),
        ({"type": None, "qualification": None}, LeadType.SOLUTION_PROVIDER, "type=missing, qualification=None"),
    ],
)  # fmt: skip
def test_lead_type_from_the_real_fields(fields: dict[str, Any], expected: LeadType, reason_part: str) -> None:
    decision = decide_lead_type(_referral(**fields))
    assert decision.lead_type is expected
    assert reason_part in decision.reason


@pytest.mark.parametrize(
    ("profile", "domain", "source", "reason_part"),
    [
        # website first, whatever the contacts say
        ({"website": "https://www.Acme.co.uk/about", "team": _people("x@other.com")}, "acme.co.uk", "website",
         "website"),
        ({"website": "acme.no", "team": []}, "acme.no", "website", "website"),
        # internationalised website, stored as ASCII
        ({"website": "https://bücher.de", "team": []}, "xn--bcher-kva.de", "website", "website"),
        # no website: the contacts' company domain
        ({"team": _people("sue@fabrikam.no")}, "fabrikam.no", "contact_email", "1 customer contact"),
        # consumer mailboxes are skipped in favour of a company address further down
        ({"team": _people("sue@gmail.com", None, "ola@nordlys.no")}, "nordlys.no", "contact_email", "contact"),
        # the most frequent company domain wins; ties go to the first seen
        ({"team": _people("a@one.com", "b@two.com", "c@two.com")}, "two.com", "contact_email", "2 customer"),
        ({"team": _people("a@one.com", "b@two.com")}, "one.com", "contact_email", "1 customer"),
        # unusable website falls through to contacts, and says so
        ({"website": "localhost", "team": _people("k@firma.de")}, "firma.de", "contact_email", "website unusable"),
        # Microsoft and the partner's own colleagues are never the customer
        ({"team": _people("john.doe@microsoft.com")}, None, None, "no usable company domain"),
        # nothing usable at all: kept, unlinked, with the reason
        ({"team": _people("a@gmail.com", "b@hotmail.com")}, None, None,
         "personal mailboxes only (gmail.com, hotmail.com)"),
        ({"team": []}, None, None, "no website; no customer contact e-mail"),
        ({"team": None}, None, None, "no customer contact e-mail"),
        ({"team": _people(None)}, None, None, "no customer contact e-mail"),
        ({"website": "not a site", "team": []}, None, None, "website unusable"),
        ({"team": _people("sue@fabrikam.example")}, None, None, "no usable company domain"),
    ],
)  # fmt: skip
def test_domain_pick_order(profile: dict[str, Any], domain: str | None, source: str | None, reason_part: str) -> None:
    decision = decide_domain(_referral(profile=profile))
    assert (decision.domain, decision.source) == (domain, source)
    assert reason_part in decision.reason
    assert (decision.domain is None) == (decision.candidates == ())
    if decision.domain:
        assert decision.candidates[0] == decision.domain


def test_partner_team_domain_is_excluded_from_customer_contacts() -> None:
    payload = _referral(team=_people("owner@contosopartner.com"), profile={"team": _people("me@contosopartner.com")})
    assert decide_domain(payload).domain is None


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"ids": [{"profileType": "Duns", "id": "795986822"}]}, None),
        ({"ids": [{"profileType": "TenantId", "id": "8F3C1A2B-4D5E-4F60-8A7B-9C0D1E2F3A4B"}]},
         "8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
        ({"ids": [{"profileType": "AzureAD", "id": "8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}]},
         "8f3c1a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
        ({"ids": [{"profileType": "TenantId", "id": "not-a-guid"}]}, None),
        ({"tenantId": "0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"}, "0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"),
        ({"ids": None}, None),
    ],
)  # fmt: skip
def test_tenant_id(profile: dict[str, Any], expected: str | None) -> None:
    assert tenant_id_of(_referral(profile=profile)) == expected


def test_record_from_the_spec_example() -> None:
    record = to_record(SPEC_EXAMPLE)
    assert record.referral_id == "c5fbb3b6-be74-4795-9fb5-4324c73fed37"
    assert record.engagement_id == "65edc0b5-3485-41b7-a17e-dfa9ef4706e2"
    assert (record.referral_type, record.qualification, record.direction) == ("Shared", "SalesQualified", "Incoming")
    assert (record.status, record.substatus) == ("New", "Pending")
    assert (record.customer_name, record.country) == ("Fabrikam Inc", "NO")
    assert (record.domain, record.domain_source) == ("fabrikam.no", "contact_email")
    assert (record.deal_value, record.currency) == (Decimal("10000"), "USD")
    assert record.lead_type is LeadType.CO_SELL
    assert record.updated_at == datetime(2024, 10, 31, 8, 15, 12, 123456, tzinfo=UTC)
    assert record.contacts[0].email == "sue.smith@fabrikam.no" and record.team[0].last_name == "Doe"
    assert record.contacts[0].as_dict()["phone"] == "+4712345678"
    assert record.raw == SPEC_EXAMPLE and record.raw is not SPEC_EXAMPLE
    assert record.etag == '"84001c9d-0000-0100-0000-6225a63e0000"'


@pytest.mark.parametrize(
    ("details", "value", "currency"),
    [
        ({"dealValue": 15000.5, "currency": "EUR"}, Decimal("15000.5"), "EUR"),
        ({"dealValue": 0}, Decimal(0), None),
        ({"dealValue": None, "currency": None}, None, None),
        ({"dealValue": "12.30"}, Decimal("12.30"), None),
        ({"dealValue": True}, None, None),
        ({"dealValue": float("nan")}, None, None),
        (None, None, None),
    ],
)
def test_deal_value(details: dict[str, Any] | None, value: Decimal | None, currency: str | None) -> None:
    record = to_record(_referral(details=details))
    assert (record.deal_value, record.currency) == (value, currency)


def test_sparse_referral_maps_without_errors() -> None:
    record = to_record({"id": "x", "customerProfile": None, "details": None, "team": None, "type": "Independent"})
    assert record.customer_name is None and record.domain is None and record.contacts == ()
    assert record.lead_type is LeadType.SOLUTION_PROVIDER


def test_a_referral_without_id_is_refused() -> None:
    with pytest.raises(ProtocolError):
        to_record({"name": "no id"})


def test_every_generated_referral_maps_and_every_kind_occurs() -> None:
    records = [to_record(r) for r in generate_referrals(600, seed=21)]
    kinds = {r.lead_type for r in records}
    sources = {r.domain_source for r in records}
    assert kinds == set(LeadType)
    assert sources == {"website", "contact_email", None}
    assert any("personal mailboxes" in r.domain_reason for r in records)
    assert any(r.tenant_id for r in records) and any(r.tenant_id is None for r in records)
    assert any(r.domain and r.domain.startswith("xn--") for r in records)
    assert all(r.domain != "microsoft.com" for r in records)


@pytest.mark.parametrize(("size", "kept"), [("51to250employees", "51to250employees"), ("", None), (None, None),
                                            (" Morethan500employees ", "Morethan500employees")])
def test_customer_size_band_is_kept(size: Any, kept: str | None) -> None:
    """The customer size band (read for the company size) is kept as received, blank as None."""
    assert to_record(_referral(profile={"size": size})).customer_size == kept
