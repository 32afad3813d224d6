"""Partner Center referrals for ``hunter demo``: every lead type (co-sell, marketplace, solution provider) in
every status/substatus pair of the spec (partner-center-referrals.md §7), each linked to a demo company through
its website, a few with two referrals on one company, deal values in several currencies, and two that match no
company (a personal mailbox only), so the "unlinked" state shows too. Deterministic: the same companies give
the same referral ids, so syncing again after a restart updates instead of duplicating."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

KINDS: dict[str, dict[str, Any]] = {
    "co-sell": {"type": "Shared", "qualification": "SalesQualified", "referralSource": None, "callToAction": None},
    "marketplace": {"type": "Independent", "qualification": "MarketingQualified", "referralSource": "AppSource",
                    "callToAction": "ContactMe"},
    "solution-provider": {"type": "Independent", "qualification": "Direct", "referralSource": None,
                          "callToAction": None},
}
STATUSES = [("New", "Pending"), ("New", "Received"), ("Active", "Accepted"), ("Closed", "Won"), ("Closed", "Lost"),
            ("Closed", "Declined"), ("Closed", "Expired")]
CURRENCIES = [(25_000.0, "USD"), (18_500.0, "EUR"), (450_000.0, "TRY"), (9_900.0, "GBP"), (None, None)]
PRODUCTS = ["Microsoft 365 E3 rollout", "Azure migration", "Intune enrolment", "Teams Phone", "Defender for Office 365"]
_NAMESPACE = uuid.UUID("0b8f6c1e-2d4a-4f3b-9c5e-7a1d2e3f4b5c")


def _stamp(moment: datetime) -> str:
    """Partner Center's timestamp text (UTC, 7 fractional digits, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _person(first: str, last: str, email: str | None) -> dict[str, Any]:
    return {"firstName": first, "lastName": last, "phoneNumber": "+90 212 555 01 01" if email else None,
            "email": email, "title": "IT Manager" if email else None, "contactPreference": {"locale": "tr-tr"}}


def referral(index: int, customer: str, domain: str | None, kind: str, status: tuple[str, str],
             now: datetime) -> dict[str, Any]:
    """One incoming referral for ``customer`` (website ``domain``; None: only a personal mailbox)."""
    rid = str(uuid.uuid5(_NAMESPACE, f"{index}:{customer}:{kind}"))
    updated = now - timedelta(hours=3 * index)
    deal, currency = CURRENCIES[index % len(CURRENCIES)]
    contact = (_person("Ayşe", "Yılmaz", f"ayse.yilmaz@{domain}") if domain
               else _person("Mehmet", "Kaya", f"mehmet.kaya{index}@gmail.com"))
    profile: dict[str, Any] = {"name": customer, "size": "51to250employees",
                               "address": {"city": "İstanbul", "country": "TR"}, "team": [contact], "ids": []}
    if domain:
        profile["website"] = f"https://www.{domain}/" if index % 2 else domain
    closed = status[0] == "Closed"
    return {
        "id": rid, "engagementId": str(uuid.uuid5(_NAMESPACE, rid)),
        "name": f"{customer} - {PRODUCTS[index % len(PRODUCTS)]}",
        "organizationId": "7d23e5ca-19dc-4eaa-aac8-5e6b559f0d1d", "organizationName": "Contoso Partner Ltd",
        "externalReferenceId": None,
        "createdDateTime": _stamp(updated - timedelta(days=2)), "updatedDateTime": _stamp(updated),
        "expirationDateTime": None if closed else _stamp(updated + timedelta(days=14)),
        "acceptedDateTime": _stamp(updated) if status[0] == "Active" else None,
        "closedDateTime": _stamp(updated) if closed else None,
        "status": status[0], "substatus": status[1],
        "statusReason": "Customer chose another vendor" if status[1] == "Lost" else None,
        "direction": "Incoming", **KINDS[kind], "customerProfile": profile,
        "details": {"notes": f"{customer} asked for help with {PRODUCTS[index % len(PRODUCTS)]}.", "dealValue": deal,
                    "currency": currency, "closingDateTime": _stamp(now + timedelta(days=30))},
        "team": [_person("John", "Doe", "john.doe@microsoft.com")],
    }


def demo_referrals(companies: Sequence[tuple[str, str]], now: datetime | None = None) -> list[dict[str, Any]]:
    """Referrals for ``companies`` ((domain, name), at least 21): each (type, status) pair once on its own
    company, the first three companies a second referral each, and two unlinked ones."""
    now = now or datetime.now(UTC)
    out: list[dict[str, Any]] = []
    pairs = [(kind, status) for status in STATUSES for kind in KINDS]
    for i, (kind, status) in enumerate(pairs):
        domain, name = companies[i % len(companies)]
        out.append(referral(i, name, domain, kind, status, now))
    for j in range(3):  # a company with two referrals (shown as "×2")
        domain, name = companies[j]
        out.append(referral(len(out), name, domain, "marketplace", ("Active", "Accepted"), now))
    for j in range(2):
        out.append(referral(len(out), f"Bireysel Müşteri {j + 1}", None, "solution-provider", ("New", "Pending"), now))
    return out
