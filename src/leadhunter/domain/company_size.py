"""Company size: small / medium / large, with a confidence and the reasons it rests on.

:func:`estimate_size` is pure and table-driven (``domain/data/size.toml``): the Partner Center referral's
customer size band first, then an imported employee count (a number, a range or a word), then the scan's
heuristics (federated sign-in, a mail gateway, many SPF senders, shared hosting …). Every reason names its
evidence, so the brief can say why it calls a company "medium".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

SIZES = ("small", "medium", "large")
SOURCES = ("referral", "import", "heuristic")
CONFIDENCES = ("high", "medium", "low")
HEURISTIC_KEYS = ("federated", "gateway", "saas_senders", "saas_products", "own_exchange", "shared_hosting")
PARTNER_CENTER_BANDS = (
    "1to50employees", "51to500employees", "Morethan500employees", "1to9employees", "10to50employees",
    "51to250employees", "251to1000employees", "1001to5000employees", "5001to10000employees",
    "10001to20000employees", "Morethan20000employees",
)
"""Every documented value of Partner Center's ``customerProfile.size``."""
_PLACEHOLDERS = {"federated": {"idp"}, "gateway": {"gateway"}, "saas_senders": {"count"},
                 "saas_products": {"count"}, "own_exchange": set(), "shared_hosting": {"provider"}}
_NUMBER = re.compile(r"\d[\d.,' ]*")


class SizeRulesError(ValueError):
    """The size rule file is malformed or incomplete."""


@dataclass(frozen=True, slots=True)
class SizeReason:
    """One reason: English and Turkish text and the evidence it rests on (e.g. ``spf: 5 includes``)."""

    text_en: str
    text_tr: str
    evidence: str


@dataclass(frozen=True, slots=True)
class CompanySize:
    """``band`` small / medium / large (None: nothing to go on), its ``confidence`` high / medium / low,
    the ``source`` that decided (referral / import / heuristic) and the ``reasons``."""

    band: str | None
    confidence: str | None
    source: str | None
    reasons: tuple[SizeReason, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """``{band, confidence, source, reasons: [{en, tr, evidence}]}`` (stored on the company, served)."""
        return {"band": self.band, "confidence": self.confidence, "source": self.source,
                "reasons": [{"en": r.text_en, "tr": r.text_tr, "evidence": r.evidence} for r in self.reasons]}


UNKNOWN_SIZE = CompanySize(None, None, None)


def size_from_json(data: Mapping[str, Any] | None) -> CompanySize:
    """The inverse of :meth:`CompanySize.as_json`; None or a malformed value reads as unknown."""
    if not data or data.get("band") not in SIZES:
        return UNKNOWN_SIZE
    reasons = tuple(SizeReason(str(r.get("en", "")), str(r.get("tr", "")), str(r.get("evidence", "")))
                    for r in data.get("reasons") or [] if isinstance(r, Mapping))
    return CompanySize(str(data["band"]), data.get("confidence"), data.get("source"), reasons)


@dataclass(frozen=True, slots=True)
class Heuristic:
    """A heuristic: ``key`` (one of :data:`HEURISTIC_KEYS`), ``points`` it adds, an optional ``threshold``
    (a count it needs) and reason templates."""

    key: str
    points: int
    reason_en: str
    reason_tr: str
    threshold: int = 0


@dataclass(frozen=True)
class SizeRules:
    """A validated size rule file (see ``domain/data/size.toml``)."""

    small_max: int
    medium_max: int
    columns: tuple[str, ...]
    words: dict[str, str]
    referral_bands: dict[str, str]
    heuristics: tuple[Heuristic, ...]
    heuristic_confidence: str
    medium_min: int
    large_min: int

    def band_of_count(self, count: int) -> str:
        """The band of an employee count."""
        return "small" if count <= self.small_max else "medium" if count <= self.medium_max else "large"

    def band_of_points(self, points: int) -> str:
        """The band of a heuristic points sum."""
        return "large" if points >= self.large_min else "medium" if points >= self.medium_min else "small"


def fold(text: str) -> str:
    """"Çalışan Sayısı" → "calisansayisi": no case, diacritics, spaces or punctuation (as import headers)."""
    text = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("İ", "I")).casefold()
    return "".join(char for char in text if char.isalnum() and char.isascii())


def employees_cell(payload: Mapping[str, Any], rules: SizeRules) -> tuple[str, str] | None:
    """(header, cell) of the first employees column of an imported row's payload, by the rule file's order."""
    folded = {fold(str(k)): (str(k), v) for k, v in payload.items()}
    for name in rules.columns:
        if name in folded and isinstance(folded[name][1], str | int | float) and str(folded[name][1]).strip():
            return folded[name][0], str(folded[name][1]).strip()
    return None


def band_of_employees(cell: str, rules: SizeRules) -> tuple[str, str] | None:
    """(band, confidence) for an employees cell: "250", "1.200", "50-249" (the upper end), "1000+", or a
    word ("orta", "large"); None when the cell says nothing usable."""
    counts = []
    for match in _NUMBER.findall(cell):
        digits = re.sub(r"[.,' ]", "", match)
        if digits.isdigit():
            counts.append(int(digits))
    if counts:
        return rules.band_of_count(max(counts)), "high"
    word = rules.words.get(fold(cell))
    return (word, "medium") if word else None


