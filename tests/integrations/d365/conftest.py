"""Fixtures for the D365 adapter: a fake Entra and fake Dataverse orgs over HTTPS sharing one CA, and a
client factory whose sleeps and clock are a `FakeClock` (waits are recorded, never spent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from d365_helpers import CLIENT_ID, SECRET, TENANT_ID, ClientFactory, FakeClock

from fakes.dataverse_server import DataverseServer
from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from leadhunter.integrations.common.send_gate import SendGate
from leadhunter.integrations.d365 import D365Config, DataverseClient


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    """One self-signed certificate (its own CA) shared by the fake Entra and the fake orgs."""
    return write_self_signed_cert(str(tmp_path))


@pytest.fixture
def entra(certificate: tuple[str, str]) -> Iterator[EntraServer]:
    """The fake Entra ID with Hunter's tenant and its confidential app registered."""
    with EntraServer(certificate=certificate) as server:
        server.add_tenant(TENANT_ID, ["hunter-sales.example"])
        server.add_app(CLIENT_ID, SECRET)
        yield server


@pytest.fixture
def dataverse(entra: EntraServer, certificate: tuple[str, str]) -> Iterator[DataverseServer]:
    """An org whose lead table has the alternate key on hnt_domain."""
    with DataverseServer(entra, certificate=certificate) as server:
        yield server


@pytest.fixture
def dataverse_nokey(entra: EntraServer, certificate: tuple[str, str]) -> Iterator[DataverseServer]:
    """An org without the alternate key (the fallback upsert path)."""
    with DataverseServer(entra, certificate=certificate, alternate_key=False) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    """The injectable clock and sleep of the client, its retry policy and its send gate."""
    return FakeClock()


@pytest.fixture
def make_client(entra: EntraServer, certificate: tuple[str, str], clock: FakeClock) -> Iterator[ClientFactory]:
    """Build clients for an org; keyword arguments override `D365Config` fields, plus `gate=` and `random=`.

    Each client gets its own `SendGate` on the fake clock unless one is passed (the process-wide gate of an
    org would carry pauses across tests that reuse a port). Backoff jitter is fixed at 1.0 (full ceiling).
    """
    clients: list[DataverseClient] = []

    def build(server: DataverseServer, **overrides: Any) -> DataverseClient:
        gate = overrides.pop("gate", None) or SendGate(max_in_flight=overrides.get("max_in_flight", 8),
                                                        clock=clock.now, sleep=clock.sleep)  # fmt: skip
        random = overrides.pop("random", lambda: 1.0)
        sleep = overrides.pop("sleep", clock.sleep)
        config = D365Config(**{"org_url": server.org_url, "tenant_id": TENANT_ID, "client_id": CLIENT_ID,
                               "client_secret": SECRET, "authority_host": entra.base_url,
                               "verify": certificate[0], **overrides})  # fmt: skip
        client = DataverseClient(config, gate=gate, sleep=sleep, random=random)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
