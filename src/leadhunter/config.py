"""Settings, read from ``HUNTER_*`` environment variables (and a ``.env`` file) at the edges only.

Entry points (CLI, API, workers) build a :class:`Settings` once and pass plain values inward; the
domain, scanners and services never read the environment.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leadhunter.domain.dkim import DEFAULT_SELECTORS as DEFAULT_DKIM_SELECTORS

DEFAULT_SELECTORS = ",".join(DEFAULT_DKIM_SELECTORS)


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
    footprint_rules: Path | None = Field(None, description="Replacement footprint rule file (TOML)")
    whitespace_rules: Path | None = Field(None, description="Replacement white-space rule file (TOML)")
    ip_db: str = Field("", description="Comma-separated MaxMind-DB-format (.mmdb) files: country/ASN data")
    footprint: bool = Field(True, description="Footprint lookups (NS, www, Intune/Teams names) per domain")
    brief_partner_name: str = Field("", max_length=120, description="The partner's name the sales brief, call "
                                    "script and PDF sign with (empty: a visible [partner] placeholder)")
    brief_seller_signature: str = Field("", max_length=120, description="The seller's name in the call script "
                                        "(empty: a visible [seller] placeholder)")
    brief_currency: str = Field("", pattern="^([A-Z]{3})?$", description="ISO 4217 currency of the offer's list "
                                "prices in the brief (empty: no prices)")
    brief_d365_lang: str = Field("tr", pattern="^(en|tr)?$", description="Language of the short sales brief written "
                                 "into a new D365 lead's description (empty: no brief)")

    data_dir: Path = Field(Path("hunter-data"), description="Where the embedded shape keeps its SQLite files")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    db_lock_wait_seconds: float = Field(
        15.0, gt=0, le=600, description="How long a write waits for the SQLite write lock before the API answers 503")
    broker_url: str | None = Field(None, description="Celery broker; default SQLite (no server) in data_dir")
    scan_chunk_size: int = Field(200, ge=1, le=5000, description="Domains per scan task")
    rescan_interval_days: float = Field(14.0, gt=0, description="Rescan companies older than this")
    rescan_check_seconds: float = Field(3600.0, gt=0, description="How often beat looks for rescans due")
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    auth_required: bool | None = Field(None, description="Require API keys; default: when not on loopback")
    allow_public_without_auth: bool = Field(False, description="Serve a public address with auth off")
    # Sign-in (issue 17): "" = as before (keys off on loopback, required elsewhere), "keys" = API keys always,
    # "entra" = people sign in with Entra ID (OIDC code + PKCE); keys still work for machines.
    auth_mode: str = Field("", description="'', 'keys' or 'entra' (HUNTER_AUTH_MODE)")
    entra_authority: str = Field("https://login.microsoftonline.com", description="Entra sign-in host")
    entra_tenants: str = Field("", description="Comma-separated tenant ids allowed to sign in (one = single tenant)")
    entra_client_id: str = Field("", description="App (client) id of Hunter's web sign-in registration")
    entra_client_secret: SecretStr | None = Field(None, description="Client secret (or use a certificate)")
    entra_client_certificate: Path | None = Field(
        None, description="PEM file with the app's certificate and private key (private_key_jwt instead of a secret)")
    entra_redirect_url: str = Field(
        "", description="Callback URL registered in Entra; default <public URL>/auth/callback")
    entra_ca_file: str | None = Field(None, description="CA bundle for the Entra endpoints (tests)")
    entra_group_roles: str = Field("", description="Group ids mapped to roles: '<group id>=viewer|seller|admin,...'")
    entra_default_role: str = Field("", description="Role of a person with no role or mapped group; '' = refused")
    entra_graph_url: str = Field("https://graph.microsoft.com", description="Graph, asked for groups on overage")
    first_admin: str = Field("", description="Sign-in name (UPN) that is always admin: the first administrator")
    session_idle_minutes: float = Field(60.0, gt=0, description="A session unused this long ends (minutes)")
    session_absolute_hours: float = Field(12.0, gt=0, description="A session ends this long after sign-in (hours)")
    webhook_rate_per_minute: int = Field(
        600, ge=1, description="Webhook calls per key per minute, on top of the key's own limit for all /api calls")
    max_upload_mb: int = Field(20, ge=1, le=500, description="Largest import file accepted (MB, body of the upload)")
    max_json_kb: int = Field(
        8192, ge=1, le=1_048_576, description="Largest request body of every other route (KB; 8 MB holds a scan "
        "of 100,000 domains)")
    allowed_hosts: str = Field(
        "", description="Comma-separated extra host names the server answers to (loopback names, the bound host "
        "and the public URL's host always are); '*' turns the Host check off")
    # Partner Center referrals: off by default, and while off nothing calls Partner Center or Entra.
    partner_center_enabled: bool = Field(False, description="Sync referrals from Partner Center")
    partner_center_base_url: str = Field("https://api.partner.microsoft.com", description="Referrals API host")
    partner_center_authority: str = Field("https://login.microsoftonline.com", description="Entra authority host")
    partner_center_client_id: str = Field("", description="Entra app (public client) id used for device-code sign-in")
    partner_center_tenant: str = Field("organizations", description="Entra tenant (GUID or domain) to sign in to")
    partner_center_token_cache: Path | None = Field(
        None, description="MSAL token cache file (owner-only); default data_dir/partner-center-token.json")
    partner_center_direction: str = Field(
        "Incoming", description="Referrals to sync: Incoming (sent to you), Outgoing (created by you) or both")
    partner_center_status_filter: str = Field(
        "", description="Comma-separated referral statuses to sync (New,Active,Closed); empty = all")
    partner_center_page_size: int = Field(100, ge=1, le=1000, description="Referrals per page ($top)")
    partner_center_sync_interval: float = Field(
        600.0, ge=5, description="Seconds between scheduled syncs (production 600; 30 suits development)")
    partner_center_rate_per_second: float = Field(5.0, gt=0, description="Client-side request rate limit")
    partner_center_overlap_seconds: float = Field(
        900.0, ge=0, description="Incremental sync re-reads this much before the last watermark")
    partner_center_ca_file: str | None = Field(None, description="CA bundle for Partner Center and Entra (tests)")
    # Dynamics 365 push: off by default, and while off nothing calls Dataverse or Entra for it.
    d365_enabled: bool = Field(False, description="Push leads to Dynamics 365 (HUNTER_D365_ENABLED)")
    d365_org_url: str = Field("", description="Dataverse environment URL, e.g. https://contoso.crm.dynamics.com")
    d365_authority: str = Field("https://login.microsoftonline.com", description="Entra authority host")
    d365_tenant_id: str = Field("", description="Entra tenant (GUID) of the org")
    d365_client_id: str = Field("", description="Entra app (confidential client) id of the application user")
    d365_client_secret: SecretStr | None = Field(None, description="Client secret of that app")
    d365_scope: str = Field("", description="Token scope; empty = <org URL>/.default")
    d365_alternate_key: str = Field(
        "auto", description="auto: ask the org; none: never use one; else the key's name (use the key on the domain)")
    d365_column_prefix: str = Field("hnt_", description="Publisher prefix of Hunter's lead columns")
    d365_batch_size: int = Field(100, ge=1, le=1000, description="Writes per $batch change set")
    d365_max_concurrency: int = Field(8, ge=1, le=52, description="Requests in flight per org per worker process")
    d365_job_chunk: int = Field(500, ge=1, le=5000, description="Leads per bulk-push task")
    d365_retry_backoff: float = Field(30.0, gt=0, description="Wait before the 2nd push attempt; doubles after")
    d365_lease_seconds: float = Field(
        120.0, ge=1, description="A push in progress whose worker stopped renewing it this long is taken over")
    d365_ca_file: str | None = Field(None, description="CA bundle for Dataverse and Entra (tests)")
    public_url: str = Field(
        "", description="Hunter's address as its users open it (e.g. https://hunter.example.com): its host is "
                        "allowed and its origin trusted; D365 leads link back to <public_url>/?lead=<domain>; "
                        "empty = no link (the hnt_hunterurl column is not sent)")
    # Registration data (RDAP, WHOIS): beside the DNS scan, with its own per-server limits and cache.
    registration: bool = Field(True, description="Look up registration data in the service (HUNTER_REGISTRATION)")
    registration_ttl_days: float = Field(7.0, gt=0, description="Reuse a registry answer this many days")
    registration_expire_soon_days: int = Field(30, ge=1, le=365, description="Tag expire-soon within this many days")
    registration_new_domain_days: int = Field(180, ge=1, le=3650, description="Tag new-domain when this young")
    rdap_servers: str = Field("", description="RDAP overrides: tld=url,... (any public suffix, e.g. com.tr)")
    whois_servers: str = Field("", description="WHOIS overrides: tld=host[:port],... (port 43 by default)")
    rdap_bootstrap: Path | None = Field(
        None, description="IANA dns.json to use; default data_dir/rdap-dns.json if refreshed, else the shipped one")
    rdap_rate: float = Field(10.0, gt=0, description="Queries per second per RDAP server")
    whois_rate: float = Field(1.0, gt=0, description="Queries per second per WHOIS server")
    registration_rates: str = Field("", description="Per-server limits: host[:port]=rate[/burst],...")
    registration_concurrency: int = Field(4, ge=1, le=64, description="Queries in flight per registry server")
    registration_timeout: float = Field(10.0, gt=0, description="Seconds per RDAP request or WHOIS exchange")
    registration_ca_file: str | None = Field(None, description="CA bundle for RDAP servers (tests)")
    sentry_dsn: SecretStr | None = Field(None, description="Sentry DSN; unset = Sentry off")
    # Alert delivery (Teams, Slack, signed webhook, e-mail): see leadhunter.services.alert_delivery.
    alert_secret_key: SecretStr | None = Field(
        None, description="Fernet key encrypting alert targets' secrets; default a key file in data_dir")
    alert_ca_file: str | None = Field(None, description="Extra CA bundle for alert webhooks and SMTP servers")
    alert_timeout: float = Field(15.0, gt=0, le=120, description="Seconds per connect / read of an alert send")

    @field_validator("partner_center_direction")
    @classmethod
    def _direction(cls, value: str) -> str:
        """``Incoming`` / ``Outgoing`` / ``both``, in any letter case; anything else is refused at start-up."""
        known = {"incoming": "Incoming", "outgoing": "Outgoing", "both": "both"}
        found = known.get(value.strip().lower())
        if found is None:
            raise ValueError(f"HUNTER_PARTNER_CENTER_DIRECTION must be Incoming, Outgoing or both, not {value!r}")
        return found

    @field_validator("auth_mode")
    @classmethod
    def _auth_mode(cls, value: str) -> str:
        """'', 'keys' or 'entra' in any letter case; anything else is refused at start-up."""
        value = value.strip().lower()
        if value not in ("", "keys", "entra"):
            raise ValueError(f"HUNTER_AUTH_MODE must be keys or entra (or empty), not {value!r}")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        """Empty, or an http(s) address without query or fragment; kept without its trailing slash."""
        value = value.strip().rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"HUNTER_PUBLIC_URL must be an http(s) address like https://hunter.example.com, "
                             f"not {value!r}")
        return value

    def database(self) -> str:
        """The database URL (SQLite file in ``data_dir`` unless configured)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'hunter.db').resolve()}"

    def broker(self) -> str:
        """The Celery broker URL (kombu's SQLAlchemy transport on SQLite unless configured)."""
        return self.broker_url or f"sqla+sqlite:///{(self.data_dir / 'broker.db').resolve()}"

    def partner_center_cache_path(self) -> Path:
        """Where the Partner Center token cache lives (``data_dir`` unless configured)."""
        return self.partner_center_token_cache or self.data_dir / "partner-center-token.json"

    def partner_center_statuses(self) -> list[str]:
        """The referral statuses to sync (blank entries dropped; empty = all)."""
        return [s.strip() for s in self.partner_center_status_filter.split(",") if s.strip()]

    def selector_list(self) -> list[str]:
        """The DKIM selectors as a list (blank entries dropped)."""
        return [s.strip() for s in self.dkim_selectors.split(",") if s.strip()]

    def nameserver_list(self) -> list[str]:
        """The configured nameservers as a list (blank entries dropped)."""
        return [s.strip() for s in self.dns_nameservers.split(",") if s.strip()]
