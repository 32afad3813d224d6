"""Wiring at the edges: turn :class:`Settings` into engines, session factories and scan options.

Used by the entry points (API, CLI, Celery tasks); the services below them receive plain objects.
"""

from __future__ import annotations

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
