"""A FastAPI app served for real by uvicorn, in a thread, on a free loopback port: what the API and browser
tests talk to over HTTP, so that routing, middleware, serialisation and the static UI are exercised as in
production rather than through an in-process transport."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

STOP_TIMEOUT = 10.0  # seconds to wait for the server thread to finish once told to exit


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it; released again before returning)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(app: FastAPI, *, startup_timeout: float = 15.0, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends, yielding its base URL (``http://127.0.0.1:PORT``).

    Fails with a clear message if uvicorn has not started within ``startup_timeout`` seconds (or its thread
    died first, e.g. on a port taken meanwhile); the server is told to exit and its thread joined (at most
    :data:`STOP_TIMEOUT` seconds) even when the block raises, so no test leaves a server running.
    """
    port = port or free_port()  # a caller that must know the URL before the app (a sign-in callback) picks it
    url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, f"uvicorn did not start on {url} within {startup_timeout:g} s"
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT)
