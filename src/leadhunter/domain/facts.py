"""What a scan gathers about one domain: raw DNS answers and Microsoft tenant facts, as frozen data.

The scanners fill these in; everything after (parsing, detection, scoring) is a pure function of them,
so a stored scan can be re-scored later with new rules without asking DNS again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from leadhunter.domain.footprint_facts import FootprintLookups
from leadhunter.domain.lookups import Lookup, Outcome


class TenantStatus(StrEnum):
    """Result of Microsoft Entra tenant discovery for a domain."""

    FOUND = "found"  # a tenant owns this domain
    NOT_FOUND = "not_found"  # Entra answered: no tenant has verified this domain
    FAILED = "failed"  # we could not ask or got no usable answer (timeout, 5xx, bad JSON)
    SKIPPED = "skipped"  # discovery switched off, or the domain was not scanned


@dataclass(frozen=True, slots=True)
class TenantFacts:
    """Entra tenant facts: ``tenant_id`` (GUID) from OIDC metadata, ``namespace`` (Managed / Federated /
    Unknown) and ``brand`` (FederationBrandName) from the user-realm endpoint."""

    status: TenantStatus
    tenant_id: str | None = None
    namespace: str | None = None
    brand: str | None = None
    region: str | None = None  # tenant_region_scope, e.g. "EU", "WW"
    error: str | None = None  # why discovery failed, for the operator
    auth_url: str | None = None  # the realm's federation AuthURL (Federated namespaces only)


TENANT_SKIPPED = TenantFacts(TenantStatus.SKIPPED)


@dataclass(frozen=True, slots=True)
class DkimProbe:
    """The TXT lookup at ``<selector>._domainkey.<domain>`` (CNAMEs followed; see ``Lookup.cnames``)."""

    selector: str
    lookup: Lookup


@dataclass(frozen=True, slots=True)
class SpfExpansion:
    """The SPF record's DNS-querying terms followed recursively (RFC 7208 §4.6.4).

    ``lookups_used`` counts include, a, mx, ptr, exists and redirect terms across the whole tree (the
    RFC caps it at 10); ``void_lookups`` counts those that returned no records (cap 2). ``includes`` is
    every include/redirect target reached, in the order met. ``records`` maps each include target to
    its SPF text (used for provider inference); ``failed`` holds include lookups that failed, so the
    count is a lower bound when it is not empty; ``errors`` states permanent errors (loops, a missing
    include record, too many lookups).
    """

    lookups_used: int = 0
    void_lookups: int = 0
    includes: tuple[str, ...] = ()
    failed: tuple[Lookup, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DomainFacts:
    """Every lookup made for one registrable domain (ASCII), grouped by purpose."""

    domain: str
    mx: Lookup
    txt: Lookup  # apex TXT: SPF and verification tokens such as MS=ms12345678
    dmarc: Lookup  # _dmarc TXT
    dkim: tuple[DkimProbe, ...] = ()
    autodiscover: Lookup | None = None  # autodiscover.<domain> CNAME
    addresses: tuple[Lookup, ...] = ()  # A/AAAA of the apex and of the MX hosts
    spf: SpfExpansion = field(default_factory=SpfExpansion)
    tenant: TenantFacts = TENANT_SKIPPED
    footprint: FootprintLookups | None = None  # NS, www, Intune/Teams names, network (see footprint_facts)

    def lookups(self) -> Iterator[Lookup]:
        """All lookups of this scan, in a stable order."""
        yield self.mx
        yield self.txt
        yield self.dmarc
        for probe in self.dkim:
            yield probe.lookup
        if self.autodiscover is not None:
            yield self.autodiscover
        yield from self.addresses
        yield from self.spf.failed
        if self.footprint is not None:
            yield from self.footprint.lookups()

    def cname_chain(self, host: str) -> tuple[str, ...]:
        """The CNAME chain the address lookups of ``host`` (an MX host) followed, empty when it is no
        alias (or was not looked up). RFC 2181 §10.3 forbids an MX naming an alias; it happens anyway."""
        for lookup in self.addresses:
            if lookup.name == host and lookup.cnames:
                return lookup.cnames
        return ()

    @property
    def domain_missing(self) -> bool:
        """True when the domain itself does not exist: its MX lookup said NXDOMAIN (not through an alias)
        and no other lookup of the apex got an answer saying the name exists (data or NODATA)."""
        if self.mx.outcome is not Outcome.NXDOMAIN or self.mx.cnames:
            return False
        apex = [self.txt, *(lk for lk in self.addresses if lk.name == self.domain)]
        return not any(lk.outcome in (Outcome.OK, Outcome.NODATA) or lk.cnames for lk in apex)

    def failed_lookups(self) -> tuple[Lookup, ...]:
        """The lookups whose outcome tells nothing (timeout, SERVFAIL, REFUSED, error)."""
        return tuple(lk for lk in self.lookups() if lk.failed)
