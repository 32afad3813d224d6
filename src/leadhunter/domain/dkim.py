"""DKIM: judge the selector probes a scan made.

Selectors cannot be listed, so a scan probes a configured list. A key is *found* when some probe
reached a TXT record with a non-empty ``p=`` (directly or through a CNAME, as Microsoft 365 publishes
it). When nothing is found but a probe failed, DKIM is UNKNOWN, not MISSING: the failed one might hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from leadhunter.domain.dmarc import parse_tags
from leadhunter.domain.facts import DkimProbe

# Probed by default, in this order (spec §1a): each listed provider's own selectors, then common ones.
# A provider's own key counts the same as any other.
DEFAULT_SELECTORS = (
    "selector1", "selector2",  # Microsoft 365
    "google",  # Google Workspace
    "mail",  # Yandex 360
    "zmail", "zoho",  # Zoho Mail
    "k1", "s1", "s2",  # Mailchimp/Mandrill, SendGrid and other senders
    "default", "dkim",  # cPanel/Plesk hosting and self-run servers
)


class DkimStatus(StrEnum):
    """DKIM verdict over all probed selectors."""

    FOUND = "found"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DkimResult:
    """``selectors`` with a usable key; ``revoked`` selectors publishing an empty ``p=``; ``cnames``
    maps selector → the last CNAME target (where the key really lives); ``failed`` selectors whose
    lookup failed."""

    status: DkimStatus
    selectors: tuple[str, ...]
    revoked: tuple[str, ...]
    cnames: dict[str, str]
    failed: tuple[str, ...]
    reason: str


def _has_key(text: str) -> bool | None:
    """True for a usable key, False for a revoked one (``p=`` empty), None when not a DKIM record."""
    tags = parse_tags(text)
    if "p" not in tags:
        return None
    return bool(tags["p"].replace(" ", ""))


def evaluate_dkim(probes: tuple[DkimProbe, ...]) -> DkimResult:
    """Combine the selector probes into one verdict with a readable reason."""
    found: list[str] = []
    revoked: list[str] = []
    failed: list[str] = []
    cnames: dict[str, str] = {}
    for probe in probes:
        lookup = probe.lookup
        if lookup.cnames:
            cnames[probe.selector] = lookup.cnames[-1]
        if lookup.failed:
            failed.append(probe.selector)
            continue
        verdicts = [_has_key(answer) for answer in lookup.answers]
        if True in verdicts:
            found.append(probe.selector)
        elif False in verdicts:
            revoked.append(probe.selector)
    if found:
        status, reason = DkimStatus.FOUND, f"DKIM key published (selector {', '.join(found)})"
    elif failed:
        status, reason = DkimStatus.UNKNOWN, f"DKIM unknown: lookup failed for {', '.join(failed)}"
    else:
        status, reason = DkimStatus.MISSING, f"no DKIM key at the {len(probes)} probed selectors"
    return DkimResult(status, tuple(found), tuple(revoked), cnames, tuple(failed), reason)
