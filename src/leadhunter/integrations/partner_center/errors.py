"""Partner Center errors: the shared tree (``integrations.common.errors``) plus the Referrals-role refusal.

Status mapping for the referrals API (spec §9): 401 after one silent token refresh → ``SignInRequired``;
403 → ``MissingReferralsRole`` ("the signed-in user lacks the Referrals role"), never retried; 404 →
``NotFound``; 400 → ``ValidationError``; 429 / 5xx / network errors are retried by the HTTP policy and
surface as ``ThrottledError`` / ``TransientError`` only when the retry budget is spent.
"""

from __future__ import annotations

import httpx

from leadhunter.integrations.common.errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    CredentialsRejected,
    Forbidden,
    IntegrationError,
    NotFound,
    ProtocolError,
    SignInRequired,
    ThrottledError,
    TransientError,
    ValidationError,
)
from leadhunter.integrations.common.http_policy import request_id_of
from leadhunter.integrations.common.responses import error_for_response

__all__ = [
    "REFERRALS_ROLE_MESSAGE",
    "AuthError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsRejected",
    "Forbidden",
    "IntegrationError",
    "MissingReferralsRole",
    "NotFound",
    "ProtocolError",
    "SignInRequired",
    "ThrottledError",
    "TransientError",
    "ValidationError",
    "error_for",
]

REFERRALS_ROLE_MESSAGE = "the signed-in user lacks the Referrals role"
SIGN_IN_MESSAGE = (
    "Partner Center refused the access token even after a silent refresh; "
    "sign in again with `hunter partner-center login`"
)


class MissingReferralsRole(Forbidden):
    """HTTP 403: the user needs the Partner Center role Referrals Admin or Referrals User (spec §2)."""


def error_for(response: httpx.Response, *, what: str) -> IntegrationError:
    """The exception for a failed Partner Center answer (call after the HTTP policy returned it)."""
    if response.status_code == 401:
        return SignInRequired(SIGN_IN_MESSAGE, status=401, request_id=request_id_of(response))
    error = error_for_response(response, what=what)
    if response.status_code == 403:
        return MissingReferralsRole(REFERRALS_ROLE_MESSAGE, status=403, code=error.code, request_id=error.request_id)
    return error
