"""Dynamics 365 error categories on top of the shared error tree (`integrations.common.errors`).

Every failed Dataverse call falls in one `Category`; the category decides whether the client retries:

| category   | HTTP                         | retried?                                                   |
|------------|------------------------------|------------------------------------------------------------|
| validation | 400, 413, 422                | never: the request is wrong (bad column, choice, length)   |
| auth       | 401, 403                     | 401 once after a fresh token; 403 never                    |
| throttled  | 429                          | after `Retry-After`, with every send to the org paused     |
| transient  | 5xx, network failure, 408    | exponential backoff with full jitter, bounded              |
| conflict   | 409, 412                     | not blindly: the upsert switches create ⇄ update instead   |
| not_found  | 404                          | not blindly: an update-only PATCH switches to create       |
| protocol   | unreadable answer            | never                                                      |

`push_error_category` folds these into the five values the push state shows (mapping spec):
auth, throttled, validation, unavailable, unknown.
"""

from __future__ import annotations

from enum import StrEnum

from leadhunter.integrations.common.errors import (
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

__all__ = [
    "D365_DUPLICATE_KEY",
    "Category",
    "LeadMappingError",
    "category_of_error",
    "category_of_status",
    "error_for",
    "push_error_category",
]

D365_DUPLICATE_KEY = "0x80040237"  # alternate-key uniqueness / If-None-Match: * hit (spec §11)


class Category(StrEnum):
    """What kind of failure a Dataverse call ended in (see the module table)."""

    VALIDATION = "validation"
    AUTH = "auth"
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    PROTOCOL = "protocol"


class LeadMappingError(ValidationError):
    """A Hunter lead cannot be mapped to a D365 payload (bad score, unknown size or source, ...).

    Raised before anything is sent; `reasons` lists every problem found.
    """

    def __init__(self, domain: str, reasons: list[str]) -> None:
        super().__init__(f"lead {domain!r} cannot be mapped: " + "; ".join(reasons), code="mapping")
        self.domain = domain
        self.reasons = reasons


def category_of_status(status: int | None) -> Category:
    """The category of an HTTP status; None (no response: timeout, refused, reset) is transient."""
    if status is None or status == 408 or status >= 500:
        return Category.TRANSIENT
    if status in (401, 403):
        return Category.AUTH
    if status == 429:
        return Category.THROTTLED
    if status in (409, 412):
        return Category.CONFLICT
    if status == 404:
        return Category.NOT_FOUND
    if 400 <= status < 500:
        return Category.VALIDATION
    return Category.PROTOCOL  # a 1xx/2xx/3xx where a failure was expected: we misread the answer


_CLASS_CATEGORIES: tuple[tuple[type[IntegrationError], Category], ...] = (
    (ValidationError, Category.VALIDATION),
    (AuthError, Category.AUTH),
    (ThrottledError, Category.THROTTLED),
    (TransientError, Category.TRANSIENT),
    (ConflictError, Category.CONFLICT),
    (NotFound, Category.NOT_FOUND),
)


def category_of_error(error: IntegrationError) -> Category:
    """The category of an error from the shared tree (ProtocolError and anything unknown: protocol)."""
    for cls, category in _CLASS_CATEGORIES:
        if isinstance(error, cls):
            return category
    return Category.PROTOCOL


def error_for(
    status: int | None,
    message: str,
    *,
    code: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> IntegrationError:
    """Build the shared-tree exception for a failed call with `status` (None: no response)."""
    category = category_of_status(status)
    if category is Category.THROTTLED:
        return ThrottledError(message, retry_after=retry_after, code=code, request_id=request_id)
    cls: type[IntegrationError] = {
        Category.VALIDATION: ValidationError,
        Category.AUTH: Forbidden if status == 403 else AuthError,
        Category.TRANSIENT: TransientError,
        Category.CONFLICT: ConflictError,
        Category.NOT_FOUND: NotFound,
        Category.PROTOCOL: ProtocolError,
    }[category]
    return cls(message, status=status, code=code, request_id=request_id)


def push_error_category(category: Category | None) -> str:
    """The push-state error category the UI shows: auth, throttled, validation, unavailable or unknown."""
    if category in (Category.AUTH, Category.THROTTLED, Category.VALIDATION):
        return str(category)
    if category is Category.TRANSIENT:
        return "unavailable"
    return "unknown"
