"""A fake WHOIS server (RFC 3912) on 127.0.0.1: one query line in, the answer out, then close.

Answers are TRABIS-style for ``.tr`` names added with :meth:`add_tr` (or any text with :meth:`add`);
unknown names get TRABIS's not-found line. Behaviours by name: ``slow(name, seconds)`` answers late,
``drop(name)`` closes the connection without a word (with a TCP reset), ``throttle(name)`` answers a
rate-limit message. Every query is logged with its monotonic time in ``queries``.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from types import TracebackType
from typing import Self

NOT_FOUND = 'No match found for "{name}"\n'
THROTTLED = "Query rate limit exceeded. Please try again later.\n"


def tr_answer(name: str, *, registrant: str = "Örnek Gıda Sanayi ve Ticaret A.Ş.",
              registrar: str = "TURKTICARET.NET YAZILIM HIZMETLERI SANAYI VE TICARET A.S.",
              nameservers: tuple[str, ...] = ("ns1.natrohost.com", "ns2.natrohost.com"),
              created: str = "2005-Mar-24.", expires: str = "2026-Mar-23.") -> str:
    """A TRABIS answer as whois.trabis.gov.tr writes it (tabs, dotted leaders, trailing dots)."""
    servers = "".join(f"{ns} \n" for ns in nameservers)
    return (
        f"** Domain Name: {name}\n"
        "Frozen Status: -\n"
        "Transfer Status: The domain is LOCKED to transfer.\n\n"
        "** Registrant:\n"
        f"   {registrant}\n"
        "   Hidden upon user request\n   Hidden upon user request\n   Hidden upon user request\n\n\n"
        "** Registrar:\n"
        "NIC Handle\t\t: tyh14-metu\n"
        f"Organization Name\t: {registrar}\n"
        "Address\t\t\t: Hidden upon user request\n"
        "Phone\t\t\t: Hidden upon user request\n"
        "Fax\t\t\t: Hidden upon user request\n\n\n"
        f"** Domain Servers:\n{servers}\n"
        "** Additional Info:\n"
        f"Created on..............: {created}\n"
        f"Expires on..............: {expires}\n"
    )


class WhoisServer:
    """Threaded TCP WHOIS server on an ephemeral port; use as a context manager."""

    def __init__(self) -> None:
        self._answers: dict[str, str] = {}
        self._behaviour: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.queries: list[tuple[float, str]] = []
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- content ----------------------------------------------------------------------------------

    def add(self, name: str, text: str) -> None:
        """Answer ``text`` for ``name``."""
        with self._lock:
            self._answers[name.lower()] = text

    def add_tr(self, name: str, **fields: object) -> None:
        """A TRABIS-style record for ``name`` (see :func:`tr_answer` for the fields)."""
        self.add(name, tr_answer(name, **fields))  # type: ignore[arg-type]

    def slow(self, name: str, seconds: float) -> None:
        """Answer ``name`` only after ``seconds``."""
        with self._lock:
            self._behaviour[name.lower()] = ("slow", seconds)

    def drop(self, name: str) -> None:
        """Cut the connection (TCP reset) when ``name`` is asked."""
        with self._lock:
            self._behaviour[name.lower()] = ("drop", 0.0)

    def throttle(self, name: str) -> None:
        """Answer ``name`` with a rate-limit message."""
        with self._lock:
            self._behaviour[name.lower()] = ("throttle", 0.0)

    # ---- lifecycle --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("WhoisServer is not running")
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT`` (what HUNTER_WHOIS_SERVERS names)."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Bind and serve from a daemon thread."""
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (slow answers in progress are abandoned)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- protocol ---------------------------------------------------------------------------------

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        data = b""
        try:
            while b"\n" not in data and len(data) < 1024:
                chunk = connection.recv(1024)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        name = data.decode("utf-8", "replace").strip().lower()
        with self._lock:
            self.queries.append((time.monotonic(), name))
            behaviour = self._behaviour.get(name)
            answer = self._answers.get(name, NOT_FOUND.format(name=name))
        if behaviour is not None:
            kind, seconds = behaviour
            if kind == "drop":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
                return
            if kind == "throttle":
                answer = THROTTLED
            if kind == "slow" and self._stopping.wait(seconds):
                return
        try:
            connection.sendall(answer.encode("utf-8"))
        except OSError:
            return
