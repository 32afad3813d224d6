"""The Microsoft white-space grid: which workloads a company has, which it lacks, and the plays.

:func:`whitespace_grid` is the one computation every consumer uses (the JSON report, the UI, exports,
the sales brief, the D365 push). It is pure: facts, detection and footprint in, grid out. DNS records
show what a company configured, not what it uses, so rows say *not seen*, never *not used*.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from leadhunter.domain.detection import Detection, MxStatus
from leadhunter.domain.facts import DomainFacts, TenantStatus
from leadhunter.domain.footprint import Footprint, Signal, SignalState
from leadhunter.domain.whitespace_rules import PlayRule, WhitespaceRules


class RowState(StrEnum):
    """A workload's state in the grid."""

    IN_USE = "in_use"
    NOT_SEEN = "not_seen"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Play:
    """A play to run: ``key``, labels and reasons in English and Turkish, ``confidence``."""

    key: str
    label_en: str
    label_tr: str
    reason_en: str
    reason_tr: str
    confidence: str


@dataclass(frozen=True, slots=True)
class GridRow:
    """One workload row: ``key``, labels, ``state``, ``evidence`` and the ``play`` (None when none)."""

    key: str
    label_en: str
    label_tr: str
    state: RowState
    evidence: tuple[str, ...] = ()
    play: Play | None = None


@dataclass(frozen=True, slots=True)
class Whitespace:
    """The grid: rows in the rule file's order, and the competitor products seen (context of plays)."""

    rows: tuple[GridRow, ...]
    competitors: tuple[str, ...] = ()

    def row(self, key: str) -> GridRow:
        """The row named ``key``."""
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def plays(self) -> tuple[Play, ...]:
        """Every play of the grid, in row order."""
        return tuple(row.play for row in self.rows if row.play is not None)


_SIGNAL_STATE = {SignalState.PRESENT: RowState.IN_USE, SignalState.ABSENT: RowState.NOT_SEEN,
                 SignalState.UNKNOWN: RowState.UNKNOWN}
_PROVIDER_NAMES = {"M365": "Microsoft 365", "Google": "Google Workspace", "Hosting": "a hosting company",
                   "Local": "an own mail server"}


class _Context:
    """The evidence values the reason templates may name, and the play rules."""

    def __init__(self, facts: DomainFacts, det: Detection, fp: Footprint, rules: WhitespaceRules) -> None:
        self.facts, self.det, self.fp, self.rules = facts, det, fp, rules
        self.web, self.dns = fp.get("web_host"), fp.get("dns_host")
        self.federation = fp.get("federation")
        self.tenant_found = facts.tenant.status is TenantStatus.FOUND
        provider = det.hosting_label if det.provider == "Hosting" and det.hosting_label else det.provider
        self.values = {
            "provider": _PROVIDER_NAMES.get(provider, provider), "gateway": det.gateway or "",
            "idp": self.federation.value or "", "web_host": self.web.value or "",
            "dns_host": self.dns.value or "", "tenant": det.tenant_name or facts.tenant.brand or facts.domain,
        }

    def play(self, key: str) -> Play | None:
        rule: PlayRule | None = self.rules.plays.get(key)
        if rule is None:
            return None
        fill = self.values.copy()
        return Play(rule.key, rule.label_en.format_map(fill), rule.label_tr.format_map(fill),
                    rule.reason_en.format_map(fill), rule.reason_tr.format_map(fill), rule.confidence)

    def param(self, key: str, name: str) -> frozenset[str]:
        rule = self.rules.plays.get(key)
        return rule.param(name) if rule else frozenset()


def _exchange(ctx: _Context) -> tuple[RowState, tuple[str, ...], Play | None]:
    det = ctx.det
    autodiscover = ctx.fp.get("exchange_autodiscover")
    mx_evidence = tuple(e for e in det.evidence if e.startswith("mx:"))[:2]
    hybrid = autodiscover.kind == "own" and (det.provider == "M365" or ctx.tenant_found)
    if det.provider == "M365":
        state = RowState.IN_USE
    elif det.mx_status is MxStatus.UNKNOWN:
        state = RowState.UNKNOWN
    else:
        state = RowState.NOT_SEEN
    evidence = mx_evidence + autodiscover.evidence
    if hybrid:
        return state, evidence, ctx.play("finish_exchange_move")
    if state is RowState.NOT_SEEN and det.provider in ctx.param("mail_migration", "providers"):
        return state, evidence, ctx.play("mail_migration")
    return state, evidence, None


