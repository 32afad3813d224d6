"""One error tree for every integration (the httpx ``_exceptions.py`` style).

```
IntegrationError                  anything an adapter raises on purpose
├── AuthError                     authentication / authorisation failed
│   ├── SignInRequired            no usable delegated sign-in: run the login again (refresh token dead, 401 twice)
│   ├── CredentialsRejected       the app's own credentials were refused (bad client id / secret / tenant)
│   └── Forbidden                 authenticated, but not allowed (HTTP 403)
├── ThrottledError                HTTP 429 and we will not (or may no longer) wait; ``retry_after`` in seconds
├── TransientError                5xx or network failure that outlived the retry budget
├── ValidationError               HTTP 400 / 422: the request was wrong; retrying will not help
├── NotFound                      HTTP 404
├── ConflictError                 HTTP 409 / 412 (e.g. If-Match mismatch)
├── ProtocolError                 the other side answered something we cannot read (bad JSON, wrong shape)
└── ConfigurationError            our own settings are unusable (missing client id, bad authority URL)
```

Messages never carry response bodies verbatim: ``code`` is the service's stable error code when one was
given, ``request_id`` the ``client-request-id`` we sent, ``status`` the HTTP status (None without one).
``retryable`` tells a job whether running again later can help.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejected",
    "Forbidden",
    "IntegrationError",
    "NotFound",
    "ProtocolError",
    "SignInRequired",
    "ThrottledError",
    "TransientError",
    "ValidationError",
]


class IntegrationError(Exception):
    """Base of every error an integration raises on purpose.

    ``status`` is the HTTP status (None when no response), ``code`` the service's error code (e.g.
    ``accessDenied``, ``invalid_grant``), ``request_id`` the ``client-request-id`` of the failing call.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        extras = [f"HTTP {self.status}" if self.status is not None else "", self.code or ""]
        if self.request_id:
            extras.append(f"client-request-id {self.request_id}")
        shown = ", ".join(e for e in extras if e)
        return f"{self.message} ({shown})" if shown else self.message


class AuthError(IntegrationError):
    """Authentication or authorisation failed."""


class SignInRequired(AuthError):  # noqa: N818 - the contract's names (helper-notes), kept short
    """No usable delegated sign-in (never signed in, refresh token revoked/expired, or 401 after a refresh).

    A person must run the interactive login again (``hunter partner-center login``); retrying alone won't help.
    """


class CredentialsRejected(AuthError):  # noqa: N818 - the contract's names (helper-notes), kept short
    """The identity provider refused the application's own credentials (client id, secret, tenant)."""


class Forbidden(AuthError):  # noqa: N818 - the contract's names (helper-notes), kept short
    """HTTP 403: the caller is authenticated but lacks the role or permission."""


class ThrottledError(IntegrationError):
    """HTTP 429 that the policy did not (or could no longer) wait out; ``retry_after`` in seconds or None."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id)
        self.retry_after = retry_after


class TransientError(IntegrationError):
    """A 5xx answer or a network failure that outlived the retry budget; a later run may succeed."""

    retryable = True


class ValidationError(IntegrationError):
    """HTTP 400/422: the request itself was refused; sending it again unchanged will fail again."""


class NotFound(IntegrationError):  # noqa: N818 - the contract's names (helper-notes), kept short
    """HTTP 404: the resource does not exist (or is not visible to the caller)."""


class ConflictError(IntegrationError):
    """HTTP 409/412: the resource changed underneath us (e.g. an ``If-Match`` eTag mismatch)."""


class ProtocolError(IntegrationError):
    """The answer could not be read: not JSON, or not the documented shape."""


class ConfigurationError(IntegrationError):
    """Our own configuration is unusable (missing client id, malformed authority URL, ...)."""
