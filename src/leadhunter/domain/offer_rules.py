"""The offer rule file (``domain/data/offers.toml``): products, base tiers, play add-ons; validated at load.

:func:`offer_for` picks the first tier matching the lead's segment and size and adds one row per
white-space play. A file is refused unless every product it names exists, every segment of the scoring
rules × every size (and "unknown") finds a tier, and every play key has an add-on row, so a gap fails at
start-up rather than as a blank offer in front of a customer.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from leadhunter.domain.company_size import SIZES
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.domain.whitespace_rules import PLAY_KEYS

SIZE_KEYS = (*SIZES, "unknown")
_WHEN_KEYS = frozenset({"segments", "sizes"})


class OfferRulesError(ValueError):
    """The offer rule file is malformed or leaves a gap."""


@dataclass(frozen=True, slots=True)
class Product:
    """A product: ``key``, display ``name`` and optional list ``prices`` per user per month by currency."""

    key: str
    name: str
    prices: dict[str, float]


@dataclass(frozen=True, slots=True)
class OfferLine:
    """One line of an offer: the ``products`` and why, in both languages; ``source`` is ``tier:KEY`` or
    ``play:KEY`` (the evidence the line comes from)."""

    source: str
    products: tuple[Product, ...]
    reason_en: str
    reason_tr: str


@dataclass(frozen=True, slots=True)
class Tier:
    """A base tier: matches when the lead's segment and size are in the (optional) lists."""

    key: str
    segments: frozenset[str] | None
    sizes: frozenset[str] | None
    products: tuple[str, ...]
    reason_en: str
    reason_tr: str

    def matches(self, segment: str, size: str) -> bool:
        """True when both given lists (if any) hold the lead's values."""
        return (self.segments is None or segment in self.segments) and (self.sizes is None or size in self.sizes)


@dataclass(frozen=True)
class OfferRules:
    """A validated offer rule file."""

    products: dict[str, Product]
    tiers: tuple[Tier, ...]
    addons: dict[str, tuple[tuple[str, ...], str, str]]  # play → (product keys, reason_en, reason_tr)

    def offer_for(self, segment: str, size: str | None, plays: Iterable[str]) -> tuple[OfferLine, ...]:
        """The tier line, then one line per play that adds products (in the order given)."""
        size_key = size if size in SIZES else "unknown"
        tier = next((t for t in self.tiers if t.matches(segment, size_key)), None)
        if tier is None:
            raise OfferRulesError(f"no tier matches segment {segment!r}, size {size_key!r}")
        lines = [OfferLine(f"tier:{tier.key}", tuple(self.products[p] for p in tier.products), tier.reason_en,
                           tier.reason_tr)]
        if not tier.products:
            return tuple(lines)  # no offer at all: no add-ons either
        for play in dict.fromkeys(plays):
            keys, reason_en, reason_tr = self.addons.get(play, ((), "", ""))
            if keys:
                lines.append(OfferLine(f"play:{play}", tuple(self.products[p] for p in keys), reason_en, reason_tr))
        return tuple(lines)


def _names(raw: Any, key: str, allowed: tuple[str, ...], where: str) -> frozenset[str] | None:
    if key not in raw:
        return None
    value = raw[key]
    if not isinstance(value, list) or not value or any(v not in allowed for v in value):
        raise OfferRulesError(f"{where}: '{key}' must be a non-empty list drawn from {list(allowed)}")
    return frozenset(value)


def parse_offer_rules(text: str, segments: tuple[str, ...]) -> OfferRules:
    """Parse and validate TOML offer rules against the scoring rules' ``segments``."""
    try:
        data = tomllib.loads(text)
        products: dict[str, Product] = {}
        for row in data["product"]:
            prices = {str(c): float(v) for c, v in (row.get("prices") or {}).items()}
            if any(len(c) != 3 or not c.isalpha() or not c.isupper() or v <= 0 for c, v in prices.items()):
                raise OfferRulesError(f"product {row['key']}: prices must be positive, keyed by ISO 4217 codes")
            if row["key"] in products:
                raise OfferRulesError(f"product {row['key']} is defined twice")
            products[str(row["key"])] = Product(str(row["key"]), str(row["name"]), prices)
        tiers = []
        for i, row in enumerate(data["tier"]):
            when = row["when"]
            if not isinstance(when, dict) or set(when) - _WHEN_KEYS:
                raise OfferRulesError(f"tier[{i}]: 'when' takes only {sorted(_WHEN_KEYS)}")
            tiers.append(Tier(str(row["key"]), _names(when, "segments", segments, f"tier[{i}]"),
                              _names(when, "sizes", SIZE_KEYS, f"tier[{i}]"), tuple(row["products"]),
                              str(row["reason_en"]), str(row["reason_tr"])))
        addons = {str(row["play"]): (tuple(row["products"]), str(row["reason_en"]), str(row["reason_tr"]))
                  for row in data["addon"]}
    except tomllib.TOMLDecodeError as exc:
        raise OfferRulesError(f"not valid TOML: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, OfferRulesError):
            raise
        raise OfferRulesError(f"missing or mistyped field: {exc}") from exc
    return _validated(OfferRules(products, tuple(tiers), addons), segments)


def _validated(rules: OfferRules, segments: tuple[str, ...]) -> OfferRules:
    named = [(f"tier {t.key}", p) for t in rules.tiers for p in t.products]
    named += [(f"addon {play}", p) for play, (keys, _, _) in rules.addons.items() for p in keys]
    for where, key in named:
        if key not in rules.products:
            raise OfferRulesError(f"{where} names unknown product {key!r}")
    for play in rules.addons:
        if play not in PLAY_KEYS:
            raise OfferRulesError(f"[[addon]] play {play!r} is not one of {list(PLAY_KEYS)}")
    missing = [p for p in PLAY_KEYS if p not in rules.addons]
    if missing:
        raise OfferRulesError(f"[[addon]] needs a row for every play; missing {missing}")
    for segment in segments:
        for size in SIZE_KEYS:
            if not any(t.matches(segment, size) for t in rules.tiers):
                raise OfferRulesError(f"no [[tier]] matches segment {segment!r}, size {size!r}")
    return rules


@cache
def default_offer_rules() -> OfferRules:
    """The shipped ``domain/data/offers.toml``, checked against the shipped scoring rules' segments."""
    scoring = default_scoring_rules()
    segments = tuple(dict.fromkeys([*(s.segment for s in scoring.segments), scoring.hard_fail_segment]))
    text = resources.files("leadhunter.domain").joinpath("data/offers.toml").read_text("utf-8")
    return parse_offer_rules(text, segments)
