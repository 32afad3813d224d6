"""Helpers for the HTTP-edge tests (limits, keys, hosts, request ids): a live API on a SQLite copy — these
checks happen before any query, so one backend is enough — and raw-socket requests for what httpx will not
send (chunked bodies that stop early, made-up methods, forged Host headers)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from api_support import LiveApi, settings_for, start_api

from leadhunter.runtime import session_factory
from leadhunter.services.api_keys import create_key


def sqlite_api(tmp_path: Path, template: Path, **overrides: object) -> Iterator[LiveApi]:
    """A live API on a copy of the migrated SQLite template, with settings ``overrides``."""
    target = tmp_path / "data" / "hunter.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    yield from start_api(settings_for(tmp_path / "data", f"sqlite:///{target}", **overrides), [])


def new_key(api: LiveApi, *, rate: int = 600) -> str:
    """A fresh API key with ``rate`` requests per minute."""
    with session_factory(api.settings.database()).begin() as session:
        key, _ = create_key(session, "edge", rate_per_minute=rate)
    return key


def raw_request(url: str, head: bytes, body_chunks: Iterable[bytes] = (), *,
                timeout: float = 30) -> tuple[int, dict[str, str], bytes, int]:
    """Send ``head`` (request line and headers, ending in a blank line) then ``body_chunks`` to the server at
    ``url``, stopping early when the server has answered or closed; returns (status, headers, body, bytes of
    the body sent). Reads one response of at most 1 MB (``Content-Length`` framing, as every API answer has)."""
    where = urlsplit(url)
    sent = 0
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80), timeout=timeout) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        buffer = b""
        for chunk in body_chunks:
            try:
                buffer += sock.recv(65536)
            except BlockingIOError:
                pass
            except OSError:
                break
            if buffer:  # answered while we were still sending
                break
            try:
                sock.sendall(chunk)
            except BlockingIOError:
                sock.setblocking(True)
                sock.sendall(chunk)
                sock.setblocking(False)
            except OSError:  # the server closed the connection: read what it said
                break
            sent += len(chunk)
        sock.setblocking(True)
        while b"\r\n\r\n" not in buffer:
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
        head_bytes, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = sock.recv(65536)
            if not data:
                break
            rest += data
    return status, headers, rest[:length], sent


def chunked(total: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """``total`` bytes of a JSON-ish body in HTTP/1.1 chunked framing (no final zero chunk until the end)."""
    piece = b"x" * chunk
    left = total
    while left > 0:
        part = piece[: min(chunk, left)]
        left -= len(part)
        yield b"%x\r\n%s\r\n" % (len(part), part)
    yield b"0\r\n\r\n"
