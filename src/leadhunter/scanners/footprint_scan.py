"""The footprint lookups of one domain: NS, ``www`` A/AAAA, the Intune / Entra / Teams names, and the
offline network description of every address the scan resolved.

Called by :class:`~leadhunter.scanners.domain_scan.DomainScanner` beside its own first round, through
the same resolver (so the same concurrency bound and the same ``stats``). None of these names is shared
between domains, so none is cached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from leadhunter.domain.footprint_facts import FOOTPRINT_NAMES, FootprintLookups
from leadhunter.domain.lookups import Lookup
from leadhunter.scanners.ipdb import IpDatabase

LookupFn = Callable[[str, str], Awaitable[Lookup]]


async def lookup_footprint(lookup: LookupFn, domain: str) -> FootprintLookups:
    """Ask every footprint question for ``domain`` at once; DNS trouble is recorded in the outcomes."""
    www = f"www.{domain}"
    answers = await asyncio.gather(
        lookup(domain, "NS"),
        lookup(www, "A"),
        lookup(www, "AAAA"),
        *(lookup(f"{label}.{domain}", rtype) for label, rtype in FOOTPRINT_NAMES),
    )
    return FootprintLookups(ns=answers[0], www=(answers[1], answers[2]), names=tuple(answers[3:]))


def describe_network(footprint: FootprintLookups, addresses: Iterable[Lookup],
                     ip_db: IpDatabase | None) -> FootprintLookups:
    """``footprint`` with ``network`` filled from the A/AAAA answers of the apex, the MX hosts
    (``addresses``) and ``www``; unchanged when no database is given."""
    if ip_db is None:
        return footprint
    found = [answer for lk in (*addresses, *footprint.www) if lk.rtype in ("A", "AAAA") for answer in lk.answers]
    return FootprintLookups(footprint.ns, footprint.www, footprint.names, ip_db.describe_all(found))
