"""A fake Dataverse (Dynamics 365) Web API that is a real HTTPS server on 127.0.0.1, for the test suite.

It speaks `shared/specs/dataverse-web-api-leads.md` for the `lead` table, with bearer tokens issued by the
fake Entra (`EntraServer`, client credentials, audience = this server's URL)::

    with EntraServer(certificate=cert) as entra, DataverseServer(entra, certificate=cert) as dataverse:
        ...  # org URL: dataverse.org_url, token scope: f"{dataverse.org_url}/.default"

Routes under `/api/data/v9.2`: `GET/POST /leads` (`$filter`, `$select`, `$top`, `$orderby`), `GET/PATCH/DELETE
/leads(<guid>)`, `/leads(leadid=<guid>)`, `/leads(<key>='<value>')` with `If-Match` / `If-None-Match` and
`Prefer: return=representation`; `POST /$batch` with atomic change sets and `odata.continue-on-error`;
`EntityDefinitions(LogicalName='lead')` for keys, columns and choice options. Fault switches: `fault()`
(429 with Retry-After, 401, 5xx, slow, drop), `transient_rate` (seeded share of 503s), `latency`,
`down` ("503" or "drop"), `fail_writes()` (one domain's writes fail, also inside batches). Every request,
and every operation inside a batch, is recorded in `calls`; `peak_in_flight` is the most concurrent requests.
The lead operations themselves (shared by direct requests and `$batch`) are in `dataverse_leads`.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from .dataverse_batch import InnerRequest, InnerResponse, parse_batch, write_batch
from .dataverse_http import (
    API_ROOT,
    ODATA_JSON,
    BodyHTTPServer,
    below_root,
    error_reply,
    metadata_reply,
    reply_of,
    request_ids,
)
from .dataverse_leads import LeadOperations
from .dataverse_notes import AnnotationStore
from .dataverse_store import HUNTER_CHOICES, STANDARD_CHOICES, JsonDict, LeadTable, ODataError, lead_columns
from .entra_server import EntraServer
from .loopback_http import LoopbackHTTPServer, RecordedRequest, Reply

__all__ = ["API_ROOT", "DataverseCall", "DataverseServer"]

FAULT_KINDS = frozenset({"401", "500", "502", "503", "504", "drop"})  # + "429[:seconds[:code]]", "slow:<s>"
THROTTLE_MESSAGES = {
    "0x80072322": "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
    "0x80072321": "Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over "
    "time window of 300 seconds.",
    "0x80072326": "Number of concurrent requests exceeded the limit of 52.",
}


@dataclass(frozen=True)
class DataverseCall:
    """One request received (or one operation inside a `$batch`, `in_batch=True`): `path` is below the
    API root and percent-decoded; `status` the answer; `started`/`ended` are monotonic seconds."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int
    in_batch: bool
    started: float
    ended: float
    batch: int | None = None  # which `$batch` (1, 2, … in arrival order) an inner operation belonged to

    def json(self) -> Any:
        """The request body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class _Fault:
    kind: str
    remaining: int | None
    path: str | None  # only requests whose path (below the API root) starts with this


class DataverseServer(LoopbackHTTPServer):
    """Fake Dataverse org on an ephemeral 127.0.0.1 port (HTTPS by default); context manager or start()/stop().

    `entra`: the fake Entra whose tokens are accepted (audience must be this org's URL); None accepts any
    bearer token. `alternate_key=False` makes an org without the `<prefix>domain` key. `choices` replaces
    option values per choice column (e.g. `{"hnt_source": [816940000]}`); `missing_columns` removes
    columns. `seed` drives `transient_rate`.
    """

    def __init__(
        self,
        entra: EntraServer | None = None,
        *,
        tls: bool = True,
        certificate: tuple[str, str] | None = None,
        prefix: str = "hnt_",
        alternate_key: bool = True,
        choices: dict[str, list[int]] | None = None,
        missing_columns: tuple[str, ...] = (),
        seed: int = 0,
    ) -> None:
        super().__init__(tls=tls, certificate=certificate)
        self.entra = entra
        self.prefix = prefix
        all_choices = {**STANDARD_CHOICES, **{f"{prefix}{k}": v for k, v in HUNTER_CHOICES.items()}, **(choices or {})}
        columns = {k: v for k, v in lead_columns(prefix, all_choices).items() if k not in missing_columns}
        self.key_columns = (f"{prefix}domain",) if alternate_key else None
        self.table = LeadTable(columns, self.key_columns)
        self._operations = LeadOperations(self.table, prefix, lambda: self.org_url)
        self._table_lock = self._operations.table_lock  # shared, so a whole $batch runs with no request interleaved
        self._faults: list[_Fault] = []
        self._random = random.Random(seed)
        self.transient_rate = 0.0  # share of requests answered 503 (after auth), drawn from the seeded RNG
        self.latency = 0.0  # seconds every request waits before it is handled
        self.down: str | None = None  # "503": every request 503; "drop": connections closed unanswered
        self.calls: list[DataverseCall] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._batch_count = 0
        self.annotations = AnnotationStore()  # notes on leads (PATCH/GET /annotations(<id>))

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving; the handler is upgraded to one that also serves PATCH/PUT/DELETE with raw bodies."""
        super().start()
        # loopback_http's handler only knows GET/POST and form bodies. The port is not published yet, so no
        # connection can have been served by the plain handler. (Proposed upstream: PATCH/DELETE + raw body.)
        if self._httpd is not None:
            self._httpd.__class__ = BodyHTTPServer
        return self

    # ---- switches -------------------------------------------------------------------------------

    @property
    def org_url(self) -> str:
        """The environment URL (`https://127.0.0.1:PORT`): token scope `<org_url>/.default`."""
        return self.base_url

    def fault(self, kind: str, *, times: int | None = 1, path: str | None = None) -> None:
        """Break the next `times` requests (None: until clear_faults()) whose path starts with `path`.

        `kind`: "429" (Retry-After 1 s), "429:<seconds>" or "429:<seconds>:<hex code>", "401", "500", "502",
        "503", "504", "slow:<seconds>" (answer late, then normally), "drop" (close without answering).
        """
        name = kind.partition(":")[0]
        if kind not in FAULT_KINDS and name not in ("429", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults.append(_Fault(kind, times, path))

    def clear_faults(self) -> None:
        """Remove every fault switch, item failure, transient rate, latency and down state."""
        with self._lock:
            self._faults.clear()
        self._operations.clear_failures()
        self.transient_rate, self.latency, self.down = 0.0, 0.0, None

    def fail_writes(self, domain: str, status: int = 500, *, times: int | None = None) -> None:
        """Make writes to the lead of `domain` answer `status` (direct or inside a batch), `times` times."""
        self._operations.fail_writes(domain, status, times)

    def add_lead(self, **columns: Any) -> str:
        """Insert a lead as a salesperson would (no validation of Hunter's rules); returns its id."""
        with self._table_lock:
            return str(self.table.create(columns)["leadid"])

    def delete_lead(self, lead_id: str) -> None:
        """Delete a lead as a salesperson would."""
        with self._table_lock:
            self.table.delete(lead_id)

    @property
    def leads(self) -> list[JsonDict]:
        """A copy of every lead, oldest first."""
        with self._table_lock:
            return [dict(row) for row in sorted(self.table.rows.values(), key=lambda r: int(r["createdseq"]))]

    def leads_for(self, domain: str) -> list[JsonDict]:
        """The leads whose `<prefix>domain` is `domain`."""
        return [row for row in self.leads if str(row.get(f"{self.prefix}domain") or "").lower() == domain.lower()]

    def writes(self, *, in_batch: bool | None = None) -> list[DataverseCall]:
        """Recorded PATCH/POST/DELETE calls on leads (optionally only inside / outside batches)."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method in ("PATCH", "POST", "DELETE") and c.path.startswith("/leads")
                and (in_batch is None or c.in_batch == in_batch)]  # fmt: skip

    # ---- request handling -----------------------------------------------------------------------

    def serve_raw(self, request: RecordedRequest, body: bytes) -> Reply | None:
        """Handle one request with its raw body (handler thread): faults, auth, routing, recording."""
        started = time.monotonic()
        with self._lock:
            self._log.append(request)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            reply = self._answer(request, body)
        finally:
            with self._lock:
                self.in_flight -= 1
        path = below_root(request.path)
        status = reply.status if reply is not None else 0
        call = DataverseCall(request.method, path, request.query, request.headers, body, status, False, started,
                             time.monotonic())  # fmt: skip
        with self._lock:
            self.calls.append(call)
        return reply

    def _answer(self, request: RecordedRequest, body: bytes) -> Reply | None:
        if self.latency and self.sleep(self.latency):
            return None
        if self.down == "drop":
            return None
        if self.down == "503":
            return error_reply(503, "", "Service Unavailable")
        fault = self._take_fault(below_root(request.path))
        if fault is not None:
            name, _, arg = fault.kind.partition(":")
            if name == "slow":
                if self.sleep(float(arg)):
                    return None
            elif name == "drop":
                return None
            elif name == "429":
                seconds, _, code = arg.partition(":")
                code = code or "0x80072322"
                return error_reply(429, code, THROTTLE_MESSAGES.get(code, "Throttled"), {"Retry-After": seconds or "1"})
            elif name == "401":
                return self._unauthorized()
            else:
                return error_reply(int(name), "0x80040216" if name == "500" else "", HTTPStatus(int(name)).phrase)
        token = request.headers.get("authorization", "")
        if not token.startswith("Bearer ") or (
            self.entra is not None and not self.entra.valid_token(token[7:], audience=self.org_url)
        ):
            return self._unauthorized()
        with self._lock:
            transient = self.transient_rate > 0 and self._random.random() < self.transient_rate
        if transient:
            return error_reply(503, "", "Service Unavailable (injected transient failure)")
        return self._route(request.method, below_root(request.path), request.query, request.headers, body)

    def _unauthorized(self) -> Reply:
        challenge = f"Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, " \
                    f"resource_id={self.org_url}/"  # fmt: skip
        return Reply(401, b"", {"WWW-Authenticate": challenge, "OData-Version": "4.0"})

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Reply:
        if method == "POST" and path == "/$batch":
            return self._batch(headers, body)
        if path.startswith("/EntityDefinitions("):
            return metadata_reply(method, path, self.table.columns, self.key_columns, self.prefix)
        if self.annotations.handles(path):
            return self.annotations.execute(method, path, body, lambda lead_id: lead_id in self.table.rows)
        try:
            response = self._operations.execute(method, path, query, headers, body)
        except ODataError as failure:
            return error_reply(failure.status, failure.code, failure.message)
        return reply_of(response)

    # ---- $batch ---------------------------------------------------------------------------------

    def _batch(self, headers: dict[str, str], body: bytes) -> Reply:
        if body.lower().count(b"application/http") > 1000:  # counted before the (slow) MIME parse
            return error_reply(400, "0x80060888", "Number of requests in a batch exceeded the limit of 1000.")
        try:
            entries = parse_batch(headers.get("content-type", ""), body)
        except (ValueError, IndexError) as exc:
            return error_reply(400, "0x80060888", f"The batch request body is not valid: {exc}")
        keep_going = "odata.continue-on-error" in headers.get("prefer", "")
        with self._lock:
            self._batch_count += 1
            batch = self._batch_count
        answers: list[InnerResponse | list[InnerResponse]] = []
        status = 200
        with self._table_lock:  # a batch runs its operations in order, none interleaved with other requests
            for entry in entries:
                if isinstance(entry, list):
                    saved = self.table.snapshot()
                    results = [self._inner(request, batch) for request in entry]
                    failed = next((r for r in results if r.status >= 400), None)
                    if failed is not None:
                        self.table.restore(saved)  # the change set is atomic: roll back what it did
                        answers.append(failed)
                    else:
                        answers.append(results)
                else:
                    failed = self._inner(entry, batch)
                    answers.append(failed)
                    failed = failed if failed.status >= 400 else None
                if failed is not None and not keep_going:
                    status = failed.status
                    break
        content_type, payload = write_batch(answers)
        return Reply(status, payload, {"Content-Type": content_type, "OData-Version": "4.0", **request_ids()})

    def _inner(self, request: InnerRequest, batch: int) -> InnerResponse:
        """Run one operation of a batch (stops the rest of its change set on failure via the caller)."""
        parts = urlsplit(request.url)
        path = below_root(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        started = time.monotonic()
        try:
            response = self._operations.execute(request.method, path, query, request.headers, request.body)
        except ODataError as failure:
            response = InnerResponse(failure.status, HTTPStatus(failure.status).phrase,
                                     {"Content-Type": ODATA_JSON, "OData-Version": "4.0"},
                                     json.dumps(failure.body()).encode())  # fmt: skip
        response.content_id = request.content_id
        response.headers["REQ_ID"] = str(uuid.uuid4())
        call = DataverseCall(request.method, path, query, request.headers, request.body, response.status, True,
                             started, time.monotonic(), batch)  # fmt: skip
        with self._lock:
            self.calls.append(call)
        return response
