"""Use case: scan a stream of inputs (domains, URLs, e-mails) and yield one judged result per input.

Results come back in input order through a bounded window, so memory stays flat however long the
input is, and a slow domain delays its own line, not the scanning of the domains after it. Errors become
data here, at the batch boundary: one bad domain never stops a run of ten thousand.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadhunter.domain.assessment import NO_REFERRAL, Assessment, ReferralSignals, assess, score_invalid
from leadhunter.domain.footprint_rules import FootprintRules, default_footprint_rules
from leadhunter.domain.normalize import NormalizedDomain, normalize_domain
from leadhunter.domain.provider_rules import ProviderRules, default_provider_rules
from leadhunter.domain.report import assessment_report, failed_report, invalid_report
from leadhunter.domain.scoring_rules import ScoringRules, default_scoring_rules
from leadhunter.domain.whitespace_rules import WhitespaceRules, default_whitespace_rules
from leadhunter.scanners.dns.resolver import Nameserver, Resolver
from leadhunter.scanners.domain_scan import DEFAULT_DKIM_SELECTORS, DomainScanner
from leadhunter.scanners.ipdb import shared_ip_database
from leadhunter.scanners.tenant import DEFAULT_BASE_URL, TenantDiscovery

_RECENT = 1_024  # completed results kept so a domain repeated in one run is scanned once (entries)


@dataclass(frozen=True)
class ScanOptions:
    """How to scan. Times are seconds. ``window`` bounds domains in flight (default 400);
    ``dns_concurrency`` bounds DNS queries in flight (default 512). ``footprint`` (default on) adds the
    footprint lookups; ``ip_db_files`` are MaxMind-DB-format files for the offline IP database."""

    nameservers: Sequence[Nameserver]
    dns_timeout: float = 2.0
    dns_retries: int = 2
    dns_concurrency: int = 512
    window: int = 400
    dkim_selectors: Sequence[str] = DEFAULT_DKIM_SELECTORS
    tenant_discovery: bool = True
    tenant_base_url: str = DEFAULT_BASE_URL
    tenant_timeout: float = 5.0
    tenant_verify: bool | str = True
    allow_private_targets: bool = False
    provider_rules: ProviderRules = field(default_factory=default_provider_rules)
    scoring_rules: ScoringRules = field(default_factory=default_scoring_rules)
    footprint: bool = True
    ip_db_files: tuple[Path, ...] = ()
    footprint_rules: FootprintRules = field(default_factory=default_footprint_rules)
    whitespace_rules: WhitespaceRules = field(default_factory=default_whitespace_rules)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """One input's result: the normalized input and either an assessment or the error that stopped it."""

    normalized: NormalizedDomain
    assessment: Assessment | None = None
    error: str | None = None

    def report(self, rules: ScoringRules) -> dict[str, Any]:
        """The stable JSON shape (see :mod:`leadhunter.domain.report`)."""
        if self.assessment is not None:
            return assessment_report(self.normalized, self.assessment)
        if self.error is not None:
            return failed_report(self.normalized, self.error, score_invalid(self.error, rules))
        reason = self.normalized.message or "not a company domain"
        return invalid_report(self.normalized, score_invalid(reason, rules))


class Scanner:
    """Holds the resolver, tenant discovery and rules for a run; use as ``async with Scanner(opts)``."""

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self.resolver = Resolver(
            options.nameservers, timeout=options.dns_timeout, retries=options.dns_retries,
            concurrency=options.dns_concurrency,
        )
        self.tenant: TenantDiscovery | None = None
        if options.tenant_discovery:
            self.tenant = TenantDiscovery(
                options.tenant_base_url, timeout=options.tenant_timeout, verify=options.tenant_verify,
                allow_private=options.allow_private_targets,
            )
        self.domains = DomainScanner(self.resolver, tenant=self.tenant, dkim_selectors=options.dkim_selectors,
                                     footprint=options.footprint,
                                     ip_db=shared_ip_database(options.ip_db_files) if options.footprint else None)
        # Keyed by domain and referral signals: the same domain judged with other signals is another result.
        self._recent: OrderedDict[tuple[str, ReferralSignals], Assessment] = OrderedDict()
        self._inflight: dict[tuple[str, ReferralSignals], asyncio.Task[ScanOutcome]] = {}

    async def __aenter__(self) -> Scanner:
        await self.resolver.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.resolver.close()
        if self.tenant is not None:
            await self.tenant.aclose()

    async def scan_one(self, text: str, referrals: Mapping[str, ReferralSignals] | None = None) -> ScanOutcome:
        """Normalize and scan one input; never raises for bad input or network trouble. ``referrals`` maps
        registrable domains to what Partner Center referrals say about them (scored with the DNS facts)."""
        norm = normalize_domain(text)
        if not norm.ok or norm.domain is None:
            return ScanOutcome(norm)
        key = (norm.domain, (referrals or {}).get(norm.domain, NO_REFERRAL))
        cached = self._recent.get(key)
        if cached is not None:
            return ScanOutcome(norm, cached)
        running = self._inflight.get(key)
        if running is not None:
            shared = await asyncio.shield(running)
            return ScanOutcome(norm, shared.assessment, shared.error)
        task = asyncio.ensure_future(self._scan_domain(norm, key[1]))
        self._inflight[key] = task
        try:
            return await task
        finally:
            del self._inflight[key]

    async def _scan_domain(self, norm: NormalizedDomain, referral: ReferralSignals) -> ScanOutcome:
        assert norm.domain is not None
        try:
            facts = await self.domains.scan(norm.domain)
            result = assess(facts, self.options.provider_rules, self.options.scoring_rules, referral,
                            footprint_rules=self.options.footprint_rules,
                            whitespace_rules=self.options.whitespace_rules)
        # The batch boundary: a defect hit by one domain's data must not stop the other 9,999;
        # it is reported on that domain's line with its type, and the run goes on.
        except Exception as exc:  # noqa: BLE001
            return ScanOutcome(norm, error=f"scan failed: {type(exc).__name__}: {exc}")
        self._recent[(norm.domain, referral)] = result
        if len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        return ScanOutcome(norm, result)

    async def scan_stream(self, inputs: Iterable[str],
                          referrals: Mapping[str, ReferralSignals] | None = None) -> AsyncIterator[ScanOutcome]:
        """Yield one outcome per input, in input order, with at most ``options.window`` in flight
        (``referrals`` as for :meth:`scan_one`)."""
        window: deque[asyncio.Task[ScanOutcome]] = deque()
        try:
            for text in inputs:
                window.append(asyncio.ensure_future(self.scan_one(text, referrals)))
                while len(window) >= self.options.window:
                    yield await window.popleft()
            while window:
                yield await window.popleft()
        finally:
            for task in window:
                task.cancel()
            if window:
                await asyncio.gather(*window, return_exceptions=True)
