"""Wiring at the edge for Partner Center: settings → token provider, client factory and sync options.

Used by the sync task and the ``hunter partner-center`` commands; nothing here talks to the network
until a client or provider is used.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadhunter.config import Settings
from leadhunter.integrations.common.tokens import Authority, DelegatedTokenProvider
from leadhunter.integrations.partner_center.client import PARTNER_CENTER_SCOPES, PartnerCenterClient
from leadhunter.services.referrals import ClientFactory, SyncOptions


def token_provider(settings: Settings) -> DelegatedTokenProvider:
    """The delegated (app + user) token provider over the persisted MSAL cache."""
    authority = Authority.for_tenant(settings.partner_center_tenant, host=settings.partner_center_authority,
                                     verify=settings.partner_center_ca_file or True)
    return DelegatedTokenProvider(client_id=settings.partner_center_client_id, authority=authority,
                                  scopes=PARTNER_CENTER_SCOPES, cache_path=settings.partner_center_cache_path())


def client_factory(settings: Settings) -> ClientFactory:
    """Builds one Partner Center client per sync run (a fresh MSAL app reads the cache as it is now)."""

    def build() -> PartnerCenterClient:
        return PartnerCenterClient(
            token_provider=token_provider(settings), base_url=settings.partner_center_base_url,
            verify=settings.partner_center_ca_file or True, rate_per_second=settings.partner_center_rate_per_second,
            page_size=settings.partner_center_page_size,
        )

    return build


def sync_options(settings: Settings) -> SyncOptions:
    """Sync options from settings (direction, statuses, overlap, batch = page size, scan freshness and chunking)."""
    return SyncOptions(
        direction=settings.partner_center_direction,
        statuses=tuple(settings.partner_center_statuses()),
        overlap=timedelta(seconds=settings.partner_center_overlap_seconds),
        batch_size=settings.partner_center_page_size,
        fresh_scan=timedelta(days=settings.rescan_interval_days),
        chunk_size=settings.scan_chunk_size,
    )


def auth_changed_at(settings: Settings) -> datetime | None:
    """When the token cache file last changed (a sign-in writes it), or None when there is none."""
    try:
        return datetime.fromtimestamp(settings.partner_center_cache_path().stat().st_mtime, UTC)
    except FileNotFoundError:
        return None
