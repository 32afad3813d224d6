"""Keep personal data out of logs and error messages.

Integrations log request ids, paths and status codes, never bodies. Text that may still hold personal
data (a server's error ``message``, a URL query) goes through :func:`scrub` first, which masks e-mail
addresses, phone-number-like digit runs and bearer tokens.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

__all__ = ["safe_url", "scrub"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Seven or more digits, optionally led by "+" and broken by spaces, dots, dashes or parentheses, standing
# alone (not inside a GUID or a word).
_PHONE = re.compile(r"(?<![\w\-])\+?\(?\d[\d\s().\-]{5,}\d(?![\w\-])")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._\-~+/=]+")
_MAX_SCRUBBED = 300  # characters kept of a scrubbed text


def scrub(text: str, *, limit: int = _MAX_SCRUBBED) -> str:
    """Return ``text`` with e-mails, phone numbers and bearer tokens masked, cut to ``limit`` characters."""
    text = _BEARER.sub("Bearer ***", text)
    text = _EMAIL.sub("***@***", text)
    text = _PHONE.sub("***", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_url(url: str) -> str:
    """Return ``path?keys`` of ``url``: the path and the names of its query parameters, no values.

    ``$filter`` values and skip tokens may embed customer data, so only the parameter names are logged.
    """
    parts = urlsplit(url)
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)]
    return parts.path + (f"?{'&'.join(keys)}" if keys else "")
