"""A live API on loopback (uvicorn in a thread) over a fresh SQLite database, with a dispatch recorder."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade


@dataclass
class LiveApi:
    """A running API: its base URL, an httpx client, the settings, and the chunks it dispatched."""

    url: str
    client: httpx.Client
    settings: Settings
    dispatched: list[tuple[int, int]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(settings: Settings, dispatched: list[tuple[int, int]]) -> Iterator[LiveApi]:
    """Serve ``create_app(settings)`` on a free loopback port until the generator is closed."""
    upgrade(settings.database())
    app = create_app(settings, dispatch=lambda job, chunk: dispatched.append((job, chunk)),
                     broker_probe=lambda: "ok")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield LiveApi(url, client, settings, dispatched)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """Settings for an embedded instance in a temp folder (loopback, auth off by default)."""
    return Settings(data_dir=tmp_path / "data", api_host="127.0.0.1", tenant_discovery=False,
                    dns_nameservers="127.0.0.1:9", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def api(api_settings: Settings) -> Iterator[LiveApi]:
    """A live API with auth off (loopback default)."""
    yield from start_api(api_settings, [])
