"""Settings, read from ``HUNTER_*`` environment variables (and a ``.env`` file) at the edges only.

Entry points (CLI, API, workers) build a :class:`Settings` once and pass plain values inward; the
domain, scanners and services never read the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SELECTORS = "selector1,selector2,google,default,k1,s1,s2"


class Settings(BaseSettings):
    """Hunter's configuration. Times are in seconds."""

    model_config = SettingsConfigDict(env_prefix="HUNTER_", env_file=".env", extra="ignore")

    dns_nameservers: str = Field("", description="Comma-separated HOST[:PORT]; empty = /etc/resolv.conf")
    dns_timeout: float = Field(2.0, gt=0, description="Per-try DNS timeout")
    dns_retries: int = Field(2, ge=0, le=10, description="Extra tries per lookup, failing over")
    dns_concurrency: int = Field(512, ge=1, le=20_000, description="DNS queries in flight")
    scan_window: int = Field(400, ge=1, le=100_000, description="Domains in flight")
    dkim_selectors: str = Field(DEFAULT_SELECTORS, description="Comma-separated DKIM selectors to probe")
    tenant_discovery: bool = Field(True, description="Ask Entra which tenant owns each domain")
    tenant_base_url: str = "https://login.microsoftonline.com"
    tenant_timeout: float = Field(5.0, gt=0)
    tenant_ca_file: str | None = Field(None, description="CA bundle for the tenant endpoint (tests)")
    allow_private_targets: bool = Field(False, description="Allow HTTP lookups of private addresses")
    scoring_rules: Path | None = Field(None, description="Replacement scoring rule file (TOML)")
    provider_rules: Path | None = Field(None, description="Replacement provider rule file (TOML)")

    data_dir: Path = Field(Path("hunter-data"), description="Where the embedded shape keeps its SQLite files")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    broker_url: str | None = Field(None, description="Celery broker; default SQLite (no server) in data_dir")
    scan_chunk_size: int = Field(200, ge=1, le=5000, description="Domains per scan task")
    rescan_interval_days: float = Field(14.0, gt=0, description="Rescan companies older than this")
    rescan_check_seconds: float = Field(3600.0, gt=0, description="How often beat looks for rescans due")
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    auth_required: bool | None = Field(None, description="Require API keys; default: when not on loopback")
    allow_public_without_auth: bool = Field(False, description="Serve a public address with auth off")
    webhook_rate_per_minute: int = Field(600, ge=1, description="Webhook requests per key per minute")
    max_upload_mb: int = Field(20, ge=1, le=500, description="Largest import file accepted")

    def database(self) -> str:
        """The database URL (SQLite file in ``data_dir`` unless configured)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'hunter.db').resolve()}"

    def broker(self) -> str:
        """The Celery broker URL (kombu's SQLAlchemy transport on SQLite unless configured)."""
        return self.broker_url or f"sqla+sqlite:///{(self.data_dir / 'broker.db').resolve()}"

    def selector_list(self) -> list[str]:
        """The DKIM selectors as a list (blank entries dropped)."""
        return [s.strip() for s in self.dkim_selectors.split(",") if s.strip()]

    def nameserver_list(self) -> list[str]:
        """The configured nameservers as a list (blank entries dropped)."""
        return [s.strip() for s in self.dns_nameservers.split(",") if s.strip()]
