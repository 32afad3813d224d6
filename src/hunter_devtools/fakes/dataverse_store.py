"""The table half of the fake Dataverse: an in-memory `lead` table with the Web API's rules.

Spec `shared/specs/dataverse-web-api-leads.md` §10–§14: typed columns with MaxLength (400 `0x80044331`),
unknown columns (400 `0x80060888`), choice values checked against the org's options, an optional
alternate key whose uniqueness is enforced (412 `0x80040237`), ETags `W/"<n>"` from a global version
counter, and `$filter` with `eq`/`ne`/`and`/`or`/parentheses over string, number, GUID and `null`
literals. Text comparisons are case-insensitive, like Dataverse's default collation.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
STANDARD_CHOICES: dict[str, list[int]] = {
    "leadsourcecode": list(range(1, 11)),
    "leadqualitycode": [1, 2, 3],
    "industrycode": list(range(1, 34)),
    "statecode": [0, 1, 2],
    "statuscode": list(range(1, 8)),
}
HUNTER_CHOICES = {"huntertenantsize": [816940000, 816940001, 816940002], "source": [816940000, 816940001, 816940002]}
READ_ONLY = ("leadid", "fullname", "createdon", "modifiedon", "versionnumber")


class ODataError(Exception):
    """A Web API error answer: HTTP `status`, hex `code` and `message` (spec §11)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> JsonDict:
        """The error body `{"error": {"code", "message"}}`."""
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class Column:
    """One column: kind is string, int, choice or datetime; `limit` is MaxLength or (min, max)."""

    kind: str
    limit: Any = None


def lead_columns(prefix: str, choices: dict[str, list[int]]) -> dict[str, Column]:
    """The customised lead table: the standard columns Hunter may touch plus the `<prefix>` columns."""
    text = {"subject": 300, "firstname": 50, "lastname": 50, "companyname": 100, "jobtitle": 100,
            "emailaddress1": 100, "telephone1": 50, "mobilephone": 20, "websiteurl": 200, "description": 2000,
            "qualificationcomments": 2000, "address1_city": 80, "address1_country": 80}  # fmt: skip
    hunter_text = {"domain": 253, "prioritycategory": 10, "segment": 20, "provider": 200, "tenantid": 36,
                   "referralid": 100, "referraltype": 50, "scorebreakdown": 4000, "hunterurl": 1000, "plays": 1000,
                   "infrastructure": 400}  # fmt: skip
    columns = {name: Column("string", limit) for name, limit in text.items()}
    columns.update({f"{prefix}{name}": Column("string", limit) for name, limit in hunter_text.items()})
    columns[f"{prefix}finalscore"] = Column("int", (0, 100))
    columns[f"{prefix}priorityscore"] = Column("int", (1, 7))
    columns[f"{prefix}lastsynctime"] = Column("datetime")
    for name, values in choices.items():
        columns[name] = Column("choice", frozenset(values))
    return columns


def _too_long(column: str, limit: int) -> ODataError:
    message = (f"A validation error occurred. The length of the '{column}' attribute of the 'lead' entity exceeded "
               f"the maximum allowed length of '{limit}'.")  # fmt: skip
    return ODataError(400, "0x80044331", message)


def unknown_column(name: str) -> ODataError:
    """400 for a column the lead table does not have (spec §11)."""
    message = f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.lead'."
    return ODataError(400, "0x80060888", message)


