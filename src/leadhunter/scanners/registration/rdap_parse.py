"""RDAP domain answers (RFC 9083 JSON) → :class:`RegistrationFacts`; pure functions, no I/O.

Registrar: the entity with role ``registrar``, its vCard ``fn``. Dates: the ``registration``,
``expiration`` and ``last changed`` events. Registrant organisation: the vCard ``org`` of the entity
with role ``registrant`` (never its ``fn``: for a person that is a personal name); a value the server
redacted (RFC 9537 ``redacted`` members, or placeholder text such as "REDACTED FOR PRIVACY") is
``None`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome, RegistrationSource, Withheld

RDAP_JSON = "application/rdap+json"
_REDACTION_WORDS = ("redacted", "privacy", "withheld", "not disclosed", "hidden", "data protected")
NOT_PUBLISHED = "not published by the registry"


class RdapFormatError(ValueError):
    """The answer is JSON but not an RDAP domain object."""


def _entities(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every entity, nested ones included (registrars nest abuse contacts; some registries nest more)."""
    for entity in node.get("entities") or ():
        if isinstance(entity, Mapping):
            yield entity
            yield from _entities(entity)


def _vcard(entity: Mapping[str, Any], name: str) -> str | None:
    """The first text value of vCard property ``name`` (jCard, RFC 7095)."""
    card = entity.get("vcardArray")
    if not isinstance(card, list) or len(card) < 2 or not isinstance(card[1], list):
        return None
    for prop in card[1]:
        if isinstance(prop, list) and len(prop) >= 4 and str(prop[0]).lower() == name:
            value = prop[3]
            if isinstance(value, list):  # structured values (org may be ["Company", "Unit"])
                value = next((v for v in value if isinstance(v, str) and v.strip()), "")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _roles(entity: Mapping[str, Any]) -> set[str]:
    return {str(r).lower() for r in entity.get("roles") or ()}


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _events(answer: Mapping[str, Any]) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for event in answer.get("events") or ():
        if not isinstance(event, Mapping):
            continue
        action = str(event.get("eventAction", "")).lower()
        when = _parse_date(event.get("eventDate"))
        if when is not None and action not in found:
            found[action] = when
    return found


def _redacted_reason(answer: Mapping[str, Any], label: str) -> str | None:
    """The RFC 9537 reason a field named like ``label`` was redacted, if the answer says so."""
    for item in answer.get("redacted") or ():
        if not isinstance(item, Mapping):
            continue
        name = item.get("name")
        text = name.get("type") or name.get("description") if isinstance(name, Mapping) else None
        if isinstance(text, str) and text.lower() == label.lower():
            reason = item.get("reason")
            described = reason.get("description") or reason.get("type") if isinstance(reason, Mapping) else None
            return str(described or f"redacted ({item.get('method', 'removal')})")
    return None


def _looks_redacted(value: str) -> bool:
    lowered = value.lower()
    return any(word in lowered for word in _REDACTION_WORDS)


def _registrant_org(answer: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(organisation, reason it is withheld); exactly one of the two is set."""
    reason = _redacted_reason(answer, "Registrant Organization")
    for entity in _entities(answer):
        if "registrant" in _roles(entity):
            org = _vcard(entity, "org")
            if org and not _looks_redacted(org):
                return org, None
            if org:
                return None, org
    return None, reason or NOT_PUBLISHED


def is_domain_object(answer: Any) -> bool:
    """True for an RDAP domain object (not an error object or another class)."""
    return isinstance(answer, Mapping) and str(answer.get("objectClassName", "")).lower() == "domain"


def registrar_name(answer: Mapping[str, Any]) -> str | None:
    """The registrar's name (entity with role ``registrar``, vCard ``fn``), or None."""
    for entity in _entities(answer):
        if "registrar" in _roles(entity):
            return _vcard(entity, "fn") or _vcard(entity, "org")
    return None


def registrar_link(answer: Mapping[str, Any], self_url: str | None = None) -> str | None:
    """The registry → registrar referral: a link with ``rel`` related and type ``application/rdap+json``."""
    for link in answer.get("links") or ():
        if not isinstance(link, Mapping):
            continue
        href = link.get("href")
        kind = str(link.get("type", "")).split(";")[0].strip().lower()
        if (str(link.get("rel", "")).lower() == "related" and kind == RDAP_JSON and isinstance(href, str)
                and href.startswith(("https://", "http://")) and href != self_url):
            return href
    return None


def parse_domain(domain: str, answer: Mapping[str, Any]) -> RegistrationFacts:
    """Facts from one RDAP domain object (RdapFormatError if it is not one)."""
    if not is_domain_object(answer):
        raise RdapFormatError("the answer is not an RDAP domain object")
    events = _events(answer)
    org, org_reason = _registrant_org(answer)
    nameservers = tuple(dict.fromkeys(
        str(ns.get("ldhName", "")).lower().rstrip(".")
        for ns in answer.get("nameservers") or ()
        if isinstance(ns, Mapping) and ns.get("ldhName")
    ))
    statuses = tuple(str(s) for s in answer.get("status") or () if isinstance(s, str))
    withheld = (Withheld("registrant_organization", org_reason),) if org_reason else ()
    return RegistrationFacts(
        domain=domain,
        outcome=RegistrationOutcome.OK,
        source=RegistrationSource.RDAP,
        registrar=registrar_name(answer),
        created=events.get("registration"),
        expires=events.get("expiration"),
        last_changed=events.get("last changed"),
        statuses=statuses,
        nameservers=nameservers,
        registrant_organization=org,
        withheld=withheld,
    )


def merge_registrar(registry: RegistrationFacts, registrar: RegistrationFacts) -> RegistrationFacts:
    """The registry's record completed by the registrar's: the registry is authoritative for dates,
    status and nameservers; the registrar fills what the registry left out (its own name, the
    registrant organisation of a thin registry)."""
    org, withheld = registry.registrant_organization, registry.withheld
    if org is None and registrar.registrant_organization is not None:
        org, withheld = registrar.registrant_organization, ()
    elif org is None and registrar.withheld:
        withheld = registrar.withheld  # the registrar's reason is the more telling one
    return RegistrationFacts(
        domain=registry.domain, outcome=registry.outcome, source=registry.source, server=registry.server,
        fetched_at=registry.fetched_at, registrar=registry.registrar or registrar.registrar,
        created=registry.created or registrar.created, expires=registry.expires or registrar.expires,
        last_changed=registry.last_changed or registrar.last_changed,
        statuses=registry.statuses or registrar.statuses, nameservers=registry.nameservers or registrar.nameservers,
        registrant_organization=org, withheld=withheld, reason=registry.reason,
    )
