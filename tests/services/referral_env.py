"""Shared set-up for the referral tests: a fake Entra and a fake Partner Center over HTTPS (one CA), a user
signed in through the real device-code flow into a token cache file, and a fresh database (a SQLite file,
or a PostgreSQL database of its own per test so tests stay independent under xdist).

``tests/services/conftest.py`` registers the fixtures; elsewhere import them from ``services.referral_env``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fakes.entra_server import EntraServer
from fakes.loopback_http import write_self_signed_cert
from fakes.partner_center_data import generate_referrals
from fakes.partner_center_server import PartnerCenterServer
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import RawLead
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.integrations.common.http_policy import RetryPolicy
from leadhunter.integrations.common.tokens import Authority, DelegatedTokenProvider, DeviceCodePrompt
from leadhunter.integrations.partner_center.client import PARTNER_CENTER_SCOPES, PartnerCenterClient
from leadhunter.jobs import referral_runtime
from leadhunter.runtime import session_factory
from leadhunter.services import referrals
from leadhunter.services.referrals import SyncOptions, SyncOutcome
from pg_scratch import migrated_pg_database

TID = "2b7c1f4e-9a3d-4c5b-8e6f-0a1b2c3d4e5f"
CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
USER = "seller@contosopartner.com"

__all__ = ["CLIENT_ID", "TID", "USER", "PcEnv", "db_url", "incoming", "pc_env", "sign_in"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database: a SQLite file, or a PostgreSQL database created for this test and dropped after
    (the test is skipped when the server is unreachable)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'hunter.db'}"
        upgrade(url)
        yield url
        return
    with migrated_pg_database("hunter_ref") as url:
        yield url


class SleepRecorder:
    """An injected ``sleep`` that records the waits asked for instead of spending them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class PcEnv:
    """The fakes, the signed-in token cache, the database and ways to sync against them."""

    entra: EntraServer
    pc: PartnerCenterServer
    cache_path: Path
    url: str
    data_dir: Path
    sleeps: SleepRecorder = field(default_factory=SleepRecorder)

    @property
    def factory(self) -> sessionmaker[Session]:
        return session_factory(self.url)

    def settings(self, **overrides: Any) -> Settings:
        """Settings of an instance wired to the fakes (flag on unless overridden)."""
        values: dict[str, Any] = {
            "data_dir": self.data_dir, "database_url": self.url, "partner_center_enabled": True,
            "partner_center_base_url": self.pc.base_url, "partner_center_authority": self.entra.base_url,
            "partner_center_client_id": CLIENT_ID, "partner_center_tenant": TID,
            "partner_center_token_cache": self.cache_path, "partner_center_ca_file": self.pc.ca_file,
            "partner_center_page_size": 20, "partner_center_rate_per_second": 1000.0, "tenant_discovery": False,
            "dns_nameservers": "127.0.0.1:9", "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)

    def client_factory(self, **overrides: Any) -> Callable[[], PartnerCenterClient]:
        """A client per run over the cached sign-in; waits are recorded, never spent."""

        def build() -> PartnerCenterClient:
            provider = DelegatedTokenProvider(
                client_id=CLIENT_ID,
                authority=Authority(f"{self.entra.base_url}/{TID}", verify=self.entra.ca_file,
                                    instance_discovery=False),
                scopes=PARTNER_CENTER_SCOPES, cache_path=self.cache_path,
            )
            options: dict[str, Any] = {"token_provider": provider, "base_url": self.pc.base_url,
                                       "verify": self.pc.ca_file, "rate_per_second": None, "sleep": self.sleeps,
                                       "retry": RetryPolicy(), "page_size": 20, "timeout": 10.0}
            options.update(overrides)
            return PartnerCenterClient(**options)

        return build

    def sync(self, *, run_id: int | None = None, trigger: str = "beat", options: SyncOptions | None = None,
             **client: Any) -> SyncOutcome:
        """One sync run against the fakes (the service, with the test client factory)."""
        return referrals.run_sync(self.factory, client_factory=self.client_factory(**client), run_id=run_id,
                                  trigger=trigger, options=options or SyncOptions(),
                                  auth_changed_at=referral_runtime.auth_changed_at(self.settings()))

    def count(self, what: Any, *where: Any) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)

    def stored(self) -> dict[str, PartnerCenterReferral]:
        with self.factory() as session:
            return {r.referral_id: r for r in session.scalars(select(PartnerCenterReferral))}

    def raw_leads(self) -> list[RawLead]:
        with self.factory() as session:
            return list(session.scalars(select(RawLead).where(RawLead.source == "partnercenter").order_by(RawLead.id)))


def sign_in(entra: EntraServer, cache_path: Path) -> None:
    """Run the real device-code flow against the fake, approved at once; the cache lands in ``cache_path``."""
    provider = DelegatedTokenProvider(
        client_id=CLIENT_ID,
        authority=Authority(f"{entra.base_url}/{TID}", verify=entra.ca_file, instance_discovery=False),
        scopes=PARTNER_CENTER_SCOPES, cache_path=cache_path,
    )
    entra.auto_approve_devices(username=USER, after_polls=0)
    prompts: list[DeviceCodePrompt] = []
    try:
        provider.login(prompt=prompts.append, timeout=30)
    finally:
        entra.stop_auto_approve()
    assert len(prompts) == 1


@pytest.fixture
def pc_env(db_url: str, tmp_path: Path) -> Iterator[PcEnv]:
    """Fakes up, user signed in, database migrated."""
    tls = tmp_path / "tls"
    tls.mkdir()
    certificate = write_self_signed_cert(str(tls))
    with EntraServer(certificate=certificate) as entra, PartnerCenterServer(entra=entra,
                                                                           certificate=certificate) as pc:
        entra.add_tenant(TID, ["contosopartner.com"], brand="Contoso Partner")
        entra.add_app(CLIENT_ID)
        entra.device_poll_interval = 1
        cache = tmp_path / "pc" / "token-cache.json"
        sign_in(entra, cache)
        yield PcEnv(entra, pc, cache, db_url, tmp_path / "data")


def incoming(pc: PartnerCenterServer) -> dict[str, dict[str, Any]]:
    """The fake's incoming referrals (what a default sync reads), by id."""
    out = {}
    for referral_id in pc.referral_ids:
        item = pc.referral(referral_id)
        if item["direction"] == "Incoming":
            out[referral_id] = item
    return out


def referral(seed: int, **changes: Any) -> dict[str, Any]:
    """One generated incoming referral with top-level ``changes`` and ``customerProfile`` overrides given as
    ``profile={...}``."""
    item = generate_referrals(1, seed=seed)[0]
    profile: Mapping[str, Any] = changes.pop("profile", {})
    item.update(direction="Incoming", **changes)
    item["customerProfile"] = {**(item.get("customerProfile") or {}), **profile}
    return item
