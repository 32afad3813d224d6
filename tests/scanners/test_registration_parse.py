"""RDAP and WHOIS answers → registration facts, one row per case (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fakes.rdap_documents import DomainRecord, registrar_answer, registry_answer
from fakes.whois_server import NOT_FOUND, THROTTLED, tr_answer
from leadhunter.domain.registration import RegistrationOutcome
from leadhunter.scanners.registration.rdap_parse import (
    RdapFormatError,
    merge_registrar,
    parse_domain,
    registrar_link,
)
from leadhunter.scanners.registration.whois_parse import parse_tr_date, parse_whois

D = datetime


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ---- RDAP ----------------------------------------------------------------------------------------

def test_rdap_registry_answer_fields() -> None:
    record = DomainRecord("contoso.com", registrar="MarkMonitor Inc.", statuses=["client delete prohibited",
                          "server transfer prohibited"], nameservers=["NS1.CONTOSO.COM.", "ns2.contoso.com"])
    facts = parse_domain("contoso.com", registry_answer(record, "https://r/domain/contoso.com", None))
    assert facts.outcome is RegistrationOutcome.OK and facts.source == "rdap"
    assert facts.registrar == "MarkMonitor Inc."
    assert (facts.created, facts.expires, facts.last_changed) == (
        _utc(2005, 3, 24, 10), _utc(2027, 3, 24, 10), _utc(2025, 1, 10, 8, 30))
    assert facts.statuses == ("client delete prohibited", "server transfer prohibited")
    assert facts.nameservers == ("ns1.contoso.com", "ns2.contoso.com")
    # a thin registry publishes no registrant: null, with the reason
    assert facts.registrant_organization is None
    assert [(w.field, w.reason) for w in facts.withheld] == [
        ("registrant_organization", "not published by the registry")]


def _vcard_entity(roles: list[str], props: list[list[Any]]) -> dict[str, Any]:
    return {"objectClassName": "entity", "roles": roles, "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                                                                   *props]]}


def _domain(**extra: Any) -> dict[str, Any]:
    return {"objectClassName": "domain", "ldhName": "contoso.com", **extra}


@pytest.mark.parametrize(("answer", "org", "reason"), [
    (_domain(entities=[_vcard_entity(["registrant"], [["org", {}, "text", "Contoso Ltd"],
                                                      ["fn", {}, "text", "Jane Doe"]])]), "Contoso Ltd", None),
    # fn alone is a person's name: never taken as the organisation
    (_domain(entities=[_vcard_entity(["registrant"], [["fn", {}, "text", "Jane Doe"]])]), None,
     "not published by the registry"),
    (_domain(entities=[_vcard_entity(["registrant"], [["org", {}, "text", "REDACTED FOR PRIVACY"]])]), None,
     "REDACTED FOR PRIVACY"),
    (_domain(entities=[_vcard_entity(["registrant"], [])],
             redacted=[{"name": {"type": "Registrant Organization"}, "method": "removal",
                        "reason": {"description": "Server policy"}}]), None, "Server policy"),
    (_domain(entities=[_vcard_entity(["registrant"], [["org", {}, "text", ["Contoso Ltd", "Sales"]]])]),
     "Contoso Ltd", None),
    # registrant nested under the registrar entity still counts
    (_domain(entities=[{**_vcard_entity(["registrar"], [["fn", {}, "text", "R"]]),
                        "entities": [_vcard_entity(["registrant"], [["org", {}, "text", "Nested AŞ"]])]}]),
     "Nested AŞ", None),
])
def test_rdap_registrant_organisation(answer: dict[str, Any], org: str | None, reason: str | None) -> None:
    facts = parse_domain("contoso.com", answer)
    assert facts.registrant_organization == org
    assert {w.field: w.reason for w in facts.withheld}.get("registrant_organization") == reason


@pytest.mark.parametrize(("events", "created", "expires", "changed"), [
    ([{"eventAction": "registration", "eventDate": "2001-08-23T00:00:00Z"}], _utc(2001, 8, 23), None, None),
    ([{"eventAction": "expiration", "eventDate": "2027-01-01T12:00:00+03:00"}], None, _utc(2027, 1, 1, 9), None),
    ([{"eventAction": "last changed", "eventDate": "2024-05-05T05:05:05.123Z"}], None, None,
     datetime(2024, 5, 5, 5, 5, 5, 123000, tzinfo=UTC)),
    ([{"eventAction": "registration", "eventDate": "not a date"}], None, None, None),
    ([{"eventAction": "last update of RDAP database", "eventDate": "2026-01-01T00:00:00Z"}], None, None, None),
])
def test_rdap_events(events: list[dict[str, str]], created: D | None, expires: D | None, changed: D | None) -> None:
    facts = parse_domain("contoso.com", _domain(events=events))
    assert (facts.created, facts.expires, facts.last_changed) == (created, expires, changed)


@pytest.mark.parametrize(("links", "expected"), [
    ([{"rel": "related", "type": "application/rdap+json", "href": "https://rdap.registrar.example/domain/c.com"}],
     "https://rdap.registrar.example/domain/c.com"),
    ([{"rel": "related", "type": "text/html", "href": "https://registrar.example/"}], None),
    ([{"rel": "self", "type": "application/rdap+json", "href": "https://registry/domain/c.com"}], None),
    ([{"rel": "related", "type": "application/rdap+json", "href": "https://registry/domain/c.com"}], None),  # itself
    ([{"rel": "related", "type": "application/rdap+json", "href": "ftp://x/domain/c.com"}], None),
    ([], None),
])
def test_rdap_registrar_link(links: list[dict[str, str]], expected: str | None) -> None:
    assert registrar_link(_domain(links=links), "https://registry/domain/c.com") == expected


@pytest.mark.parametrize("answer", [
    {"errorCode": 404, "title": "Not Found"},
    {"objectClassName": "entity", "handle": "X"},
    ["domain"],
])
def test_rdap_non_domain_objects_are_refused(answer: Any) -> None:
    with pytest.raises(RdapFormatError):
        parse_domain("contoso.com", answer)


def test_rdap_registrar_answer_completes_a_registry_answer_without_registrar() -> None:
    record = DomainRecord("contoso.com", registry_names_registrar=False, registrant_org="Contoso Ltd",
                          registrar="Gandi SAS")
    registry = parse_domain("contoso.com", registry_answer(record, "https://r/x", "https://g/x"))
    assert registry.registrar is None
    merged = merge_registrar(registry, parse_domain("contoso.com", registrar_answer(record, "https://g/x")))
    assert (merged.registrar, merged.registrant_organization, merged.withheld) == ("Gandi SAS", "Contoso Ltd", ())
    assert merged.expires == registry.expires and merged.nameservers == registry.nameservers


# ---- WHOIS: .tr (own parser) ---------------------------------------------------------------------

TR_HIDDEN = tr_answer("gizli.com.tr", registrant="Hidden upon user request")
TR_OLD = (  # the nic.tr layout with contact blocks and IPs after nameservers
    "** Domain Name: eski.org.tr\n\n** Registrant:\n   Eski Vakfı\n\n** Administrative Contact:\n"
    "NIC Handle\t\t: ev12-metu\nOrganization Name\t: Eski Vakfı\n\n** Domain Servers:\n"
    "ns1.eski.org.tr\t\t193.140.1.1\nns2.eski.org.tr\t\t193.140.1.2\n\n** Additional Info:\n"
    "Created on..............: 1999-Jan-05.\nExpires on..............: 2027-Jan-04.\n"
)


@pytest.mark.parametrize(("domain", "text", "expected"), [
    ("ornek.com.tr", tr_answer("ornek.com.tr"), {
        "outcome": "ok", "registrar": "TURKTICARET.NET YAZILIM HIZMETLERI SANAYI VE TICARET A.S.",
        "created": _utc(2005, 3, 24), "expires": _utc(2026, 3, 23),
        "nameservers": ("ns1.natrohost.com", "ns2.natrohost.com"),
        "registrant_organization": "Örnek Gıda Sanayi ve Ticaret A.Ş.", "withheld": {}}),
    ("gizli.com.tr", TR_HIDDEN, {"outcome": "ok", "registrant_organization": None,
                                 "withheld": {"registrant_organization": "Hidden upon user request"}}),
    ("eski.org.tr", TR_OLD, {"outcome": "ok", "registrar": None, "created": _utc(1999, 1, 5),
                            "nameservers": ("ns1.eski.org.tr", "ns2.eski.org.tr"),
                            "registrant_organization": "Eski Vakfı"}),
    ("belediye.bel.tr", tr_answer("belediye.bel.tr", registrant="Örnek Belediyesi", nameservers=("ns.bel.tr",),
                                  created="2012-Feb-29.", expires="2027-Feb-28."),
     {"outcome": "ok", "created": _utc(2012, 2, 29), "expires": _utc(2027, 2, 28), "nameservers": ("ns.bel.tr",)}),
    ("okul.k12.tr", tr_answer("okul.k12.tr", created="2010-13-01.", expires="bilinmiyor"),
     {"outcome": "ok", "created": None, "expires": None}),
    ("yok.com.tr", NOT_FOUND.format(name="yok.com.tr"), {"outcome": "not_found"}),
    ("yok.gen.tr", "** Domain Name: yok.gen.tr not found.\n", {"outcome": "not_found"}),
    ("cok.com.tr", THROTTLED, {"outcome": "unknown"}),
    ("bos.com.tr", "   \r\n", {"outcome": "unknown"}),
    ("garip.com.tr", "<html>Service Unavailable</html>", {"outcome": "unknown"}),
])
def test_whois_tr(domain: str, text: str, expected: dict[str, Any]) -> None:
    facts = parse_whois(domain, text)
    got = {"outcome": facts.outcome.value, "registrar": facts.registrar, "created": facts.created,
           "expires": facts.expires, "nameservers": facts.nameservers,
           "registrant_organization": facts.registrant_organization,
           "withheld": {w.field: w.reason for w in facts.withheld}}
    assert {k: got[k] for k in expected} == expected
    if facts.outcome is not RegistrationOutcome.OK:
        assert facts.reason


@pytest.mark.parametrize(("text", "expected"), [
    ("2005-Mar-24.", _utc(2005, 3, 24)), ("2026-mar-23", _utc(2026, 3, 23)), ("2024-02-29", _utc(2024, 2, 29)),
    ("2023-Feb-29.", None), ("", None), (None, None), ("yesterday", None),
])
def test_tr_dates(text: str | None, expected: datetime | None) -> None:
    assert parse_tr_date(text) == expected


# ---- WHOIS: other registries (python-whois) -------------------------------------------------------

COM = """   Domain Name: EXAMPLE.COM
   Registrar WHOIS Server: whois.example-registrar.com
   Updated Date: 2024-08-14T07:01:34Z
   Creation Date: 1995-08-14T04:00:00Z
   Registry Expiry Date: 2025-08-13T04:00:00Z
   Registrar: Example Registrar, LLC
   Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited
   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
   Name Server: A.IANA-SERVERS.NET
   Name Server: B.IANA-SERVERS.NET
   Registrant Organization: REDACTED FOR PRIVACY
