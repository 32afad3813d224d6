"""Realistic referral payloads for the fake Partner Center (spec partner-center-referrals.md §6, §7, §11).

``generate_referrals(n, seed=...)`` is deterministic for a seed and mixes every kind the mapping must
handle: co-sell (``Shared``), partner-finder (``Independent``/``Direct``), marketing-qualified,
marketplace-flagged (``referralSource``/``callToAction``) and outgoing referrals; all status/substatus
pairs of §7; customer websites (some internationalised), company contact e-mails, contacts with
personal mailboxes only, no contacts at all, sparse records (nulls, empty arrays, ``size`` = ""),
Entra tenant ids on some customers, deal values in several currencies. All domains use real TLDs
(never ``.example``, which the domain rules reject as reserved).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

JsonDict = dict[str, Any]
ADVERTISED_BASE = "https://api.partner.microsoft.com"

_STATUS_PAIRS = [
    ("New", "Pending"),
    ("New", "Received"),
    ("Active", "Accepted"),
    ("Closed", "Won"),
    ("Closed", "Lost"),
    ("Closed", "Declined"),
    ("Closed", "Expired"),
]
_WORDS = [
    "Fabrikam",
    "Contoso",
    "Northwind",
    "Tailspin",
    "Woodgrove",
    "Litware",
    "Proseware",
    "Adatum",
    "Fourth Coffee",
    "Alpine Ski",
    "Blue Yonder",
    "Coho Winery",
    "Wide World",
    "Lucerne",
    "Margie",
    "Trey Research",
    "Wingtip",
    "Humongous",
    "Datum",
    "Relecloud",
    "Bellows",
    "Graphic Design",
]
_SUFFIXES = ["Inc", "Ltd", "AS", "GmbH", "SA", "BV", "AB", "Oy", "LLC", "plc"]
_COUNTRIES = [
    ("NO", ".no"),
    ("US", ".com"),
    ("DE", ".de"),
    ("GB", ".co.uk"),
    ("FR", ".fr"),
    ("SE", ".se"),
    ("NL", ".nl"),
    ("FI", ".fi"),
    ("DK", ".dk"),
    ("US", ".io"),
]
_IDN_NAMES = ["Bücher", "Møller", "Ærø Shipping", "Größe", "Çelik", "Ñandú"]
_CONSUMER = ["gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "gmx.de", "live.no"]
_FIRST = ["Sue", "John", "Kari", "Ola", "Anna", "Lars", "Maria", "Pierre", "Eva", "Tom", "Ingrid", "Jonas"]
_LAST = ["Smith", "Doe", "Nordmann", "Hansen", "Müller", "Dupont", "Berg", "Olsen", "Jensen", "Svensson"]
_SIZES = ["1to50employees", "51to500employees", "Morethan500employees", "51to250employees", "", None]
_CURRENCIES = ["USD", "EUR", "NOK", "GBP", "SEK"]
_PRODUCTS = ["Azure", "Microsoft365", "Dynamics365Enterprise", "PowerBI", "Teams", "Office"]


def stamp(moment: datetime) -> str:
    """Service timestamp text: UTC, 7 fractional digits, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _member(rng: random.Random, email: str | None, *, sparse: bool) -> JsonDict:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {
        "firstName": first,
        "lastName": last,
        "phoneNumber": None if sparse or rng.random() < 0.3 else f"+47{rng.randint(40000000, 99999999)}",
        "email": email,
        "title": None if rng.random() < 0.7 else rng.choice(["CIO", "IT Manager", "CEO", "Head of IT"]),
        "contactPreference": None if sparse else {"locale": "en-us", "disableNotifications": rng.random() < 0.1},
    }


def _kind(rng: random.Random) -> tuple[str, str, str, str | None, str | None]:
    """(type, qualification, direction, referralSource, callToAction)."""
    roll = rng.random()
    if roll < 0.40:
        return "Shared", "SalesQualified", "Incoming", None, None
    if roll < 0.65:
        return "Independent", "Direct", "Incoming", None, None
    if roll < 0.75:
        return "Independent", "MarketingQualified", "Incoming", None, None
    if roll < 0.88:
        return (
            "Independent",
            "MarketingQualified",
            "Incoming",
            rng.choice(["AppSource", "AzureMarketplace"]),
            rng.choice(["ContactMe", "FreeTrial", "TestDrive"]),
        )
    return rng.choice(["Shared", "Independent"]), "Direct", "Outgoing", None, None


