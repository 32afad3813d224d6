"""What changed between two scans of a company, and the automatic tags a scan implies. Pure functions.

A salesperson cares about a handful of changes: the provider moved (a migration happened or started),
DMARC appeared or got stricter (someone is working on mail security — maybe a competitor), and the
score crossed a segment boundary (the lead should move in the list). Those become alerts. Footprint
changes (a Microsoft workload appearing or disappearing, the website or the sign-in moving) are recorded too;
the white-space rule file's ``[changes] alert`` list says which of them are alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadhunter.domain.footprint_columns import footprint_tags
from leadhunter.domain.whitespace_rules import VALUE_SIGNALS, WORKLOAD_SIGNALS, default_whitespace_rules

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
    # Footprint signal key -> (state, value) for the signals change detection compares; None when the scan
    # read no footprint (older scans), which makes no footprint change.
    footprint: tuple[tuple[str, str, str | None], ...] | None = None


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
                   report.get("segment"), report.get("category"), _footprint_of(report.get("footprint")))


def _footprint_of(footprint: Any) -> tuple[tuple[str, str, str | None], ...] | None:
    if not isinstance(footprint, dict):
        return None
    out = []
    for key in (*WORKLOAD_SIGNALS, *VALUE_SIGNALS):
        signal = footprint.get(key)
        if isinstance(signal, dict) and isinstance(signal.get("state"), str):
            value = signal.get("value")
            out.append((key, signal["state"], value if isinstance(value, str) else None))
    return tuple(out)


_WORDS = {"intune": "Intune enrolment record", "entra_registration": "Entra device registration record",
          "teams": "Teams / Skype for Business records", "web_host": "Website host", "dns_host": "DNS host",
          "federation": "Microsoft 365 sign-in", "exchange_autodiscover": "Exchange autodiscover"}


def footprint_changes(old: Verdict, new: Verdict, alerts: frozenset[str]) -> list[Change]:
    """Footprint changes from ``old`` to ``new``: a workload signal going present ↔ absent
    (``intune_added``, ``teams_removed``, ...) and a host or sign-in value moving (``web_host_changed``:
    AWS → Azure). A signal unknown in either scan is never a change; ``alerts`` holds the kinds that are
    alerts."""
    if old.footprint is None or new.footprint is None:
        return []
    before = {key: (state, value) for key, state, value in old.footprint}
    changes: list[Change] = []
    for key, state, value in new.footprint:
        if key not in before:
            continue
        was, was_value = before[key]
        if "unknown" in (was, state):
            continue
        if key in WORKLOAD_SIGNALS and was != state:
            kind = f"{key}_added" if state == "present" else f"{key}_removed"
            detail = f"{_WORDS[key]} {'added' if state == 'present' else 'removed'}"
            changes.append(Change(kind, was, state, detail, kind in alerts))
        elif key in VALUE_SIGNALS:
            old_text = was_value if was == "present" else None  # absent: no host / no federation
            new_text = value if state == "present" else None
            if old_text != new_text:
                kind = f"{key}_changed"
                detail = f"{_WORDS[key]} changed from {old_text or 'none'} to {new_text or 'none'}"
                changes.append(Change(kind, old_text, new_text, detail, kind in alerts))
    return changes


def detect_changes(old: Verdict | None, new: Verdict, *,
                   footprint_alerts: frozenset[str] | None = None) -> list[Change]:
    """Changes from ``old`` (None for a first scan: no changes) to ``new``. ``footprint_alerts``: the footprint
    change kinds that are alerts (default: the shipped white-space rule file's ``[changes] alert``)."""
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
    alerts = default_whitespace_rules().change_alerts if footprint_alerts is None else footprint_alerts
    changes += footprint_changes(old, new, alerts)
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
    return tags | footprint_tags(report)
