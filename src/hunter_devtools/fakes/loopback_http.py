"""A small base for fakes that are real HTTP(S) servers on 127.0.0.1: lifecycle, TLS, request log.

`LoopbackHTTPServer` binds an ephemeral port, serves from a daemon thread (`ThreadingHTTPServer`, one
thread per connection, HTTP/1.1 keep-alive) and hands each request to `handle()`, which subclasses
override. With TLS the handshake runs in the connection's thread, so a silent client cannot stall the
accept loop, and `stop()` cuts every open connection so it returns quickly and nothing answers after it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self, cast
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HANDLER_IDLE_TIMEOUT = 30.0  # seconds a keep-alive connection may stay idle before the server drops it
TLS_HANDSHAKE_TIMEOUT = 5.0  # seconds


class RecordedRequest(NamedTuple):
    """One request received: query and form values are the first of each name; header names lower-case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    body: bytes = b""  # the raw request body (JSON bodies: the form stays empty)


@dataclass
class Reply:
    """What to send back: status, body bytes and headers (Content-Length is added)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    """Return a Reply carrying `body` as JSON (`application/json; charset=utf-8`) plus `headers`."""
    return Reply(status, json.dumps(body).encode(), {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})


def write_self_signed_cert(directory: str) -> tuple[str, str]:
    """Write `cert.pem` and `key.pem` (P-256, valid 2 days) for IP:127.0.0.1 and localhost into `directory`.

    The certificate is its own CA, so its path is what clients pass as `verify=`. Returns (cert, key).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hunter test fake 127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                          encipher_only=False, decipher_only=False)  # fmt: skip
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a private key: owner only
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_pem)
    return cert_path, key_path


class LoopbackHTTPServer:
    """Base of the HTTP fakes; use as a context manager or call start()/stop(). Override `handle()`.

    `tls=True` serves HTTPS with a fresh self-signed certificate created at start(), or with
    `certificate=(cert_pem, key_pem)` paths given here, so several fakes can share one CA file.
    """

    def __init__(self, *, tls: bool = False, certificate: tuple[str, str] | None = None) -> None:
        self.tls = tls or certificate is not None
        self._certificate = certificate
        self._lock = threading.Lock()  # guards the log, the connection set and subclass state
        self._log: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self.connections_opened = 0  # TCP connections accepted so far (keep-alive reuse shows as few)
        self.max_open_connections = 0  # the most connections open at once
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None

    def handle(self, request: RecordedRequest) -> Reply | None:
        """Answer one request (runs in the connection's thread); None closes the connection unanswered."""
        return json_reply(404, {"error": "not_found"})

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind an ephemeral port, create the certificate if needed and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        context: ssl.SSLContext | None = None
        if self.tls:
            if self._certificate is None:
                self._tmpdir = tempfile.mkdtemp(prefix="hunter-fake-")
                self._certificate = write_self_signed_cert(self._tmpdir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._certificate)
        self._stopping.clear()
        self._httpd = _HTTPServer(self, context)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections (ending `sleep()` waits early), join the thread; idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir, self._certificate = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds` in a handler; True if stop() interrupted the wait (then drop the request)."""
        return self._stopping.wait(seconds)

    # ---- introspection --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port; RuntimeError before start()."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """`https://127.0.0.1:PORT` (or `http://` without TLS), no trailing slash."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> str:
        """Path of the PEM certificate to trust (`verify=`); RuntimeError without TLS or before start()."""
        if not self.tls or self._certificate is None:
            raise RuntimeError("ca_file exists only for a started server with tls=True")
        return self._certificate[0]

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._log.clear()

    # ---- plumbing -------------------------------------------------------------------------------

    def _dispatch(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self._log.append(request)
        return self.handle(request)

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
                self.connections_opened += 1
                self.max_open_connections = max(self.max_open_connections, len(self._connections))
            else:
                self._connections.discard(connection)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: a client opening its whole pool at once is not turned away

    def __init__(self, owner: LoopbackHTTPServer, context: ssl.SSLContext | None) -> None:
        self.owner = owner
        self.ssl_context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Run in the connection's thread: the TLS handshake here cannot stall the accept loop."""
        connection = cast(socket.socket, request)
        if self.ssl_context is not None:
            connection.settimeout(TLS_HANDSHAKE_TIMEOUT)
            try:
                connection = self.ssl_context.wrap_socket(connection, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate or went away mid-handshake
        self.owner._track(connection, add=True)
        try:
            _Handler(connection, client_address, self)
        except (ConnectionError, ssl.SSLError, TimeoutError):
            pass  # the client hung up, or stop() cut the connection
        finally:
            self.owner._track(connection, add=False)
            if connection is not request:
                connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HunterFake/1.0"
    timeout = HANDLER_IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line; `LoopbackHTTPServer.requests` is the log."""

    def _serve(self) -> None:
        owner = cast(_HTTPServer, self.server).owner
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        form: dict[str, str] = {}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = owner._dispatch(RecordedRequest(self.command, parts.path, query, headers, form, raw))
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
