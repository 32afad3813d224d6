"""A small HTTP/1.1 keep-alive GET client for one origin, on asyncio protocols (tenant discovery's transport).

Why not httpx here: tenant discovery sends two tiny GETs per domain, tens of thousands per scan, and httpx's
per-request machinery (request/response models, pool bookkeeping that polls every idle socket, anyio
wrappers) cost several times the work of the request itself. This client does only what those requests
need, and does it right:

- TLS verified against the configured CA file (or certifi's bundle, else the system store), host name
  checked, ALPN ``http/1.1``; plain ``http://`` for tests and local stand-ins.
- Keep-alive connections reused last-in first-out, at most ``max_connections`` open (callers beyond that
  wait their turn), an idle connection dropped after ``idle_expiry`` seconds; a reused connection that
  the server had closed meanwhile is retried once on a new one (GET is idempotent).
- Bodies framed by ``Content-Length``, ``Transfer-Encoding: chunked`` or the end of the connection;
  ``gzip``/``deflate`` bodies decoded; answers over ``MAX_BODY`` bytes or malformed are errors.
- ``timeout`` seconds for the whole request (connecting, sending, the full answer).
- Redirects are not followed (the tenant endpoints answer directly): a 3xx is returned like any status.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # bytes: status line and headers together
MAX_BODY = 4 * 1024 * 1024  # bytes: far above any tenant answer (a couple of KB)
_END_OF_HEAD = b"\r\n\r\n"


class HttpError(Exception):
    """Base of this client's errors."""


class HttpTransportError(HttpError):
    """The request did not get a complete, well-formed answer (refused, reset, closed early, malformed)."""


class HttpTimeoutError(HttpTransportError):
    """No complete answer within the timeout."""


@dataclass(slots=True)
class Response:
    """An answer: status code, headers (names lower-case; a repeated header keeps its last value), body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not)."""
        import json

        return json.loads(self.content)


