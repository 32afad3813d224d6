"""The tenant discovery's HTTP/1.1 client against real servers on 127.0.0.1: a raw TCP server that sends
exactly the bytes each test scripts (framing, keep-alive, stale connections, timeouts), and the HTTPS
Entra fake (TLS verification), on both asyncio's loop and uvloop."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from fakes.entra_server import EntraServer
from leadhunter.scanners.keepalive_http import HttpTimeoutError, HttpTransportError, KeepAlivePool

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
LOOPS = ["asyncio", "uvloop"]


def run(coro: Coroutine[Any, Any, Any], loop_kind: str = "asyncio") -> Any:
    if loop_kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.run(coro)
    return asyncio.run(coro)


class RawServer:
    """A TCP server whose connections run ``script(reader, writer, connection_number)``; counts them."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await self.script(reader, writer, self.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        return head


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _get_all(base: str, targets: list[str], **kw: Any) -> list[Any]:
    pool = KeepAlivePool(base, **kw)
    try:
        return [await pool.get(t) for t in targets] + [pool.connections_opened]
    finally:
        await pool.aclose()


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_keep_alive_reuses_one_connection_and_sends_a_proper_request(loop_kind: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head = await server.read_request(reader)
            path = head.split(b" ")[1]
            writer.write(answer(b'{"path": "%s"}' % path, "Content-Type: application/json"))

    server = RawServer(script)

    async def main() -> list[Any]:
        async with server as base:
            return await _get_all(base, ["/a", "/b?x=1", "/c"], headers={"Accept": "application/json"})

    *responses, opened = run(main(), loop_kind)
    assert [r.json()["path"] for r in responses] == ["/a", "/b?x=1", "/c"]
    assert opened == 1 and server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("GET /a HTTP/1.1\r\n") and "\r\nHost: 127.0.0.1:" in first
    assert "\r\nAccept: application/json\r\n" in first


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_chunked_gzip_and_close_framed_bodies_are_read_whole(loop_kind: str) -> None:
    payload = b'{"NameSpaceType": "Managed"}'
    zipped = gzip.compress(payload)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head = await server.read_request(reader)
            path = head.split(b" ")[1]
            if path == b"/chunked":  # three chunks, a chunk extension and a trailer, sent in pieces
                writer.write(answer(b"", "Transfer-Encoding: chunked"))
                for piece in (b"5;ext=1\r\n", b'{"Nam', b"\r\n", b"%x\r\n" % (len(payload) - 5), payload[5:],
                              b"\r\n0\r\nX-Trailer: yes\r\n\r\n"):
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)
            elif path == b"/gzip":
                writer.write(answer(zipped, "Content-Encoding: gzip"))
            else:  # no length: the body ends with the connection
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + payload)
                await writer.drain()
                return

    server = RawServer(script)

    async def main() -> list[Any]:
        async with server as base:
            return await _get_all(base, ["/chunked", "/gzip", "/close", "/chunked"])

    *responses, opened = run(main(), loop_kind)
    assert [r.content for r in responses] == [payload] * 4
    assert opened == 2  # the close-framed answer ended its connection; the others shared one


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_a_kept_alive_connection_the_server_closed_is_retried_once_on_a_new_one(loop_kind: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)
        writer.write(answer(b"%d" % n))
        await writer.drain()
        await reader.read(1)  # the next request arrives ... and the server hangs up unanswered

    server = RawServer(script)

    async def main() -> list[Any]:
        async with server as base:
            return await _get_all(base, ["/1", "/2", "/3"])

    *responses, opened = run(main(), loop_kind)
    assert [r.content for r in responses] == [b"1", b"2", b"3"]
    assert opened == 3


def test_a_fresh_connection_closed_unanswered_is_an_error_not_retried() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)

    server = RawServer(script)

    async def main() -> None:
        async with server as base:
            await _get_all(base, ["/x"])

    with pytest.raises(HttpTransportError, match="closed before a complete answer"):
        run(main())
    assert server.connections == 1


@pytest.mark.parametrize(("raw", "message"), [
    (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n", "bad Content-Length"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
    (b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n", "malformed header line"),
])
def test_malformed_answers_are_transport_errors(raw: bytes, message: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)
        writer.write(raw)
        await writer.drain()
        await asyncio.sleep(1)

    server = RawServer(script)

    async def main() -> None:
        async with server as base:
            await _get_all(base, ["/x"])

    with pytest.raises(HttpTransportError, match=message):
        run(main())


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_a_silent_server_times_out_after_the_timeout(loop_kind: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")  # then nothing more
        await asyncio.sleep(5)

    server = RawServer(script)

    async def main() -> float:
        async with server as base:
            t0 = time.monotonic()
            with pytest.raises(HttpTimeoutError):
                await _get_all(base, ["/x"], timeout=0.3)
            return time.monotonic() - t0

    assert 0.25 <= run(main(), loop_kind) < 2.0


def test_requests_beyond_max_connections_wait_for_a_free_one() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            await server.read_request(reader)
            await asyncio.sleep(0.02)
            writer.write(answer(b"ok"))

    server = RawServer(script)

    async def main() -> list[bytes]:
        async with server as base:
            pool = KeepAlivePool(base, max_connections=2)
            try:
                responses = await asyncio.gather(*(pool.get(f"/{i}") for i in range(10)))
            finally:
                await pool.aclose()
            return [r.content for r in responses]

    assert run(main()) == [b"ok"] * 10
    assert server.most_open <= 2 and server.connections == 2 and len(server.requests) == 10


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_tls_is_verified_against_the_configured_ca(loop_kind: str) -> None:
    with EntraServer(tls=True) as entra:
        entra.add_tenant("0b6a4e1c-3f6e-4a0d-9a51-6d3c2f1e8b7a", ["acme.com"])

        async def fetch(verify: bool | str) -> Any:
            pool = KeepAlivePool(entra.base_url, verify=verify)
            try:
                return await pool.get("/getuserrealm.srf?login=user%40acme.com&json=1")
            finally:
                await pool.aclose()

        trusted = run(fetch(entra.ca_file), loop_kind)
        with pytest.raises(HttpTransportError, match="cannot connect"):
            run(fetch(True), loop_kind)  # the public CA bundle does not know the fake's certificate
    assert trusted.status_code == 200 and trusted.json()["NameSpaceType"] == "Managed"


def test_bad_targets_and_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        KeepAlivePool("ftp://example.com")

    async def main() -> None:
        pool = KeepAlivePool("http://127.0.0.1:9")
        await pool.get("/a b\r\nX-Injected: 1")

    with pytest.raises(ValueError, match="bad request target"):
        run(main())
