"""Partner Center Referrals JSON shapes (spec partner-center-referrals.md §4, §6, §11, §12) and OData helpers.

TypedDicts, ``total=False`` everywhere: real payloads are sparse (most nested fields null, empty arrays),
so readers use ``.get()`` and never trust a key to exist. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from .errors import ProtocolError, ValidationError

__all__ = [
    "DIRECTIONS",
    "QUALIFICATIONS",
    "STATUSES",
    "SUBSTATUSES",
    "TYPES",
    "Address",
    "ContactPreference",
    "CustomerProfile",
    "Details",
    "InviteContext",
    "Member",
    "ReferralPage",
    "ReferralPayload",
    "build_filter",
    "format_datetime",
    "odata_string",
    "parse_datetime",
    "parse_page",
]

STATUSES = ("New", "Active", "Closed", "None")
SUBSTATUSES = ("Pending", "Received", "Accepted", "Won", "Lost", "Declined", "Expired", "None")
QUALIFICATIONS = ("None", "Direct", "MarketingQualified", "SalesQualified")
TYPES = ("Independent", "Shared")
DIRECTIONS = ("Incoming", "Outgoing")


class ContactPreference(TypedDict, total=False):
    locale: str | None
    disableNotifications: bool | None


class Member(TypedDict, total=False):
    """A person in ``team[]`` (partner side) or ``customerProfile.team[]`` (customer contacts)."""

    firstName: str | None
    lastName: str | None
    phoneNumber: str | None
    email: str | None
    title: str | None
    contactPreference: ContactPreference | None


class Address(TypedDict, total=False):
    addressLine1: str | None
    addressLine2: str | None
    city: str | None
    state: str | None
    postalCode: str | None
    country: str | None  # two-letter code in every sample
    region: str | None


class ProfileId(TypedDict, total=False):
    profileType: str  # "Duns" | "External" (documented); tenant ids: see mapping.tenant_id_of
    id: str


class CustomerProfile(TypedDict, total=False):
    name: str | None
    address: Address | None
    size: str | None
    team: list[Member] | None
    ids: list[ProfileId] | None
    isMatchingComplete: bool | None
    website: str | None  # [unconfirmed]: not in the documented shape; read when present


class Details(TypedDict, total=False):
    notes: str | None
    dealValue: float | int | None
    currency: str | None
    closingDateTime: str | None
    requirements: dict[str, Any] | None


class InviteContext(TypedDict, total=False):
    notes: str | None
    invitedBy: dict[str, Any] | None
    assistanceRequestCode: str | None
    invitedMpnId: str | None


ReferralPayload = TypedDict(
    "ReferralPayload",
    {
        "@odata.context": str,
        "id": str,
        "engagementId": str | None,
        "name": str | None,
        "organizationId": str | None,
        "organizationName": str | None,
        "externalReferenceId": str | None,
        "createdDateTime": str | None,
        "updatedDateTime": str | None,
        "expirationDateTime": str | None,
        "acceptedDateTime": str | None,
        "closedDateTime": str | None,
        "status": str | None,
        "substatus": str | None,
        "statusReason": str | None,
        "qualification": str | None,
        "type": str | None,
        "direction": str | None,
        "referralSource": str | None,
        "callToAction": str | None,
        "customerMarketplaceIntent": str | None,
        "customerProfile": CustomerProfile | None,
        "consent": dict[str, Any] | None,
        "details": Details | None,
        "team": list[Member] | None,
        "inviteContext": InviteContext | None,
        "target": list[dict[str, Any]] | None,
        "links": dict[str, Any] | None,
        "eTag": str | None,
    },
    total=False,
)
ReferralPayload.__doc__ = "One referral as the API returns it (spec §6); unknown extra keys are kept as they come."


class ReferralPage(TypedDict):
    """One page of the list: the referrals, the verbatim ``@odata.nextLink`` (None on the last page),
    ``@odata.count`` when sent, and the ``client-request-id`` of the request that fetched it."""

    value: list[ReferralPayload]
    next_link: str | None
    count: int | None
    request_id: str | None


def odata_string(value: str) -> str:
    """An OData string literal: single quotes, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def format_datetime(moment: datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SS.fffffffZ`` (7 fractional digits, as the service writes them)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes sent to Partner Center must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


def parse_datetime(text: str | None) -> datetime | None:
    """Parse a service timestamp (``...Z``, up to 7 fractional digits) as an aware UTC datetime; None if unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def build_filter(
    *, direction: str | None = "Incoming", statuses: Sequence[str] = (), updated_since: datetime | None = None
) -> str | None:
    """The ``$filter`` text: ``direction eq 'Incoming' and (status eq 'New' or status eq 'Active')``
    [``and updatedDateTime ge <since>``]; None when there is nothing to filter.

    Status names are checked against spec §6 (``ValidationError`` for others) so a typo in the
    configuration fails at once instead of silently matching nothing.
    """
    clauses: list[str] = []
    if direction is not None:
        if direction not in DIRECTIONS:
            raise ValidationError(f"unknown referral direction {direction!r}; expected one of {DIRECTIONS}")
        clauses.append(f"direction eq {odata_string(direction)}")
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise ValidationError(f"unknown referral status {unknown[0]!r}; expected some of {STATUSES}")
    if statuses:
        either = " or ".join(f"status eq {odata_string(s)}" for s in dict.fromkeys(statuses))
        clauses.append(f"({either})" if len(statuses) > 1 else either)
    if updated_since is not None:
        clauses.append(f"updatedDateTime ge {format_datetime(updated_since)}")
    return " and ".join(clauses) or None


def parse_page(body: Any, *, request_id: str | None) -> ReferralPage:
    """Check the list envelope (spec §4) and return it as a ``ReferralPage``; ``ProtocolError`` if malformed."""
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise ProtocolError("the referrals list answer has no 'value' array", request_id=request_id)
    items = body["value"]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise ProtocolError("a referral in the list has no string 'id'", request_id=request_id)
    next_link = body.get("@odata.nextLink")
    if next_link is not None and (not isinstance(next_link, str) or not next_link.strip()):
        raise ProtocolError("'@odata.nextLink' is not a URL", request_id=request_id)
    count = body.get("@odata.count")
    return ReferralPage(
        value=items,
        next_link=next_link,
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        request_id=request_id,
    )
