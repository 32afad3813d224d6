"""One error shape for the whole API — ``{"error": {"code", "message", "details"}}`` — and the one table
that maps service errors to HTTP statuses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadhunter.db.write_lock import is_lock_error
from leadhunter.services.scan_jobs import JobNotFoundError
from leadhunter.services.tabular_import import ImportFileError


class ApiError(Exception):
    """An error the API reports as is: HTTP ``status``, machine ``code``, human ``message``, ``details``."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


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


class ErrorBody(BaseModel):
    """The one error shape, documented in the OpenAPI schema for every error status a route can answer."""

    error: ErrorInfo


_ERROR_DESCRIPTIONS = {
    400: "The request body could not be parsed (e.g. not UTF-8, or a broken multipart form)",
    401: "A valid API key is required",
    404: "No such resource",
    413: "The upload is too large",
    422: "Invalid input: ``details`` say which field and why",
    429: "This API key spent its requests for this minute",
    503: "The database is busy or unavailable: nothing was stored; retry after ``Retry-After`` seconds",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, all with :class:`ErrorBody` (pass to a router or
    a route so the schema lists what the route really answers; a 422 entry replaces FastAPI's default one,
    whose shape this API does not use)."""
    return {status: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)}
            for status in statuses}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON error shape."""
    return {"error": {"code": code, "message": message, "details": details}}


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so every error, including validation errors and 404s, has the same shape."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "reason": err.get("msg")}
                   for err in exc.errors()]
        first = details[0] if details else {"field": "", "reason": "invalid"}
        return JSONResponse(error_body("validation_error", f"{first['field']}: {first['reason']}", details),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                401: "unauthorized"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    for error_type, (status, code) in ERROR_TABLE.items():
        def handler(_: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            return JSONResponse(error_body(code, str(exc)), status_code=status)

        app.add_exception_handler(error_type, handler)

    @app.exception_handler(OperationalError)
    async def _database(_: Request, exc: OperationalError) -> JSONResponse:
        # The route's transaction was rolled back with its session: nothing was half-stored.
        if is_lock_error(exc):
            return JSONResponse(
                error_body("database_busy", "The database is busy with other writes; nothing was stored. "
                           "Try again in a moment.", {"retry_after": DB_BUSY_RETRY_AFTER}),
                status_code=503, headers={"Retry-After": str(DB_BUSY_RETRY_AFTER)})
        return JSONResponse(
            error_body("database_unavailable", "The database cannot be used right now; nothing was stored.",
                       {"retry_after": DB_DOWN_RETRY_AFTER}),
            status_code=503, headers={"Retry-After": str(DB_DOWN_RETRY_AFTER)})

    _document_unparsable_bodies(app)


def _document_unparsable_bodies(app: FastAPI) -> None:
    """List the 400 on every operation that takes a body. FastAPI answers it itself, before any route code
    runs, when a body cannot be parsed at all (not UTF-8, a broken multipart form), so it is added here once
    rather than left for each route to remember."""
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
                    operation["responses"].setdefault("400", {
                        "description": _ERROR_DESCRIPTIONS[400],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                    })
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
