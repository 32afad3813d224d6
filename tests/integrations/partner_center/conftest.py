"""Fixtures: a fake Entra and a fake Partner Center over HTTPS sharing one CA, and a signed-in user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pc_env import PUBLIC_CLIENT_ID, TID, USER, SleepRecorder

from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from fakes.partner_center_server import PartnerCenterServer
from leadhunter.integrations.common.http_policy import RetryPolicy
from leadhunter.integrations.common.tokens import Authority, DelegatedTokenProvider, DeviceCodePrompt
from leadhunter.integrations.partner_center.client import PARTNER_CENTER_SCOPES, PartnerCenterClient


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    """One self-signed certificate for both fakes, so one CA file is trusted."""
    directory = tmp_path / "tls"
    directory.mkdir()
    return write_self_signed_cert(str(directory))


@pytest.fixture
def entra(certificate: tuple[str, str]) -> Iterator[EntraServer]:
    with EntraServer(certificate=certificate) as server:
        server.add_tenant(TID, ["contosopartner.com"], brand="Contoso Partner")
        server.add_app(PUBLIC_CLIENT_ID)
        server.device_poll_interval = 1  # second: MSAL sleeps this long between polls
        yield server


@pytest.fixture
def pc(entra: EntraServer, certificate: tuple[str, str]) -> Iterator[PartnerCenterServer]:
    with PartnerCenterServer(entra=entra, certificate=certificate) as server:
        yield server


@pytest.fixture
def provider(entra: EntraServer, tmp_path: Path) -> DelegatedTokenProvider:
    """A delegated provider already signed in as USER (device code approved on the first poll)."""
    provider = DelegatedTokenProvider(
        client_id=PUBLIC_CLIENT_ID,
        authority=Authority(f"{entra.base_url}/{TID}", verify=entra.ca_file, instance_discovery=False),
        scopes=PARTNER_CENTER_SCOPES,
        cache_path=tmp_path / "pc-cache" / "token-cache.json",
    )
    entra.auto_approve_devices(username=USER, after_polls=0)
    prompts: list[DeviceCodePrompt] = []
    provider.login(prompt=prompts.append, timeout=30)
    entra.stop_auto_approve()
    assert len(prompts) == 1
    return provider


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(
    pc: PartnerCenterServer, provider: DelegatedTokenProvider, sleeps: SleepRecorder
) -> Iterator[Callable[..., PartnerCenterClient]]:
    """Build clients against the fakes; sleeps are recorded, never spent; closed at teardown."""
    made: list[PartnerCenterClient] = []

    def build(**overrides: Any) -> PartnerCenterClient:
        options: dict[str, Any] = {
            "token_provider": provider,
            "base_url": pc.base_url,
            "verify": pc.ca_file,
            "rate_per_second": None,
            "sleep": sleeps,
            "random": lambda: 1.0,  # full jitter at its ceiling: waits are predictable
            "retry": RetryPolicy(),
            "timeout": 10.0,
        }
        options.update(overrides)
        client = PartnerCenterClient(**options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
