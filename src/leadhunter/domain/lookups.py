"""DNS lookup results as plain data.

A lookup that *failed* (timeout, SERVFAIL, REFUSED, a malformed answer) is a different fact from a
record that is *missing* (NXDOMAIN, NODATA): the first means "we do not know", the second means "there
is none". Everything downstream (parsing, detection, scoring) keeps the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """How one DNS question ended."""

    OK = "ok"
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists, but has no record of this type
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"  # no answer from any nameserver after all retries
    ERROR = "error"  # FORMERR, NOTIMP, an unparsable answer, a socket error

    @property
    def failed(self) -> bool:
        """True when the lookup tells nothing about the record (we could not ask or were not answered)."""
        return self not in _ANSWERED


_ANSWERED = frozenset({Outcome.OK, Outcome.NXDOMAIN, Outcome.NODATA})


@dataclass(frozen=True, slots=True)
class Lookup:
    """One DNS question and its answer.

    ``name`` is the queried name in ASCII, lower case, without the trailing dot. ``answers`` holds the
    records of ``rtype`` in presentation form: ``"10 mx.example.com"`` for MX (preference, host),
    the joined character-strings for TXT, the target for CNAME and NS, the address for A/AAAA,
    ``"100 1 443 sipdir.online.lync.com"`` for SRV (priority, weight, port, target). ``cnames`` is
    the CNAME chain followed to reach the answer (targets in order), empty when there was none.
    """

    name: str
    rtype: str
    outcome: Outcome
    answers: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """True when the lookup failed (see :class:`Outcome`)."""
        return self.outcome.failed

    @property
    def missing(self) -> bool:
        """True when the record positively does not exist (NXDOMAIN or NODATA, or OK with no answers)."""
        return not self.failed and not self.answers


@dataclass(frozen=True, slots=True)
class MxRecord:
    """One MX record: ``preference`` (lower is preferred) and the mail host (ASCII, no trailing dot)."""

    preference: int
    host: str


def parse_mx(lookup: Lookup) -> tuple[MxRecord, ...]:
    """Parse MX answers into records sorted by preference, then host; unparsable answers are skipped."""
    records: list[MxRecord] = []
    for answer in lookup.answers:
        pref, _, host = answer.partition(" ")
        if not pref.isdigit():
            continue
        records.append(MxRecord(int(pref), host.strip().rstrip(".").lower()))
    records.sort(key=lambda r: (r.preference, r.host))
    return tuple(records)


def is_null_mx(records: tuple[MxRecord, ...]) -> bool:
    """RFC 7505 null MX: a single record ``0 .`` says the domain accepts no mail."""
    return len(records) == 1 and records[0].host == "" and records[0].preference == 0
