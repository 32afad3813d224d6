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

    def selector_list(self) -> list[str]:
        """The DKIM selectors as a list (blank entries dropped)."""
        return [s.strip() for s in self.dkim_selectors.split(",") if s.strip()]

    def nameserver_list(self) -> list[str]:
        """The configured nameservers as a list (blank entries dropped)."""
        return [s.strip() for s in self.dns_nameservers.split(",") if s.strip()]
