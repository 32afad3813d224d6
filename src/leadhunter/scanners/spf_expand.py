"""Follow an SPF record's includes and redirect through DNS, counting lookups as RFC 7208 §4.6.4 does.

Include targets are shared by thousands of domains (``spf.protection.outlook.com``), so their lookups go
through the resolver's run cache. Macro targets (``%{i}…``) cannot be expanded without a message and are
counted but not followed.
"""

from __future__ import annotations

from typing import Protocol

from leadhunter.domain.facts import SpfExpansion
from leadhunter.domain.lookups import Lookup
from leadhunter.domain.spf import MAX_DNS_LOOKUPS, SpfRecord, parse_spf, spf_records


class LookupFn(Protocol):
    """The resolver call the expander needs."""

    async def __call__(self, name: str, rtype: str, *, cache: bool = False) -> Lookup: ...


async def expand_spf(record: SpfRecord, lookup: LookupFn, *, max_lookups: int = MAX_DNS_LOOKUPS) -> SpfExpansion:
    """Walk the include/redirect tree of ``record`` depth-first, stopping once the lookup budget
    (``max_lookups``, default 10) is exceeded, and return the counts, targets, failures and errors."""
    used = 0
    void = 0
    includes: list[str] = []
    failed: list[Lookup] = []
    errors: list[str] = []
    visiting: set[str] = set()

    async def walk(current: SpfRecord, depth: int) -> None:
        nonlocal used, void
        used += current.lookup_terms
        targets = list(current.includes)
        if current.redirect and current.all_qualifier is None:
            targets.append(current.redirect)  # redirect is ignored when the record has an "all"
        for target in targets:
            if used > max_lookups:
                return
            if "%" in target:
                continue  # macro: depends on the message, cannot be followed offline
            if target in visiting:
                errors.append(f"include loop at {target}")
                continue
            includes.append(target)
            result = await lookup(target, "TXT", cache=True)
            if result.failed:
                failed.append(result)
                continue
            found = spf_records(result)
            if not found:
                void += 1
                errors.append(f"include:{target} has no SPF record")
                continue
            child = parse_spf(found[0])
            if depth < MAX_DNS_LOOKUPS:
                visiting.add(target)
                await walk(child, depth + 1)
                visiting.discard(target)

    await walk(record, 0)
    if used > max_lookups:
        errors.insert(0, f"SPF needs more than {max_lookups} DNS lookups")
    return SpfExpansion(used, void, tuple(includes), tuple(failed), tuple(errors))
