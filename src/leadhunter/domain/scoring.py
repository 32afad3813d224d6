"""The one scoring function: inputs → readiness score, segment, priority, category, and its breakdown.

Pure and table-driven: every number and every condition comes from :class:`ScoringRules`. The UI, the
exports and the CRM push all show this breakdown; there is no second copy of the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadhunter.domain.dkim import DkimStatus
from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus
from leadhunter.domain.scoring_rules import ScoringRules
from leadhunter.domain.spf import SpfStatus


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """What the scorer needs, already judged: provider, SPF/DKIM/DMARC states, the number of SPF
    includes, a hard-fail reason (invalid domain, no usable MX) and Partner Center signals."""

    provider: str
    spf: SpfStatus
    dkim: DkimStatus
    dmarc: DmarcStatus
    dmarc_policy: DmarcPolicy | None = None
    spf_includes: int = 0
    hard_fail: str | None = None
    provider_unknown_reason: str | None = None  # set when the MX lookup failed
    provider_note: str | None = None  # said after the provider line (e.g. Exchange hybrid); no points
    cosell: bool = False
    spf_reason: str = ""
    dkim_reason: str = ""
    dmarc_reason: str = ""


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    """One line of the breakdown: ``kind`` is base / provider / signal / risk / bonus / unknown /
    rule; ``points`` is None for lines that add nothing (unknown, rule)."""

    kind: str
    key: str
    points: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Score:
    """The result: ``score`` 0–100 (clamped), ``segment`` and the ``segment_rule`` number that matched,
    ``priority`` 1–7, ``category`` P1–P6 with its commercial ``category_name``, ``category_label`` and
    ``action``, the two heat labels, the hard-fail reason if any, ``partial`` when a signal's lookup
    failed, and ``items`` (base, provider, signals, risks, bonus, unknowns)."""

    score: int
    raw: int
    segment: str
    segment_rule: int | None
    priority: int
    category: str
    category_name: str
    category_label: str
    action: str
    technical_heat: str
    commercial_heat: str
    hard_fail: str | None
    partial: bool
    items: tuple[BreakdownItem, ...]

    def as_text(self, limit: int = 4000) -> str:
        """The breakdown as short text (one item per line), cut to ``limit`` characters."""
        lines = [f"{self.score}/100 {self.segment} (rule {self.segment_rule}) {self.category} "
                 f"{self.category_name} priority {self.priority}"]
        for item in self.items:
            pts = "" if item.points is None else f"{item.points:+d} "
            lines.append(f"{pts}{item.reason}")
        text = "\n".join(lines)
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _signal_and_risk_keys(inp: ScoreInput, rules: ScoringRules) -> tuple[list[tuple[str, str]], list[str]]:
    """(signal key, reason) pairs and risk keys that apply, plus unknown markers via ``unknown:`` keys."""
    signals: list[tuple[str, str]] = []
    risks: list[str] = []
    if inp.spf is SpfStatus.VALID:
        signals.append(("spf_valid", inp.spf_reason))
    elif inp.spf is SpfStatus.INVALID:
        signals.append(("spf_invalid", inp.spf_reason))
    elif inp.spf is SpfStatus.MISSING:
        risks.append("no_spf")
    if inp.dkim is DkimStatus.FOUND:
        signals.append(("dkim_found", inp.dkim_reason))
    elif inp.dkim is DkimStatus.MISSING:
        risks += ["no_dkim", "no_dkim_extra"]
    if inp.dmarc is DmarcStatus.VALID and inp.dmarc_policy is not None:
        key = f"dmarc_{inp.dmarc_policy.value}"
        signals.append((key, inp.dmarc_reason))
        if inp.dmarc_policy is DmarcPolicy.NONE:
            risks.append("dmarc_none")
    if inp.provider == "Hosting" and inp.spf is SpfStatus.MISSING and inp.dkim is DkimStatus.MISSING:
        risks.append("hosting_no_auth")
    threshold = rules.risks["spf_many_includes"].threshold or 3
    if inp.spf_includes > threshold:
        risks.append("spf_many_includes")
    return signals, risks


def score_lead(inp: ScoreInput, rules: ScoringRules) -> Score:
    """Score one lead. Hard fails score 0 in the hard-fail segment with the reason stated."""
    if inp.hard_fail:
        category = rules.category_named(rules.hard_fail_category)
        assert category is not None  # validated at load
        hard = (BreakdownItem("rule", "hard_fail", None, inp.hard_fail),)
        return _result(rules, inp, 0, 0, rules.hard_fail_segment, None, rules.hard_fail_priority,
                       category.category, hard)

    items: list[BreakdownItem] = [BreakdownItem("base", "base", rules.base, "Base score")]
    provider_points = rules.provider_points[inp.provider]
    reason = inp.provider_unknown_reason or f"Mail provider {inp.provider}"
    if inp.provider_note:
        reason = f"{reason} — {inp.provider_note}"
    items.append(BreakdownItem("provider", inp.provider, provider_points, reason))

    signals, risks = _signal_and_risk_keys(inp, rules)
    signal_items = [
        BreakdownItem("signal", key, rules.signals[key].points, why or rules.signals[key].reason)
        for key, why in signals
    ]
    risk_items = [BreakdownItem("risk", key, rules.risks[key].points, rules.risks[key].reason) for key in risks]
    # Signals before risks, each by descending absolute points (spec §6); stable for equal points.
    signal_items.sort(key=lambda i: -abs(i.points or 0))
    risk_items.sort(key=lambda i: -abs(i.points or 0))
    items += signal_items + risk_items
    if inp.cosell and rules.cosell_bonus:
        items.append(BreakdownItem("bonus", "cosell_bonus", rules.cosell_bonus, "Partner Center co-sell referral"))
    for name, status, why in (("spf", inp.spf, inp.spf_reason), ("dkim", inp.dkim, inp.dkim_reason),
                              ("dmarc", inp.dmarc, inp.dmarc_reason)):
        if status.value == "unknown":
            items.append(BreakdownItem("unknown", name, None, why or f"{name.upper()} unknown: lookup failed"))

    raw = sum(item.points or 0 for item in items)
    score = max(rules.score_min, min(rules.score_max, raw))
    segment = rules.segment_for(inp.provider, score)
    assert segment is not None  # validated at load: every reachable input has a segment
    priority = rules.priority_for(segment.segment, score)
    category = rules.category_for(inp.provider, score, segment.segment)
    assert priority is not None and category is not None
    return _result(rules, inp, score, raw, segment.segment, segment.rule, priority, category.category,
                   tuple(items))


def _result(rules: ScoringRules, inp: ScoreInput, score: int, raw: int, segment: str, rule: int | None,
            priority: int, category: str, items: tuple[BreakdownItem, ...]) -> Score:
    row = rules.category_named(category)
    assert row is not None
    technical = rules.heat(rules.technical_heat, inp.provider, score, segment, category) or ""
    commercial = rules.heat(rules.commercial_heat, inp.provider, score, segment, category) or ""
    partial = any(item.kind == "unknown" for item in items) or inp.provider_unknown_reason is not None
    return Score(score, raw, segment, rule, priority, category, row.name, row.label, row.action, technical,
                 commercial, inp.hard_fail, partial, items)
