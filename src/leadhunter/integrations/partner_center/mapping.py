"""Referral payload → ``ReferralRecord``: the fields Hunter stores, the lead type and the company domain.

Pure functions, no I/O. Decisions come back with a reason in plain English so the UI and the
``partner_center_referrals`` table can say *why* a referral is co-sell or has no domain.

Lead type (spec §8): ``type = Shared`` → co-sell (a Microsoft seller or another partner collaborates);
``referralSource`` or ``callToAction`` set → marketplace (the fields Microsoft sets for marketplace leads);
otherwise an ``Independent`` referral → solution-provider (partner-finder / Microsoft-sent leads;
``qualification = Direct`` is the documented marker, others are named in the reason).

Domain: the customer's website first; then the customer contacts' e-mail domains
(``customerProfile.team``) that are not personal mailboxes and not the partner's or Microsoft's own
(domains of the partner-side ``team``); the most frequent wins, ties go to the first seen. Nothing
usable → no domain and a reason, so the referral is kept unlinked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from leadhunter.domain.normalize import normalize_domain

from .errors import ProtocolError
from .payloads import parse_datetime

__all__ = [
    "Contact",
    "DomainDecision",
    "LeadType",
    "LeadTypeDecision",
    "ReferralRecord",
    "decide_domain",
    "decide_lead_type",
    "tenant_id_of",
    "to_record",
]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Profile id types that carry an Entra tenant id ([unconfirmed]: the documented ones are Duns and External).
_TENANT_PROFILE_TYPE = re.compile(r"tenant|azuread|entra|^aad", re.IGNORECASE)
# The partner's own side and Microsoft are never the customer, whatever address a contact was given.
_NEVER_CUSTOMER = frozenset({"microsoft.com"})
_WEBSITE_KEYS = ("website", "webSite", "websiteUrl", "url")  # [unconfirmed] key names, first present wins


class LeadType(StrEnum):
    """How a referral reached us (stored values, stable)."""

    CO_SELL = "co-sell"
    MARKETPLACE = "marketplace"
    SOLUTION_PROVIDER = "solution-provider"


@dataclass(frozen=True, slots=True)
class Contact:
    """One person from ``customerProfile.team`` or the partner-side ``team`` (personal data: never log)."""

    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready form for storage and the API."""
        return {"first_name": self.first_name, "last_name": self.last_name, "email": self.email,
                "phone": self.phone, "title": self.title}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LeadTypeDecision:
    """The lead type and the fields that decided it."""

    lead_type: LeadType
    reason: str


@dataclass(frozen=True, slots=True)
class DomainDecision:
    """The chosen company domain (ASCII registrable domain) or None, where it came from, and why.

    ``source`` is ``"website"``, ``"contact_email"`` or None; ``candidates`` lists every usable domain
    found, in preference order (the chosen one first).
    """

    domain: str | None
    source: str | None
    reason: str
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferralRecord:
    """What Hunter keeps of one referral. Times are aware UTC; ``raw`` is the whole payload (not compared)."""

    referral_id: str
    engagement_id: str | None
    name: str | None
    referral_type: str | None
    qualification: str | None
    direction: str | None
    status: str | None
    substatus: str | None
    status_reason: str | None
    customer_name: str | None
    country: str | None
    website: str | None
    domain: str | None
    domain_source: str | None
    domain_reason: str
    domain_candidates: tuple[str, ...]
    contacts: tuple[Contact, ...]
    team: tuple[Contact, ...]
    deal_value: Decimal | None
    currency: str | None
    tenant_id: str | None
    lead_type: LeadType
    lead_type_reason: str
    created_at: datetime | None
    updated_at: datetime | None
    closed_at: datetime | None
    etag: str | None
    raw: dict[str, Any] = field(compare=False, repr=False)
    customer_size: str | None = None  # customerProfile.size as received, e.g. "51to250employees"


def to_record(payload: Mapping[str, Any]) -> ReferralRecord:
    """Map one referral payload; ``ProtocolError`` when it has no ``id``. Missing parts become None."""
    referral_id = _text(payload.get("id"))
    if referral_id is None:
        raise ProtocolError("a referral without an id cannot be stored")
    profile = _mapping(payload.get("customerProfile"))
    address = _mapping(profile.get("address"))
    details = _mapping(payload.get("details"))
    lead_type = decide_lead_type(payload)
    contacts, team = _members(profile.get("team")), _members(payload.get("team"))
    domain = _decide_domain(profile, contacts, team)
    country = _text(address.get("country"))
    return ReferralRecord(
        referral_id=referral_id,
        engagement_id=_text(payload.get("engagementId")),
        name=_text(payload.get("name")),
        referral_type=_text(payload.get("type")),
        qualification=_text(payload.get("qualification")),
        direction=_text(payload.get("direction")),
        status=_text(payload.get("status")),
        substatus=_text(payload.get("substatus")),
        status_reason=_text(payload.get("statusReason")),
        customer_name=_text(profile.get("name")),
        country=country.upper() if country else None,
        website=_website(profile),
        domain=domain.domain,
        domain_source=domain.source,
        domain_reason=domain.reason,
        domain_candidates=domain.candidates,
        contacts=contacts,
        team=team,
        deal_value=_decimal(details.get("dealValue")),
        currency=(_text(details.get("currency")) or "").upper() or None,
        tenant_id=tenant_id_of(payload),
        lead_type=lead_type.lead_type,
        lead_type_reason=lead_type.reason,
        created_at=parse_datetime(_text(payload.get("createdDateTime"))),
        updated_at=parse_datetime(_text(payload.get("updatedDateTime"))),
        closed_at=parse_datetime(_text(payload.get("closedDateTime"))),
        etag=_text(payload.get("eTag")),
        raw=dict(payload),
        customer_size=_text(profile.get("size")),
    )


