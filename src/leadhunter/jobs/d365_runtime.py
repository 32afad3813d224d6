"""Wiring at the edge for the Dynamics 365 push: settings → adapter config, one client per process, push
options, and Sentry. Used by the push tasks and ``hunter d365``; nothing here talks to the network until
the client is used.
"""

from __future__ import annotations

import logging
import threading

import sentry_sdk

from leadhunter.config import Settings
from leadhunter.integrations.common.errors import ConfigurationError
from leadhunter.integrations.common.send_gate import gate_for
from leadhunter.integrations.common.tokens import Authority, client_credentials_provider
from leadhunter.integrations.d365 import D365Config, DataverseClient, MappingConfig
from leadhunter.runtime import session_factory
from leadhunter.services.d365_push import PushOptions
from leadhunter.services.lead_brief import BriefSettings
from leadhunter.services.pause_board import DatabasePauseBoard

log = logging.getLogger(__name__)
_clients: dict[tuple[str, ...], DataverseClient] = {}
_lock = threading.Lock()


def alternate_key_mode(setting: str) -> bool | None:
    """``auto`` (or empty) → None (ask the org); ``none``/``off``/``false`` → False; a key name → True."""
    value = setting.strip().lower()
    if value in ("", "auto"):
        return None
    return value not in ("none", "off", "false", "no")


def d365_config(settings: Settings) -> D365Config:
    """The adapter's configuration; :class:`ConfigurationError` names what is missing."""
    secret = settings.d365_client_secret.get_secret_value() if settings.d365_client_secret else ""
    missing = [name for name, value in (("HUNTER_D365_ORG_URL", settings.d365_org_url),
                                        ("HUNTER_D365_TENANT_ID", settings.d365_tenant_id),
                                        ("HUNTER_D365_CLIENT_ID", settings.d365_client_id),
                                        ("HUNTER_D365_CLIENT_SECRET", secret)) if not value]
    if missing:
        raise ConfigurationError(f"Dynamics 365 is not configured: set {', '.join(missing)}")
    verify: bool | str = settings.d365_ca_file or True
    return D365Config(org_url=settings.d365_org_url, tenant_id=settings.d365_tenant_id,
                      client_id=settings.d365_client_id, client_secret=secret,
                      authority_host=settings.d365_authority, verify=verify,
                      alternate_key=alternate_key_mode(settings.d365_alternate_key),
                      changeset_size=settings.d365_batch_size, max_in_flight=settings.d365_max_concurrency,
                      mapping=MappingConfig(prefix=settings.d365_column_prefix, hunter_url=bool(settings.public_url)))


def configuration_problem(settings: Settings) -> str | None:
    """Why the D365 settings are unusable (no network call), or None when they look complete."""
    try:
        d365_config(settings)
    except ConfigurationError as exc:
        return str(exc)
    return None


def _build(settings: Settings) -> DataverseClient:
    config = d365_config(settings)
    # The org's gate shares its 429 pauses through the database: every worker process holds its sends, not
    # only the one that was throttled (Dataverse counts the requests a throttled caller keeps sending).
    gate = gate_for(config.org, max_in_flight=config.max_in_flight, max_wait=config.max_gate_wait,
                    board=DatabasePauseBoard(session_factory(settings.database())))
    if settings.d365_scope and settings.d365_scope != config.scope:
        authority = Authority.for_tenant(config.tenant_id, host=config.authority_host, verify=config.verify)
        provider = client_credentials_provider(client_id=config.client_id, client_secret=config.client_secret,
                                               authority=authority, scope=settings.d365_scope)
        return DataverseClient(config, token_provider=provider, gate=gate)
    return DataverseClient(config, gate=gate)


def client(settings: Settings) -> DataverseClient:
    """The process's client for the configured org (built once; thread-safe, shared by every task)."""
    secret = settings.d365_client_secret.get_secret_value() if settings.d365_client_secret else ""
    key = (settings.d365_org_url, settings.d365_tenant_id, settings.d365_client_id, secret, settings.d365_authority,
           settings.d365_scope, settings.d365_alternate_key, settings.d365_column_prefix, str(settings.d365_batch_size),
           str(settings.d365_max_concurrency), settings.d365_ca_file or "", settings.public_url)
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = _build(settings)
        return found


def push_options(settings: Settings) -> PushOptions:
    """Attempts (3), backoff, lease, chunk size and Hunter's public address from settings."""
    return PushOptions(backoff=settings.d365_retry_backoff, lease=settings.d365_lease_seconds,
                       chunk_size=settings.d365_job_chunk, public_url=settings.public_url or None,
                       brief_lang=settings.brief_d365_lang or None,
                       brief=BriefSettings(settings.brief_partner_name, settings.brief_seller_signature,
                                           settings.brief_currency))


def init_sentry(settings: Settings) -> bool:
    """Start Sentry when ``HUNTER_SENTRY_DSN`` is set (once per process); True when it is on."""
    if settings.sentry_dsn is None or not settings.sentry_dsn.get_secret_value():
        return False
    if not sentry_sdk.is_initialized():
        sentry_sdk.init(dsn=settings.sentry_dsn.get_secret_value(), traces_sample_rate=0.0, send_default_pii=False)
        log.info("Sentry is on")
    return True
