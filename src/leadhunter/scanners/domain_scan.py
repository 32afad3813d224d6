"""Scan one registrable domain: every DNS question at once, then the ones that depend on the answers.

Round 1 (in parallel): MX, apex TXT, ``_dmarc`` TXT, DKIM TXT per selector, ``autodiscover`` CNAME,
apex A/AAAA, tenant discovery and the footprint lookups (:mod:`leadhunter.scanners.footprint_scan`).
Round 2 (in parallel): A/AAAA of the MX hosts and the SPF include
tree, both through the resolver's shared cache since thousands of domains point at the same hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from leadhunter.domain.dkim import DEFAULT_SELECTORS
from leadhunter.domain.facts import TENANT_SKIPPED, DkimProbe, DomainFacts, SpfExpansion, TenantFacts
from leadhunter.domain.lookups import is_null_mx, parse_mx
from leadhunter.domain.spf import parse_spf, spf_records
from leadhunter.scanners.dns.resolver import Resolver
from leadhunter.scanners.footprint_scan import describe_network, lookup_footprint
from leadhunter.scanners.ipdb import IpDatabase
from leadhunter.scanners.spf_expand import expand_spf
from leadhunter.scanners.tenant import TenantDiscovery

DEFAULT_DKIM_SELECTORS = DEFAULT_SELECTORS  # kept under this name for callers of the scanner
MAX_MX_HOSTS = 5  # address lookups for at most this many MX hosts, lowest preference first


class DomainScanner:
    """Gathers :class:`DomainFacts` for a domain through ``resolver`` and, when given, ``tenant``
    discovery. ``dkim_selectors`` are probed in order (default :data:`DEFAULT_DKIM_SELECTORS`).
    ``footprint`` (default on) adds the footprint lookups; ``ip_db`` describes the addresses found."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        tenant: TenantDiscovery | None = None,
        dkim_selectors: Sequence[str] = DEFAULT_DKIM_SELECTORS,
        footprint: bool = True,
        ip_db: IpDatabase | None = None,
    ) -> None:
        self.resolver = resolver
        self.tenant = tenant
        self.dkim_selectors = tuple(dkim_selectors)
        self.footprint = footprint
        self.ip_db = ip_db

    async def scan(self, domain: str) -> DomainFacts:
        """All facts for ``domain`` (ASCII registrable domain). DNS trouble is recorded, never raised."""
        lookup = self.resolver.lookup
        tenant_task = asyncio.ensure_future(self._tenant(domain))
        footprint_task = asyncio.ensure_future(lookup_footprint(lookup, domain)) if self.footprint else None
        first = await asyncio.gather(
            lookup(domain, "MX"),
            lookup(domain, "TXT"),
            lookup(f"_dmarc.{domain}", "TXT"),
            lookup(f"autodiscover.{domain}", "CNAME"),
            lookup(domain, "A"),
            lookup(domain, "AAAA"),
            *(lookup(f"{selector}._domainkey.{domain}", "TXT") for selector in self.dkim_selectors),
        )
        mx, txt, dmarc, autodiscover, apex_a, apex_aaaa = first[:6]
        dkim = tuple(DkimProbe(s, lk) for s, lk in zip(self.dkim_selectors, first[6:], strict=True))

        records = parse_mx(mx)
        hosts = [] if is_null_mx(records) else [r.host for r in records if r.host][:MAX_MX_HOSTS]
        # Hosts under the domain itself (mail.<domain>) are unique to it: caching them would only
        # churn the shared cache.
        address_jobs = [
            lookup(host, rtype, cache=not (host == domain or host.endswith("." + domain)))
            for host in dict.fromkeys(hosts)
            for rtype in ("A", "AAAA")
        ]
        found = spf_records(txt)
        spf_job = expand_spf(parse_spf(found[0]), lookup) if len(found) == 1 else _no_expansion()
        spf_task = asyncio.ensure_future(spf_job)
        addresses = await asyncio.gather(*address_jobs)
        spf = await spf_task
        all_addresses = (apex_a, apex_aaaa, *addresses)
        footprint = None
        if footprint_task is not None:
            footprint = describe_network(await footprint_task, all_addresses, self.ip_db)
        return DomainFacts(
            domain=domain,
            mx=mx,
            txt=txt,
            dmarc=dmarc,
            dkim=dkim,
            autodiscover=autodiscover,
            addresses=all_addresses,
            spf=spf,
            tenant=await tenant_task,
            footprint=footprint,
        )

    async def _tenant(self, domain: str) -> TenantFacts:
        if self.tenant is None:
            return TENANT_SKIPPED
        return await self.tenant.discover(domain)


async def _no_expansion() -> SpfExpansion:
    return SpfExpansion()