def _entra(ctx: _Context) -> tuple[RowState, tuple[str, ...], Play | None]:
    tenant = ctx.facts.tenant
    fed = ctx.federation
    if tenant.status is TenantStatus.FOUND:
        evidence = ((f"tenant {tenant.tenant_id}",) if tenant.tenant_id else ()) + fed.evidence
        play = None
        if fed.state is SignalState.PRESENT and fed.kind in ctx.param("move_signin_to_entra", "idps"):
            play = ctx.play("move_signin_to_entra")
        return RowState.IN_USE, evidence, play
    if tenant.status is TenantStatus.NOT_FOUND:
        return RowState.NOT_SEEN, ("tenant discovery: no tenant",), None
    return RowState.UNKNOWN, ((f"tenant discovery {tenant.status.value}",)), None


def _tenant_play(ctx: _Context, signal: Signal, key: str) -> tuple[RowState, tuple[str, ...], Play | None]:
    state = _SIGNAL_STATE[signal.state]
    play = ctx.play(key) if ctx.tenant_found and state is RowState.NOT_SEEN else None
    return state, signal.evidence, play


def _mail_security(ctx: _Context) -> tuple[RowState, tuple[str, ...], Play | None]:
    det = ctx.det
    if det.gateway:
        covered = det.provider in ctx.param("defender_for_office", "providers")
        play = ctx.play("defender_for_office") if covered else None
        return RowState.IN_USE, (f"mx: {det.gateway} gateway in front of {det.provider}",), play
    if det.mx_status is MxStatus.UNKNOWN:
        return RowState.UNKNOWN, (), None
    return RowState.NOT_SEEN, (), None


def _azure(ctx: _Context) -> tuple[RowState, tuple[str, ...], Play | None]:
    web, dns = ctx.web, ctx.dns
    on_azure = [s for s in (web, dns) if s.kind == "azure"]
    if on_azure:
        return RowState.IN_USE, tuple(e for s in on_azure for e in s.evidence), None
    evidence = web.evidence + dns.evidence
    play = None
    if web.state is SignalState.PRESENT:
        if web.kind in ctx.param("azure_migration", "web_kinds"):
            play = ctx.play("azure_migration")
        elif web.kind in ctx.param("azure_web_hosting", "web_kinds"):
            play = ctx.play("azure_web_hosting")
    if web.state is SignalState.UNKNOWN and dns.state is SignalState.UNKNOWN:
        return RowState.UNKNOWN, evidence, None
    return RowState.NOT_SEEN, evidence, play


def _competitors(ctx: _Context) -> tuple[RowState, tuple[str, ...], tuple[str, ...]]:
    rules, det = ctx.rules, ctx.det
    seen: list[str] = []
    evidence: list[str] = []
    if det.provider in rules.competitor_providers:
        seen.append(ctx.values["provider"])
        evidence.append(f"mail: {ctx.values['provider']}")
    for what, signal in (("web", ctx.web), ("DNS", ctx.dns)):
        cloud = signal.cloud if signal.state is SignalState.PRESENT else None
        if cloud in rules.competitor_clouds:
            seen.append(f"{cloud} ({what})")
            evidence.extend(signal.evidence)
    if ctx.federation.state is SignalState.PRESENT and ctx.federation.kind in rules.competitor_idps:
        seen.append(f"{ctx.federation.value} (sign-in)")
        evidence.extend(ctx.federation.evidence)
    if seen:
        return RowState.IN_USE, tuple(evidence), tuple(dict.fromkeys(seen))
    if det.mx_status is MxStatus.UNKNOWN:
        return RowState.UNKNOWN, (), ()
    return RowState.NOT_SEEN, (), ()


def whitespace_grid(facts: DomainFacts, detection: Detection, footprint: Footprint,
                    rules: WhitespaceRules) -> Whitespace:
    """The grid for one scanned domain: a row per workload in ``rules`` order, with plays."""
    ctx = _Context(facts, detection, footprint, rules)
    computed = {
        "exchange_online": _exchange(ctx),
        "entra_id": _entra(ctx),
        "intune": _tenant_play(ctx, footprint.get("intune"), "intune"),
        "teams": _tenant_play(ctx, footprint.get("teams"), "teams_phone"),
        "mail_security": _mail_security(ctx),
        "azure": _azure(ctx),
    }
    comp_state, comp_evidence, competitors = _competitors(ctx)
    computed["competitor_suite"] = (comp_state, comp_evidence, None)
    rows = []
    for row in rules.rows:
        state, evidence, play = computed[row.key]
        rows.append(GridRow(row.key, row.label_en, row.label_tr, state, evidence, play))
    return Whitespace(tuple(rows), competitors)
