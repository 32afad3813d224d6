"""One error shape for the whole API — ``{"error": {"code", "message", "details", "request_id"}}`` — and the
one table that maps service errors to HTTP statuses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadhunter.db.write_lock import is_lock_error, is_unavailable_error
from leadhunter.services.scan_jobs import JobNotFoundError
from leadhunter.services.tabular_import import ImportFileError


class ApiError(Exception):
    """An error the API reports as is: HTTP ``status``, machine ``code``, human ``message``, ``details``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


# service error → (HTTP status, code)
ERROR_TABLE: dict[type[Exception], tuple[int, str]] = {
    JobNotFoundError: (404, "job_not_found"),
    ImportFileError: (422, "bad_import_file"),
}

DB_BUSY_RETRY_AFTER = 2
"""Seconds a client is told to wait (``Retry-After``) when the database was busy (a write could not get its
lock in time: SQLite ``database is locked``, PostgreSQL lock timeout, serialization failure or deadlock)."""
DB_DOWN_RETRY_AFTER = 10
"""Seconds a client is told to wait when the database could not be used at all (other operational errors)."""


class ErrorInfo(BaseModel):
    """What went wrong: a stable machine ``code``, a ``message`` for people, and optional ``details``
    (for 422s a list of ``{"field", "reason"}``)."""

    code: str
    message: str
    details: Any = None
    request_id: str | None = None
    """The request's ``X-Request-ID`` (also in the response header and the server's log lines)."""


class ErrorBody(BaseModel):
    """The one error shape, documented in the OpenAPI schema for every error status a route can answer."""

    error: ErrorInfo


_ERROR_DESCRIPTIONS = {
    400: "The request body could not be parsed (malformed JSON, not UTF-8, or a broken multipart form)",
    401: "A valid API key is required (``WWW-Authenticate: Bearer``)",
    404: "No such resource",
    413: "The request body is over this route's limit",
    422: "Invalid input: ``details`` say which field and why",
    429: "This API key spent its requests for this minute (``Retry-After`` says how many seconds to wait)",
    503: "The database is busy or unavailable: nothing was stored; retry after ``Retry-After`` seconds",
}

WWW_AUTHENTICATE = 'Bearer realm="hunter"'
"""The challenge sent with every 401 (RFC 6750): keys go in ``Authorization: Bearer <key>``."""

_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "The auth scheme: Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds until this key's next minute starts",
                          "schema": {"type": "integer", "minimum": 1}}},
}
"""Headers every answer of that status carries, documented in the schema."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, all with :class:`ErrorBody` (pass to a router or
    a route so the schema lists what the route really answers; a 422 entry replaces FastAPI's default one,
    whose shape this API does not use)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody,
                                 "description": _ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)}
        if status in _ERROR_HEADERS:
            entry["headers"] = _ERROR_HEADERS[status]
        out[status] = entry
    return out


def error_body(code: str, message: str, details: Any = None, request_id: str | None = None) -> dict[str, Any]:
    """The JSON error shape (``request_id`` is the request's ``X-Request-ID``)."""
    return {"error": {"code": code, "message": message, "details": details, "request_id": request_id}}


def _request_id(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def _reply(request: Request, status: int, code: str, message: str, details: Any = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return JSONResponse(error_body(code, message, details, _request_id(request)), status_code=status,
                        headers=headers or None)


def _json_parse_error(exc: RequestValidationError) -> str | None:
    """What is wrong with a body that is not JSON at all (None when the body parsed): FastAPI reports it as a
    validation error of type ``json_invalid`` whose location is the character offset."""
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            loc = err.get("loc", ())
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            reason = (err.get("ctx") or {}).get("error") or "not valid JSON"
            return f"the body is not valid JSON: {reason}{where}"
    return None


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so every error, including validation errors and 404s, has the same shape."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return _reply(request, exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        parse_error = _json_parse_error(exc)
        if parse_error is not None:
            return _reply(request, 400, "invalid_json", parse_error)
        details = [{"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "reason": err.get("msg")}
                   for err in exc.errors()]
        first = details[0] if details else {"field": "", "reason": "invalid"}
        return _reply(request, 422, "validation_error", f"{first['field']}: {first['reason']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                401: "unauthorized"}.get(exc.status_code, "http_error")
        return _reply(request, exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    for error_type, (status, code) in ERROR_TABLE.items():
        def handler(request: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            return _reply(request, status, code, str(exc))

        app.add_exception_handler(error_type, handler)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        # The route's transaction was rolled back with its session: nothing was half-stored.
        if is_lock_error(exc):
            return _reply(request, 503, "database_busy", "The database is busy with other writes; nothing was "
                          "stored. Try again in a moment.", {"retry_after": DB_BUSY_RETRY_AFTER},
                          {"Retry-After": str(DB_BUSY_RETRY_AFTER)})
        if is_unavailable_error(exc):
            return _reply(request, 503, "database_unavailable", "The database cannot be used right now; nothing "
                          "was stored.", {"retry_after": DB_DOWN_RETRY_AFTER},
                          {"Retry-After": str(DB_DOWN_RETRY_AFTER)})
        raise exc  # a defect (no such table, bad SQL): the 500 path logs it and reports it to Sentry

    _document_unparsable_bodies(app)


def _document_unparsable_bodies(app: FastAPI) -> None:
    """List the 400 and the 413 on every operation that takes a body. Both are answered before any route code
    runs — the 400 when a body cannot be parsed at all (malformed JSON, not UTF-8, a broken multipart form),
    the 413 by the body limit — so they are added here once rather than left for each route to remember."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()  # FastAPI's schema, which it caches in app.openapi_schema: edited in place below
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorBody" not in components:
            body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components["ErrorBody"] = body
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if "requestBody" in operation:
                    for status in ("400", "413"):  # both answered before the route runs (body_limit.py)
                        operation["responses"].setdefault(status, {
                            "description": _ERROR_DESCRIPTIONS[int(status)],
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                        })
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
