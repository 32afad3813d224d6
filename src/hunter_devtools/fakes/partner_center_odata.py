"""The OData subset the fake Partner Center understands (spec partner-center-referrals.md §4, §13).

``$filter``: comparisons ``eq ne gt ge lt le`` between a property path (``status``,
``customerProfile/address/country``, ...) and a literal — single-quoted string (``''`` escapes a quote),
unquoted GUID, datetime (``2024-10-31T08:15:12.1234567Z``, quoted or not), number, ``true``/``false``/``null``
— combined with ``and``, ``or``, ``not`` and parentheses. Enum properties (``direction``, ``status``, ...) accept
their members only. Anything else (``any()``, functions, ``direction eq 'incoming'``) is a ``FilterError``,
which the server answers with 400 ``invalidRequest``. ``$orderby`` accepts ``createdDateTime`` /
``updatedDateTime`` with ``asc`` / ``desc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]
Predicate = Callable[[JsonDict], bool]
ORDERABLE = ("createdDateTime", "updatedDateTime")
DATETIME_PATHS = frozenset(ORDERABLE) | {"expirationDateTime", "acceptedDateTime", "closedDateTime"}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<datetime>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))
      | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<word>[A-Za-z_][A-Za-z0-9_/]*)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
# Enum properties (spec §6): a literal outside the enum is a 400, as an OData service answers a member name it
# cannot convert, never a filter that silently matches nothing ('incoming' is not 'Incoming').
ENUMS: dict[str, frozenset[str]] = {
    "direction": frozenset({"Incoming", "Outgoing"}),
    "type": frozenset({"Independent", "Shared"}),
    "status": frozenset({"None", "New", "Active", "Closed"}),
    "substatus": frozenset({"None", "Pending", "Received", "Accepted", "Won", "Lost", "Declined", "Expired"}),
    "qualification": frozenset({"None", "Direct", "MarketingQualified", "SalesQualified"}),
}


class FilterError(ValueError):
    """The filter uses syntax the fake (and thus the client contract) does not support."""


def parse_datetime(text: str) -> datetime:
    """An aware UTC datetime from the service's ISO-8601 text (7 fractional digits allowed)."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        value = match.group(kind)
        if kind == "other":
            raise FilterError(f"unexpected character {value!r} in $filter")
        found.append((kind, value))
    if not found and text.strip():
        raise FilterError("unreadable $filter")
    return found


class _Parser:
    """Recursive descent: or-expression > and-expression > not / parentheses / comparison."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.at != len(self.tokens):
            raise FilterError(f"unexpected {self.tokens[self.at][1]!r} in $filter")
        return predicate

    def _peek_word(self) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "word":
            return self.tokens[self.at][1].lower()
        return None

    def _take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise FilterError("$filter ends too early")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_word() == "or":
            self.at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda item: any(p(item) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._peek_word() == "and":
            self.at += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda item: all(p(item) for p in parts))

    def _unary(self) -> Predicate:
        if self._peek_word() == "not":
            self.at += 1
            inner = self._unary()
            return lambda item: not inner(item)
        kind, value = self._take()
        if kind == "lparen":
            inner = self._or()
            if self._take()[0] != "rparen":
                raise FilterError("missing ')' in $filter")
            return inner
        if kind != "word":
            raise FilterError(f"expected a property name, not {value!r}")
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "lparen":
            raise FilterError(f"functions and lambda operators ({value}(...)) are not supported by the fake")
        operator = self._take()
        if operator[0] != "word" or operator[1].lower() not in _COMPARISONS:
            raise FilterError(f"expected a comparison operator after {value!r}, not {operator[1]!r}")
        literal = self._literal(value)
        members = ENUMS.get(value)
        if members is not None and literal is not None and literal not in members:
            raise FilterError(f"{literal!r} is not a value of {value} (one of {sorted(members)})")
        return _comparison(value, operator[1].lower(), literal)

    def _literal(self, path: str) -> Any:
        kind, value = self._take()
        if kind == "string":
            text = value[1:-1].replace("''", "'")
            if path in DATETIME_PATHS:
                try:
                    return parse_datetime(text)
                except ValueError as exc:
                    raise FilterError(f"{path} needs a datetime, not {text!r}") from exc
            return text
        if kind == "datetime":
            try:
                return parse_datetime(value)
            except ValueError as exc:
                raise FilterError(f"unreadable datetime {value!r}") from exc
        if kind == "guid":
            return value
        if kind == "number":
            return float(value)
        if kind == "word" and value.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value.lower()]
        raise FilterError(f"expected a literal, not {value!r}")


def _lookup(item: JsonDict, path: str) -> Any:
    value: Any = item
    for segment in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(segment)
    return value


def _comparison(path: str, operator: str, literal: Any) -> Predicate:
    def check(item: JsonDict) -> bool:
        value = _lookup(item, path)
        if isinstance(literal, datetime) and isinstance(value, str):
            try:
                value = parse_datetime(value)
            except ValueError:
                return False
        if operator == "eq":
            return bool(value == literal)
        if operator == "ne":
            return bool(value != literal)
        if value is None or literal is None:
            return False
        try:
            return bool(
                {"gt": value > literal, "ge": value >= literal, "lt": value < literal, "le": value <= literal}[operator]
            )
        except TypeError:
            return False

    return check


def compile_filter(text: str | None) -> Predicate:
    """A predicate over referral dicts for ``$filter`` text; everything matches when it is empty."""
    if text is None or not text.strip():
        return lambda item: True
    return _Parser(text).parse()


def parse_orderby(text: str | None) -> tuple[str, bool]:
    """``(property, descending)`` for ``$orderby``; default ``createdDateTime desc`` [unconfirmed default]."""
    if text is None or not text.strip():
        return "createdDateTime", True
    parts = text.split()
    if len(parts) > 2 or parts[0] not in ORDERABLE or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise FilterError(f"unsupported $orderby {text!r}; use createdDateTime or updatedDateTime, asc or desc")
    return parts[0], len(parts) == 2 and parts[1].lower() == "desc"
