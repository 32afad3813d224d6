"""SPF (RFC 7208): find the record among apex TXT answers, parse its terms, judge it.

Query → parse → result: :func:`find_spf` takes the apex TXT lookup and returns an :class:`SpfResult`
whose status keeps "we could not look" (UNKNOWN) apart from "there is none" (MISSING).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from leadhunter.domain.facts import SpfExpansion
from leadhunter.domain.lookups import Lookup

MAX_DNS_LOOKUPS = 10  # RFC 7208 §4.6.4
MAX_VOID_LOOKUPS = 2  # RFC 7208 §4.6.4

_MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
_LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
_TERM = re.compile(r"^([+\-~?]?)([a-z][a-z0-9_.\-]*)(?:([:=/])(.*))?$", re.IGNORECASE)
_VERSION = re.compile(r"^\s*v=spf1(\s|$)", re.IGNORECASE)


class SpfStatus(StrEnum):
    """What the apex TXT lookup says about SPF."""

    VALID = "valid"
    INVALID = "invalid"  # present but broken: syntax, several records, too many lookups, missing include
    MISSING = "missing"
    UNKNOWN = "unknown"  # the TXT lookup, or a lookup inside the include tree, failed (temperror)


@dataclass(frozen=True, slots=True)
class SpfTerm:
    """One SPF term: ``qualifier`` (``+ - ~ ?``, ``+`` when absent), ``name`` (mechanism or modifier,
    lower case), ``value`` (after ``:`` or ``=``, may be empty), ``modifier`` (``name=value`` form)."""

    qualifier: str
    name: str
    value: str
    modifier: bool


@dataclass(frozen=True, slots=True)
class SpfRecord:
    """A parsed ``v=spf1`` record and its syntax errors (empty when it parses)."""

    text: str
    terms: tuple[SpfTerm, ...]
    errors: tuple[str, ...]

    @property
    def includes(self) -> tuple[str, ...]:
        """The ``include:`` targets, lower case, in record order."""
        return tuple(t.value.lower().rstrip(".") for t in self.terms if t.name == "include" and t.value)

    @property
    def redirect(self) -> str | None:
        """The ``redirect=`` target, if any."""
        for term in self.terms:
            if term.modifier and term.name == "redirect" and term.value:
                return term.value.lower().rstrip(".")
        return None

    @property
    def lookup_terms(self) -> int:
        """How many DNS-querying terms this record itself holds (include, a, mx, ptr, exists, redirect)."""
        direct = sum(1 for t in self.terms if not t.modifier and t.name in _LOOKUP_MECHANISMS)
        return direct + (1 if self.redirect else 0)

    @property
    def all_qualifier(self) -> str | None:
        """The qualifier of the ``all`` mechanism (``-`` hard fail, ``~`` soft fail…), or None."""
        for term in self.terms:
            if not term.modifier and term.name == "all":
                return term.qualifier
        return None


@dataclass(frozen=True, slots=True)
class SpfResult:
    """The SPF verdict for a domain: ``status``, the ``record`` when one was found, and a one-line
    ``reason`` a person can read."""

    status: SpfStatus
    record: SpfRecord | None
    reason: str

    @property
    def include_count(self) -> int:
        """Number of ``include:`` terms in the top-level record (0 without a record)."""
        return len(self.record.includes) if self.record else 0


def is_spf_text(text: str) -> bool:
    """True when a TXT string is an SPF record (``v=spf1`` followed by a space or nothing)."""
    return bool(_VERSION.match(text))


def parse_spf(text: str) -> SpfRecord:
    """Parse one ``v=spf1`` record into terms; unknown mechanisms and bad syntax become errors."""
    terms: list[SpfTerm] = []
    errors: list[str] = []
    seen_modifiers: set[str] = set()
    for token in text.split()[1:]:
        match = _TERM.match(token)
        if not match:
            errors.append(f"cannot parse term {token!r}")
            continue
        qualifier, name, sep, value = match.group(1), match.group(2).lower(), match.group(3), match.group(4)
        modifier = sep == "="
        if modifier:
            if qualifier:
                errors.append(f"modifier {token!r} cannot carry a qualifier")
            if name in ("redirect", "exp") and name in seen_modifiers:
                errors.append(f"{name}= appears twice")
            seen_modifiers.add(name)
        elif name not in _MECHANISMS:
            errors.append(f"unknown mechanism {name!r}")
        elif name in ("include", "exists") and not value:
            errors.append(f"{name} needs a domain")
        elif name in ("ip4", "ip6") and not value:
            errors.append(f"{name} needs an address")
        terms.append(SpfTerm(qualifier or "+", name, value or "", modifier))
    return SpfRecord(text=text, terms=tuple(terms), errors=tuple(errors))


def spf_records(lookup: Lookup) -> list[str]:
    """The TXT answers of ``lookup`` that are SPF records."""
    return [answer for answer in lookup.answers if is_spf_text(answer)]


def find_spf(txt: Lookup, expansion: SpfExpansion | None = None) -> SpfResult:
    """Judge the apex SPF from its TXT lookup and, when given, the include expansion made by the scan.

    Errors seen in the part of the tree that was read make SPF INVALID; otherwise a failed include lookup
    makes it UNKNOWN (neither point nor penalty): only a tree read whole is VALID.
    """
    if txt.failed:
        return SpfResult(SpfStatus.UNKNOWN, None, f"SPF unknown: TXT lookup {txt.outcome.value}")
    found = spf_records(txt)
    if not found:
        return SpfResult(SpfStatus.MISSING, None, "no SPF record")
    if len(found) > 1:
        # RFC 7208 §4.5: several records is a permanent error; receivers treat the domain as having none.
        record = parse_spf(found[0])
        return SpfResult(SpfStatus.INVALID, record, f"{len(found)} SPF records published (only one allowed)")
    record = parse_spf(found[0])
    if record.errors:
        return SpfResult(SpfStatus.INVALID, record, f"SPF syntax error: {record.errors[0]}")
    if expansion is not None:
        if expansion.errors:
            return SpfResult(SpfStatus.INVALID, record, f"SPF error: {expansion.errors[0]}")
        if expansion.lookups_used > MAX_DNS_LOOKUPS:
            reason = f"SPF needs {expansion.lookups_used} DNS lookups (limit {MAX_DNS_LOOKUPS})"
            return SpfResult(SpfStatus.INVALID, record, reason)
        if expansion.void_lookups > MAX_VOID_LOOKUPS:
            reason = f"SPF has {expansion.void_lookups} void lookups (limit {MAX_VOID_LOOKUPS})"
            return SpfResult(SpfStatus.INVALID, record, reason)
        if expansion.failed:
            # RFC 7208 temperror: a part of the tree could not be read, so "valid" cannot be claimed
            # (the unread part may hold an error or push the lookup count over the limit).
            first = expansion.failed[0]
            more = f" and {len(expansion.failed) - 1} more" if len(expansion.failed) > 1 else ""
            reason = f"SPF unknown: lookup of include {first.name} {first.outcome.value}{more} (temperror)"
            return SpfResult(SpfStatus.UNKNOWN, record, reason)
    return SpfResult(SpfStatus.VALID, record, "SPF record present and valid")