def make_referral(
    rng: random.Random, index: int, created: datetime, *, advertised_base: str = ADVERTISED_BASE
) -> JsonDict:
    """One referral; ``index`` makes the customer name unique within a batch."""
    referral_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    engagement_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    kind, qualification, direction, source, action = _kind(rng)
    status, substatus = rng.choice(_STATUS_PAIRS)
    sparse = rng.random() < 0.1
    country, tld = rng.choice(_COUNTRIES)
    idn = rng.random() < 0.05
    word = rng.choice(_IDN_NAMES) if idn else rng.choice(_WORDS)
    customer = f"{word} {index} {rng.choice(_SUFFIXES)}"
    domain = f"{_slug(word)}{index}{tld}"
    contact_roll = rng.random()
    if contact_roll < 0.55:
        emails = [
            f"{rng.choice(_FIRST).lower()}.{rng.choice(_LAST).lower()}@{domain}" for _ in range(rng.randint(1, 3))
        ]
    elif contact_roll < 0.75:
        emails = [f"{rng.choice(_FIRST).lower()}{rng.randint(1, 99)}@{rng.choice(_CONSUMER)}"]
    elif contact_roll < 0.85:
        emails = [None]  # a contact with a name but no e-mail
    else:
        emails = []
    website: str | None = None
    if rng.random() < 0.5 and not sparse:
        website = rng.choice([f"https://www.{domain}", f"www.{domain}", f"http://{domain}/", f"{domain}"])
    updated = created + timedelta(seconds=rng.randint(0, 3600))
    ids: list[JsonDict] = [] if sparse else [{"profileType": "Duns", "id": str(rng.randint(100000000, 999999999))}]
    if rng.random() < 0.4:
        ids.append({"profileType": "TenantId", "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))})
    closed = status == "Closed"
    payload: JsonDict = {
        "id": referral_id,
        "engagementId": engagement_id,
        "name": f"{customer} - {rng.choice(_PRODUCTS)} opportunity",
        "organizationId": "7d23e5ca-19dc-4eaa-aac8-5e6b559f0d1d",
        "organizationName": "Contoso Partner Ltd",
        "externalReferenceId": None,
        "createdDateTime": stamp(created),
        "updatedDateTime": stamp(updated),
        "expirationDateTime": None if closed else stamp(created + timedelta(days=14)),
        "acceptedDateTime": stamp(updated) if status == "Active" else None,
        "closedDateTime": stamp(updated) if closed else None,
        "status": status,
        "substatus": substatus,
        "statusReason": "Customer chose another vendor" if substatus == "Lost" else None,
        "qualification": qualification,
        "type": kind,
        "direction": direction,
        "referralSource": source,
        "callToAction": action,
        "customerMarketplaceIntent": None,
        "eTag": f'"{uuid.UUID(int=rng.getrandbits(128), version=4)}"',
        "target": [] if sparse else [{"type": "SolutionProfile", "id": f"SOL-{rng.randint(1000000, 9999999)}-IPC"}],
        "customerProfile": {
            "name": customer,
            "size": rng.choice(_SIZES),
            "isMatchingComplete": not sparse,
            "address": None
            if sparse
            else {
                "addressLine1": f"{rng.randint(1, 200)} Main St",
                "addressLine2": "",
                "city": "Oslo",
                "state": None,
                "postalCode": "0150",
                "country": country,
                "region": None,
            },
            "team": [_member(rng, e, sparse=sparse) for e in emails],
            "ids": ids,
        },
        "consent": None
        if sparse
        else {
            "consentToToShareInfoWithOthers": True,
            "consentToContact": True,
            "consentToShareReferralWithMicrosoftSellers": kind == "Shared",
        },
        "details": {
            "notes": None if sparse else "Customer wants help with a rollout.",
            "dealValue": None if sparse else rng.choice([0, 5000, 10000, 25000, 120000, 15000.5]),
            "currency": None if sparse else rng.choice(_CURRENCIES),
            "closingDateTime": None,
            "requirements": {
                "industries": [],
                "products": [{"id": rng.choice(_PRODUCTS)}],
                "services": [],
                "solutions": [],
                "offers": [],
                "salesPlays": [],
            },
        },
        "team": [_member(rng, f"seller{rng.randint(1, 50)}@microsoft.com", sparse=False)]
        if kind == "Shared"
        else [_member(rng, "owner@contosopartner.com", sparse=False)],
        "inviteContext": {
            "notes": "Can you help this customer?",
            "assistanceRequestCode": "Unknown",
            "invitedMpnId": None,
            "invitedBy": {"organizationId": "b97870f2-fb0f-4b44-b597-992d4ecbe23d", "organizationName": "Microsoft"},
        }
        if kind == "Shared"
        else None,
        "links": {
            "relatedReferrals": {
                "uri": f"{advertised_base}/v1.0/engagements/referrals?$filter=engagementId eq '{engagement_id}'",
                "method": "GET",
            },
            "self": {"uri": f"{advertised_base}/v1.0/engagements/referrals/{referral_id}", "method": "GET"},
        },
        "trackingInfo": None,
        "registrations": [],
    }
    if website is not None:
        payload["customerProfile"]["website"] = website
    return payload


def generate_referrals(
    n: int, *, seed: int = 0, start: datetime | None = None, spacing: float = 60.0
) -> list[JsonDict]:
    """``n`` referrals, deterministic for ``seed``, created ``spacing`` seconds apart from ``start``
    (default: ``n * spacing`` seconds before now, so every timestamp lies in the past)."""
    rng = random.Random(seed)
    begin = start or datetime.now(UTC) - timedelta(seconds=n * spacing + 7200)
    return [make_referral(rng, i, begin + timedelta(seconds=i * spacing)) for i in range(n)]
