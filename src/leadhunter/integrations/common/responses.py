"""Reading answers: JSON bodies and Microsoft error bodies mapped onto the error tree.

Two error shapes are understood: OData / Partner Center / Dataverse
``{"error": {"code": "...", "message": "..."}}`` and Entra ``{"error": "...", "error_description": "..."}``.
Callers key off the HTTP status and ``code`` only; the ``message`` is scrubbed of personal data and cut
short before it reaches an exception.
"""

from __future__ import annotations

from typing import Any

import httpx

from .errors import (
    AuthError,
    ConflictError,
    Forbidden,
    IntegrationError,
    NotFound,
    ProtocolError,
    ThrottledError,
    TransientError,
    ValidationError,
)
from .http_policy import parse_retry_after, request_id_of
from .redaction import safe_url, scrub

__all__ = ["error_code", "error_for_response", "read_json"]


def read_json(response: httpx.Response) -> Any:
    """The decoded JSON body, or ``ProtocolError`` when it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise ProtocolError(
            f"{response.request.method} {safe_url(str(response.request.url))} answered HTTP "
            f"{response.status_code} with a body that is not JSON",
            status=response.status_code,
            request_id=request_id_of(response),
        ) from exc


def error_code(response: httpx.Response) -> tuple[str | None, str | None]:
    """``(code, scrubbed message)`` from an error body in either Microsoft shape; ``(None, None)`` if none."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
    elif isinstance(error, str):
        code, message = error, body.get("error_description")
    else:
        code, message = None, body.get("message")
    return (
        str(code) if code is not None else None,
        scrub(str(message)) if message is not None else None,
    )


def error_for_response(
    response: httpx.Response, *, what: str, forbidden_message: str | None = None
) -> IntegrationError:
    """The exception for a non-2xx ``response`` of the call described by ``what`` (e.g. "list referrals").

    401 → ``AuthError``, 403 → ``Forbidden`` (``forbidden_message`` replaces the default text),
    404 → ``NotFound``, 409/412 → ``ConflictError``, 400/422 → ``ValidationError``, 429 →
    ``ThrottledError``, 5xx → ``TransientError``, anything else → ``IntegrationError``.
    """
    status = response.status_code
    code, message = error_code(response)
    request_id = request_id_of(response)
    detail = f": {message}" if message else ""
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
    if status == 401:
        return AuthError(f"{what}: the access token was refused{detail}", **kwargs)
    if status == 403:
        return Forbidden(forbidden_message or f"{what}: access denied{detail}", **kwargs)
    if status == 404:
        return NotFound(f"{what}: not found{detail}", **kwargs)
    if status in (409, 412):
        return ConflictError(f"{what}: conflict{detail}", **kwargs)
    if status in (400, 422):
        return ValidationError(f"{what}: request refused{detail}", **kwargs)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return ThrottledError(f"{what}: throttled{detail}", retry_after=retry_after, **kwargs)
    if status >= 500:
        return TransientError(f"{what}: server error{detail}", **kwargs)
    return IntegrationError(f"{what}: unexpected HTTP {status}{detail}", **kwargs)
