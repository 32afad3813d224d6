"""Secrets of alert targets (webhook URLs, signing secrets, SMTP passwords): stored encrypted with Fernet
(AES-128-CBC + HMAC-SHA256, from ``cryptography``) or as a reference to an environment variable, and never
shown back.

The key is ``HUNTER_ALERT_SECRET_KEY`` (a Fernet key: 32 url-safe base64 bytes) or, unset, the file
``<data_dir>/alert-secret.key``, created owner-only on first use. Several API and worker processes on one
machine share that file; a distributed installation sets the variable on every process. Losing the key
loses the stored secrets (the targets must be given them again), nothing else.

An environment reference names a variable starting with ``HUNTER_ALERT_`` (``{"env": "HUNTER_ALERT_TEAMS_URL"}``):
only those, so a target cannot be pointed at another secret of the process (the database URL) and send it
to a server of its choosing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

ENV_PREFIX = "HUNTER_ALERT_"
_ENV_NAME = re.compile(r"HUNTER_ALERT_[A-Z0-9_]{1,100}")
KEY_FILE = "alert-secret.key"


class SecretError(ValueError):
    """A secret cannot be stored or read (bad reference, variable unset, key changed)."""


def load_or_create_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The Fernet key: ``configured`` when given, else the key file in ``data_dir`` (created, mode 0600, when
    missing; two processes creating it at once agree, as the first write wins)."""
    if configured:
        return configured.encode()
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as out:
                out.write(Fernet.generate_key())
    return path.read_bytes().strip()


class SecretBox:
    """Encrypts given secrets and resolves stored ones (``{"enc": token}`` or ``{"env": name}``)."""

    def __init__(self, key: bytes, environ: Mapping[str, str] | None = None) -> None:
        self._fernet = Fernet(key)
        self._environ = os.environ if environ is None else environ

    def store(self, given: Mapping[str, Any]) -> dict[str, str]:
        """A secret as given to the API, ``{"value": "..."}`` or ``{"env": "HUNTER_ALERT_..."}``, as stored."""
        if given.get("env"):
            name = str(given["env"])
            if not _ENV_NAME.fullmatch(name):
                raise SecretError(f"an environment reference must be a variable named {ENV_PREFIX}… "
                                  "(capital letters, digits, _)")
            return {"env": name}
        value = given.get("value")
        if not isinstance(value, str) or not value:
            raise SecretError("give the secret as {\"value\": \"...\"} or {\"env\": \"HUNTER_ALERT_...\"}")
        return {"enc": self._fernet.encrypt(value.encode()).decode()}

    def reveal(self, stored: Mapping[str, Any]) -> str:
        """The secret's value (only for sending; never returned by the API)."""
        if "env" in stored:
            value = self._environ.get(str(stored["env"]))
            if not value:
                raise SecretError(f"the environment variable {stored['env']} is not set")
            return value
        try:
            return self._fernet.decrypt(str(stored.get("enc", "")).encode()).decode()
        except InvalidToken:
            raise SecretError("a stored secret cannot be decrypted (was the alert secret key changed?); "
                              "give the secret again") from None


def describe(name: str, stored: Mapping[str, Any], box: SecretBox | None = None) -> dict[str, Any]:
    """What the API shows of a stored secret: where it comes from and, for a URL, only its scheme and host."""
    if "env" in stored:
        return {"source": "env", "env": stored["env"]}
    out: dict[str, Any] = {"source": "encrypted"}
    if name == "url" and box is not None:
        try:
            parts = urlsplit(box.reveal(stored))
            out["hint"] = f"{parts.scheme}://{parts.hostname}/…"
        except (SecretError, ValueError):
            out["hint"] = None
    return out
