"""DMARC (RFC 7489): find the record at ``_dmarc.<domain>`` and read its policy.

The policy comes from the ``p=`` tag only — never from ``sp=`` (the subdomain policy) — and is read
case-insensitively. A failed lookup is UNKNOWN, never "no DMARC".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from leadhunter.domain.lookups import Lookup


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
    (lower-case names), and a one-line ``reason``."""

    status: DmarcStatus
    policy: DmarcPolicy | None
    record: str | None
    reason: str
    tags: dict[str, str] = field(default_factory=dict)


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
    try:
        policy = DmarcPolicy(raw)
    except ValueError:
        if "rua" in tags:
            # §6.6.3: a missing or bad p= with a valid rua= is treated as p=none.
            reason = "DMARC p= missing or invalid; treated as p=none because rua= is set"
            return DmarcResult(DmarcStatus.VALID, DmarcPolicy.NONE, text, reason, tags)
        shown = raw or "(missing)"
        return DmarcResult(DmarcStatus.INVALID, None, text, f"DMARC policy p={shown} is not valid", tags)
    return DmarcResult(DmarcStatus.VALID, policy, text, f"DMARC p={policy.value}", tags)
