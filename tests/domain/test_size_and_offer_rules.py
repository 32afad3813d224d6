"""Company size (referral band, import column, heuristics) and the offer / brief rule files' validation."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from leadhunter.domain.brief_rules import BriefRulesError, parse_brief_rules
from leadhunter.domain.company_size import (
    PARTNER_CENTER_BANDS,
    SizeRulesError,
    band_of_employees,
    default_size_rules,
    employees_cell,
    estimate_size,
    parse_size_rules,
    size_from_json,
)
from leadhunter.domain.offer_rules import OfferRulesError, default_offer_rules, parse_offer_rules

RULES = default_size_rules()
SEGMENTS = ("Migration", "Existing", "Cold", "Skip")


def data(name: str) -> str:
    return resources.files("leadhunter.domain").joinpath(f"data/{name}").read_text("utf-8")


@pytest.mark.parametrize(("cell", "band", "confidence"), [
    ("12", "small", "high"), ("50", "small", "high"), ("51", "medium", "high"), ("1.200", "large", "high"),
    ("50-249", "medium", "high"), ("250–999 kişi", "large", "high"), ("1000+", "large", "high"),
    ("Orta ölçekli", "medium", "medium"), ("KÜÇÜK", "small", "medium"), ("Büyük", "large", "medium"),
    ("enterprise", "large", "medium"),
])
def test_employees_cell_bands(cell: str, band: str, confidence: str) -> None:
    assert band_of_employees(cell, RULES) == (band, confidence)


def test_employees_cell_says_nothing() -> None:
    assert band_of_employees("bilinmiyor", RULES) is None


@pytest.mark.parametrize("header", ["Çalışan Sayısı", "employees", "Number of employees", "Personel Sayısı"])
def test_employees_column_found_by_header(header: str) -> None:
    assert employees_cell({"Firma": "Örnek", header: " 120 "}, RULES) == (header, "120")


def test_every_partner_center_band_is_mapped() -> None:
    for band in PARTNER_CENTER_BANDS:
        size = estimate_size(referral_band=band, employees="5", report=None, rules=RULES)
        assert size.source == "referral" and size.confidence == "high" and band in size.reasons[0].evidence


def test_order_referral_then_import_then_heuristics() -> None:
    report: dict[str, Any] = {"provider": "Hosting", "hosting_label": "Natro", "spf": {"includes": []}}
    first = estimate_size(referral_band="Morethan500employees", employees="10", report=report, rules=RULES)
    assert first.band == "large"
    assert estimate_size(referral_band="", employees="600", report=report, rules=RULES).source == "import"
    heuristic = estimate_size(referral_band=None, employees=None, report=report, rules=RULES)
    assert (heuristic.band, heuristic.source, heuristic.confidence) == ("small", "heuristic", "low")
    assert "Natro" in heuristic.reasons[0].text_en


def test_heuristics_add_up_to_large() -> None:
    report = {"provider": "M365", "gateway": "Proofpoint", "spf": {"includes": ["a", "b", "c", "d", "e"]},
              "footprint": {"federation": {"state": "present", "value": "AD FS", "kind": "adfs",
                                           "evidence": ["realm: Federated, AD FS"]}}}
    size = estimate_size(referral_band=None, employees=None, report=report, rules=RULES)
    assert size.band == "large"
    assert [r.evidence for r in size.reasons] == ["realm: Federated, AD FS", "mx: Proofpoint gateway",
                                                   "spf: 5 includes"]
    assert size_from_json(size.as_json()) == size


def test_no_report_no_size() -> None:
    assert estimate_size(referral_band=None, employees=None, report=None, rules=RULES).band is None


def test_size_rules_refuse_a_missing_band() -> None:
    text = data("size.toml").replace('Morethan20000employees = "large"\n', "")
    with pytest.raises(SizeRulesError, match="Morethan20000employees"):
        parse_size_rules(text)


def test_size_rules_refuse_an_unknown_heuristic() -> None:
    with pytest.raises(SizeRulesError, match="not one of"):
        parse_size_rules(data("size.toml").replace('key = "gateway"', 'key = "office_count"'))


def test_offer_every_segment_and_size_has_a_tier() -> None:
    rules = default_offer_rules()
    for segment in SEGMENTS:
        for size in ("small", "medium", "large", None):
            lines = rules.offer_for(segment, size, [])
            assert lines[0].source.startswith("tier:")
    assert rules.offer_for("Skip", "large", ["intune"])[0].products == ()
    assert [p.key for p in rules.offer_for("Existing", "large", [])[0].products] == ["m365_e5"]
    assert [p.key for p in rules.offer_for("Migration", "small", [])[0].products] == ["m365_business_standard"]


def test_offer_rules_refuse_a_gap() -> None:
    text = data("offers.toml")
    start = 'key = "business_basic_start"\n'
    gap = text.replace(start + "when = {}", start + 'when = { sizes = ["small"] }')
    with pytest.raises(OfferRulesError, match="no \\[\\[tier\\]\\] matches"):
        parse_offer_rules(gap, SEGMENTS)


def test_offer_rules_refuse_an_unknown_product_and_bad_price() -> None:
    with pytest.raises(OfferRulesError, match="unknown product"):
        parse_offer_rules(data("offers.toml").replace('products = ["intune"]', 'products = ["intune_p9"]'), SEGMENTS)
    with pytest.raises(OfferRulesError, match="ISO 4217"):
        parse_offer_rules(data("offers.toml").replace("USD = 8.0", "usd = 8.0"), SEGMENTS)


def test_offer_rules_need_every_play() -> None:
    text = data("offers.toml")
    start = text.index('[[addon]]\nplay = "teams_phone"')
    with pytest.raises(OfferRulesError, match="teams_phone"):
        parse_offer_rules(text[:start] + text[start:].split("\n\n", 1)[1], SEGMENTS)


def test_brief_rules_refuse_different_placeholders() -> None:
    text = data("brief.toml").replace('q_budget = "Bu yıl BT', 'q_budget = "{company} bu yıl BT')
    with pytest.raises(BriefRulesError, match="q_budget"):
        parse_brief_rules(text)


def test_brief_rules_refuse_a_missing_turkish_key() -> None:
    text = data("brief.toml")
    start = text.index("[tr]")
    turkish = text[start:].replace('q_kvkk = "KVKK ya da', 'q_kvkk_x = "KVKK ya da')
    with pytest.raises(BriefRulesError, match="q_kvkk"):
        parse_brief_rules(text[:start] + turkish)
