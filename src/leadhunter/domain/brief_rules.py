"""The sales brief's template file (``domain/data/brief.toml``): sentences in English and Turkish.

Validated at load: both languages carry the same keys with the same ``{placeholders}``, every placeholder is
one the brief fills, the provider names and Turkish category texts are complete, and the next-step days are
whole numbers, so a broken file fails at start-up rather than as a half-filled sentence in front of a
customer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

from leadhunter.domain.provider_rules import PROVIDERS
from leadhunter.domain.scoring_rules import CATEGORIES

LANGS = ("en", "tr")
PLACEHOLDERS = frozenset({
    "company", "domain", "provider", "hoster", "gateway", "score", "segment", "rule", "category", "category_label",
    "action", "size", "policy", "sp", "pct", "count", "selectors", "label", "reason", "partner", "seller",
    "deadline", "days", "expires", "products", "price", "referral_type", "tenant",
})
_STEP_KEYS = ("cosell_days", "expiry_window_days", "expiry_days")


class BriefRulesError(ValueError):
    """The brief template file is malformed or incomplete."""


@dataclass(frozen=True)
class BriefRules:
    """Templates per language (``texts[lang][key]``), provider names per language, the Turkish category
    labels and actions, and the next-step days (``step_days[category]``; ``cosell_days``,
    ``expiry_window_days`` and ``expiry_days`` pull the deadline in)."""

    texts: dict[str, dict[str, str]]
    providers: dict[str, dict[str, str]]
    tr_labels: dict[str, str]
    tr_actions: dict[str, str]
    step_days: dict[str, int]
    cosell_days: int
    expiry_window_days: int
    expiry_days: int

    def text(self, lang: str, key: str) -> str:
        """The template ``key`` in ``lang``."""
        return self.texts[lang][key]


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def parse_brief_rules(text: str) -> BriefRules:
    """Parse and validate the TOML template file; raise :class:`BriefRulesError` saying what is wrong."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
        steps = data["next_step"]
        rules = BriefRules(
            texts={lang: {str(k): str(v) for k, v in data[lang].items()} for lang in LANGS},
            providers={lang: {str(k): str(v) for k, v in data[f"providers_{lang}"].items()} for lang in LANGS},
            tr_labels={str(k): str(v) for k, v in data["tr_labels"].items()},
            tr_actions={str(k): str(v) for k, v in data["tr_actions"].items()},
            step_days={k: v for k, v in steps.items() if k not in _STEP_KEYS},
            cosell_days=steps["cosell_days"], expiry_window_days=steps["expiry_window_days"],
            expiry_days=steps["expiry_days"])
    except tomllib.TOMLDecodeError as exc:
        raise BriefRulesError(f"not valid TOML: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise BriefRulesError(f"missing or mistyped field: {exc}") from exc
    return _validated(rules)


def _validated(rules: BriefRules) -> BriefRules:
    en, tr = rules.texts["en"], rules.texts["tr"]
    if set(en) != set(tr):
        raise BriefRulesError(f"[en] and [tr] differ in keys: {sorted(set(en) ^ set(tr))}")
    for key, template in en.items():
        names_en, names_tr = placeholders(template), placeholders(tr[key])
        if names_en != names_tr:
            raise BriefRulesError(f"{key}: placeholders differ between en {sorted(names_en)} and tr {sorted(names_tr)}")
        if not names_en <= PLACEHOLDERS:
            raise BriefRulesError(f"{key}: unknown placeholder(s) {sorted(names_en - PLACEHOLDERS)}")
    for lang in LANGS:
        missing = [p for p in PROVIDERS if p not in rules.providers[lang]]
        if missing:
            raise BriefRulesError(f"[providers_{lang}] misses {missing}")
    for table, name in ((rules.tr_labels, "tr_labels"), (rules.tr_actions, "tr_actions")):
        if set(table) != set(CATEGORIES):
            raise BriefRulesError(f"[{name}] must give each of {list(CATEGORIES)}")
    days = [*rules.step_days.values(), rules.cosell_days, rules.expiry_window_days, rules.expiry_days]
    if any(not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in days):
        raise BriefRulesError("[next_step] days must be whole numbers, zero or more")
    if not set(rules.step_days) <= set(CATEGORIES):
        raise BriefRulesError(f"[next_step] keys must be categories {list(CATEGORIES)} or {list(_STEP_KEYS)}")
    return rules


@cache
def default_brief_rules() -> BriefRules:
    """The shipped ``domain/data/brief.toml``."""
    return parse_brief_rules(resources.files("leadhunter.domain").joinpath("data/brief.toml").read_text("utf-8"))
