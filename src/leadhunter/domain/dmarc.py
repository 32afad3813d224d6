"""DMARC (RFC 7489): find the record at ``_dmarc.<domain>`` and read its policy.

The policy comes from the ``p=`` tag only — never from ``sp=`` (the subdomain policy, kept for the
evidence) — and is read case-insensitively. A failed lookup is UNKNOWN, never "no DMARC". ``pct=`` below
100 is kept and said in the reason: ``p=reject; pct=10`` rejects a tenth of failing mail and quarantines
the rest (RFC 7489 §6.6.4), which is not a full reject. ``rua=``/``ruf=`` addresses are kept, with the
report vendor named when the address is a known one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from leadhunter.domain.dmarc_vendors import parse_uris, report_vendors
from leadhunter.domain.lookups import Lookup

FULL_PCT = 100  # percent: the default when pct= is absent or unusable


class DmarcPolicy(StrEnum):
    """The ``p=`` policy."""

    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"


class DmarcStatus(StrEnum):
    """What the ``_dmarc`` lookup says."""

    VALID = "valid"
    INVALID = "invalid"  # a record is there but no usable policy can be read from it
    MISSING = "missing"
    UNKNOWN = "unknown"  # the lookup failed


@dataclass(frozen=True, slots=True)
class DmarcResult:
    """The DMARC verdict: ``status``, ``policy`` (when one applies), the record text, its tags
    (lower-case names), and a one-line ``reason``. From a record: ``pct`` (percent of failing mail the
    policy applies to, 0–100, default 100), ``sp`` (the subdomain policy, informative only), the
    ``rua``/``ruf`` report URIs and the known ``vendors`` receiving them."""

    status: DmarcStatus
    policy: DmarcPolicy | None
    record: str | None
    reason: str
    tags: dict[str, str] = field(default_factory=dict)
    pct: int | None = None
    sp: DmarcPolicy | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()

    @property
    def partial_enforcement(self) -> bool:
        """True when a quarantine/reject policy covers less than all failing mail (``pct`` < 100)."""
        return (self.policy in (DmarcPolicy.QUARANTINE, DmarcPolicy.REJECT) and self.pct is not None
                and self.pct < FULL_PCT)


def parse_tags(text: str) -> dict[str, str]:
    """Split ``k=v; k=v`` into a dict with lower-case keys; the first occurrence of a key wins."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if sep and key and key not in tags:
            tags[key] = value.strip()
    return tags


def _is_dmarc(text: str) -> bool:
    head = text.lstrip().split(";", 1)[0].replace(" ", "").lower()
    return head == "v=dmarc1"


def _pct(tags: dict[str, str]) -> tuple[int, str]:
    """``pct=`` as an int 0–100 (default 100) and a note when the value was unusable."""
    raw = tags.get("pct")
    if raw is None:
        return FULL_PCT, ""
    if raw.isdigit() and int(raw) <= FULL_PCT:
        return int(raw), ""
    return FULL_PCT, f" (pct={raw} is not 0–100, read as 100)"


def _policy(raw: str | None) -> DmarcPolicy | None:
    try:
        return DmarcPolicy((raw or "").strip().lower())
    except ValueError:
        return None


_WEAKER = {DmarcPolicy.REJECT: "quarantined", DmarcPolicy.QUARANTINE: "delivered (p=none)"}


def _reason(policy: DmarcPolicy, pct: int, note: str) -> str:
    if policy is DmarcPolicy.NONE or pct >= FULL_PCT:
        return f"DMARC p={policy.value}{note}"
    return (f"DMARC p={policy.value} at pct={pct} only: not a full {policy.value}, the rest of failing mail is "
            f"{_WEAKER[policy]}")


def find_dmarc(lookup: Lookup) -> DmarcResult:
    """Judge DMARC from the TXT lookup at ``_dmarc.<domain>``."""
    if lookup.failed:
        return DmarcResult(DmarcStatus.UNKNOWN, None, None, f"DMARC unknown: lookup {lookup.outcome.value}")
    records = [answer for answer in lookup.answers if _is_dmarc(answer)]
    if not records:
        return DmarcResult(DmarcStatus.MISSING, None, None, "no DMARC record")
    if len(records) > 1:
        # RFC 7489 §6.6.3: more than one record means the domain has no usable DMARC policy.
        return DmarcResult(DmarcStatus.INVALID, None, records[0], f"{len(records)} DMARC records published")
    text = records[0]
    tags = parse_tags(text)
    raw = tags.get("p", "").lower()
    pct, note = _pct(tags)
    rua, ruf = parse_uris(tags.get("rua", "")), parse_uris(tags.get("ruf", ""))

    def result(status: DmarcStatus, policy: DmarcPolicy | None, reason: str) -> DmarcResult:
        return DmarcResult(status, policy, text, reason, tags, pct, _policy(tags.get("sp")), rua, ruf,
                           report_vendors(rua + ruf))

    policy = _policy(raw)
    if policy is None:
        if "rua" in tags:
            # §6.6.3: a missing or bad p= with a valid rua= is treated as p=none.
            return result(DmarcStatus.VALID, DmarcPolicy.NONE,
                          "DMARC p= missing or invalid; treated as p=none because rua= is set")
        return result(DmarcStatus.INVALID, None, f"DMARC policy p={raw or '(missing)'} is not valid")
    return result(DmarcStatus.VALID, policy, _reason(policy, pct, note))
