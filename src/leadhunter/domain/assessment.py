"""From scan facts to a judged lead: SPF, DMARC, DKIM, provider, score — one pure function."""

from __future__ import annotations

from dataclasses import dataclass

from leadhunter.domain.detection import Detection, MxStatus, detect_provider
from leadhunter.domain.dkim import DkimResult, DkimStatus, evaluate_dkim
from leadhunter.domain.dmarc import DmarcResult, DmarcStatus, find_dmarc
from leadhunter.domain.facts import DomainFacts, TenantStatus
from leadhunter.domain.footprint import Footprint, read_footprint
from leadhunter.domain.footprint_rules import FootprintRules, default_footprint_rules
from leadhunter.domain.lookalike import LookAlike, find_lookalike
from leadhunter.domain.networks import default_network_table
from leadhunter.domain.provider_rules import ProviderRules
from leadhunter.domain.scoring import Score, ScoreInput, score_lead
from leadhunter.domain.scoring_rules import ScoringRules
from leadhunter.domain.spf import SpfResult, SpfStatus, find_spf
from leadhunter.domain.whitespace import Whitespace, whitespace_grid
from leadhunter.domain.whitespace_rules import WhitespaceRules, default_whitespace_rules


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything Hunter concludes about one scanned domain."""

    facts: DomainFacts
    spf: SpfResult
    dmarc: DmarcResult
    dkim: DkimResult
    detection: Detection
    score: Score
    footprint: Footprint | None = None  # footprint signals (domain/footprint.py)
    whitespace: Whitespace | None = None  # the Microsoft white-space grid (domain/whitespace.py)
    lookalike: LookAlike | None = None

    @property
    def partial(self) -> bool:
        """True when some lookup failed, so a part of the picture is unknown."""
        return bool(self.facts.failed_lookups()) or self.facts.tenant.status is TenantStatus.FAILED

    @property
    def domain_missing(self) -> bool:
        """True when the domain itself does not exist (NXDOMAIN): the scan failed, it found no company."""
        return self.detection.mx_status is MxStatus.NXDOMAIN

    @property
    def status(self) -> str:
        """``failed`` for a domain that does not exist, ``partial`` when a lookup failed, else ``ok``."""
        if self.domain_missing:
            return "failed"
        return "partial" if self.partial else "ok"

    @property
    def evidence(self) -> tuple[str, ...]:
        """What a person reads: a look-alike warning first, the provider evidence, then DMARC details."""
        lines = [f"warning: {self.lookalike.warning}"] if self.lookalike else []
        lines += self.detection.evidence
        dmarc = self.dmarc
        if dmarc.record is not None and dmarc.policy is not None:
            parts = [f"dmarc: p={dmarc.policy.value}", f"pct={dmarc.pct}"]
            parts += [f"sp={dmarc.sp.value}"] if dmarc.sp else []
            parts += [f"rua={','.join(dmarc.rua)}"] if dmarc.rua else []
            parts += [f"ruf={','.join(dmarc.ruf)}"] if dmarc.ruf else []
            parts += [f"reports to {', '.join(dmarc.vendors)}"] if dmarc.vendors else []
            lines.append("; ".join(parts))
        return tuple(lines)


@dataclass(frozen=True, slots=True)
class ReferralSignals:
    """What a Partner Center referral tells the scorer (supplied by the integration, as plain data)."""

    tenant_id: str | None = None
    cosell: bool = False


NO_REFERRAL = ReferralSignals()
DOMAIN_MISSING = "the domain does not exist"  # the message of a failed scan (status ``failed``)
DOMAIN_MISSING_REASON = "The domain does not exist (NXDOMAIN): a typo in the list, or a lapsed registration"


def assess(
    facts: DomainFacts,
    provider_rules: ProviderRules,
    scoring_rules: ScoringRules,
    referral: ReferralSignals = NO_REFERRAL,
    *,
    footprint_rules: FootprintRules | None = None,
    whitespace_rules: WhitespaceRules | None = None,
) -> Assessment:
    """Judge every record, detect the provider, score the lead, read the footprint and build the
    white-space grid (``footprint_rules`` / ``whitespace_rules`` default to the shipped files)."""
    spf = find_spf(facts.txt, facts.spf)
    dmarc = find_dmarc(facts.dmarc)
    dkim = evaluate_dkim(facts.dkim)
    detection = detect_provider(facts, spf, dkim, provider_rules, referral_tenant_id=referral.tenant_id)
    hard_fail = None
    if detection.mx_status is MxStatus.NXDOMAIN:
        hard_fail = DOMAIN_MISSING_REASON
    elif detection.mx_status is MxStatus.NONE:
        hard_fail = "No MX record: the domain receives no e-mail"
    elif detection.mx_status is MxStatus.NULL:
        hard_fail = "Null MX (RFC 7505): the domain declares it accepts no e-mail"
    unknown_reason = None
    if detection.mx_status is MxStatus.UNKNOWN:
        unknown_reason = f"Mail provider unknown: MX lookup {facts.mx.outcome.value}"
    note = None
    if detection.hybrid:
        note = ("Exchange hybrid: an own server takes mail first, Exchange Online behind it "
                "(Local kept as secondary provider)")
    inputs = ScoreInput(
        provider=detection.provider,
        spf=spf.status,
        dkim=dkim.status,
        dmarc=dmarc.status,
        dmarc_policy=dmarc.policy,
        spf_includes=spf.include_count,
        hard_fail=hard_fail,
        provider_unknown_reason=unknown_reason,
        provider_note=note,
        cosell=referral.cosell,
        spf_reason=spf.reason,
        dkim_reason=dkim.reason,
        dmarc_reason=dmarc.reason,
    )
    footprint = read_footprint(facts, footprint_rules or default_footprint_rules(), default_network_table())
    grid = whitespace_grid(facts, detection, footprint, whitespace_rules or default_whitespace_rules())
    return Assessment(facts, spf, dmarc, dkim, detection, score_lead(inputs, scoring_rules), footprint, grid,
                      find_lookalike(facts.domain))


def score_invalid(reason: str, scoring_rules: ScoringRules) -> Score:
    """The hard-fail score for input that is not a usable company domain."""
    inputs = ScoreInput("Unknown", SpfStatus.UNKNOWN, DkimStatus.UNKNOWN, DmarcStatus.UNKNOWN, hard_fail=reason)
    return score_lead(inputs, scoring_rules)
