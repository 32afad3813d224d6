"""The loopback stand-ins ``hunter demo`` runs so Partner Center and Dynamics 365 are *on* without internet: the
fake Entra ID, Partner Center and Dataverse the test suite uses (``hunter_devtools.fakes``), over HTTPS with a
certificate of their own, and a Partner Center user signed in through the real device-code flow. They run as
threads of the demo process; the worker and scheduler it starts reach them over 127.0.0.1 like any server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hunter_devtools.demo_referrals import demo_referrals
from hunter_devtools.fakes.dataverse_server import DataverseServer
from hunter_devtools.fakes.entra_server import EntraServer
from hunter_devtools.fakes.loopback_http import write_self_signed_cert
from hunter_devtools.fakes.partner_center_server import PartnerCenterServer
from leadhunter.integrations.common.tokens import Authority, DelegatedTokenProvider, DeviceCodePrompt
from leadhunter.integrations.partner_center.client import PARTNER_CENTER_SCOPES

PC_TENANT = "2b7c1f4e-9a3d-4c5b-8e6f-0a1b2c3d4e5f"
PC_CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
PC_USER = "seller@contosopartner.com"
D365_TENANT = "5d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
D365_CLIENT_ID = "d365-app-0000-0000-0000-000000000001"
D365_SECRET = "demo~secret"  # a made-up secret for a made-up app on a loopback fake
SIGN_IN_TIMEOUT = 30.0  # seconds the device-code sign-in may take against the fake (it approves at once)


@dataclass(frozen=True)
class Standins:
    """Running stand-ins: ``environment`` holds the ``HUNTER_*`` settings that point Hunter at them."""

    entra: EntraServer
    partner_center: PartnerCenterServer
    dataverse: DataverseServer
    environment: dict[str, str]


def _sign_in(entra: EntraServer, cache_path: Path) -> None:
    """The real device-code flow against the fake (approved at once); the token cache lands in ``cache_path``."""
    provider = DelegatedTokenProvider(
        client_id=PC_CLIENT_ID,
        authority=Authority(f"{entra.base_url}/{PC_TENANT}", verify=entra.ca_file, instance_discovery=False),
        scopes=PARTNER_CENTER_SCOPES, cache_path=cache_path)
    entra.auto_approve_devices(username=PC_USER, after_polls=0)
    prompts: list[DeviceCodePrompt] = []
    try:
        provider.login(prompt=prompts.append, timeout=SIGN_IN_TIMEOUT)
    finally:
        entra.stop_auto_approve()


@contextmanager
def run_standins(data_dir: Path, companies: Sequence[tuple[str, str]]) -> Iterator[Standins]:
    """Start the stand-ins (until the block ends), with ``demo_referrals(companies)`` waiting in Partner Center
    and a signed-in user; their files (certificate, token cache) go under ``data_dir/standins``."""
    home = data_dir / "standins"
    (home / "tls").mkdir(parents=True, exist_ok=True)
    certificate = write_self_signed_cert(str(home / "tls"))
    with ExitStack() as stack:
        entra = stack.enter_context(EntraServer(certificate=certificate))
        pc = stack.enter_context(PartnerCenterServer(entra=entra, certificate=certificate))
        dataverse = stack.enter_context(DataverseServer(entra, certificate=certificate))
        entra.add_tenant(PC_TENANT, ["contosopartner.com"], brand="Contoso Partner")
        entra.add_app(PC_CLIENT_ID)
        entra.add_tenant(D365_TENANT, ["hunter-sales.com.tr"])
        entra.add_app(D365_CLIENT_ID, D365_SECRET)
        entra.device_poll_interval = 1
        pc.add_referrals(demo_referrals(companies))
        cache = home / "pc-token-cache.json"
        _sign_in(entra, cache)
        environment = {
            "HUNTER_PARTNER_CENTER_ENABLED": "true", "HUNTER_PARTNER_CENTER_BASE_URL": pc.base_url,
            "HUNTER_PARTNER_CENTER_AUTHORITY": entra.base_url, "HUNTER_PARTNER_CENTER_CLIENT_ID": PC_CLIENT_ID,
            "HUNTER_PARTNER_CENTER_TENANT": PC_TENANT, "HUNTER_PARTNER_CENTER_TOKEN_CACHE": str(cache),
            "HUNTER_PARTNER_CENTER_CA_FILE": certificate[0],
            "HUNTER_D365_ENABLED": "true", "HUNTER_D365_ORG_URL": dataverse.org_url,
            "HUNTER_D365_AUTHORITY": entra.base_url, "HUNTER_D365_TENANT_ID": D365_TENANT,
            "HUNTER_D365_CLIENT_ID": D365_CLIENT_ID, "HUNTER_D365_CLIENT_SECRET": D365_SECRET,
            "HUNTER_D365_CA_FILE": certificate[0],
        }
        yield Standins(entra, pc, dataverse, environment)
