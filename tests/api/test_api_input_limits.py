"""Regression tests for the inputs schemathesis (test_openapi_fuzz.py) found answered with a 500, and for the
schema it found out of step with the answers. Each runs on SQLite and on PostgreSQL: most of these were
PostgreSQL-only (a NUL in text, ids past BIGINT), one hit both (a lone surrogate echoed into the reply).
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from urllib.parse import urlsplit

import httpx
import pytest
from api_helpers import seed_scanned
from api_support import LiveApi
from sqlalchemy import func, select

from leadhunter.db.models import Company, Import, RawLead
from leadhunter.runtime import session_factory
from leadhunter.services.api_keys import create_key

TOO_BIG = 2**63  # one past the largest BIGINT / SQLite INTEGER


def _rows(api: LiveApi, model: type[Company] | type[RawLead] | type[Import]) -> int:
    with session_factory(api.settings.database())() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _field_error(response: httpx.Response, field: str) -> str:
    """The reason of the 422 detail naming ``field`` or one of its items (fails when there is none)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    reasons = [d["reason"] for d in body["error"]["details"] if d["field"] in (field, f"{field}.0")]
    assert reasons, body
    return str(reasons[0])


# --- ids and pages past 64 bits: the driver overflowed (500) instead of finding nothing -------------------


ID_ROUTES = [("GET", "/api/jobs/{}", "path.job_id"), ("POST", "/api/jobs/{}/cancel", "path.job_id"),
             ("GET", "/api/imports/{}", "path.import_id"), ("POST", "/api/alerts/{}/ack", "path.alert_id")]


def test_an_id_past_64_bits_is_a_422_and_the_largest_one_a_404(api: LiveApi) -> None:
    # One server for all the routes (a loop, not parameters): starting one per case is most of the cost.
    for method, path, field in ID_ROUTES:
        too_big = api.client.request(method, path.format(TOO_BIG))
        assert "less than or equal to 9223372036854775807" in _field_error(too_big, field), path
        largest = api.client.request(method, path.format(TOO_BIG - 1))
        assert largest.status_code == 404 and largest.json()["error"]["code"].endswith("not_found"), path
        assert "greater than or equal to 1" in _field_error(api.client.request(method, path.format(0)), field), path


def test_a_page_past_the_last_possible_one_is_a_422(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 3)
    assert "less than or equal to 10000000" in _field_error(
        api.client.get("/api/leads", params={"page": 10**20}), "query.page")
    last = api.client.get("/api/leads", params={"page": 10_000_000, "page_size": 500})
    assert last.status_code == 200 and last.json()["items"] == [] and last.json()["total"] == 3


# --- NUL characters: PostgreSQL refuses them in text and JSONB (500 on every write and filter) ----------


def test_a_nul_in_a_filter_or_a_lead_path_is_a_422_naming_it(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 1)
    for route in ("/api/leads", "/api/leads/kpis", "/api/leads/export"):
        for param in ("q", "segment", "provider", "gateway", "category", "tag"):
            response = api.client.get(route, params={param: "acme\x00"})
            assert "NUL" in _field_error(response, f"query.{param}"), (route, param)
    for method, path in (("GET", "/api/leads/{}"), ("POST", "/api/leads/{}/rescan")):
        assert "NUL" in _field_error(api.client.request(method, path.format("acme-000.com.tr%00")), "path.domain")
        assert api.client.request(method, path.format("acme-000.com.tr")).status_code in (200, 202)


# (text, what the 422 says, lowercased): for a surrogate in a field with a length limit pydantic's own
# check speaks first ("unable to parse raw data as a unicode string"), else ours ("valid Unicode text").
BAD_TEXT = {"nul": ("contoso\x00.com.tr", "nul"), "surrogate": ("contoso\ud800.com.tr", "unicode")}


def _json_with(text: str, shape: str) -> bytes:
    """A JSON body for ``shape`` holding ``text`` in ``\\u`` escapes (a lone surrogate cannot be encoded as
    UTF-8, but JSON may carry it escaped, and Python's parser accepts it)."""
    return shape.replace('"TEXT"', json.dumps(text)).encode()


BODIES = [
    ("/api/leads", '{"domain": "TEXT"}', "domain"),
    ("/api/leads", '{"domain": "contoso.com.tr", "name": "TEXT"}', "name"),
    ("/api/scans", '{"domains": ["fabrikam.com.tr", "TEXT"]}', "domains.1"),
    ("/api/leads/rescan", '{"domains": ["TEXT"]}', "domains.0"),
    ("/api/webhooks/leads", '{"leads": [{"domain": "fabrikam.com.tr", "name": "TEXT"}]}', "leads.0.name"),
    ("/api/webhooks/leads", '{"leads": [{"website": "TEXT"}]}', "leads.0.website"),
]


