"""HTTP plumbing of the fake Dataverse: URL parsing, answers with request ids, metadata documents, and a
request handler that adds PATCH/PUT/DELETE with raw bodies to `loopback_http`'s handler.

`loopback_http`'s handler serves GET and POST and parses form bodies only; Dataverse needs PATCH and DELETE
and JSON or multipart bodies. `BodyHTTPServer` is swapped in by `DataverseServer.start()`. Proposed upstream:
`RecordedRequest.body` plus `do_PATCH`/`do_PUT`/`do_DELETE` in `loopback_http`, after which this goes away.
"""

from __future__ import annotations

import json
import socket
import uuid
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from .dataverse_batch import InnerResponse
from .dataverse_store import GUID, Column, JsonDict, ODataError
from .loopback_http import RecordedRequest, Reply, _Handler, _HTTPServer

API_ROOT = "/api/data/v9.2"
ODATA_JSON = "application/json; odata.metadata=minimal"


def below_root(path: str) -> str:
    """The percent-decoded path below `/api/data/v9.2` (absolute URLs inside batches included)."""
    decoded = unquote(path)
    return decoded.split(API_ROOT, 1)[1] if API_ROOT in decoded else decoded


def lead_target(path: str) -> tuple[str, str] | None:
    """`("leadid", guid)` or `(key column, value)` for `/leads(...)`; None for other paths."""
    if not (path.startswith("/leads(") and path.endswith(")")):
        return None
    inner = path[len("/leads(") : -1]
    if GUID.fullmatch(inner):
        return "leadid", inner.lower()
    column, equals, literal = inner.partition("=")
    if not equals:
        raise ODataError(400, "0x80060888", f"Bad key segment '{inner}'.")
    if column == "leadid" and GUID.fullmatch(literal):
        return "leadid", literal.lower()
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return column, literal[1:-1].replace("''", "'")
    raise ODataError(400, "0x80060888", f"Bad literal in key segment '{inner}'.")


def request_ids() -> dict[str, str]:
    request_id = str(uuid.uuid4())
    return {"x-ms-service-request-id": request_id, "REQ_ID": request_id}


def json_answer(status: int, body: JsonDict, headers: dict[str, str] | None = None) -> InnerResponse:
    merged = {"Content-Type": ODATA_JSON, "OData-Version": "4.0", **(headers or {})}
    return InnerResponse(status, HTTPStatus(status).phrase, merged, json.dumps(body).encode())


def reply_of(response: InnerResponse) -> Reply:
    return Reply(response.status, response.body, {**response.headers, **request_ids()})


def error_reply(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    merged = {"Content-Type": ODATA_JSON, "OData-Version": "4.0", **request_ids(), **(headers or {})}
    return Reply(status, body, merged)


class BodyHandler(_Handler):
    """loopback_http's handler plus PATCH, PUT and DELETE, passing the raw body (JSON or multipart)."""

    def do_PATCH(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        owner = cast(Any, cast(_HTTPServer, self.server).owner)  # a DataverseServer (serve_raw)
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = owner.serve_raw(RecordedRequest(self.command, parts.path, query, headers, {}), raw)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class BodyHTTPServer(_HTTPServer):
    """`_HTTPServer` whose connections are served by `BodyHandler` (TLS handshake as in the base)."""

    def finish_request(self, request: Any, client_address: Any) -> None:
        connection = request
        # Headers and body leave in two writes; without TCP_NODELAY, Nagle plus the client's delayed ACK
        # add ~40 ms to every answer, which would dominate bulk-push timings.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            connection.settimeout(5.0)
            try:
                connection = self.ssl_context.wrap_socket(connection, server_side=True)
            except OSError:
                return  # the client refused our certificate or went away mid-handshake
        self.owner._track(connection, add=True)
        try:
            BodyHandler(connection, client_address, self)
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client hung up, or stop() cut the connection
        finally:
            self.owner._track(connection, add=False)
            if connection is not request:
                connection.close()


def metadata_reply(method: str, path: str, columns: dict[str, Column], key_columns: tuple[str, ...] | None,
                   prefix: str) -> Reply:  # fmt: skip
    """Answer `EntityDefinitions(LogicalName='lead')` reads: keys, columns, choice options (the real URLs)."""
    if method != "GET" or not path.startswith("/EntityDefinitions(LogicalName='lead')"):
        return error_reply(404, "0x80060888", f"Resource not found for the segment '{path.strip('/')}'.")
    rest = path.removeprefix("/EntityDefinitions(LogicalName='lead')")
    if rest == "":
        keys = [] if key_columns is None else [
            {"KeyAttributes": list(key_columns), "EntityKeyIndexStatus": "Active",
             "LogicalName": f"{prefix}domainkey", "MetadataId": str(uuid.uuid5(uuid.NAMESPACE_URL, "key"))}
        ]  # fmt: skip
        return reply_of(json_answer(200, {"LogicalName": "lead", "Keys": keys}))
    if rest == "/Attributes":
        names = sorted([*columns, "leadid", "fullname", "createdon", "modifiedon", "versionnumber"])
        return reply_of(json_answer(200, {"value": [{"LogicalName": name} for name in names]}))
    if rest == "/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata":
        value = [{"LogicalName": name, "OptionSet": {"Options": [
            {"Value": option, "Label": {"UserLocalizedLabel": {"Label": f"Option {option}"}}}
            for option in sorted(column.limit)]}} for name, column in sorted(columns.items())
            if column.kind == "choice"]  # fmt: skip
        return reply_of(json_answer(200, {"value": value}))
    return error_reply(404, "0x80060888", f"Resource not found for the segment '{rest.strip('/')}'.")
