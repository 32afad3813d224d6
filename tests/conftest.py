"""Shared fixtures: real servers on 127.0.0.1 standing in for DNS and Entra."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes.dns_server import FakeDnsServer


@pytest.fixture
def dns() -> Iterator[FakeDnsServer]:
    """An authoritative DNS server on loopback, empty, with fault switches."""
    with FakeDnsServer() as server:
        yield server
