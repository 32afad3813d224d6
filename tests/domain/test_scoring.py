"""The scoring rules: the spec's 21 regression cases, one row each, and the no-gap property."""

from __future__ import annotations

import itertools

import pytest

from leadhunter.domain.dkim import DkimStatus
from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus
from leadhunter.domain.provider_rules import PROVIDERS
from leadhunter.domain.scoring import ScoreInput, score_lead
from leadhunter.domain.scoring_rules import RuleFileError, default_scoring_rules, parse_scoring_rules
from leadhunter.domain.spf import SpfStatus

RULES = default_scoring_rules()
Y, N = SpfStatus.VALID, SpfStatus.MISSING
DK, NDK = DkimStatus.FOUND, DkimStatus.MISSING


def _inp(provider: str, spf: SpfStatus, dkim: DkimStatus, dmarc: str | None, **kw: object) -> ScoreInput:
    status = DmarcStatus.VALID if dmarc else DmarcStatus.MISSING
    policy = DmarcPolicy(dmarc) if dmarc else None
    hard = "No MX record" if provider == "Unknown" else None
    return ScoreInput(provider, spf, dkim, status, policy, hard_fail=hard, **kw)  # type: ignore[arg-type]


# (case, provider, spf, dkim, dmarc, score, segment, priority) — shared/specs/scoring-and-detection.md §7
REGRESSION = [
    ("M365 full", "M365", Y, DK, "reject", 90, "Existing", 3),
    ("Google full", "Google", Y, DK, "reject", 90, "Migration", 1),
    ("Yandex full", "Yandex", Y, DK, "reject", 70, "Migration", 2),
    ("M365 partial", "M365", Y, NDK, None, 45, "Existing", 5),
    ("Google partial", "Google", Y, NDK, None, 45, "Cold", 5),
    ("Google quarantine", "Google", Y, DK, "quarantine", 85, "Migration", 1),
    ("Hosting weak", "Hosting", N, NDK, None, 0, "Skip", 7),
    ("Hosting good", "Hosting", Y, DK, None, 40, "Cold", 5),
    ("Hosting excellent", "Hosting", Y, DK, "reject", 60, "Migration", 3),
    ("Local SPF only", "Local", Y, NDK, None, 5, "Cold", 7),
    ("Local excellent", "Local", Y, DK, "reject", 50, "Cold", 5),
    ("MX missing", "Unknown", N, NDK, None, 0, "Skip", 7),
    ("M365 DMARC none", "M365", Y, DK, "none", 60, "Existing", 4),
    ("M365 quarantine", "M365", Y, DK, "quarantine", 85, "Existing", 3),
    ("Hosting external SPF", "Hosting", Y, NDK, None, 15, "Skip", 7),
    ("Local quarantine", "Local", Y, DK, "quarantine", 45, "Cold", 5),
    ("Zoho full", "Zoho", Y, DK, "reject", 70, "Migration", 2),
    ("Amazon SES full", "Amazon", Y, DK, "reject", 60, "Skip", 7),
    ("SendGrid partial", "SendGrid", Y, NDK, None, 15, "Skip", 7),
    ("Yandex partial", "Yandex", Y, NDK, None, 25, "Skip", 7),
    ("Hosting quarantine", "Hosting", Y, DK, "quarantine", 55, "Cold", 5),
]


@pytest.mark.parametrize(
    ("provider", "spf", "dkim", "dmarc", "score", "segment", "priority"),
    [row[1:] for row in REGRESSION],
    ids=[row[0] for row in REGRESSION],
)
def test_regression_cases(provider: str, spf: SpfStatus, dkim: DkimStatus, dmarc: str | None, score: int,
                          segment: str, priority: int) -> None:
    result = score_lead(_inp(provider, spf, dkim, dmarc), RULES)
    assert (result.score, result.segment, result.priority) == (score, segment, priority)


# (provider, score) → category, from the spec §5 table
CATEGORY_ROWS = [
    ("Local", Y, DK, "reject", "P1", "GREENFIELD", "HIGH"),  # Local 50 → Cold rule 3 → P1
    ("Hosting", Y, DK, "reject", "P1", "GREENFIELD", "HIGH"),  # Migration + Hosting
    ("Google", Y, DK, "reject", "P2", "COMPETITIVE", "HIGH"),
    ("M365", Y, NDK, None, "P3", "WEAK_PARTNER", "MEDIUM"),  # 45 → weak partner, < 50 → MEDIUM
    ("M365", Y, DK, "none", "P3", "WEAK_PARTNER", "HIGH"),  # 60 → weak partner, ≥ 50 → HIGH
    ("M365", Y, DK, "reject", "P4", "RENEWAL", "MEDIUM"),
    ("Google", Y, NDK, None, "P5", "LOW_INTENT", "LOW"),  # Google 45 → Cold → P5
    ("Amazon", Y, DK, "reject", "P6", "NO_GO", "LOW"),
    ("Unknown", N, NDK, None, "P6", "NO_GO", "LOW"),  # hard fail carries P6 now
]


@pytest.mark.parametrize(("provider", "spf", "dkim", "dmarc", "category", "name", "heat"), CATEGORY_ROWS)
def test_category_and_commercial_heat(provider: str, spf: SpfStatus, dkim: DkimStatus, dmarc: str | None,
                                      category: str, name: str, heat: str) -> None:
    result = score_lead(_inp(provider, spf, dkim, dmarc), RULES)
    assert (result.category, result.category_name, result.commercial_heat) == (category, name, heat)


