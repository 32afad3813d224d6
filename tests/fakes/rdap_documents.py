"""RFC 9083 JSON bodies for the fake RDAP servers: domain objects (registry and registrar views) and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]
RDAP_CONTENT_TYPE = "application/rdap+json"


@dataclass
class DomainRecord:
    """One registered domain as a registry and its registrar describe it.

    ``registry_names_registrar``: whether the registry answer carries the registrar entity (thin
    registries such as .com do; set False to make clients follow the registrar link).
    ``registrant_org``: the registrant organisation the registrar publishes, or None to redact it.
    """

    name: str
    registrar: str = "Example Registrar, Inc."
    registrar_iana_id: str = "9999"
    created: str = "2005-03-24T10:00:00Z"
    expires: str = "2027-03-24T10:00:00Z"
    last_changed: str = "2025-01-10T08:30:00Z"
    statuses: list[str] = field(default_factory=lambda: ["client transfer prohibited"])
    nameservers: list[str] = field(default_factory=lambda: ["NS1.EXAMPLE-DNS.NET", "NS2.EXAMPLE-DNS.NET"])
    registry_names_registrar: bool = True
    registrant_org: str | None = None


def _vcard(*props: tuple[str, str]) -> list[Any]:
    return ["vcard", [["version", {}, "text", "4.0"], *[[name, {}, "text", value] for name, value in props]]]


def _registrar_entity(record: DomainRecord) -> JsonDict:
    return {
        "objectClassName": "entity",
        "handle": record.registrar_iana_id,
        "roles": ["registrar"],
        "publicIds": [{"type": "IANA Registrar ID", "identifier": record.registrar_iana_id}],
        "vcardArray": _vcard(("fn", record.registrar)),
        "entities": [{
            "objectClassName": "entity",
            "roles": ["abuse"],
            "vcardArray": _vcard(("fn", "Abuse desk"), ("email", "abuse@registrar.example")),
        }],
    }


def _common(record: DomainRecord, self_url: str) -> JsonDict:
    return {
        "objectClassName": "domain",
        "ldhName": record.name.upper(),
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_1",
                            "icann_rdap_technical_implementation_guide_1"],
        "links": [{"value": self_url, "rel": "self", "href": self_url, "type": "application/rdap+json"}],
        "status": list(record.statuses),
        "events": [
            {"eventAction": "registration", "eventDate": record.created},
            {"eventAction": "expiration", "eventDate": record.expires},
            {"eventAction": "last changed", "eventDate": record.last_changed},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-11-26T09:00:00Z"},
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns} for ns in record.nameservers],
        "secureDNS": {"delegationSigned": False},
        "notices": [{"title": "Terms of Use", "description": ["Service subject to Terms of Use."]}],
    }


def registry_answer(record: DomainRecord, self_url: str, registrar_url: str | None) -> JsonDict:
    """The registry's view: dates, status, nameservers, and a ``related`` link to the registrar's RDAP."""
    body = _common(record, self_url)
    if record.registry_names_registrar:
        body["entities"] = [_registrar_entity(record)]
    if registrar_url is not None:
        body["links"].append({"value": self_url, "rel": "related", "href": registrar_url,
                              "type": "application/rdap+json"})
    return body


def registrar_answer(record: DomainRecord, self_url: str) -> JsonDict:
    """The registrar's view: the registrar entity and the registrant, redacted (RFC 9537) unless published."""
    body = _common(record, self_url)
    registrant: JsonDict = {"objectClassName": "entity", "roles": ["registrant"]}
    if record.registrant_org is not None:
        registrant["vcardArray"] = _vcard(("fn", ""), ("org", record.registrant_org), ("adr", ""))
    else:
        registrant["vcardArray"] = _vcard(("fn", ""))
        body["redacted"] = [{
            "name": {"type": "Registrant Organization"},
            "prePath": "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='org')]",
            "method": "removal",
            "reason": {"description": "Server policy"},
        }]
    body["entities"] = [_registrar_entity(record), registrant]
    return body


def error_answer(code: int, title: str) -> JsonDict:
    """An RFC 9083 §6 error object."""
    return {"rdapConformance": ["rdap_level_0"], "errorCode": code, "title": title, "description": [title]}
