"""Dataverse Web API shapes for the `lead` table (spec `dataverse-web-api-leads.md`): URLs, headers, columns.

Pure helpers, no I/O: building entity and alternate-key URLs, escaping OData string literals, reading
`OData-EntityId`, error bodies and the request id a response carries. Column lengths come from the lead
table reference (§10); the `hnt_` column lengths are Hunter's own limits (mapping spec).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

__all__ = [
    "API_PATH",
    "ENTITY_SET",
    "MAX_LENGTHS",
    "PREFER_REPRESENTATION",
    "JsonDict",
    "ODataError",
    "base_headers",
    "entity_id_from_header",
    "filter_eq",
    "key_path",
    "lead_path",
    "parse_error",
    "request_id_of",
    "string_literal",
]

JsonDict = dict[str, Any]

API_PATH = "/api/data/v9.2"  # the Web API root under the environment URL (§1)
ENTITY_SET = "leads"  # entity set of the `lead` table; primary key `leadid`
PREFER_REPRESENTATION = "return=representation"  # 201/200 with a body instead of 204 (§4, §7)

# MaxLength of the standard text columns Hunter writes (§10); longer values are a 400 (0x80044331).
MAX_LENGTHS: Mapping[str, int] = {
    "subject": 300,
    "companyname": 100,
    "websiteurl": 200,
    "emailaddress1": 100,
    "description": 2000,
}

# Headers naming the request on the Dataverse side, most specific first; REQ_ID appears in batch parts (§11).
_REQUEST_ID_HEADERS = ("x-ms-service-request-id", "req_id")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ENTITY_ID = re.compile(r"\(([^()]*)\)\s*$")


def base_headers() -> dict[str, str]:
    """The headers every Web API call carries (§3); `If-None-Match: null` defeats cached results."""
    return {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}


def string_literal(value: str) -> str:
    """Return `value` as an OData string literal: single-quoted, embedded quotes doubled (§5)."""
    return "'" + value.replace("'", "''") + "'"


def filter_eq(column: str, value: str) -> str:
    """Return the `$filter` clause `column eq '<value>'` with the value escaped."""
    return f"{column} eq {string_literal(value)}"


def lead_path(lead_id: str) -> str:
    """Return `/leads(<guid>)` relative to the API root; ValueError unless `lead_id` is a GUID."""
    if not _GUID.fullmatch(lead_id):
        raise ValueError(f"not a lead id (GUID): {lead_id!r}")
    return f"/{ENTITY_SET}({lead_id.lower()})"


def key_path(column: str, value: str) -> str:
    """Return `/leads(<column>='<value>')`, the alternate-key form (§8), percent-encoding the value.

    The spec warns that `/ < > * % & : \\ ? +` break key URLs; registrable domains contain none of them,
    and percent-encoding keeps anything else (quotes are doubled first) inside the path segment.
    """
    return f"/{ENTITY_SET}({column}={quote(string_literal(value), safe=chr(39))})"


def entity_id_from_header(value: str | None) -> str | None:
    """Return the GUID inside `OData-EntityId: .../leads(<guid>)`, or None (key form or missing header)."""
    if not value:
        return None
    match = _ENTITY_ID.search(value)
    if match is None:
        return None
    inner = match.group(1).removeprefix("leadid=")
    return inner.lower() if _GUID.fullmatch(inner) else None


class ODataError:
    """The `error` object of a Web API error body (§11): `code` (hex like `0x80040237`, may be empty) and
    `message` (may hold customer data: scrub before logging)."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ODataError(code={self.code!r}, message={self.message!r})"


def parse_error(body: bytes | str) -> ODataError:
    """Read `{"error": {"code", "message"}}`; anything else becomes an ODataError with empty code."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        document = json.loads(text) if text.strip() else {}
    except ValueError:
        return ODataError("", text[:200])
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return ODataError("", text[:200])
    return ODataError(str(error.get("code") or ""), str(error.get("message") or ""))


def request_id_of(headers: Mapping[str, str], fallback: str | None = None) -> str | None:
    """The Dataverse request id of a response (`x-ms-service-request-id`, else `REQ_ID`), else `fallback`.

    `headers` may be any case-insensitive mapping (httpx.Headers) or a dict with lower-case names.
    """
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name) or headers.get(name.upper())
        if value:
            return value
    return fallback
