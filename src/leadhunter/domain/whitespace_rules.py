"""The white-space rule file (``domain/data/whitespace.toml``): rows, plays, labels; validated at load.

A replaced file is refused unless it names every row the grid computes, plays only with keys the grid
knows (each on an existing row), both labels, a confidence, and reason templates whose placeholders
are all known — so a bad file fails at start-up, never in the middle of a scan.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

ROW_KEYS = ("exchange_online", "entra_id", "intune", "teams", "mail_security", "azure", "competitor_suite")
PLAY_KEYS = ("mail_migration", "finish_exchange_move", "move_signin_to_entra", "intune", "teams_phone",
             "defender_for_office", "azure_migration", "azure_web_hosting")
CONFIDENCES = ("high", "medium", "low")
PLACEHOLDERS = ("provider", "gateway", "idp", "web_host", "dns_host", "tenant")
_LIST_PARAMS = ("providers", "idps", "web_kinds")
WORKLOAD_SIGNALS = ("intune", "entra_registration", "teams")
"""Footprint signals whose appearing / disappearing is a change (``intune_added``, ``teams_removed``)."""
VALUE_SIGNALS = ("web_host", "dns_host", "federation", "exchange_autodiscover")
"""Footprint signals whose value moving is a change (``web_host_changed``: AWS → Azure)."""
CHANGE_KINDS = (*(f"{s}_{way}" for s in WORKLOAD_SIGNALS for way in ("added", "removed")),
                *(f"{s}_changed" for s in VALUE_SIGNALS))
"""Every footprint change kind; the rule file's ``[changes] alert`` names those that are alerts."""


class WhitespaceRulesError(ValueError):
    """The white-space rule file is malformed or incomplete."""


@dataclass(frozen=True, slots=True)
class RowRule:
    """A grid row: ``key`` (one of :data:`ROW_KEYS`) and its English and Turkish labels."""

    key: str
    label_en: str
    label_tr: str


@dataclass(frozen=True, slots=True)
class PlayRule:
    """A play: ``key`` (one of :data:`PLAY_KEYS`), its ``row``, labels and reason templates in English
    and Turkish, ``confidence`` and the trigger parameters (``providers``, ``idps``, ``web_kinds``)."""

    key: str
    row: str
    label_en: str
    label_tr: str
    reason_en: str
    reason_tr: str
    confidence: str
    params: dict[str, frozenset[str]] = field(default_factory=dict)

    def param(self, name: str) -> frozenset[str]:
        """A list parameter of the trigger (empty when the file gives none)."""
        return self.params.get(name, frozenset())


@dataclass(frozen=True)
class WhitespaceRules:
    """A validated rule file: rows in display order, plays by key, and the competitor markers."""

    rows: tuple[RowRule, ...]
    plays: dict[str, PlayRule]
    competitor_providers: frozenset[str]
    competitor_clouds: frozenset[str]
    competitor_idps: frozenset[str]
    change_alerts: frozenset[str] = frozenset()  # footprint change kinds that are alerts (CHANGE_KINDS)


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise WhitespaceRulesError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _names(raw: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise WhitespaceRulesError(f"{where}: '{key}' must be a list of strings")
    return frozenset(value)


def _template(raw: dict[str, Any], key: str, where: str) -> str:
    text = _text(raw, key, where)
    try:
        text.format_map({name: "x" for name in PLACEHOLDERS})
    except (KeyError, ValueError, IndexError) as exc:
        raise WhitespaceRulesError(
            f"{where}: '{key}' uses an unknown placeholder or bad braces ({exc}); "
            f"known: {', '.join(PLACEHOLDERS)}") from exc
    return text


def parse_whitespace_rules(text: str) -> WhitespaceRules:
    """Parse and validate a white-space rule file (TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WhitespaceRulesError(f"not valid TOML: {exc}") from exc
    rows: list[RowRule] = []
    for index, raw in enumerate(data.get("row", [])):
        where = f"row {index + 1}"
        if not isinstance(raw, dict):
            raise WhitespaceRulesError(f"{where}: must be a table")
        key = _text(raw, "key", where)
        if key not in ROW_KEYS:
            raise WhitespaceRulesError(f"{where}: unknown row '{key}'; known: {', '.join(ROW_KEYS)}")
        rows.append(RowRule(key, _text(raw, "label_en", where), _text(raw, "label_tr", where)))
    keys = [r.key for r in rows]
    if sorted(keys) != sorted(ROW_KEYS):
        missing = sorted(set(ROW_KEYS) - set(keys)) or sorted({k for k in keys if keys.count(k) > 1})
        raise WhitespaceRulesError(f"every row exactly once: check {', '.join(missing)}")
    plays: dict[str, PlayRule] = {}
    for index, raw in enumerate(data.get("play", [])):
        where = f"play {index + 1}"
        if not isinstance(raw, dict):
            raise WhitespaceRulesError(f"{where}: must be a table")
        key, row = _text(raw, "key", where), _text(raw, "row", where)
        if key not in PLAY_KEYS or key in plays:
            raise WhitespaceRulesError(f"{where}: unknown or repeated play '{key}'; known: {', '.join(PLAY_KEYS)}")
        if row not in ROW_KEYS:
            raise WhitespaceRulesError(f"{where} ({key}): unknown row '{row}'")
        confidence = _text(raw, "confidence", where)
        if confidence not in CONFIDENCES:
            raise WhitespaceRulesError(f"{where} ({key}): 'confidence' must be one of {', '.join(CONFIDENCES)}")
        params = {name: _names(raw, name, where) for name in _LIST_PARAMS if name in raw}
        plays[key] = PlayRule(key, row, _template(raw, "label_en", where), _template(raw, "label_tr", where),
                              _template(raw, "reason_en", where), _template(raw, "reason_tr", where),
                              confidence, params)
    competitors = data.get("competitors", {})
    if not isinstance(competitors, dict):
        raise WhitespaceRulesError("[competitors] must be a table")
    changes = data.get("changes", {})
    if not isinstance(changes, dict):
        raise WhitespaceRulesError("[changes] must be a table")
    alerts = _names(changes, "alert", "changes")
    if alerts - set(CHANGE_KINDS):
        raise WhitespaceRulesError(f"changes: unknown change kind {', '.join(sorted(alerts - set(CHANGE_KINDS)))}; "
                                   f"known: {', '.join(CHANGE_KINDS)}")
    return WhitespaceRules(
        rows=tuple(rows),
        plays=plays,
        competitor_providers=_names(competitors, "providers", "competitors"),
        competitor_clouds=_names(competitors, "clouds", "competitors"),
        competitor_idps=_names(competitors, "idps", "competitors"),
        change_alerts=alerts,
    )


@cache
def default_whitespace_rules() -> WhitespaceRules:
    """The shipped rule file, parsed once per process."""
    text = resources.files("leadhunter.domain.data").joinpath("whitespace.toml").read_text("utf-8")
    return parse_whitespace_rules(text)
