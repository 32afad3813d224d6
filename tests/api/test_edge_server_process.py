"""``hunter serve`` as its own process, for what a thread in the test process cannot show: the server's memory
while a huge body without a key arrives (read from /proc, never a timing), its JSON log lines on stderr, and
the request id in the Sentry event of a 500 (to the fake Sentry ingest)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from edge_helpers import chunked, raw_request

from fakes.sentry_ingest import SentryIngest
from live_server import free_port

MB = 1024 * 1024
SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    stderr: Path
    database: Path
    sentry: SentryIngest

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS in /proc), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def log_lines(self) -> list[str]:
        return [line for line in self.stderr.read_text(errors="replace").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("serve") / "data"
    port = free_port()
    with SentryIngest() as sentry:
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               "HUNTER_DATA_DIR": str(data), "HUNTER_TENANT_DISCOVERY": "false",
               "HUNTER_DNS_NAMESERVERS": "127.0.0.1:9", "HUNTER_SENTRY_DSN": sentry.dsn,
               "HUNTER_MAX_JSON_KB": "1024"}
        env.pop("HUNTER_DATABASE_URL", None)
        env.pop("HUNTER_BROKER_URL", None)
        stderr = data.parent / "stderr.log"
        with stderr.open("wb") as err:
            process = subprocess.Popen([sys.executable, "-m", "leadhunter.cli.main", "serve", "--no-worker",
                                        "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=err)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, stderr.read_text()
                try:
                    if httpx.get(f"{url}/healthz/live", timeout=2, trust_env=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "hunter serve did not start"
                time.sleep(0.2)
            yield ServerProcess(url, process, stderr, data / "hunter.db", sentry)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_huge_body_without_a_key_never_reaches_the_servers_memory(server: ServerProcess) -> None:
    head = (f"POST /api/webhooks/leads HTTP/1.1\r\nHost: 127.0.0.1:{server.url.rsplit(':', 1)[1]}\r\n"
            "Content-Type: application/json\r\n").encode()
    for _ in range(3):  # warm up: imports, thread pool, first connections
        raw_request(server.url, head + b"Content-Length: 2\r\n\r\n{}")
    before = server.rss_mb()
    status, _, body, sent = raw_request(server.url, head + b"Transfer-Encoding: chunked\r\n\r\n", chunked(50 * MB))
    assert status == 401 and b"unauthorized" in body
    status, _, _, sent_declared = raw_request(server.url, head + f"Content-Length: {50 * MB}\r\n\r\n".encode(),
                                              iter([b"x" * MB] * 50))
    assert status == 401
    growth = server.rss_mb() - before
    print(f"RSS before {before:.1f} MB, growth {growth:.1f} MB; sent before the 401: "
          f"{sent / MB:.1f} MB chunked, {sent_declared / MB:.1f} MB declared")
    assert growth < 20, f"the server grew by {growth:.1f} MB for two 50 MB bodies it should not read"
    assert sent < 10 * MB and sent_declared < 10 * MB


def _json_lines(server: ServerProcess) -> list[dict[str, Any]]:
    out = []
    for line in server.log_lines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_log_lines_are_json_with_the_request_id_route_status_and_duration(server: ServerProcess) -> None:
    response = httpx.get(f"{server.url}/api/leads/acme.com.tr", headers={"X-Request-ID": "log-check-1"},
                         trust_env=False)
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "log-check-1"
    deadline = time.monotonic() + 10
    while not any(e.get("request_id") == "log-check-1" for e in _json_lines(server)):
        assert time.monotonic() < deadline, server.log_lines()[-5:]
        time.sleep(0.1)
    access = [e for e in _json_lines(server) if e.get("request_id") == "log-check-1"]
    assert access[0]["logger"] == "leadhunter.access"
    assert (access[0]["route"], access[0]["status"], access[0]["method"]) == ("/api/leads/{domain}", 404, "GET")
    assert isinstance(access[0]["duration_ms"], float) and access[0]["ts"].endswith("+00:00")
    started = next(i for i, line in enumerate(server.log_lines()) if "Uvicorn running" in line)
    for line in server.log_lines()[started:]:
        json.loads(line)  # every line once the server runs is JSON


def test_a_server_error_is_in_the_error_shape_and_its_sentry_event_names_the_request(server: ServerProcess) -> None:
    with sqlite3.connect(server.database) as conn:  # break the alerts query: a 500 the API did not expect
        conn.execute("ALTER TABLE company_changes RENAME TO company_changes_gone")
    try:
        response = httpx.get(f"{server.url}/api/alerts", headers={"X-Request-ID": "sentry-check-1"}, trust_env=False)
    finally:
        with sqlite3.connect(server.database) as conn:
            conn.execute("ALTER TABLE company_changes_gone RENAME TO company_changes")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.json()["error"]["request_id"] == "sentry-check-1"
    deadline = time.monotonic() + 15
    while not [e for e in server.sentry.events if (e.get("tags") or {}).get("request_id") == "sentry-check-1"]:
        assert time.monotonic() < deadline, [e.get("tags") for e in server.sentry.events]
        time.sleep(0.2)
    logged = [e for e in _json_lines(server) if e.get("request_id") == "sentry-check-1" and e["level"] == "error"]
    assert logged and "company_changes" in logged[0]["exc"]