class LeadTable:
    """Leads by id. Not thread-safe by itself: the server serialises access (and snapshots for change sets)."""

    def __init__(self, columns: dict[str, Column], key_columns: tuple[str, ...] | None) -> None:
        self.columns = columns
        self.key_columns = key_columns
        self.rows: dict[str, JsonDict] = {}  # rows are replaced on update, never mutated: shallow copies suffice
        self.version = 1000
        self._keys: dict[tuple[str, ...], str] = {}  # alternate-key value → lead id (the unique index)

    # ---- change sets --------------------------------------------------------------------------------

    def snapshot(self) -> tuple[dict[str, JsonDict], int]:
        """A copy to restore when a change set fails."""
        return dict(self.rows), self.version

    def restore(self, saved: tuple[dict[str, JsonDict], int]) -> None:
        """Undo everything since `snapshot()` (versions are not reused)."""
        self.rows = dict(saved[0])
        self._keys = {key: lead_id for lead_id, row in self.rows.items() if (key := self._key_value(row)) is not None}

    # ---- rules --------------------------------------------------------------------------------------

    def validate(self, body: JsonDict) -> None:
        """Raise ODataError for unknown, read-only, mistyped, too long or out-of-range values."""
        for name, value in body.items():
            column = self.columns.get(name)
            if column is None or name in READ_ONLY:
                raise unknown_column(name)
            if value is None:
                continue
            if column.kind == "string":
                if not isinstance(value, str):
                    raise ODataError(400, "0x80060888", f"Cannot convert the literal for '{name}' to Edm.String.")
                if len(value) > column.limit:
                    raise _too_long(name, column.limit)
            elif column.kind in ("int", "choice"):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ODataError(400, "0x80060888", f"Cannot convert the literal for '{name}' to Edm.Int32.")
                if column.kind == "choice" and value not in column.limit:
                    accepted = ",".join(str(v) for v in sorted(column.limit))
                    raise ODataError(400, "0x80044331", f"A validation error occurred. The value {value} of "
                                       f"'{name}' on record of type 'lead' is outside the valid range. "
                                       f"Accepted Values: {accepted}")  # fmt: skip
                if column.kind == "int" and not column.limit[0] <= value <= column.limit[1]:
                    raise ODataError(400, "0x80044331", f"A validation error occurred. The value {value} of "
                                                          f"'{name}' is outside the valid range.")  # fmt: skip
            elif column.kind == "datetime":
                try:
                    datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
                except ValueError:
                    raise ODataError(400, "0x80060888", f"Cannot convert '{value}' to Edm.DateTimeOffset.") from None

    def _key_value(self, row: JsonDict) -> tuple[str, ...] | None:
        if self.key_columns is None:
            return None
        values = tuple(str(row.get(c) or "").lower() for c in self.key_columns)
        return None if all(v == "" for v in values) else values

    def _check_unique(self, row: JsonDict, own_id: str | None) -> None:
        value = self._key_value(row)
        if value is not None and self._keys.get(value, own_id) != own_id:
            raise ODataError(412, "0x80040237", "A record that has the attribute values "
                               f"{', '.join(self.key_columns or ())} already exists. The entity key requires "
                               "that this set of attributes contains unique values.")  # fmt: skip

    def _reindex(self, old: JsonDict | None, new: JsonDict | None) -> None:
        if old is not None and (key := self._key_value(old)) is not None:
            self._keys.pop(key, None)
        if new is not None and (key := self._key_value(new)) is not None:
            self._keys[key] = new["leadid"]

    # ---- operations ---------------------------------------------------------------------------------

    def get(self, lead_id: str) -> JsonDict | None:
        """The row with `lead_id`, or None."""
        return self.rows.get(lead_id.lower())

    def find_by_key(self, values: dict[str, str]) -> JsonDict | None:
        """The row whose alternate-key columns equal `values` (case-insensitive), or None."""
        wanted = {k: v.lower() for k, v in values.items()}
        if self.key_columns is not None and tuple(wanted) == self.key_columns:
            lead_id = self._keys.get(tuple(wanted.values()))
            return self.rows.get(lead_id) if lead_id else None
        for row in self.rows.values():
            if all(str(row.get(k) or "").lower() == v for k, v in wanted.items()):
                return row
        return None

    def create(self, body: JsonDict, lead_id: str | None = None) -> JsonDict:
        """Insert a row (412 `0x80040237` if the id or the alternate-key value exists)."""
        lead_id = (lead_id or str(body.get("leadid") or "") or str(uuid.uuid4())).lower()
        values = {k: v for k, v in body.items() if k != "leadid"}
        self.validate(values)
        if lead_id in self.rows:
            raise ODataError(412, "0x80040237", "Cannot insert duplicate key.")
        row: JsonDict = {"leadid": lead_id, "statecode": 0, "statuscode": 1, **values}
        self._check_unique(row, None)
        self.version += 1
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        row.update(versionnumber=self.version, createdon=now, modifiedon=now, createdseq=self.version)
        self.rows[lead_id] = row
        self._reindex(None, row)
        return row

    def update(self, lead_id: str, body: JsonDict) -> JsonDict:
        """Update a row's columns (alternate-key columns in `body` are ignored by the caller)."""
        self.validate(body)
        row = self.rows[lead_id.lower()]
        merged = {**row, **body}
        self._check_unique(merged, row["leadid"])
        self.version += 1
        merged.update(versionnumber=self.version, modifiedon=datetime.datetime.now(datetime.UTC).isoformat())
        self.rows[row["leadid"]] = merged
        self._reindex(row, merged)
        return merged

    def delete(self, lead_id: str) -> bool:
        """Remove a row; False when it did not exist."""
        row = self.rows.pop(lead_id.lower(), None)
        self._reindex(row, None)
        return row is not None

    def query(self, condition: str | None, orderby: str | None, top: int | None) -> list[JsonDict]:
        """Rows matching the `$filter` text, ordered by `createdon` (insertion) asc/desc, cut to `top`."""
        match = parse_filter(condition, set(self.columns)) if condition else (lambda row: True)
        rows = [row for row in self.rows.values() if match(row)]
        rows.sort(key=lambda r: int(r["createdseq"]), reverse=bool(orderby and orderby.strip().endswith("desc")))
        return rows[:top] if top is not None else rows