def test_self_hosted_is_greenfield_with_low_priority() -> None:
    """The spec's example of category and priority disagreeing: P1 greenfield, priority 5–7."""
    result = score_lead(_inp("Local", Y, NDK, None), RULES)
    assert result.category == "P1" and result.priority == 7


def test_every_reachable_input_lands_in_exactly_one_segment_and_category() -> None:
    """Enumerate every provider and signal combination; each gets one segment, priority and category."""
    spfs = list(SpfStatus)
    dkims = list(DkimStatus)
    dmarcs: list[tuple[DmarcStatus, DmarcPolicy | None]] = [
        (DmarcStatus.VALID, p) for p in DmarcPolicy
    ] + [(DmarcStatus.MISSING, None), (DmarcStatus.UNKNOWN, None), (DmarcStatus.INVALID, None)]
    seen = 0
    for provider, spf, dkim, (dmarc, policy), includes, cosell, hard in itertools.product(
        PROVIDERS, spfs, dkims, dmarcs, (0, 5), (False, True), (None, "hard fail")
    ):
        result = score_lead(ScoreInput(provider, spf, dkim, dmarc, policy, includes, hard, cosell=cosell), RULES)
        segments = [s for s in RULES.segments if s.when.matches(provider, result.score)]
        assert 0 <= result.score <= 100
        if hard:
            assert (result.segment, result.category, result.priority) == ("Skip", "P6", 7)
        else:
            assert segments and segments[0].segment == result.segment  # the first match is the one used
        assert result.category in {"P1", "P2", "P3", "P4", "P5", "P6"}
        assert 1 <= result.priority <= 7 and result.technical_heat and result.commercial_heat
        seen += 1
    assert seen == len(PROVIDERS) * 4 * 3 * 6 * 2 * 2 * 2


def test_breakdown_orders_signals_then_risks_by_points_and_sums_to_score() -> None:
    result = score_lead(_inp("M365", Y, NDK, "none"), RULES)
    kinds = [i.kind for i in result.items]
    assert kinds == ["base", "provider", "signal", "signal", "risk", "risk", "risk"]
    assert [i.key for i in result.items if i.kind == "risk"] == ["no_dkim", "dmarc_none", "no_dkim_extra"]
    assert sum(i.points or 0 for i in result.items) == result.score == 35
    assert result.segment_rule == 1


def test_failed_lookup_is_neither_point_nor_penalty() -> None:
    result = score_lead(ScoreInput("Google", SpfStatus.UNKNOWN, DkimStatus.UNKNOWN, DmarcStatus.UNKNOWN), RULES)
    assert result.score == 50 and result.partial
    assert sorted(i.key for i in result.items if i.kind == "unknown") == ["dkim", "dmarc", "spf"]
    assert not [i for i in result.items if i.kind == "risk"]


def test_spf_with_many_includes_costs_five() -> None:
    base = score_lead(_inp("Google", Y, DK, "reject"), RULES).score
    many = score_lead(_inp("Google", Y, DK, "reject", spf_includes=4), RULES).score
    assert base - many == 5


def test_cosell_bonus_is_shown_and_added() -> None:
    result = score_lead(_inp("M365", Y, NDK, None, cosell=True), RULES)
    assert result.score == 60
    assert ("bonus", "cosell_bonus", 15) in [(i.kind, i.key, i.points) for i in result.items]


def test_hard_fail_states_reason_and_is_p6() -> None:
    result = score_lead(_inp("Unknown", N, NDK, None), RULES)
    assert result.hard_fail == "No MX record" and result.items[0].reason == "No MX record"
    assert (result.score, result.segment, result.category, result.action) == (0, "Skip", "P6", "No calls")


def _default_text() -> str:
    from importlib import resources

    return resources.files("leadhunter.domain").joinpath("data/scoring.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('rule = 5\nsegment = "Skip"\nwhen = {}', 'rule = 5\nsegment = "Skip"\nwhen = { score_max = 30 }',
         "no segment rule matches"),
        ("Skip = [{ min = 0, priority = 7 }]", "Skip = [{ min = 10, priority = 7 }]", "no priority band"),
        ('action = "No calls"\nwhen = [{}]', 'action = "No calls"\nwhen = [{ score_max = 10 }]',
         "no category matches"),
        ("M365 = 50\n", "M365 = 50\nExchange = 40\n", "provider_points"),
        ('providers = ["M365"]', 'providers = ["Microsoft"]', "must be a non-empty list"),
        ("version = 1", "version = [", "not valid TOML"),
        ('[[technical_heat]]\nlabel = "Cold"\nwhen = {}',
         '[[technical_heat]]\nlabel = "Cold"\nwhen = { score_min = 1 }', "technical_heat"),
    ],
    ids=["segment gap", "priority gap", "category gap", "unknown provider points", "unknown provider",
         "bad toml", "heat gap"],
)
def test_rule_file_with_a_gap_or_error_is_refused(old: str, new: str, message: str) -> None:
    text = _default_text()
    assert old in text
    with pytest.raises(RuleFileError, match=message):
        parse_scoring_rules(text.replace(old, new))


def test_default_rule_file_round_trips() -> None:
    assert parse_scoring_rules(_default_text()).cosell_bonus == 15
