"""What the footprint lookups gather about one domain, as frozen data (filled by the scanners).

Kept apart from :mod:`leadhunter.domain.facts` so the footprint signal family lives in its own modules;
``DomainFacts.footprint`` holds one :class:`FootprintLookups` when the scan asked for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from leadhunter.domain.lookups import Lookup

# The sub-names read for Microsoft workloads: (label, record type), in the order they are asked.
FOOTPRINT_NAMES: tuple[tuple[str, str], ...] = (
    ("enterpriseenrollment", "CNAME"),
    ("enterpriseregistration", "CNAME"),
    ("lyncdiscover", "CNAME"),
    ("sip", "CNAME"),
    ("_sip._tls", "SRV"),
    ("_sipfederationtls._tcp", "SRV"),
)


@dataclass(frozen=True, slots=True)
class AddressInfo:
    """What the offline IP database says about one address: ``country`` (ISO 3166-1 alpha-2, the
    registry's country), ``asn`` and ``as_name`` of the announcing network, and ``network``, a short
    label of well-known operators ("Microsoft", "Amazon", "Hetzner", ...). Unknown parts are None."""

    address: str
    country: str | None = None
    asn: int | None = None
    as_name: str | None = None
    network: str | None = None


@dataclass(frozen=True, slots=True)
class FootprintLookups:
    """The footprint lookups of one domain.

    ``ns`` is the NS of the registrable domain; ``www`` holds the A and AAAA lookups of ``www.<domain>``
    (their ``cnames`` are the www CNAME chain; the apex A/AAAA in ``DomainFacts.addresses`` carry the
    apex chain the same way); ``names`` holds one lookup per :data:`FOOTPRINT_NAMES` entry, in order;
    ``network`` describes each distinct address of the apex, ``www`` and the MX hosts.
    """

    ns: Lookup
    www: tuple[Lookup, ...] = ()
    names: tuple[Lookup, ...] = ()
    network: tuple[AddressInfo, ...] = ()

    def lookups(self) -> Iterator[Lookup]:
        """Every DNS lookup made for the footprint, in a stable order."""
        yield self.ns
        yield from self.www
        yield from self.names

    def name(self, label: str) -> Lookup | None:
        """The lookup of ``<label>.<domain>`` (a :data:`FOOTPRINT_NAMES` label), if it was made."""
        for lookup in self.names:
            if lookup.name.startswith(label + "."):
                return lookup
        return None
