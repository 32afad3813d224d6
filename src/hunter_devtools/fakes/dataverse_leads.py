"""The operations half of the fake Dataverse: one request on the `lead` entity set, direct or inside a `$batch`.

Spec `shared/specs/dataverse-web-api-leads.md` §4–§8: `GET/POST /leads` with `$filter`, `$select`, `$top` and
`$orderby` (`$skip` refused like the real service), and `GET/PATCH/DELETE` on one lead addressed by id or by
alternate key, with `If-Match` / `If-None-Match` and `Prefer: return=representation`. `fail_writes()` makes
one domain's writes fail. The table rules themselves live in `dataverse_store`, the HTTP side in
`DataverseServer`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from .dataverse_batch import InnerResponse
from .dataverse_http import API_ROOT, json_answer, lead_target
from .dataverse_store import JsonDict, LeadTable, ODataError, etag, shape

__all__ = ["LeadOperations"]


class LeadOperations:
    """Runs lead operations against `table`; `org_url()` gives the org URL used in `@odata.context` and
    `OData-EntityId` (a callable because the port is only known once the server started).

    `prefix` is the publisher prefix of Hunter's columns (`<prefix>domain` is the alternate key and the
    column `fail_writes()` matches). Thread-safe: every operation runs under `table_lock`.
    """

    def __init__(self, table: LeadTable, prefix: str, org_url: Callable[[], str]) -> None:
        self.table = table
        self.prefix = prefix
        self._org_url = org_url
        self.table_lock = threading.RLock()  # one writer at a time; a $batch holds it throughout
        self._failing_lock = threading.Lock()
        self._failing_domains: dict[str, tuple[int, int | None]] = {}  # domain → (status, remaining)

    def fail_writes(self, domain: str, status: int, times: int | None) -> None:
        """Make writes to the lead of `domain` answer `status`, `times` times (None: until cleared)."""
        with self._failing_lock:
            self._failing_domains[domain.lower()] = (status, times)

    def clear_failures(self) -> None:
        """Undo every `fail_writes()`."""
        with self._failing_lock:
            self._failing_domains.clear()

    def execute(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> InnerResponse:
        """Run one lead operation under the table lock; raises ODataError for error answers."""
        target = lead_target(path)
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            raise ODataError(400, "0x80060888", "The request body is not valid JSON.") from None
        with self.table_lock:
            if target is None:
                if path != "/leads":
                    raise ODataError(404, "0x80060888", f"Resource not found for the segment '{path.strip('/')}'.")
                if method == "GET":
                    if "$skip" in query:
                        raise ODataError(400, "0x80060888", "Skip Clause is not supported in CRM")
                    top = int(query["$top"]) if "$top" in query else None
                    rows = self.table.query(query.get("$filter"), query.get("$orderby"), top)
                    value = [shape(row, query.get("$select")) for row in rows]
                    context = f"{self._org_url()}{API_ROOT}/$metadata#leads"
                    return json_answer(200, {"@odata.context": context, "value": value})
                if method == "POST":
                    self._maybe_fail(document.get(f"{self.prefix}domain"))
                    return self._written(self.table.create(document), True, headers, query)
                raise ODataError(405, "0x80060888", f"{method} is not supported on the leads collection.")
            return self._on_row(method, target, query, headers, document)

    def _on_row(
        self, method: str, target: tuple[str, str], query: dict[str, str], headers: dict[str, str], body: JsonDict
    ) -> InnerResponse:
        column, value = target
        key_columns = self.table.key_columns
        if column == "leadid":
            row = self.table.get(value)
        elif key_columns == (column,):
            row = self.table.find_by_key({column: value})
        else:
            raise ODataError(400, "0x80060888", "The key in the request URI is not valid for resource "
                               "'Microsoft.Dynamics.CRM.lead'. Ensure that the names and number of key properties "
                               "match the declared keys for the resource 'Microsoft.Dynamics.CRM.lead'.")  # fmt: skip
        missing = ODataError(404, "0x80040217", f"lead With Id = {value} Does Not Exist")
        if method == "GET":
            if row is None:
                raise missing
            return json_answer(200, shape(row, query.get("$select")), {"ETag": etag(row)})
        if method == "DELETE":
            if row is None:
                raise missing
            self.table.delete(row["leadid"])
            return InnerResponse(204, "No Content")
        if method != "PATCH":
            raise ODataError(405, "0x80060888", f"{method} is not supported on a lead.")
        if_match, if_none = headers.get("if-match"), headers.get("if-none-match")
        if if_none == "*" and row is not None:
            raise ODataError(412, "0x80040237", "A record with matching key values already exists.")
        if if_match is not None and row is None:
            raise missing
        if if_match not in (None, "*") and row is not None and if_match != etag(row):
            raise ODataError(412, "", "The version of the existing record doesn't match the RowVersion property "
                                        "provided.")  # fmt: skip
        if row is not None:
            self._maybe_fail(row.get(f"{self.prefix}domain"))
        else:
            self._maybe_fail(body.get(f"{self.prefix}domain", value if column != "leadid" else None))
        if row is not None:
            changes = {k: v for k, v in body.items() if k not in (key_columns or ()) and k != "leadid"}
            return self._written(self.table.update(row["leadid"], changes), False, headers, query, target)
        if column == "leadid":
            return self._written(self.table.create(body, lead_id=value), True, headers, query, target)
        return self._written(self.table.create({column: value, **body}), True, headers, query, target)

    def _maybe_fail(self, domain: object) -> None:
        if not isinstance(domain, str):
            return
        with self._failing_lock:
            entry = self._failing_domains.get(domain.lower())
            if entry is None:
                return
            status, remaining = entry
            if remaining is not None:
                if remaining <= 1:
                    del self._failing_domains[domain.lower()]
                else:
                    self._failing_domains[domain.lower()] = (status, remaining - 1)
        raise ODataError(status, "0x80040216" if status >= 500 else "0x80044331", f"injected failure ({status})")

    def _written(
        self,
        row: JsonDict,
        created: bool,
        headers: dict[str, str],
        query: dict[str, str],
        target: tuple[str, str] | None = None,
    ) -> InnerResponse:
        # A write addressed by alternate key echoes the key form in OData-EntityId (spec §7).
        key = f"{target[0]}='{target[1]}'" if target is not None and target[0] != "leadid" else row["leadid"]
        org_url = self._org_url()
        entity = f"{org_url}{API_ROOT}/leads({key})"
        if "return=representation" in headers.get("prefer", ""):
            context = f"{org_url}{API_ROOT}/$metadata#leads/$entity"
            body = {"@odata.context": context, **shape(row, query.get("$select"))}
            response = json_answer(201 if created else 200, body, {"ETag": etag(row)})
            response.headers["Preference-Applied"] = "return=representation"
            return response
        return InnerResponse(204, "No Content", {"OData-Version": "4.0", "OData-EntityId": entity})
