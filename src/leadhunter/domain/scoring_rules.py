"""The scoring rule file: parse, validate (no gaps), and look up segment, priority, category and heat.

Validation enumerates every reachable input — each provider × every score from ``score_min`` to
``score_max``, plus the hard-fail path — and refuses a file that leaves any of them without a segment,
a priority band, a category or a heat label. With first-match semantics "exactly one" then holds.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from leadhunter.domain.provider_rules import PROVIDERS

SIGNAL_KEYS = ("spf_valid", "spf_invalid", "dkim_found", "dmarc_reject", "dmarc_quarantine", "dmarc_none")
RISK_KEYS = ("no_spf", "no_dkim", "no_dkim_extra", "dmarc_none", "hosting_no_auth", "spf_many_includes")
CATEGORIES = ("P1", "P2", "P3", "P4", "P5", "P6")
_CONDITION_KEYS = frozenset({"providers", "segments", "categories", "score_min", "score_max"})


class RuleFileError(ValueError):
    """The scoring rule file is malformed or leaves a gap."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A row's ``when``: every given field must hold; an empty condition matches everything."""

    providers: frozenset[str] | None = None
    segments: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    score_min: int | None = None
    score_max: int | None = None

    def matches(self, provider: str, score: int, segment: str = "", category: str = "") -> bool:
        """True when the condition holds for these values."""
        return (
            (self.providers is None or provider in self.providers)
            and (self.segments is None or segment in self.segments)
            and (self.categories is None or category in self.categories)
            and (self.score_min is None or score >= self.score_min)
            and (self.score_max is None or score <= self.score_max)
        )


