"""A fake Partner Center Referrals API: a real HTTPS server on 127.0.0.1 (spec partner-center-referrals.md §13).

Serves ``GET /v1.0/engagements/referrals`` (``$filter``/``$orderby``/``$top``, opaque ``$skiptoken`` in an
absolute ``@odata.nextLink``) and ``GET /v1.0/engagements/referrals/{id}``. Bearer tokens are checked
against the fake Entra's registry (``EntraServer.valid_token``, audience ``https://api.partner.microsoft.com``)
or against tokens given to ``accept_token``. Every request is recorded (``requests``)::

    with EntraServer(tls=True) as entra, PartnerCenterServer(entra=entra) as pc:
        pc.add_referrals(generate_referrals(250, seed=1))
        pc.fault("429:7", times=1)            # next request: 429 with Retry-After: 7
        pc.transient_failures(0.1, seed=3)    # 10 % of requests fail (503 / 500 / dropped connection)

Paging works on a snapshot: the first page of a query fixes the ordered id list under a server-side
skip token, so retrying a ``nextLink`` returns the same page and updates between pages do not shift
rows (their *contents* are read live). Fault switches can change while the server runs.
"""

from __future__ import annotations

import copy
import email.utils
import json
import random
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from .entra_server import EntraServer
from .loopback_http import LoopbackHTTPServer, RecordedRequest, Reply, json_reply
from .partner_center_data import JsonDict, generate_referrals, stamp
from .partner_center_odata import FilterError, compile_filter, parse_datetime, parse_orderby

__all__ = ["PARTNER_AUDIENCE", "PartnerCenterServer", "RecordedRequest", "generate_referrals"]

PARTNER_AUDIENCE = "https://api.partner.microsoft.com"
LIST_PATH = "/v1.0/engagements/referrals"
DEFAULT_PAGE_SIZE = 20  # spec §13 (the real default is unknown)
MAX_PAGE_SIZE = 1000
FAULT_KINDS = frozenset({"401", "403", "404", "500", "502", "503", "drop", "bad_json"})
# + "429" / "429:<seconds>" / "429-date:<seconds>" (Retry-After as an HTTP date), "503:<seconds>", "slow:<seconds>"


@dataclass
class _Fault:
    kind: str
    remaining: int | None  # None: until clear_faults()
    path: str | None  # only requests whose path starts with this


@dataclass
class _Snapshot:
    key: str
    ids: list[str]
    top: int
    query: dict[str, str]  # $filter / $orderby / $top as the client sent them, echoed in nextLink


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    """Spec §9 error body."""
    return json_reply(status, {"error": {"code": code, "message": message, "target": "referral"}}, headers)


