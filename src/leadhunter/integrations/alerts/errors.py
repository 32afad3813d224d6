"""Errors of the alert senders. Messages never hold a secret: no webhook URL path or query, no password."""

from __future__ import annotations


class AlertSendError(Exception):
    """A delivery failed. ``retryable``: a later try may succeed (network, 5xx, 429, 408)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnsafeTargetError(AlertSendError):
    """The target's host is, or resolves to, a private, loopback, link-local or otherwise non-public address
    and ``HUNTER_ALLOW_PRIVATE_TARGETS`` is off. Not retryable: the address will not become public."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)
