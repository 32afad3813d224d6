"""Logs as JSON lines, each carrying the id of the request it was written for.

:data:`REQUEST_ID` holds the id while a request is handled (set by :mod:`leadhunter.api.observe`), so any line
logged on its behalf — the access line, a broker warning, a traceback — names it without being passed it.
``hunter serve`` hands :data:`LOG_CONFIG` to uvicorn, so its own lines are JSON too.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("hunter_request_id", default=None)
"""The id of the request being handled in this context (None outside a request)."""

EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "client")
"""Fields an access line passes as ``extra=`` and the formatter copies into the JSON object."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (UTC, ISO 8601, milliseconds), ``level``, ``logger``, ``message``,
    ``request_id`` when there is one, the access fields when given, and ``exc`` (the traceback) on errors."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            out["request_id"] = request_id
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "leadhunter.api.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # the access line comes from leadhunter.access, with the request id, route and duration
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
"""``logging.config.dictConfig`` for the API process: every line JSON on stderr, uvicorn's access log off."""