def etag(row: JsonDict) -> str:
    """The row's weak ETag `W/"<version>"`."""
    return f'W/"{row["versionnumber"]}"'


def shape(row: JsonDict, select: str | None) -> JsonDict:
    """The JSON a GET or `return=representation` answer carries: `@odata.etag`, `leadid`, selected columns."""
    names = [n.strip() for n in select.split(",")] if select else [k for k in row if k != "createdseq"]
    out: JsonDict = {"@odata.etag": etag(row), "leadid": row["leadid"]}
    out.update({n: row.get(n) for n in names if n != "leadid"})
    return out


# ---- $filter ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<guid>" + GUID.pattern + r")|(?P<num>-?\d+(?:\.\d+)?)"
                    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<paren>[()]))")  # fmt: skip


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ODataError(400, "0x80060888", f"Syntax error at position {position} in '{text}'.")
        position = match.end()
        kind = match.lastgroup or ""
        value: Any = match.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        out.append((kind, value))
    return out


def parse_filter(text: str, known: set[str]) -> Any:
    """Compile a `$filter` expression over the `known` columns into a row predicate (400 when unsupported)."""
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, Any] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, Any]:
        nonlocal position
        if position >= len(tokens):
            raise ODataError(400, "0x80060888", f"Unexpected end of '$filter={text}'.")
        position += 1
        return tokens[position - 1]

    def expression() -> Any:
        left = conjunction()
        while peek() == ("word", "or"):
            take()
            right, first = conjunction(), left
            left = lambda row, a=first, b=right: a(row) or b(row)  # noqa: E731
        return left

    def conjunction() -> Any:
        left = factor()
        while peek() == ("word", "and"):
            take()
            right, first = factor(), left
            left = lambda row, a=first, b=right: a(row) and b(row)  # noqa: E731
        return left

    def factor() -> Any:
        if peek() == ("paren", "("):
            take()
            inner = expression()
            if take() != ("paren", ")"):
                raise ODataError(400, "0x80060888", "Missing ')' in $filter.")
            return inner
        kind, column = take()
        _, operator = take()
        literal_kind, literal = take()
        if kind != "word" or operator not in ("eq", "ne"):
            raise ODataError(400, "0x80060888", f"Unsupported $filter clause near '{column} {operator}'.")
        if column not in known and column not in READ_ONLY:
            raise unknown_column(column)
        if literal_kind == "word" and literal == "null":
            literal = None
        elif literal_kind == "word":
            raise ODataError(400, "0x80060888", f"Unsupported literal '{literal}' in $filter.")

        def test(row: JsonDict) -> bool:
            value = row.get(column)
            if isinstance(value, str) and isinstance(literal, str):
                equal = value.lower() == literal.lower()
            else:
                equal = value == literal
            return equal if operator == "eq" else not equal

        return test

    predicate = expression()
    if peek() is not None:
        raise ODataError(400, "0x80060888", f"Unexpected '{peek()}' in $filter.")
    return predicate