class PartnerCenterServer(LoopbackHTTPServer):
    """The fake; HTTPS by default (share the Entra fake's CA with ``certificate=``).

    ``entra``: tokens minted there for ``PARTNER_AUDIENCE`` are accepted (None: only ``accept_token``).
    ``advertised_base`` is written into ``@odata.nextLink`` and ``links`` (default ``base_url``).
    """

    def __init__(
        self,
        *,
        entra: EntraServer | None = None,
        tls: bool = True,
        certificate: tuple[str, str] | None = None,
        advertised_base: str | None = None,
    ) -> None:
        super().__init__(tls=tls, certificate=certificate)
        self.entra = entra
        self.advertised_base = advertised_base
        self.audience = PARTNER_AUDIENCE
        self._referrals: dict[str, JsonDict] = {}  # by id, insertion order
        self._encoded: dict[str, bytes] = {}  # the JSON of each referral, so pages are cheap to serve
        self._snapshots: dict[str, _Snapshot] = {}
        self._accepted: set[str] = set()
        self._faults: list[_Fault] = []
        self._fail_rate = 0.0
        self._fail_rng = random.Random(0)
        self.injected_failures = 0  # answers broken by transient_failures()
        self.page_delay = 0.0  # seconds each list page is held back ("slow pages")
        self.users_without_role: set[str] = set()  # UPNs answered 403 (no Referrals Admin/User role)
        self.pages_served = 0

    # ---- data ------------------------------------------------------------------------------------

    def add_referrals(self, referrals: Iterable[JsonDict]) -> None:
        """Store (or replace, by id) referrals; deep copies are kept."""
        with self._lock:
            for referral in referrals:
                self._referrals[referral["id"]] = copy.deepcopy(referral)
                self._encoded[referral["id"]] = json.dumps(referral).encode()

    def referral(self, referral_id: str) -> JsonDict:
        """A deep copy of a stored referral (KeyError if unknown)."""
        with self._lock:
            return copy.deepcopy(self._referrals[referral_id])

    @property
    def referral_ids(self) -> list[str]:
        """Every stored id in insertion order."""
        with self._lock:
            return list(self._referrals)

    def update_referral(
        self,
        referral_id: str,
        *,
        status: str | None = None,
        substatus: str | None = None,
        deal_value: float | None = None,
        currency: str | None = None,
        updated: datetime | None = None,
        **fields: Any,
    ) -> JsonDict:
        """Change a referral as the service would (Won/Lost, deal value, ...): bumps ``updatedDateTime``
        (to ``updated`` or now) and the ``eTag``; ``fields`` replace top-level keys. Returns a copy."""
        moment = updated or datetime.now(UTC)
        with self._lock:
            item = self._referrals[referral_id]
            if status is not None:
                item["status"] = status
                if status == "Closed":
                    item["closedDateTime"] = stamp(moment)
            if substatus is not None:
                item["substatus"] = substatus
            if deal_value is not None or currency is not None:
                details = item.setdefault("details", {}) or {}
                item["details"] = details
                if deal_value is not None:
                    details["dealValue"] = deal_value
                if currency is not None:
                    details["currency"] = currency
            item.update(copy.deepcopy(fields))
            item["updatedDateTime"] = stamp(moment)
            item["eTag"] = f'"{uuid.uuid4()}"'
            self._encoded[referral_id] = json.dumps(item).encode()
            return copy.deepcopy(item)

    # ---- auth and faults --------------------------------------------------------------------------

    def accept_token(self, token: str) -> None:
        """Accept ``token`` as a valid bearer token (with or without Entra)."""
        with self._lock:
            self._accepted.add(token)

    def fault(self, kind: str, *, times: int | None = None, path: str | None = None) -> None:
        """Break the next ``times`` requests (None: until clear_faults) whose path starts with ``path``.

        ``kind``: "401" (token refused as expired), "403" (no Referrals role), "404", "500", "502", "503",
        "503:<s>" (with Retry-After), "429" (Retry-After 1), "429:<s>", "429-date:<s>" (Retry-After as an
        HTTP date <s> seconds ahead), "slow:<s>" (answer late), "drop" (close unanswered), "bad_json".
        """
        name, _, arg = kind.partition(":")
        numeric = arg.replace(".", "", 1).isdigit()
        if not (kind in FAULT_KINDS or (name in ("429", "429-date", "503", "slow") and numeric)):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults.append(_Fault(kind, times, path))

    def clear_faults(self) -> None:
        """Remove every fault switch and stop random transient failures."""
        with self._lock:
            self._faults.clear()
            self._fail_rate = 0.0

    def transient_failures(self, rate: float, *, seed: int = 0) -> None:
        """Fail a ``rate`` fraction of requests (seeded): 503 with Retry-After 1, 500, 429 or a dropped connection."""
        with self._lock:
            self._fail_rate = rate
            self._fail_rng = random.Random(seed)

    # ---- request handling -----------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply | None:
        """Faults first, then auth, then routing."""
        with self._lock:
            fault = self._take_fault(request)
            random_kind = None
            if fault is None and self._fail_rate and self._fail_rng.random() < self._fail_rate:
                random_kind = self._fail_rng.choice(["503:1", "500", "429:1", "drop"])
                self.injected_failures += 1
        kind = fault.kind if fault is not None else random_kind
        if kind is not None:
            reply = self._fault_reply(kind, request)
            if reply is not False:
                return reply
        problem = self._check_auth(request)
        if problem is not None:
            return problem
        return self._route(request)

    def _take_fault(self, request: RecordedRequest) -> _Fault | None:
        for fault in self._faults:
            if fault.path is None or request.path.startswith(fault.path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _fault_reply(self, kind: str, request: RecordedRequest) -> Reply | bool | None:
        """The broken answer; None drops the connection; False means "answer normally after all"."""
        name, _, arg = kind.partition(":")
        if name == "slow":
            return None if self.sleep(float(arg)) else False
        if name == "drop":
            return None
        if name == "bad_json":
            return Reply(200, b'{"value": [{"id": ', {"Content-Type": "application/json"})
        if name == "429":
            seconds = arg or "1"
            return json_reply(429, {"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {seconds} "
                                    "seconds."}, {"Retry-After": seconds})  # fmt: skip
        if name == "429-date":
            when = email.utils.formatdate(time.time() + float(arg), usegmt=True)
            return json_reply(429, {"statusCode": 429, "message": "Rate limit is exceeded."}, {"Retry-After": when})
        if name == "401":
            return _error(401, "unauthenticated", "The access token is expired.")
        if name == "403":
            return _error(403, "accessDenied", "Caller is not authorized to access the resource.")
        if name == "404":
            return _error(404, "itemNotFound", "The resource is not found.")
        headers = {"Retry-After": arg} if arg else {}
        return _error(int(name), "serviceNotAvailable" if name == "503" else "generalException",
                      "A transient error occurred.", headers)  # fmt: skip

    def _check_auth(self, request: RecordedRequest) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return _error(401, "unauthenticated", "Authorization header is missing.")
        token = header.removeprefix("Bearer ").strip()
        with self._lock:
            accepted = token in self._accepted
        if not accepted:
            if self.entra is None or not self.entra.valid_token(token, audience=self.audience):
                return _error(401, "unauthenticated", "The access token is invalid or expired.")
            claims = self.entra.token_claims(token) or {}
            if claims.get("idtyp") == "app":
                return _error(401, "unauthenticated", "App-only tokens are not supported; use App+User.")
            if str(claims.get("upn", "")).lower() in {u.lower() for u in self.users_without_role}:
                return _error(403, "accessDenied", "Caller is not authorized to access the resource.")
        return None

    def _route(self, request: RecordedRequest) -> Reply:
        if request.method != "GET":
            return _error(405, "invalidRequest", "Only GET is implemented by the fake.")
        headers = {"request-id": str(uuid.uuid4())}
        if "client-request-id" in request.headers:
            headers["client-request-id"] = request.headers["client-request-id"]
        if request.path.rstrip("/") == LIST_PATH:
            return self._list(request, headers)
        if request.path.startswith(LIST_PATH + "/"):
            referral_id = request.path[len(LIST_PATH) + 1 :]
            with self._lock:
                item = copy.deepcopy(self._referrals.get(referral_id))
            if item is None:
                return _error(404, "itemNotFound", "The resource is not found.", headers)
            item["@odata.context"] = f"{self._base()}/v1.0/engagements/referrals/$metadata#Referrals/$entity"
            return json_reply(200, item, headers)
        return _error(404, "itemNotFound", f"No route for {request.path}.", headers)

    def _list(self, request: RecordedRequest, headers: dict[str, str]) -> Reply:
        query = request.query
        token = query.get("$skiptoken")
        if token is not None:
            with self._lock:
                snapshot = self._snapshots.get(token.partition(".")[0])
            if snapshot is None:
                return _error(400, "invalidRequest", "The skip token is invalid or expired.", headers)
            offset = int(token.partition(".")[2] or 0)
        else:
            try:
                snapshot = self._snapshot(query)
            except FilterError as exc:
                return _error(400, "invalidRequest", str(exc), headers)
            except ValueError:
                return _error(400, "invalidRequest", "$top must be a positive integer.", headers)
            offset = 0
        if self.page_delay and self.sleep(self.page_delay):
            return _error(503, "serviceNotAvailable", "Shutting down.", headers)
        page_ids = snapshot.ids[offset : offset + snapshot.top]
        with self._lock:
            value = [self._encoded[i] for i in page_ids if i in self._encoded]
            self.pages_served += 1
        envelope: JsonDict = {"@odata.context": f"{self._base()}/v1.0/$metadata#Referrals", "@odata.count": len(value)}
        if offset + snapshot.top < len(snapshot.ids):
            params = {**snapshot.query, "$skiptoken": f"{snapshot.key}.{offset + snapshot.top}"}
            envelope["@odata.nextLink"] = f"{self._base()}{LIST_PATH}?{urlencode(params, quote_via=quote, safe='$')}"
        # Spliced from the cached JSON of each referral: no deep copy or re-encoding per page.
        body = json.dumps(envelope)[:-1].encode() + b', "value": [' + b", ".join(value) + b"]}"
        return Reply(200, body, {**headers, "Content-Type": "application/json; charset=utf-8"})

    def _snapshot(self, query: dict[str, str]) -> _Snapshot:
        top = int(query.get("$top", DEFAULT_PAGE_SIZE))
        if top < 1:
            raise ValueError("$top")
        predicate = compile_filter(query.get("$filter"))
        field, descending = parse_orderby(query.get("$orderby"))
        with self._lock:
            matching = [item for item in self._referrals.values() if predicate(item)]
        epoch = datetime.min.replace(tzinfo=UTC)

        def sort_key(item: JsonDict) -> tuple[datetime, str]:
            text = item.get(field)
            return (parse_datetime(text) if isinstance(text, str) else epoch, item["id"])

        matching.sort(key=sort_key, reverse=descending)
        echoed = {k: query[k] for k in ("$top", "$filter", "$orderby") if k in query}
        key = secrets.token_urlsafe(12).replace(".", "_")
        snapshot = _Snapshot(key, [item["id"] for item in matching], min(top, MAX_PAGE_SIZE), echoed)
        with self._lock:
            self._snapshots[key] = snapshot
        return snapshot

    def _base(self) -> str:
        return self.advertised_base or self.base_url
