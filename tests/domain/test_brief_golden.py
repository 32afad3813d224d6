"""Golden tests of the sales brief over every reachable combination of the shipped rules.

Provider × gateway × SPF × DKIM × DMARC (policy and sub-domain policy) × tenant × referral × size, each
scored by the real scoring function, briefed in English and Turkish: no unfilled placeholder, no sentence
without its evidence, and a DMARC record that is there is never described as missing.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from leadhunter.domain.brief import BriefContext, ReferralView, brief
from leadhunter.domain.company_size import CompanySize, SizeReason
from leadhunter.domain.dkim import DkimStatus
from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus
from leadhunter.domain.offer_rules import default_offer_rules
from leadhunter.domain.provider_rules import PROVIDERS
from leadhunter.domain.report import score_json
from leadhunter.domain.scoring import ScoreInput, score_lead
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.domain.spf import SpfStatus
from leadhunter.domain.whitespace_rules import PLAY_KEYS, default_whitespace_rules

CONTEXT = BriefContext("Contoso Bilişim", "Ayşe Yılmaz", date(2026, 12, 7), "Örnek Gıda", date(2026, 12, 30), "USD")
DMARC_STATES: list[tuple[DmarcStatus, str | None, str | None]] = [
    (DmarcStatus.MISSING, None, None), (DmarcStatus.INVALID, None, None), (DmarcStatus.UNKNOWN, None, None),
    *((DmarcStatus.VALID, p, sp) for p in ("none", "quarantine", "reject") for sp in (None, "none", "quarantine",
                                                                                      "reject")),
]
REFERRALS = [None, *(ReferralView(t, "R-7") for t in ("co-sell", "marketplace", "solution-provider"))]
SIZES = [CompanySize(None, None, None),
         *(CompanySize(b, "low", "heuristic", (SizeReason("because", "çünkü", "size heuristics: test"),))
           for b in ("small", "medium", "large"))]
NO_DMARC = ("no DMARC", "DMARC kaydı yok")
SECTIONS = {"why", "angle", "security", "size", "script", "questions", "offer", "next_step"}


def report_for(provider: str, gateway: str | None, spf: SpfStatus, dkim: DkimStatus,
               dmarc: tuple[DmarcStatus, str | None, str | None], tenant: bool, cosell: bool) -> dict[str, Any]:
    status, policy, sp = dmarc
    record = None
    if status is DmarcStatus.VALID:
        record = f"v=DMARC1; p={policy}" + (f"; sp={sp}" if sp else "")
    elif status is DmarcStatus.INVALID:
        record = "v=DMARC1; rua=mailto:x@example.com"
    inp = ScoreInput(provider=provider, spf=spf, dkim=dkim, dmarc=status,
                     dmarc_policy=DmarcPolicy(policy) if policy else None, spf_includes=2, cosell=cosell)
    score = score_json(score_lead(inp, default_scoring_rules()))
    return {
        "domain": "ornek.com.tr", "domain_unicode": "ornek.com.tr", "provider": provider, "gateway": gateway,
        "hosting_label": "Natro" if provider == "Hosting" else None,
        "mx": [{"host": "mx.ornek.com.tr"}],
        "spf": {"status": spf.value, "record": "v=spf1 mx ~all" if spf is not SpfStatus.MISSING else None,
                "includes": ["a", "b"]},
        "dkim": {"status": dkim.value, "selectors": ["selector1"] if dkim is DkimStatus.FOUND else []},
        "dmarc": {"status": status.value, "policy": policy, "sp": sp, "pct": None, "record": record},
        "tenant": {"status": "found" if tenant else "not_found", "tenant_id": "t-1" if tenant else None,
                   "brand": "Örnek" if tenant else None},
        **score,
    }


def check(report: dict[str, Any], referral: ReferralView | None, size: CompanySize, lang: str) -> str:
    """Brief one combination and assert the invariants; returns the whole text."""
    result = brief(report, report, None, referral, size, lang, context=CONTEXT)
    sentences = result.sentences()
    text = "\n".join(s.text for s in sentences)
    assert "{" not in text and "}" not in text, text
    assert all(s.evidence and all(e.strip() for e in s.evidence) for s in sentences), text
    assert {s.key for s in result.sections} >= SECTIONS
    dmarc = report["dmarc"]
    if dmarc["status"] == "valid":
        assert not any(phrase in text for phrase in NO_DMARC), text
        assert f"p={dmarc['policy']}" in text
        weaker = dmarc["sp"] is not None and ("none", "quarantine", "reject").index(dmarc["sp"]) < \
            ("none", "quarantine", "reject").index(dmarc["policy"])
        assert (f"sp={dmarc['sp']}" in text) == weaker, text
    elif dmarc["status"] == "missing":
        assert any(phrase in text for phrase in NO_DMARC)
    if report["category"] != "P6":
        assert "Ayşe Yılmaz" in result.call_script() and "Contoso Bilişim" in result.call_script()
    return text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_combination_in_both_languages(provider: str) -> None:
    """About 11,500 briefs per provider: the whole product, both languages."""
    checked = 0
    for gateway, spf, dkim, dmarc, tenant in itertools.product(
            (None, "Proofpoint"), SpfStatus, DkimStatus, DMARC_STATES, (False, True)):
        for referral in REFERRALS:
            report = report_for(provider, gateway, spf, dkim, dmarc, tenant, referral is not None
                                and referral.lead_type == "co-sell")
            for size in SIZES:
                english = check(report, referral, size, "en")
                turkish = check(report, referral, size, "tr")
                assert english != turkish
                checked += 1
    assert checked == 2 * 4 * 3 * len(DMARC_STATES) * 2 * len(REFERRALS) * len(SIZES)


def test_reject_with_sp_none_says_subdomains_open_never_no_dmarc() -> None:
    report = report_for("M365", None, SpfStatus.VALID, DkimStatus.FOUND, (DmarcStatus.VALID, "reject", "none"),
                        True, False)
    for lang in ("en", "tr"):
        result = brief(report, report, None, None, SIZES[1], lang, context=CONTEXT)
        security = result.section("security")
        assert security is not None
        texts = [s.text for s in security.sentences]
        assert any("p=reject" in t for t in texts) and any("sp=none" in t for t in texts)
        assert not any(p in t for p in NO_DMARC for t in texts)


def _grid(plays: list[str]) -> dict[str, Any]:
    rules = default_whitespace_rules()
    rows = []
    for key in plays:
        play = rules.plays[key]
        fill = {"provider": "Google Workspace", "gateway": "Proofpoint", "idp": "AD FS", "web_host": "AWS",
                "dns_host": "Cloudflare", "tenant": "Örnek"}
        rows.append({"key": play.row, "state": "not_seen", "evidence": [f"evidence of {key}"], "play": {
            "key": key, "label_en": play.label_en.format_map(fill), "label_tr": play.label_tr.format_map(fill),
            "reason_en": play.reason_en.format_map(fill), "reason_tr": play.reason_tr.format_map(fill),
            "confidence": play.confidence}})
    return {"whitespace": {"rows": rows, "competitors": []}}


@pytest.mark.parametrize("plays", [[key] for key in PLAY_KEYS] + [list(PLAY_KEYS), []])
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_each_play_in_the_brief_and_its_offer(plays: list[str], lang: str) -> None:
    report = report_for("Google", None, SpfStatus.VALID, DkimStatus.MISSING, (DmarcStatus.MISSING, None, None),
                        False, False)
    for size in SIZES:
        result = brief(report, report, _grid(plays), None, size, lang, context=CONTEXT)
        section = result.section("plays")
        assert section is not None
        assert len(section.sentences) == max(1, len(plays))
        for play in plays:
            assert any(f"evidence of {play}" in s.evidence for s in section.sentences)
        offer = result.section("offer")
        assert offer is not None
        sources = {e for s in offer.sentences for e in s.evidence}
        for play in plays:
            if default_offer_rules().addons[play][0]:
                assert f"play:{play}" in sources
        text = "\n".join(s.text for s in result.sentences())
        assert "{" not in text and all(s.evidence for s in result.sentences())


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("hard", ["the domain does not exist", "no usable MX"])
def test_hard_fail_brief(lang: str, hard: str) -> None:
    inp = ScoreInput(provider="Unknown", spf=SpfStatus.UNKNOWN, dkim=DkimStatus.UNKNOWN, dmarc=DmarcStatus.UNKNOWN,
                     hard_fail=hard)
    report = {"domain": "yok.com.tr", "provider": None, "spf": None, "dkim": None, "dmarc": None, "tenant": None,
              **score_json(score_lead(inp, default_scoring_rules()))}
    result = brief(report, report, None, None, SIZES[0], lang, context=CONTEXT)
    assert hard in result.summary.text
    assert result.deadline is None
    assert all(s.evidence for s in result.sentences())


def test_deadline_is_sooner_for_cosell_and_expiring_domains() -> None:
    report = report_for("Google", None, SpfStatus.VALID, DkimStatus.FOUND, (DmarcStatus.VALID, "none", None),
                        False, False)
    plain = brief(report, report, None, None, SIZES[1], "en",
                  context=BriefContext("P", "S", date(2026, 1, 1), expires_on=date(2027, 1, 1)))
    cosell = brief(report, report, None, REFERRALS[1], SIZES[1], "en",
                   context=BriefContext("P", "S", date(2026, 1, 1)))
    expiring = brief(report, report, None, None, SIZES[1], "en",
                     context=BriefContext("P", "S", date(2026, 1, 1), expires_on=date(2026, 1, 10)))
    assert plain.deadline == date(2026, 1, 4)  # P2: discovery within 3 days
    assert cosell.deadline == date(2026, 1, 2)
    assert expiring.deadline == date(2026, 1, 3)


def test_partner_and_seller_come_from_the_context() -> None:
    report = report_for("Google", None, SpfStatus.VALID, DkimStatus.FOUND, (DmarcStatus.MISSING, None, None),
                        False, False)
    assert report["category"] != "P6"
    context = BriefContext("Fabrikam Partner", "Mehmet Öz", date(2026, 1, 1))
    script = brief(report, report, None, None, SIZES[0], "tr", context=context).call_script()
    assert "Fabrikam Partner" in script and "Mehmet Öz" in script and "Contoso" not in script


def test_hostile_company_name_is_text_not_a_template() -> None:
    report = report_for("Google", None, SpfStatus.VALID, DkimStatus.FOUND, (DmarcStatus.VALID, "reject", None),
                        False, False)
    hostile = "{domain}<script>alert(1)</script>%s"
    context = BriefContext("P", "S", date(2026, 1, 1), company_name=hostile)
    result = brief(report, report, None, None, SIZES[1], "en", context=context)
    assert result.summary.text.startswith(hostile)


def test_call_script_is_softer_for_cold_leads() -> None:
    warm = report_for("Google", None, SpfStatus.VALID, DkimStatus.FOUND, (DmarcStatus.VALID, "reject", None),
                      False, False)
    cold = report_for("Google", None, SpfStatus.VALID, DkimStatus.MISSING, (DmarcStatus.MISSING, None, None),
                      False, False)  # a Cold segment, low intent (P5)
    assert warm["technical_heat"] == "Warm" and cold["technical_heat"] == "Cold" and cold["commercial_heat"] != "HIGH"
    warm_script = brief(warm, warm, None, None, SIZES[1], "en", context=CONTEXT).call_script()
    cold_script = brief(cold, cold, None, None, SIZES[1], "en", context=CONTEXT).call_script()
    assert "30 minutes this week" in warm_script and "I will be brief" not in warm_script
    assert "I will be brief" in cold_script and "30 minutes this week" not in cold_script