"""
DE = "Domain: beispiel.de\nNserver: ns1.beispiel.de\nNserver: ns2.beispiel.de\nStatus: connect\n" \
     "Changed: 2020-01-15T10:00:00+01:00\n"


@pytest.mark.parametrize(("domain", "text", "expected"), [
    ("example.com", COM, {"outcome": "ok", "registrar": "Example Registrar, LLC", "created": _utc(1995, 8, 14, 4),
                          "expires": _utc(2025, 8, 13, 4), "last_changed": _utc(2024, 8, 14, 7, 1, 34),
                          "statuses": ("clientDeleteProhibited", "clientTransferProhibited"),
                          "nameservers": ("a.iana-servers.net", "b.iana-servers.net"),
                          "withheld": {"registrant_organization": "REDACTED FOR PRIVACY"}}),
    ("example.com", COM.replace("REDACTED FOR PRIVACY", "Example Corp"),
     {"registrant_organization": "Example Corp", "withheld": {}}),
    ("beispiel.de", DE, {"outcome": "ok", "nameservers": ("ns1.beispiel.de", "ns2.beispiel.de"),
                         "last_changed": _utc(2020, 1, 15, 9), "created": None,
                         "withheld": {"registrant_organization": "not published by the registry"}}),
    ("frei.de", "Domain: frei.de\nStatus: free\n", {"outcome": "not_found"}),
    ("x.com", 'No match for "X.COM".\n>>> Last update of whois database: 2026-11-26T10:00:00Z <<<\n',
     {"outcome": "not_found"}),
    ("x.it", "Domain:             x.it\nStatus:             AVAILABLE\n", {"outcome": "not_found"}),
    ("x.com", "% Terms of use: do not abuse this service.\n", {"outcome": "unknown"}),
])
def test_whois_generic(domain: str, text: str, expected: dict[str, Any]) -> None:
    facts = parse_whois(domain, text)
    got = {"outcome": facts.outcome.value, "registrar": facts.registrar, "created": facts.created,
           "expires": facts.expires, "last_changed": facts.last_changed, "statuses": facts.statuses,
           "nameservers": facts.nameservers, "registrant_organization": facts.registrant_organization,
           "withheld": {w.field: w.reason for w in facts.withheld}}
    assert {k: got[k] for k in expected} == expected
