"""Registration facts about a domain (who registered it, when, until when), as frozen data.

The registration scanners (RDAP, WHOIS) fill these in; everything after is pure. Three outcomes, kept
apart on purpose: ``ok`` (the registry answered with a record), ``not_found`` (the registry said it
holds no such domain) and ``unknown`` (we could not tell: timeout, refusal, rate limit, unparsable
answer). *Unknown* is never read as "not registered", and a registration result never changes a score.

A field the registry withholds (privacy redaction, "Hidden upon user request") is ``None`` and its
name is listed in ``withheld`` with the reason the answer gave; it is never guessed from other fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

EXPIRE_SOON_DAYS = 30  # default: a domain expiring within this many days is tagged expire-soon
NEW_DOMAIN_DAYS = 180  # default: a domain registered within this many days is tagged new-domain
REGISTRATION_TAGS = frozenset({"expire-soon", "new-domain"})  # the automatic tags this stage owns


class RegistrationOutcome(StrEnum):
    """What the registry lookup established."""

    OK = "ok"  # the registry answered with the domain's record
    NOT_FOUND = "not_found"  # the registry answered that it holds no such domain
    UNKNOWN = "unknown"  # no usable answer (timeout, refusal, rate limit, unparsable); never "not registered"


class RegistrationSource(StrEnum):
    """Which protocol the facts came from."""

    RDAP = "rdap"
    WHOIS = "whois"


@dataclass(frozen=True, slots=True)
class Withheld:
    """A field the registry did not publish (``field`` is a :class:`RegistrationFacts` attribute name)."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class RegistrationFacts:
    """One domain's registration record as fetched from ``server`` at ``fetched_at`` (UTC).

    Dates are timezone-aware UTC datetimes or ``None`` when absent or withheld. ``statuses`` are the
    registry's status values as given (RDAP: "client transfer prohibited"; WHOIS EPP codes as written);
    ``nameservers`` are lower-case host names without the trailing dot. ``reason`` explains a
    ``not_found`` or ``unknown`` outcome for the operator.
    """

    domain: str
    outcome: RegistrationOutcome
    source: RegistrationSource | None = None
    server: str | None = None
    fetched_at: datetime | None = None
    registrar: str | None = None
    created: datetime | None = None
    expires: datetime | None = None
    last_changed: datetime | None = None
    statuses: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()
    registrant_organization: str | None = None
    withheld: tuple[Withheld, ...] = ()
    reason: str | None = None

    @property
    def cacheable(self) -> bool:
        """Answers from the registry (found or not) may be cached; an unknown outcome is asked again."""
        return self.outcome is not RegistrationOutcome.UNKNOWN

    def with_fetch(self, *, server: str, fetched_at: datetime) -> RegistrationFacts:
        """A copy stamped with where and when it was fetched."""
        return replace(self, server=server, fetched_at=fetched_at)


def unknown(domain: str, reason: str, *, source: RegistrationSource | None = None, server: str | None = None,
            fetched_at: datetime | None = None) -> RegistrationFacts:
    """An ``unknown`` outcome with its reason (never to be read as "not registered")."""
    return RegistrationFacts(domain, RegistrationOutcome.UNKNOWN, source=source, server=server,
                             fetched_at=fetched_at, reason=reason)


def not_found(domain: str, reason: str, *, source: RegistrationSource, server: str | None = None,
              fetched_at: datetime | None = None) -> RegistrationFacts:
    """A ``not_found`` outcome: the registry itself said it holds no such domain."""
    return RegistrationFacts(domain, RegistrationOutcome.NOT_FOUND, source=source, server=server,
                             fetched_at=fetched_at, reason=reason)


def days_until_expiry(facts: RegistrationFacts, now: datetime) -> int | None:
    """Whole days from ``now`` until the expiry date (negative once expired); None when unknown."""
    if facts.outcome is not RegistrationOutcome.OK or facts.expires is None:
        return None
    return (facts.expires - now).days


def registration_tags(facts: RegistrationFacts, now: datetime, *, expire_soon_days: int = EXPIRE_SOON_DAYS,
                      new_domain_days: int = NEW_DOMAIN_DAYS) -> tuple[str, ...]:
    """Tags a seller can act on: ``expire-soon`` (expires within ``expire_soon_days``, default 30, not yet
    expired long ago) and ``new-domain`` (registered within ``new_domain_days``, default 180)."""
    tags: list[str] = []
    if facts.outcome is not RegistrationOutcome.OK:
        return ()
    left = days_until_expiry(facts, now)
    if left is not None and -expire_soon_days <= left <= expire_soon_days:
        tags.append("expire-soon")
    if facts.created is not None and now - facts.created <= timedelta(days=new_domain_days):
        tags.append("new-domain")
    return tuple(tags)


# ---- JSON shape ---------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def registration_json(facts: RegistrationFacts) -> dict[str, Any]:
    """The stable JSON shape: the ``registration`` key of ``hunter scan --json`` and the stored form.

    Dates are ISO 8601 UTC with ``Z``; ``withheld`` maps each withheld field to its reason.
    """
    return {
        "outcome": facts.outcome.value,
        "source": facts.source.value if facts.source else None,
        "server": facts.server,
        "fetched_at": _iso(facts.fetched_at),
        "registrar": facts.registrar,
        "created": _iso(facts.created),
        "expires": _iso(facts.expires),
        "last_changed": _iso(facts.last_changed),
        "statuses": list(facts.statuses),
        "nameservers": list(facts.nameservers),
        "registrant_organization": facts.registrant_organization,
        "withheld": {w.field: w.reason for w in facts.withheld},
        "reason": facts.reason,
    }


def registration_from_json(domain: str, data: Mapping[str, Any]) -> RegistrationFacts:
    """The inverse of :func:`registration_json` (ValueError on a malformed record)."""
    try:
        source = data.get("source")
        withheld = data.get("withheld") or {}
        return RegistrationFacts(
            domain=domain,
            outcome=RegistrationOutcome(data["outcome"]),
            source=RegistrationSource(source) if source else None,
            server=data.get("server"),
            fetched_at=_from_iso(data.get("fetched_at")),
            registrar=data.get("registrar"),
            created=_from_iso(data.get("created")),
            expires=_from_iso(data.get("expires")),
            last_changed=_from_iso(data.get("last_changed")),
            statuses=tuple(str(s) for s in data.get("statuses") or ()),
            nameservers=tuple(str(s) for s in data.get("nameservers") or ()),
            registrant_organization=data.get("registrant_organization"),
            withheld=tuple(Withheld(str(k), str(v)) for k, v in dict(withheld).items()),
            reason=data.get("reason"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed registration record: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RegistrationChange:
    """A registrar or nameserver change between two ``ok`` records (``kind`` registrar | nameservers)."""

    kind: str
    before: str
    after: str


def registration_changes(old: RegistrationFacts | None, new: RegistrationFacts) -> tuple[RegistrationChange, ...]:
    """What changed that a seller cares about; only two ``ok`` records are compared (an unknown
    lookup is no evidence of change)."""
    ok = RegistrationOutcome.OK
    if old is None or old.outcome is not ok or new.outcome is not ok:
        return ()
    changes: list[RegistrationChange] = []
    if old.registrar and new.registrar and old.registrar.casefold() != new.registrar.casefold():
        changes.append(RegistrationChange("registrar", old.registrar, new.registrar))
    if old.nameservers and new.nameservers and set(old.nameservers) != set(new.nameservers):
        changes.append(RegistrationChange("nameservers", ", ".join(sorted(old.nameservers)),
                                          ", ".join(sorted(new.nameservers))))
    return tuple(changes)

