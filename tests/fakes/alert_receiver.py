"""A webhook receiver on 127.0.0.1 for the alert tests: records every POST with its raw body, checks the
generic webhook's HMAC-SHA256 signature the way the README tells a receiver to, and has fault switches.

Switches: ``fail_next`` (answer the next N posts with ``fail_status``, 500 by default) and ``stall`` (hold each
post that many seconds before answering; a post whose sender hung up meanwhile is not counted as accepted).
``accepted`` holds the posts answered 2xx: what a real receiver would have taken in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast

MAX_SKEW_SECONDS = 300  # a signed post older or newer than this is refused (replay window)


@dataclass(frozen=True)
class Post:
    """One POST: path, lower-case headers, raw body, body as JSON, and the signature check (None: unsigned)."""

    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    signature_ok: bool | None


def verify_signature(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """The receiver's check from the README: HMAC-SHA256 of ``"<timestamp>." + body``, constant-time compare,
    timestamp within 5 minutes."""
    timestamp = headers.get("x-hunter-timestamp", "")
    signature = headers.get("x-hunter-signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class AlertReceiver:
    """Start with ``with AlertReceiver(secret=...) as r:``; post to ``r.url()``."""

    def __init__(self, *, secret: str | None = None, status: int = 200) -> None:
        self.secret = secret
        self.status = status
        self.fail_next = 0
        self.fail_status = 500
        self.stall = 0.0
        self.seen: list[Post] = []
        self.accepted: list[Post] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/hook") -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        ok = verify_signature(self.secret, headers, body) if self.secret is not None else None
        post = Post(handler.path, headers, body, json.loads(body or b"null"), ok)
        with self._lock:
            self.seen.append(post)
            status = self.status
            if self.fail_next > 0:
                self.fail_next -= 1
                status = self.fail_status
            elif ok is False:
                status = 401
            stall = self.stall
        if stall and self._stopping.wait(stall):
            return
        reply = json.dumps({"status": status}).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(reply)))
            handler.end_headers()
            handler.wfile.write(reply)
            handler.wfile.flush()
        except OSError:
            return  # the sender hung up while we stalled: it never learned the answer
        if 200 <= status < 300:
            with self._lock:
                self.accepted.append(post)

    def __enter__(self) -> Self:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                owner._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: ``seen`` is the log."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stopping.set()
        httpd = cast(ThreadingHTTPServer, self._httpd)
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_seen(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` posts arrived (AssertionError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.seen) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"expected {count} posts, saw {len(self.seen)}")