@pytest.mark.parametrize("bad", ["nul", "surrogate"])
def test_text_the_database_cannot_store_is_a_422_and_stores_nothing(api: LiveApi, bad: str) -> None:
    with session_factory(api.settings.database()).begin() as session:
        key, _ = create_key(session, "test")
    text, says = BAD_TEXT[bad]
    for path, shape, field in BODIES:
        response = api.client.post(path, content=_json_with(text, shape),
                                   headers={"Content-Type": "application/json", "X-API-Key": key})
        assert says in _field_error(response, field).lower(), (path, field)
    assert (_rows(api, Company), _rows(api, RawLead), api.dispatched) == (0, 0, [])


class _ServerErrorLogged(logging.Handler):
    """Set once uvicorn has logged (and so formatted) an exception."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.logged = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.logged.set()


def _post_multipart(api: LiveApi, filename: bytes, content: bytes) -> tuple[int, bytes]:
    """POST /api/imports with a raw multipart body (httpx would escape the file name's bytes).

    After a 500 this waits until the server has logged its traceback: Python 3.11 parses source with ``ast``
    to format one, and so does pytest to report a failure; the two at once in two threads trip CPython's
    "AST constructor recursion depth mismatch" SystemError, which kills the xdist worker."""
    watcher = _ServerErrorLogged()
    uvicorn_log = logging.getLogger("uvicorn")  # its handler formats first: this one is added after it
    uvicorn_log.addHandler(watcher)
    try:
        status, body = _send_multipart(api, filename, content)
        if status >= 500:
            watcher.logged.wait(10)
        return status, body
    finally:
        uvicorn_log.removeHandler(watcher)


def _send_multipart(api: LiveApi, filename: bytes, content: bytes) -> tuple[int, bytes]:
    boundary = b"hunter-test-boundary"
    body = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="' + filename
            + b'"\r\nContent-Type: text/csv\r\n\r\n' + content + b"\r\n--" + boundary + b"--\r\n")
    where = urlsplit(api.url)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    try:
        conn.request("POST", "/api/imports", body,
                     {"Content-Type": "multipart/form-data; boundary=" + boundary.decode()})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_control_characters_in_an_upload_name_are_dropped_from_the_label(api: LiveApi) -> None:
    status, body = _post_multipart(api, b"m\x00\x01\x1fusteri\x7fler.csv", b"Domain\ncontoso.com.tr\n")
    assert status == 202, body
    record = api.client.get("/api/imports/1").json()
    assert (record["filename"], record["accepted"]) == ("musteriler.csv", 1)


# --- bodies that are not even text: FastAPI's 400, now in the error shape with its own code --------------


def test_a_body_that_is_not_utf8_is_a_400_in_the_error_shape(api: LiveApi) -> None:
    for path in ("/api/leads", "/api/scans", "/api/leads/rescan"):
        response = api.client.post(path, content=b'{"domain": "\xff\xfe"}',
                                   headers={"Content-Type": "application/json"})
        assert response.status_code == 400, path
        assert response.json() == {"error": {"code": "bad_request", "message": "There was an error parsing the body",
                                             "details": None, "request_id": response.headers["X-Request-ID"]}}


# --- the schema documents what the routes answer ------------------------------------------------------------


def test_the_schema_documents_errors_in_the_error_shape_and_the_export_types(api: LiveApi) -> None:
    spec = api.client.get("/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    job = spec["paths"]["/api/jobs/{job_id}"]["get"]["responses"]
    for status in ("401", "404", "422", "429"):
        assert job[status]["content"]["application/json"]["schema"] == error_ref, status
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's 422 shape, which we never send
    with_body = [op for ops in spec["paths"].values() for op in ops.values() if "requestBody" in op]
    assert len(with_body) >= 5  # every route with a body lists the 400 FastAPI gives an unparsable one
    assert all(op["responses"]["400"]["content"]["application/json"]["schema"] == error_ref for op in with_body)
    export = spec["paths"]["/api/leads/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert set(spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert spec["paths"]["/api/leads"]["get"]["parameters"][0]["schema"]["items"]["pattern"] == "^[^\\u0000]*$"


# --- cells PostgreSQL cannot store (found while fuzzing): NULs dropped, names cut to the column ----


@pytest.mark.parametrize(
    "content",
    [
        b"Firma,Domain\n" + b"".join(b"Acme %d,acme-%d.com.tr\n" % (i, i) for i in range(5000))
        + b"Bad\x00Name,nul-cell.com.tr\n",  # a NUL far past the binary sniffing window
        b"Firma,Domain\nAcme,acme.com.tr\n" + b"A" * 400 + b",long-name.com.tr\n",  # a name past String(300)
    ],
    ids=["nul-deep-in-csv", "name-over-300"],
)
def test_cells_the_database_cannot_store_never_make_a_500_or_a_partial_import(api: LiveApi, content: bytes) -> None:
    status, body = _post_multipart(api, b"list.csv", content)
    assert status in (202, 422), body
    if status == 422:
        assert (_rows(api, Company), _rows(api, Import)) == (0, 0)
    else:
        assert _rows(api, Company) == content.count(b"\n") - 1
