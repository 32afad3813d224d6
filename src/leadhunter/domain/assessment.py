"""From scan facts to a judged lead: SPF, DMARC, DKIM, provider, score — one pure function."""

from __future__ import annotations

from dataclasses import dataclass

from leadhunter.domain.detection import Detection, MxStatus, detect_provider
from leadhunter.domain.dkim import DkimResult, DkimStatus, evaluate_dkim
from leadhunter.domain.dmarc import DmarcResult, DmarcStatus, find_dmarc
from leadhunter.domain.facts import DomainFacts, TenantStatus
from leadhunter.domain.provider_rules import ProviderRules
from leadhunter.domain.scoring import Score, ScoreInput, score_lead
from leadhunter.domain.scoring_rules import ScoringRules
from leadhunter.domain.spf import SpfResult, SpfStatus, find_spf


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything Hunter concludes about one scanned domain."""

    facts: DomainFacts
    spf: SpfResult
    dmarc: DmarcResult
    dkim: DkimResult
    detection: Detection
    score: Score

    @property
    def partial(self) -> bool:
        """True when some lookup failed, so a part of the picture is unknown."""
        return bool(self.facts.failed_lookups()) or self.facts.tenant.status is TenantStatus.FAILED


@dataclass(frozen=True, slots=True)
class ReferralSignals:
    """What a Partner Center referral tells the scorer (supplied by the integration, as plain data)."""

    tenant_id: str | None = None
    cosell: bool = False


NO_REFERRAL = ReferralSignals()


def assess(
    facts: DomainFacts,
    provider_rules: ProviderRules,
    scoring_rules: ScoringRules,
    referral: ReferralSignals = NO_REFERRAL,
) -> Assessment:
    """Judge every record, detect the provider and score the lead."""
    spf = find_spf(facts.txt, facts.spf)
    dmarc = find_dmarc(facts.dmarc)
    dkim = evaluate_dkim(facts.dkim)
    detection = detect_provider(facts, spf, dkim, provider_rules, referral_tenant_id=referral.tenant_id)
    hard_fail = None
    if detection.mx_status is MxStatus.NONE:
        hard_fail = "No MX record: the domain receives no e-mail"
    elif detection.mx_status is MxStatus.NULL:
        hard_fail = "Null MX (RFC 7505): the domain declares it accepts no e-mail"
    unknown_reason = None
    if detection.mx_status is MxStatus.UNKNOWN:
        unknown_reason = f"Mail provider unknown: MX lookup {facts.mx.outcome.value}"
    inputs = ScoreInput(
        provider=detection.provider,
        spf=spf.status,
        dkim=dkim.status,
        dmarc=dmarc.status,
        dmarc_policy=dmarc.policy,
        spf_includes=spf.include_count,
        hard_fail=hard_fail,
        provider_unknown_reason=unknown_reason,
        cosell=referral.cosell,
        spf_reason=spf.reason,
        dkim_reason=dkim.reason,
        dmarc_reason=dmarc.reason,
    )
    return Assessment(facts, spf, dmarc, dkim, detection, score_lead(inputs, scoring_rules))


def score_invalid(reason: str, scoring_rules: ScoringRules) -> Score:
    """The hard-fail score for input that is not a usable company domain."""
    inputs = ScoreInput("Unknown", SpfStatus.UNKNOWN, DkimStatus.UNKNOWN, DmarcStatus.UNKNOWN, hard_fail=reason)
    return score_lead(inputs, scoring_rules)