def decide_lead_type(payload: Mapping[str, Any]) -> LeadTypeDecision:
    """Co-sell / marketplace / solution-provider from ``type``, ``referralSource``, ``callToAction``,
    ``qualification`` (see the module docstring)."""
    kind = _text(payload.get("type"))
    qualification = _text(payload.get("qualification")) or "None"
    source = _meaningful(payload.get("referralSource"))
    action = _meaningful(payload.get("callToAction"))
    if kind == "Shared":
        return LeadTypeDecision(LeadType.CO_SELL, f"type=Shared (collaborative co-sell), qualification={qualification}")
    if source or action:
        marker = ", ".join(f"{k}={v}" for k, v in (("referralSource", source), ("callToAction", action)) if v)
        return LeadTypeDecision(LeadType.MARKETPLACE, f"{marker} (set for marketplace leads), type={kind or 'missing'}")
    if kind == "Independent" and qualification == "Direct":
        return LeadTypeDecision(
            LeadType.SOLUTION_PROVIDER, "type=Independent, qualification=Direct (partner-finder lead)"
        )
    return LeadTypeDecision(
        LeadType.SOLUTION_PROVIDER,
        f"type={kind or 'missing'}, qualification={qualification}: no co-sell or marketplace marker",
    )


def decide_domain(payload: Mapping[str, Any]) -> DomainDecision:
    """Website, then customer-contact e-mail domains that are neither personal mailboxes nor ours."""
    profile = _mapping(payload.get("customerProfile"))
    return _decide_domain(profile, _members(profile.get("team")), _members(payload.get("team")))


def _decide_domain(profile: Mapping[str, Any], contacts: Sequence[Contact], team: Sequence[Contact]) -> DomainDecision:
    excluded = set(_NEVER_CUSTOMER) | _own_domains(team)
    website = _website(profile)
    website_problem: str | None = None
    candidates: list[str] = []
    if website is not None:
        found = normalize_domain(website)
        if found.ok and found.domain is not None and found.domain not in excluded:
            candidates.append(found.domain)
        else:
            website_problem = found.message or f"the website is {found.domain}, which is not the customer's"
    votes: Counter[str] = Counter()
    consumer: list[str] = []
    unusable = 0
    for member in contacts:
        if not member.email:
            continue
        found = normalize_domain(member.email)
        if found.consumer and found.domain:
            consumer.append(found.domain)
        elif found.ok and found.domain and found.domain not in excluded:
            votes[found.domain] += 1
        else:
            unusable += 1
    # Counter.most_common keeps first-seen order among equal counts.
    candidates += [d for d, _ in votes.most_common() if d not in candidates]
    if website is not None and website_problem is None:
        return DomainDecision(candidates[0], "website", "customer website", tuple(candidates))
    if votes:
        chosen = candidates[0]
        why = f"{votes[chosen]} customer contact e-mail(s) at this domain"
        if website_problem:
            why += f" (website unusable: {website_problem})"
        return DomainDecision(chosen, "contact_email", why, tuple(candidates))
    parts = ["no website" if website is None else f"website unusable: {website_problem}"]
    if consumer:
        parts.append(f"contact e-mails are personal mailboxes only ({', '.join(sorted(set(consumer)))})")
    elif unusable:
        parts.append("contact e-mails have no usable company domain")
    else:
        parts.append("no customer contact e-mail")
    return DomainDecision(None, None, "; ".join(parts), ())


def tenant_id_of(payload: Mapping[str, Any]) -> str | None:
    """The customer's Entra tenant id (lower-case GUID) when the payload carries one, else None.

    [unconfirmed field] Read from ``customerProfile.tenantId`` or a ``customerProfile.ids`` entry whose
    ``profileType`` names a tenant (``TenantId``, ``AzureAD``, ``Entra...``); anything not a GUID is ignored.
    """
    profile = _mapping(payload.get("customerProfile"))
    values: list[Any] = [profile.get("tenantId")]
    ids = profile.get("ids")
    if isinstance(ids, list):
        values += [
            e.get("id")
            for e in ids
            if isinstance(e, Mapping) and _TENANT_PROFILE_TYPE.search(str(e.get("profileType", "")))
        ]
    for value in values:
        text = _text(value)
        if text and _GUID.match(text):
            return text.lower()
    return None


# ---- small readers ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A stripped non-empty string, or None (numbers are not silently turned into text)."""
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None


def _meaningful(value: Any) -> str | None:
    """Like ``_text`` but the enum placeholder ``None``/``Unknown`` counts as absent."""
    text = _text(value)
    return None if text is None or text.lower() in ("none", "unknown", "null") else text


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _website(profile: Mapping[str, Any]) -> str | None:
    for key in _WEBSITE_KEYS:
        text = _text(profile.get(key))
        if text:
            return text
    return None


def _members(value: Any) -> tuple[Contact, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(
        Contact(
            _text(m.get("firstName")),
            _text(m.get("lastName")),
            _text(m.get("email")),
            _text(m.get("phoneNumber")),
            _text(m.get("title")),
        )
        for m in value
        if isinstance(m, Mapping)
    )


def _own_domains(team: Sequence[Contact]) -> set[str]:
    """Registrable domains of the partner-side team: our colleagues' (and Microsoft sellers') addresses."""
    domains: set[str] = set()
    for member in team:
        if member.email:
            found = normalize_domain(member.email)
            if found.ok and found.domain:
                domains.add(found.domain)
    return domains


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
