"""A fake Sentry ingest: a real HTTP server on 127.0.0.1 that accepts the SDK's envelopes and keeps the events.

Point a DSN at it (``http://public@127.0.0.1:PORT/1``, see :attr:`SentryIngest.dsn`); the SDK posts envelopes
to ``/api/1/envelope/`` (gzip-compressed or plain). :attr:`SentryIngest.events` lists every event received.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any, Self

from .dataverse_http import BodyHTTPServer
from .loopback_http import LoopbackHTTPServer, RecordedRequest, Reply, json_reply


def parse_envelope(body: bytes) -> list[tuple[dict[str, Any], Any]]:
    """The (item header, payload) pairs of an envelope: a header line, then each item's header line and payload
    (``length`` bytes when the header says so, else up to the next newline)."""
    _, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        length = header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length + 1:]
        items.append((header, json.loads(payload) if payload.strip() else None))
    return items


class SentryIngest(LoopbackHTTPServer):
    """Fake Sentry on an ephemeral port (plain HTTP); context manager or start()/stop()."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self.envelopes = 0

    def start(self) -> Self:
        """Start serving with a handler that passes raw bodies (envelopes are neither JSON nor forms)."""
        super().start()
        if self._httpd is not None:
            self._httpd.__class__ = BodyHTTPServer
        return self

    @property
    def dsn(self) -> str:
        """A DSN for project 1 on this server."""
        return f"http://public@127.0.0.1:{self.port}/1"

    def serve_raw(self, request: RecordedRequest, body: bytes) -> Reply | None:
        """Store the events of an envelope; answer 200 like Sentry does."""
        with self._lock:
            self._log.append(request)
        encoding = request.headers.get("content-encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding:
            return json_reply(415, {"detail": f"unsupported content encoding {encoding}"})
        with self._lock:
            self.envelopes += 1
            for header, payload in parse_envelope(body):
                if header.get("type") == "event" and isinstance(payload, dict):
                    self.events.append(payload)
        return json_reply(200, {})

    def handle(self, request: RecordedRequest) -> Reply | None:
        """Unused: requests arrive through :meth:`serve_raw`."""
        return json_reply(404, {"detail": "not found"})
