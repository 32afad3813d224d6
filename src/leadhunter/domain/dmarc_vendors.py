"""DMARC report addresses (``rua=`` / ``ruf=``) and the report vendors behind them.

A record that sends its reports to dmarcian, Valimail, Agari… tells a seller that someone already works on
the domain's mail security. The vendor list is data (``domain/data/dmarc_vendors.toml``), matched by
suffix on whole labels of the address's domain, like the provider rules.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from leadhunter.domain.provider_rules import SuffixTable


class VendorRulesError(ValueError):
    """The vendor rule file is malformed."""


def parse_vendor_rules(text: str) -> SuffixTable:
    """Build the address-domain → vendor table from TOML text (``[[vendor]] name, domains``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VendorRulesError(f"not valid TOML: {exc}") from exc
    entries = data.get("vendor", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise VendorRulesError("'vendor' must be an array of tables ([[vendor]])")
    table: dict[str, str] = {}
    for i, entry in enumerate(entries):
        name, domains = entry.get("name"), entry.get("domains")
        if not isinstance(name, str) or not name:
            raise VendorRulesError(f"vendor[{i}]: 'name' is required")
        if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
            raise VendorRulesError(f"vendor[{i}]: 'domains' must be a list of domain suffixes")
        table.update(dict.fromkeys(domains, name))
    return SuffixTable(table)


@cache
def default_vendor_rules() -> SuffixTable:
    """The vendor list shipped with Hunter, parsed once."""
    text = resources.files("leadhunter.domain").joinpath("data/dmarc_vendors.toml").read_text("utf-8")
    return parse_vendor_rules(text)


def parse_uris(value: str) -> tuple[str, ...]:
    """Split a ``rua=``/``ruf=`` value into its URIs (RFC 7489 §6.4: comma-separated), each without the
    optional ``!size`` limit; empty items are dropped."""
    uris = []
    for item in value.split(","):
        uri = item.strip().split("!", 1)[0].strip()
        if uri:
            uris.append(uri)
    return tuple(uris)


def address_domain(uri: str) -> str | None:
    """The domain of a ``mailto:`` URI (lower case, no trailing dot), None for other schemes."""
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme.strip().lower() != "mailto":
        return None
    _, at, domain = rest.split("?", 1)[0].rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    return domain if at and domain else None


def report_vendors(uris: tuple[str, ...], table: SuffixTable | None = None) -> tuple[str, ...]:
    """The known vendors receiving reports at ``uris``, each named once, in order met."""
    table = table or default_vendor_rules()
    found: list[str] = []
    for uri in uris:
        domain = address_domain(uri)
        hit = table.match(domain) if domain else None
        if hit and hit[0] not in found:
            found.append(hit[0])
    return tuple(found)
