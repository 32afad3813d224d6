"""What changed between two scans of a company, and the automatic tags a scan implies. Pure functions.

A salesperson cares about a handful of changes: the provider moved (a migration happened or started),
DMARC appeared or got stricter (someone is working on mail security — maybe a competitor), and the
score crossed a segment boundary (the lead should move in the list). Those become alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_DMARC_STRENGTH = {None: 0, "none": 1, "quarantine": 2, "reject": 3}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The fields of a scan result that change detection compares."""

    provider: str | None
    gateway: str | None
    dmarc_policy: str | None
    score: int | None
    segment: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """One change: ``kind`` (provider_changed, gateway_changed, dmarc_added, dmarc_tightened,
    dmarc_weakened, dmarc_removed, segment_changed), old and new values, a sentence, and whether it is
    an alert for the sales team."""

    kind: str
    old: str | None
    new: str | None
    detail: str
    alert: bool


def verdict_of(report: dict[str, Any]) -> Verdict:
    """The comparable fields of a JSON report (see :mod:`leadhunter.domain.report`)."""
    dmarc = report.get("dmarc") or {}
    return Verdict(report.get("provider"), report.get("gateway"), dmarc.get("policy"), report.get("score"),
                   report.get("segment"), report.get("category"))


def detect_changes(old: Verdict | None, new: Verdict) -> list[Change]:
    """Changes from ``old`` (None for a first scan: no changes) to ``new``."""
    if old is None or old.provider is None:
        return []
    changes: list[Change] = []
    if old.provider != new.provider and new.provider != "Unknown":
        changes.append(Change("provider_changed", old.provider, new.provider,
                              f"Mail provider changed from {old.provider} to {new.provider}", True))
    if old.gateway != new.gateway:
        changes.append(Change("gateway_changed", old.gateway, new.gateway,
                              f"Mail gateway changed from {old.gateway or 'none'} to {new.gateway or 'none'}", False))
    before, after = _DMARC_STRENGTH.get(old.dmarc_policy, 0), _DMARC_STRENGTH.get(new.dmarc_policy, 0)
    if before == 0 and after > 0:
        changes.append(Change("dmarc_added", None, new.dmarc_policy, f"DMARC added with p={new.dmarc_policy}", True))
    elif after > before:
        changes.append(Change("dmarc_tightened", old.dmarc_policy, new.dmarc_policy,
                              f"DMARC tightened from p={old.dmarc_policy} to p={new.dmarc_policy}", True))
    elif after == 0 and before > 0:
        changes.append(Change("dmarc_removed", old.dmarc_policy, None, "DMARC record removed", False))
    elif after < before:
        changes.append(Change("dmarc_weakened", old.dmarc_policy, new.dmarc_policy,
                              f"DMARC weakened from p={old.dmarc_policy} to p={new.dmarc_policy}", False))
    if old.segment != new.segment and new.segment is not None:
        changes.append(Change("segment_changed", old.segment, new.segment,
                              f"Score {old.score} → {new.score} moved the lead from {old.segment} to {new.segment}",
                              True))
    return changes


def auto_tags(report: dict[str, Any]) -> set[str]:
    """Tags that follow from a scan; recomputed each time so stale ones disappear."""
    tags: set[str] = set()
    if report.get("lookalike"):
        tags.add("lookalike")  # an IDN that may pass for another domain
    if report.get("reason") == "nxdomain":
        # The domain does not exist: "no DMARC", "no SPF" would be noise about records nobody can publish.
        return tags | {"no-mail"}
    if report.get("gateway"):
        tags.add("gateway")
    if report.get("hosting_label"):
        tags.add("turkish-hosting" if str(report.get("domain", "")).endswith(".tr") else "hosting")
    dmarc = (report.get("dmarc") or {}).get("status")
    if dmarc == "missing":
        tags.add("no-dmarc")
    spf = (report.get("spf") or {}).get("status")
    if spf in ("missing", "invalid"):
        tags.add(f"spf-{spf}")
    tenant = report.get("tenant") or {}
    if tenant.get("status") == "found":
        tags.add("entra-tenant")
    if report.get("status") == "partial":
        tags.add("partial-scan")
    if report.get("hard_fail"):
        tags.add("no-mail")
    if report.get("hybrid"):
        tags.add("hybrid")  # Exchange hybrid: an existing Microsoft customer with an own server left
    return tags