@dataclass(frozen=True, slots=True)
class Points:
    """Points for one signal or risk, its one-line reason, and an optional threshold."""

    points: int
    reason: str
    threshold: int | None = None


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """Segment row number ``rule`` (as the breakdown names it), its segment and condition."""

    rule: int
    segment: str
    when: Condition


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Commercial category (P1…P6) with its commercial-segment ``name``, ``label`` and ``action``."""

    category: str
    name: str
    label: str
    action: str
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class ScoringRules:
    """A validated rule file. See ``domain/data/scoring.toml`` for the meaning of each field."""

    base: int
    score_min: int
    score_max: int
    cosell_bonus: int
    provider_points: dict[str, int]
    signals: dict[str, Points]
    risks: dict[str, Points]
    hard_fail_segment: str
    hard_fail_priority: int
    hard_fail_category: str
    segments: tuple[SegmentRule, ...]
    priority: dict[str, tuple[tuple[int, int], ...]]  # segment → ((min score, priority), …) high to low
    categories: tuple[CategoryRule, ...]
    technical_heat: tuple[tuple[str, Condition], ...]
    commercial_heat: tuple[tuple[str, Condition], ...]

    def segment_for(self, provider: str, score: int) -> SegmentRule | None:
        """The first segment row matching, or None (validation makes None unreachable)."""
        return next((s for s in self.segments if s.when.matches(provider, score)), None)

    def priority_for(self, segment: str, score: int) -> int | None:
        """The priority band of ``segment`` that ``score`` reaches first."""
        return next((p for low, p in self.priority.get(segment, ()) if score >= low), None)

    def category_for(self, provider: str, score: int, segment: str) -> CategoryRule | None:
        """The first category whose any condition matches."""
        return next(
            (c for c in self.categories if any(w.matches(provider, score, segment) for w in c.when)), None
        )

    def category_named(self, category: str) -> CategoryRule | None:
        """The category row for ``P1``…``P6``."""
        return next((c for c in self.categories if c.category == category), None)

    def heat(self, table: tuple[tuple[str, Condition], ...], provider: str, score: int, segment: str,
             category: str) -> str | None:
        """The first label of a heat table that matches."""
        return next((label for label, w in table if w.matches(provider, score, segment, category)), None)


def _condition(raw: Any, where: str, segments: set[str]) -> Condition:
    if not isinstance(raw, dict):
        raise RuleFileError(f"{where}: 'when' must be a table")
    unknown = set(raw) - _CONDITION_KEYS
    if unknown:
        raise RuleFileError(f"{where}: unknown condition key(s) {sorted(unknown)}")

    def names(key: str, allowed: set[str] | tuple[str, ...]) -> frozenset[str] | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, list) or not value or any(v not in allowed for v in value):
            raise RuleFileError(f"{where}: '{key}' must be a non-empty list drawn from {sorted(allowed)}")
        return frozenset(value)

    def number(key: str) -> int | None:
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RuleFileError(f"{where}: '{key}' must be a whole number")
        return value

    return Condition(names("providers", PROVIDERS), names("segments", segments),
                     names("categories", CATEGORIES), number("score_min"), number("score_max"))


def _points(raw: Any, keys: tuple[str, ...], where: str) -> dict[str, Points]:
    if not isinstance(raw, dict) or set(raw) != set(keys):
        raise RuleFileError(f"[{where}] must define exactly {list(keys)}")
    out: dict[str, Points] = {}
    for key, value in raw.items():
        if not isinstance(value, dict) or not isinstance(value.get("points"), int) \
                or not isinstance(value.get("reason"), str):
            raise RuleFileError(f"[{where}].{key} needs integer 'points' and a 'reason'")
        out[key] = Points(value["points"], value["reason"], value.get("threshold"))
    return out


def parse_scoring_rules(text: str) -> ScoringRules:
    """Parse and validate TOML rule text; raise :class:`RuleFileError` saying what is wrong."""
    try:
        data = tomllib.loads(text)
        return _validated(_build(data))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"not valid TOML: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise RuleFileError(f"missing or mistyped field: {exc}") from exc


def _build(data: dict[str, Any]) -> ScoringRules:
    points = data["provider_points"]
    if set(points) != set(PROVIDERS) or not all(isinstance(v, int) for v in points.values()):
        raise RuleFileError(f"[provider_points] must give whole points for exactly {list(PROVIDERS)}")
    segment_names = {row["segment"] for row in data["segments"]}
    segments = tuple(
        SegmentRule(int(row["rule"]), str(row["segment"]), _condition(row["when"], f"segments[{i}]", segment_names))
        for i, row in enumerate(data["segments"])
    )
    priority: dict[str, tuple[tuple[int, int], ...]] = {}
    for segment, bands in data["priority"].items():
        parsed = tuple((int(b["min"]), int(b["priority"])) for b in bands)
        if [low for low, _ in parsed] != sorted((low for low, _ in parsed), reverse=True):
            raise RuleFileError(f"[priority].{segment}: bands must go from the highest min to the lowest")
        priority[segment] = parsed
    categories = tuple(
        CategoryRule(row["category"], row["name"], row["label"], row["action"],
                     tuple(_condition(w, f"categories[{i}]", segment_names) for w in row["when"]))
        for i, row in enumerate(data["categories"])
    )
    if sorted(c.category for c in categories) != list(CATEGORIES):
        raise RuleFileError(f"[[categories]] must define each of {list(CATEGORIES)} once")
    hard = data["hard_fail"]
    return ScoringRules(
        base=int(data.get("base", 0)), score_min=int(data["score_min"]), score_max=int(data["score_max"]),
        cosell_bonus=int(data.get("cosell_bonus", 0)), provider_points=dict(points),
        signals=_points(data["signals"], SIGNAL_KEYS, "signals"),
        risks=_points(data["risks"], RISK_KEYS, "risks"),
        hard_fail_segment=str(hard["segment"]), hard_fail_priority=int(hard["priority"]),
        hard_fail_category=str(hard["category"]), segments=segments, priority=priority,
        categories=categories,
        technical_heat=tuple((row["label"], _condition(row["when"], "technical_heat", segment_names))
                             for row in data["technical_heat"]),
        commercial_heat=tuple((row["label"], _condition(row["when"], "commercial_heat", segment_names))
                              for row in data["commercial_heat"]),
    )


def _validated(rules: ScoringRules) -> ScoringRules:
    """Walk every reachable (provider, score) and the hard-fail path; refuse any gap."""
    if rules.score_min > rules.score_max:
        raise RuleFileError("score_min is above score_max")
    if rules.hard_fail_category not in CATEGORIES:
        raise RuleFileError(f"[hard_fail] category must be one of {list(CATEGORIES)}")
    scores = range(rules.score_min, rules.score_max + 1)
    cases: list[tuple[str, int, str | None]] = [(p, s, None) for p in PROVIDERS for s in scores]
    cases += [(p, rules.score_min, "hard") for p in PROVIDERS]
    for provider, score, hard in cases:
        what = f"provider {provider}, score {score}" + (" (hard fail)" if hard else "")
        if hard:
            segment, category = rules.hard_fail_segment, rules.hard_fail_category
        else:
            row = rules.segment_for(provider, score)
            if row is None:
                raise RuleFileError(f"no segment rule matches {what}")
            segment = row.segment
            if rules.priority_for(segment, score) is None:
                raise RuleFileError(f"no priority band of segment {segment} covers {what}")
            matched = rules.category_for(provider, score, segment)
            if matched is None:
                raise RuleFileError(f"no category matches {what} in segment {segment}")
            category = matched.category
        for name, table in (("technical_heat", rules.technical_heat), ("commercial_heat", rules.commercial_heat)):
            if rules.heat(table, provider, score, segment, category) is None:
                raise RuleFileError(f"no {name} label matches {what}, {segment}, {category}")
    return rules


@cache
def default_scoring_rules() -> ScoringRules:
    """The shipped ``domain/data/scoring.toml``."""
    text = resources.files("leadhunter.domain").joinpath("data/scoring.toml").read_text("utf-8")
    return parse_scoring_rules(text)