def client_ssl_context(verify: bool | str) -> ssl.SSLContext | None:
    """A verifying client context: ``verify`` a CA file path, True for certifi's bundle (the system store when
    certifi is missing), False for no verification at all (never the default)."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        try:
            import certifi

            context = ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - certifi comes with httpx
            context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class _Connection(asyncio.Protocol):
    """One connection; at most one request on it at a time. Parses the answer as bytes arrive."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.answered = 0  # answers read on this connection (0: fresh, so a close is no stale-reuse case)
        self._buf = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._head: tuple[int, dict[str, str], bool] | None = None  # status, headers, keep-alive
        self._body_start = 0
        self._length: int | None = None  # Content-Length, or None
        self._chunked = False
        self._chunk_pos = 0  # chunked: where the next chunk-size line starts
        self._chunks: list[bytes] = []
        self._chunked_size = 0
        self._got_bytes = False

    # ---- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's TLS transport is no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self._got_bytes = True
        self._buf += data
        if self._waiter is None:  # bytes nobody asked for: the connection cannot be trusted any more
            self.abort()
            return
        try:
            response = self._parse()
        except HttpTransportError as exc:
            self._fail(exc)
            self.abort()
            return
        if response is not None:
            waiter, self._waiter = self._waiter, None
            if not waiter.done():
                waiter.set_result(response)

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._head is not None and self._length is None and not self._chunked:
            status, headers, _ = self._head  # framed by the end of the connection: that end is the answer's
            try:
                response = self._make(status, headers, bytes(self._buf[self._body_start:]), keep_alive=False)
            except HttpTransportError as undecodable:
                self._fail(undecodable)
            else:
                self._waiter.set_result(response)
            return
        stale = not self._got_bytes and self.answered > 0
        error = _StaleConnectionError if stale else HttpTransportError
        self._fail(error(f"connection closed before a complete answer ({exc or 'EOF'})"))

    # ---- requests ------------------------------------------------------------------------------

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def request(self, data: bytes) -> asyncio.Future[Response]:
        """Send ``data`` (a whole GET request); the future gets the answer."""
        assert self.transport is not None and self._waiter is None
        self._buf.clear()
        self._head, self._length, self._chunked, self._chunks, self._got_bytes = None, None, False, [], False
        self._chunked_size = 0
        self._waiter = self.loop.create_future()
        self.transport.write(data)
        return self._waiter

    def _fail(self, exc: HttpTransportError) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _make(self, status: int, headers: dict[str, str], body: bytes, keep_alive: bool) -> Response:
        self.answered += 1
        if not keep_alive:
            self.abort()
        encoding = headers.get("content-encoding", "identity").lower()
        if encoding in ("gzip", "deflate"):
            try:
                body = zlib.decompress(body, 47 if encoding == "gzip" else 15)  # 47: gzip or zlib header
            except zlib.error as exc:
                raise HttpTransportError(f"undecodable {encoding} body: {exc}") from exc
        return Response(status, headers, body)

    def _parse(self) -> Response | None:
        """The complete answer when the buffer holds one, else None (raises for a malformed one)."""
        buf = self._buf
        if self._head is None:
            end = buf.find(_END_OF_HEAD)
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise HttpTransportError("answer head too large")
                return None
            self._head = _parse_head(bytes(buf[:end]))
            status, headers, _ = self._head
            if 100 <= status < 200:  # an interim answer (100 Continue): drop it and read on
                del buf[: end + 4]
                self._head = None
                return self._parse()
            self._body_start = end + 4
            if status in (204, 304):
                self._length = 0
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                self._chunked, self._chunk_pos = True, self._body_start
            elif "content-length" in headers:
                try:
                    self._length = int(headers["content-length"])
                except ValueError:
                    raise HttpTransportError("bad Content-Length") from None
                if not 0 <= self._length <= MAX_BODY:
                    raise HttpTransportError("answer body too large")
        status, headers, keep_alive = self._head
        if self._chunked:
            return self._parse_chunks(status, headers, keep_alive)
        if self._length is None:
            if len(buf) - self._body_start > MAX_BODY:
                raise HttpTransportError("answer body too large")
            return None  # read to the end of the connection
        end = self._body_start + self._length
        if len(buf) < end:
            return None
        if len(buf) > end:
            keep_alive = False  # more bytes than asked for: do not trust the connection for another request
        return self._make(status, headers, bytes(buf[self._body_start:end]), keep_alive)

    def _parse_chunks(self, status: int, headers: dict[str, str], keep_alive: bool) -> Response | None:
        buf, pos = self._buf, self._chunk_pos
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            try:
                size = int(bytes(buf[pos:line_end]).split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpTransportError("bad chunk size") from None
            if size == 0:  # the last chunk: skip trailer lines up to the empty line that ends the answer
                line_start = line_end + 2
                while (line_end := buf.find(b"\r\n", line_start)) > line_start:
                    line_start = line_end + 2
                if line_end < 0:
                    return None
                body = b"".join(self._chunks)
                return self._make(status, headers, body, keep_alive and len(buf) == line_end + 2)
            self._chunked_size += size
            if self._chunked_size > MAX_BODY:
                raise HttpTransportError("answer body too large")
            data_end = line_end + 2 + size
            if len(buf) < data_end + 2:
                return None
            if buf[data_end:data_end + 2] != b"\r\n":
                raise HttpTransportError("chunk not followed by CRLF")
            self._chunks.append(bytes(buf[line_end + 2:data_end]))
            pos = self._chunk_pos = data_end + 2


class _StaleConnectionError(HttpTransportError):
    """A kept-alive connection was closed by the server before it answered: safe to retry once."""


def _parse_head(head: bytes) -> tuple[int, dict[str, str], bool]:
    """Status code, headers and whether the connection may be kept alive, from the bytes before CRLFCRLF."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise HttpTransportError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpTransportError(f"malformed header line: {line[:80]!r}")
        headers[name.lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep_alive = "keep-alive" in connection if parts[0] == "HTTP/1.0" else "close" not in connection
    return int(parts[1]), headers, keep_alive


class KeepAlivePool:
    """GET requests to one origin (``base_url``: ``https://host[:port]``) over reused HTTP/1.1 connections.

    ``timeout`` seconds per request (default 5); ``max_connections`` open at once (default 128);
    ``idle_expiry`` seconds an idle connection is kept (default 30); ``verify`` as :func:`client_ssl_context`;
    ``headers`` are sent with every request.
    """

    def __init__(self, base_url: str, *, timeout: float = 5.0, max_connections: int = 128,
                 idle_expiry: float = 30.0, verify: bool | str = True,
                 headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = client_ssl_context(verify) if parts.scheme == "https" else None
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        authority = host if default_port else f"{host}:{self.port}"
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._head_tail = f" HTTP/1.1\r\nHost: {authority}\r\n{extra}\r\n".encode("latin-1")
        self.timeout = timeout
        self.max_connections = max_connections
        self.idle_expiry = idle_expiry
        self.connections_opened = 0
        self._idle: list[_Connection] = []
        self._open = 0  # connections open or being opened
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed = False

    async def get(self, target: str) -> Response:
        """GET ``target`` (path and query, already percent-encoded); raises :class:`HttpTransportError`
        (:class:`HttpTimeoutError` past the timeout) when no complete answer comes."""
        if any(c in target for c in " \r\n") or not target.startswith("/"):
            raise ValueError(f"bad request target {target!r}")
        data = b"GET " + target.encode("ascii") + self._head_tail
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        for attempt in range(2):
            connection = await self._acquire(loop, deadline)
            try:
                response = await self._exchange(loop, connection, data, deadline)
            except _StaleConnectionError:
                self._release(connection)
                if attempt:
                    raise
                continue
            except BaseException:
                connection.abort()
                self._release(connection)
                raise
            self._release(connection)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        """Close every idle connection; later requests fail."""
        self._closed = True
        for connection in self._idle:
            connection.abort()
        self._idle.clear()

    # ---- plumbing ------------------------------------------------------------------------------

    async def _exchange(self, loop: asyncio.AbstractEventLoop, connection: _Connection, data: bytes,
                        deadline: float) -> Response:
        future = connection.request(data)
        timer = loop.call_at(deadline, _expire, future)
        try:
            return await future
        finally:
            timer.cancel()

    async def _acquire(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Connection:
        if self._closed:
            raise HttpTransportError("client closed")
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.idle_expiry:
                return connection
            connection.abort()
            self._open -= 1
        while self._open >= self.max_connections:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            timer = loop.call_at(deadline, _expire, waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._wake()  # woken but cancelled meanwhile: pass the free slot on
                raise
            finally:
                timer.cancel()
            if self._idle:
                return await self._acquire(loop, deadline)
        self._open += 1
        try:
            async with asyncio.timeout_at(deadline):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), self.host, self.port, ssl=self._ssl,
                    server_hostname=self.host if self._ssl is not None else None)
        except TimeoutError:
            self._open -= 1
            self._wake()
            raise HttpTimeoutError(f"connecting to {self.host}:{self.port} timed out") from None
        except (OSError, ssl.SSLError) as exc:
            self._open -= 1
            self._wake()
            raise HttpTransportError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        self.connections_opened += 1
        return connection

    def _release(self, connection: _Connection) -> None:
        if connection.closed or self._closed:
            connection.abort()
            self._open -= 1
        else:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(HttpTimeoutError("no complete answer in time"))
