"""Why a sign-in failed. ``reason`` is a short stable code (e.g. ``bad_signature``, ``wrong_audience``,
``expired``, ``bad_nonce``, ``tenant_not_allowed``, ``token_endpoint``) shown to the person and logged."""

from __future__ import annotations


class SigninError(Exception):
    """A sign-in that must not go on (see the module docstring)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
