"""The fake Dataverse org's notes: ``annotation`` rows regarding leads, written by upsert (``PATCH
/annotations(<guid>)`` creates or updates, 204) and read back (``GET``). The regarding lead must exist (a bind to
a missing lead is Dataverse's 404 ``0x80040217``); only lead regarding objects are modelled."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from .dataverse_http import error_reply, lead_target
from .dataverse_store import GUID, JsonDict, ODataError
from .loopback_http import Reply

PREFIX = "/annotations("


class AnnotationStore:
    """Annotations by id (lower-case GUID), each with ``subject``, ``notetext``, ``_objectid_value`` (the lead)."""

    def __init__(self) -> None:
        self.rows: dict[str, JsonDict] = {}
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        return path.startswith(PREFIX) and path.endswith(")")

    def execute(self, method: str, path: str, body: bytes, lead_exists: Callable[[str], bool]) -> Reply:
        ident = path[len(PREFIX):-1].lower()
        if not GUID.fullmatch(ident):
            return error_reply(400, "0x80060888", f"Bad key segment '{ident}'.")
        with self._lock:
            if method == "GET":
                row = self.rows.get(ident)
                if row is None:
                    return error_reply(404, "0x80040217", f"annotation With Id = {ident} Does Not Exist")
                headers = {"Content-Type": "application/json", "OData-Version": "4.0"}
                return Reply(200, json.dumps(row).encode(), headers)
            if method != "PATCH":
                return error_reply(405, "0x80060888", f"{method} is not supported here")
            try:
                doc = json.loads(body or b"{}")
                target = lead_target(str(doc.pop("objectid_lead@odata.bind", "")))
            except (ValueError, ODataError) as exc:
                return error_reply(400, "0x80048d19", f"Invalid annotation: {exc}")
            if target is None or target[0] != "leadid" or not lead_exists(target[1]):
                return error_reply(404, "0x80040217", "lead With the regarding Id Does Not Exist")
            row = self.rows.setdefault(ident, {"annotationid": ident, "versionnumber": 0})
            row.update(doc, _objectid_value=target[1], objecttypecode="lead")
            row["versionnumber"] = int(row["versionnumber"]) + 1
        return Reply(204, b"", {"OData-Version": "4.0", "OData-EntityId": f"annotations({ident})"})
