"""One error shape for the whole API — ``{"error": {"code", "message", "details"}}`` — and the one table
that maps service errors to HTTP statuses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    for error_type, (status, code) in ERROR_TABLE.items():
        def handler(_: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            return JSONResponse(error_body(code, str(exc)), status_code=status)

        app.add_exception_handler(error_type, handler)