def _report_counts(report: Mapping[str, Any]) -> dict[str, tuple[bool, dict[str, str], str]]:
    """Each heuristic key → (holds, template values, evidence) read from a stored scan report."""
    fp = report.get("footprint") or {}
    fed = fp.get("federation") or {}
    auto = fp.get("exchange_autodiscover") or {}
    includes = list((report.get("spf") or {}).get("includes") or [])
    saas = list((fp.get("saas") or {}).get("tags") or [])
    provider = report.get("hosting_label") or report.get("provider") or ""
    gateway = report.get("gateway") or ""
    fed_on = fed.get("state") == "present"
    return {
        "federated": (fed_on, {"idp": str(fed.get("value") or "")},
                      "; ".join(fed.get("evidence") or []) or "realm: Federated"),
        "gateway": (bool(gateway), {"gateway": gateway}, f"mx: {gateway} gateway"),
        "saas_senders": (True, {"count": str(len(includes))}, f"spf: {len(includes)} includes"),
        "saas_products": (True, {"count": str(len(saas))}, f"txt: {len(saas)} SaaS verifications"),
        "own_exchange": (auto.get("state") == "present" and auto.get("kind") == "own",
                         {}, "; ".join(auto.get("evidence") or []) or "autodiscover: own host"),
        "shared_hosting": (report.get("provider") == "Hosting", {"provider": provider}, f"mx: {provider}"),
    }


def _counted(key: str, values: dict[str, str]) -> int:
    return int(values["count"]) if key in ("saas_senders", "saas_products") else 1


def estimate_size(*, referral_band: str | None, employees: str | None, report: Mapping[str, Any] | None,
                  rules: SizeRules) -> CompanySize:
    """The company's size from, in order, the referral band, the employees cell, the scan report."""
    if referral_band and referral_band in rules.referral_bands:
        band = rules.referral_bands[referral_band]
        return CompanySize(band, "high", "referral", (SizeReason(
            f"Partner Center gives the customer size as {referral_band}",
            f"Partner Center müşteri büyüklüğünü {referral_band} olarak veriyor",
            f"referral: customerProfile.size={referral_band}"),))
    if employees:
        found = band_of_employees(employees, rules)
        if found:
            return CompanySize(found[0], found[1], "import", (SizeReason(
                f"The imported list gives {employees} employees", f"İçe aktarılan listede çalışan sayısı: {employees}",
                f"import: employees={employees}"),))
    if not report or (report.get("provider") in (None, "Unknown") and not report.get("footprint")):
        return UNKNOWN_SIZE
    read = _report_counts(report)
    points, reasons = 0, []
    for rule in rules.heuristics:
        holds, values, evidence = read[rule.key]
        if holds and _counted(rule.key, values) >= max(rule.threshold, 1):
            points += rule.points
            reasons.append(SizeReason(rule.reason_en.format_map(values), rule.reason_tr.format_map(values), evidence))
    if not reasons:
        reasons.append(SizeReason("No size signal in DNS: none of the size heuristics matched",
                                  "DNS'te büyüklük işareti yok: hiçbir büyüklük kuralı tutmadı",
                                  "size heuristics: none matched"))
    return CompanySize(rules.band_of_points(points), rules.heuristic_confidence, "heuristic", tuple(reasons))


def parse_size_rules(text: str) -> SizeRules:
    """Parse and validate TOML size rules; raise :class:`SizeRulesError` saying what is wrong."""
    try:
        data = tomllib.loads(text)
        emp, heur = data["employees"], data["heuristics"]
        rules = SizeRules(
            small_max=int(emp["small_max"]), medium_max=int(emp["medium_max"]),
            columns=tuple(fold(str(c)) for c in emp["columns"]),
            words={fold(k): str(v) for k, v in emp.get("words", {}).items()},
            referral_bands={str(k): str(v) for k, v in data["referral_bands"].items()},
            heuristics=tuple(Heuristic(str(h["key"]), int(h["points"]), str(h["reason_en"]), str(h["reason_tr"]),
                                       int(h.get("threshold", 0))) for h in data["heuristic"]),
            heuristic_confidence=str(heur["confidence"]), medium_min=int(heur["medium_min"]),
            large_min=int(heur["large_min"]))
    except tomllib.TOMLDecodeError as exc:
        raise SizeRulesError(f"not valid TOML: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SizeRulesError(f"missing or mistyped field: {exc}") from exc
    return _validated(rules)


def _validated(rules: SizeRules) -> SizeRules:
    if not 0 < rules.small_max < rules.medium_max:
        raise SizeRulesError("[employees] needs 0 < small_max < medium_max")
    if rules.medium_min >= rules.large_min:
        raise SizeRulesError("[heuristics] needs medium_min < large_min")
    if rules.heuristic_confidence not in CONFIDENCES:
        raise SizeRulesError(f"[heuristics] confidence must be one of {list(CONFIDENCES)}")
    missing = [b for b in PARTNER_CENTER_BANDS if b not in rules.referral_bands]
    if missing:
        raise SizeRulesError(f"[referral_bands] must map every Partner Center band; missing {missing}")
    for where, band in [*rules.referral_bands.items(), *rules.words.items()]:
        if band not in SIZES:
            raise SizeRulesError(f"{where}: band must be one of {list(SIZES)}, not {band!r}")
    if not rules.columns:
        raise SizeRulesError("[employees] columns must name at least one header")
    for rule in rules.heuristics:
        if rule.key not in HEURISTIC_KEYS:
            raise SizeRulesError(f"[[heuristic]] key {rule.key!r} is not one of {list(HEURISTIC_KEYS)}")
        for template in (rule.reason_en, rule.reason_tr):
            names = {name for _, name, _, _ in Formatter().parse(template) if name}
            unknown = names - _PLACEHOLDERS[rule.key]
            if unknown:
                raise SizeRulesError(f"heuristic {rule.key}: unknown placeholder(s) {sorted(unknown)}")
    return rules


@cache
def default_size_rules() -> SizeRules:
    """The shipped ``domain/data/size.toml``."""
    return parse_size_rules(resources.files("leadhunter.domain").joinpath("data/size.toml").read_text("utf-8"))
