"""Wiring at the edges: turn :class:`Settings` into engines, session factories and scan options.

Used by the entry points (API, CLI, Celery tasks); the services below them receive plain objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.config import Settings
from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.write_lock import DEFAULT_LOCK_WAIT_SECONDS
from leadhunter.domain.footprint_rules import default_footprint_rules, parse_footprint_rules
from leadhunter.domain.provider_rules import default_provider_rules, parse_provider_rules
from leadhunter.domain.scoring_rules import default_scoring_rules, parse_scoring_rules
from leadhunter.domain.whitespace_rules import default_whitespace_rules, parse_whitespace_rules
from leadhunter.scanners.dns.resolver import parse_nameserver, system_nameservers
from leadhunter.scanners.ipdb import IpDatabaseError, shared_ip_database
from leadhunter.scanners.registration.bootstrap import (
    BootstrapError,
    ServerDirectory,
    load_bootstrap,
    parse_rdap_overrides,
    parse_whois_overrides,
)
from leadhunter.scanners.registration.ratelimit import Limit, parse_rate_overrides
from leadhunter.scanners.registration.stage import RegistrationOptions
from leadhunter.scanners.tenant import UnsafeTargetError, check_http_target
from leadhunter.services.scanning import ScanOptions


class ConfigError(ValueError):
    """A setting is unusable; the message says which and why."""


def scan_options(settings: Settings, *, nameservers: list[str] | None = None, no_tenant: bool = False) -> ScanOptions:
    """Scan options from settings (rule files are read and validated here; a bad one is refused)."""
    try:
        servers = [parse_nameserver(n) for n in (nameservers or settings.nameserver_list())]
    except ValueError as exc:
        raise ConfigError(f"nameserver: {exc}") from exc
    servers = servers or system_nameservers()
    if not servers:
        raise ConfigError("nameserver: none configured and none in /etc/resolv.conf")
    try:
        scoring = (parse_scoring_rules(settings.scoring_rules.read_text("utf-8"))
                   if settings.scoring_rules else default_scoring_rules())
        providers = (parse_provider_rules(settings.provider_rules.read_text("utf-8"))
                     if settings.provider_rules else default_provider_rules())
        footprint = (parse_footprint_rules(settings.footprint_rules.read_text("utf-8"))
                     if settings.footprint_rules else default_footprint_rules())
        whitespace = (parse_whitespace_rules(settings.whitespace_rules.read_text("utf-8"))
                      if settings.whitespace_rules else default_whitespace_rules())
    except (ValueError, OSError) as exc:
        raise ConfigError(f"rule file refused: {exc}") from exc
    ip_files = tuple(Path(p.strip()) for p in settings.ip_db.split(",") if p.strip())
    try:
        shared_ip_database(ip_files)  # opened (and checked) once here; scanners share it
    except IpDatabaseError as exc:
        raise ConfigError(f"HUNTER_IP_DB: {exc}") from exc
    return ScanOptions(
        nameservers=servers, dns_timeout=settings.dns_timeout, dns_retries=settings.dns_retries,
        dns_concurrency=settings.dns_concurrency, window=settings.scan_window,
        dkim_selectors=settings.selector_list(),
        tenant_discovery=settings.tenant_discovery and not no_tenant,
        tenant_base_url=settings.tenant_base_url, tenant_timeout=settings.tenant_timeout,
        tenant_verify=settings.tenant_ca_file or True, allow_private_targets=settings.allow_private_targets,
        provider_rules=providers, scoring_rules=scoring,
        footprint=settings.footprint, ip_db_files=ip_files, footprint_rules=footprint, whitespace_rules=whitespace,
    )


@cache
def session_factory(database_url: str, *,
                    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS) -> sessionmaker[Session]:
    """One engine and session factory per database URL (and SQLite lock wait, seconds) per process."""
    return make_session_factory(make_engine(database_url, lock_wait_seconds=lock_wait_seconds))


@dataclass(frozen=True)
class RegistrationSetup:
    """Everything the registration stage needs, read from settings: where to ask, how fast, the cache."""

    directory: ServerDirectory
    options: RegistrationOptions
    cache_path: Path
    ttl: timedelta


def bootstrap_path(settings: Settings) -> Path:
    """Where a refreshed IANA bootstrap file lives (``HUNTER_RDAP_BOOTSTRAP`` or data_dir/rdap-dns.json)."""
    return settings.rdap_bootstrap or settings.data_dir / "rdap-dns.json"


def registration_setup(settings: Settings) -> RegistrationSetup:
    """The registration stage's wiring (ConfigError names the bad setting)."""
    try:
        rdap = parse_rdap_overrides(settings.rdap_servers)
        whois = parse_whois_overrides(settings.whois_servers)
        bootstrap = load_bootstrap(bootstrap_path(settings))
        limits = parse_rate_overrides(settings.registration_rates)
    except (BootstrapError, ValueError, OSError) as exc:
        raise ConfigError(f"registration: {exc}") from exc
    try:
        for url in rdap.values():
            check_http_target(url, allow_private=settings.allow_private_targets)
        for server in whois.values():
            check_http_target(f"whois://{server.host}", allow_private=settings.allow_private_targets)
    except UnsafeTargetError as exc:
        raise ConfigError(f"registration: {exc}") from exc
    options = RegistrationOptions(
        rdap_limit=Limit(settings.rdap_rate), whois_limit=Limit(settings.whois_rate), limits=limits,
        per_server_concurrency=settings.registration_concurrency, rdap_timeout=settings.registration_timeout,
        whois_timeout=settings.registration_timeout, verify=settings.registration_ca_file or True,
        allow_private=settings.allow_private_targets,
    )
    return RegistrationSetup(
        directory=ServerDirectory(bootstrap, rdap_overrides=rdap, whois_overrides=whois), options=options,
        cache_path=settings.data_dir / "registration-cache.sqlite",
        ttl=timedelta(days=settings.registration_ttl_days),
    )
