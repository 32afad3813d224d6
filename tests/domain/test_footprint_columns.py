"""What the service keeps of a footprint (columns, auto tags, one-line summaries) and footprint changes between
scans, from real reports built by the pure pipeline."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from footprint_builders import GOOGLE_MX, NO_TENANT, PROOFPOINT_MX, D, build, federated, judged

from leadhunter.domain.changes import auto_tags, detect_changes, verdict_of
from leadhunter.domain.facts import DomainFacts
from leadhunter.domain.footprint_columns import (
    footprint_columns,
    footprint_tags,
    infrastructure_line,
    play_keys,
    play_labels,
    slug,
)
from leadhunter.domain.footprint_facts import AddressInfo
from leadhunter.domain.lookups import Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.report import assessment_report
from leadhunter.domain.whitespace_rules import WhitespaceRulesError, default_whitespace_rules, parse_whitespace_rules

INTUNE = "enterpriseenrollment-s.manage.microsoft.com"
AWS_WWW = ("d111111abcdef8.cloudfront.net",)
AZURE_WWW = ("contoso.azurewebsites.net",)


def report_of(facts: DomainFacts) -> dict[str, Any]:
    return assessment_report(normalize_domain(D), judged(facts))


def test_columns_from_a_full_footprint() -> None:
    facts = build(ns=("ns1-01.azure-dns.com",), www=("13.107.1.1",), www_cnames=AWS_WWW,
                  apex=("20.1.1.1",), network=(AddressInfo("13.107.1.1", "US"), AddressInfo("20.1.1.1", "NL"),
                                               AddressInfo("52.101.1.1", "IE")))
    report = report_of(facts)
    # the MX host's address is in the report's network list only when the scan resolved it; add it here
    report["network"].append({"role": "mx", "host": "contoso-com.mail.protection.outlook.com",
                              "address": "52.101.1.1", "country": "IE"})
    cols = footprint_columns(report)
    assert (cols.web_host, cols.dns_host, cols.web_country, cols.mail_country) == ("AWS", "Azure DNS", "US", "IE")
    assert cols.stored is not None and set(cols.stored) == {"footprint", "network", "whitespace"}
    assert cols.stored["whitespace"]["rows"][0]["key"] == "exchange_online"


def test_web_country_falls_back_to_the_apex_and_unknown_hosts_stay_empty() -> None:
    facts = build(ns_outcome=Outcome.SERVFAIL, apex=("20.1.1.1",), network=(AddressInfo("20.1.1.1", "tr"),))
    cols = footprint_columns(report_of(facts))
    assert cols.dns_host is None and cols.web_country == "TR" and cols.mail_country is None


def test_no_footprint_no_columns() -> None:
    cols = footprint_columns(report_of(build(footprint=False)))
    assert cols.stored is not None  # the report still has a grid (every signal unknown) ...
    assert cols.web_host is None and cols.dns_host is None
    assert footprint_columns({"status": "failed", "footprint": None}).stored is None


@pytest.mark.parametrize(
    ("facts", "present", "absent"),
    [
        (build(names={"enterpriseenrollment": INTUNE, "enterpriseregistration": "enterpriseregistration.windows.net",
                      "lyncdiscover": "webdir.online.lync.com"}, www_cnames=AZURE_WWW, ns=("ns1-01.azure-dns.com",)),
         {"intune", "entra-join", "teams", "web-azure", "dns-azure-dns", "entra-tenant"},
         {"play:intune", "play:teams_phone", "federated"}),
        (build(tenant=federated("https://sts.contoso.com/adfs/ls/"), www_cnames=AWS_WWW,
               ns=("ns-12.awsdns-34.org",)),
         {"federated", "adfs", "web-aws", "dns-route-53", "play:intune", "play:teams_phone",
          "play:move_signin_to_entra", "play:azure_migration"}, {"intune", "teams"}),
        (build(tenant=federated("https://contoso.okta.com/app/office365/sso/wsfed/passive")),
         {"okta", "federated", "play:move_signin_to_entra"}, {"adfs"}),
        (build(mx=(GOOGLE_MX,), txt=("v=spf1 include:_spf.google.com ~all", "atlassian-domain-verification=abc",
                                     "ZOOM_verify_xyz"), tenant=NO_TENANT),
         {"saas:atlassian", "saas:zoom", "play:mail_migration"}, {"play:intune", "exchange-onprem"}),
        (build(mx=(PROOFPOINT_MX,), autodiscover="mail.contoso.com"),
         {"exchange-onprem", "play:finish_exchange_move"}, set()),
    ],
    ids=["microsoft workloads", "adfs on aws", "okta", "google and saas", "hybrid exchange"],
)
def test_footprint_tags(facts: DomainFacts, present: set[str], absent: set[str]) -> None:
    report = report_of(facts)
    tags = auto_tags(report)
    assert present <= tags, present - tags
    assert not (absent & tags), absent & tags
    assert {f"play:{k}" for k in play_keys(report)} == {t for t in tags if t.startswith("play:")}
    assert footprint_tags(report) <= tags


def test_unknown_signals_give_no_tags() -> None:
    facts = build(names={"enterpriseenrollment": Outcome.TIMEOUT}, ns_outcome=Outcome.TIMEOUT)
    tags = footprint_tags(report_of(facts))
    assert "intune" not in tags and "play:intune" not in tags  # unknown is not "not seen": no Intune play
    assert not any(t.startswith("dns-") for t in tags)


def test_play_labels_and_infrastructure_line() -> None:
    rules = default_whitespace_rules()
    values = {"web_host": "AWS", "gateway": "Proofpoint"}
    assert play_labels(["azure_migration", "defender_for_office", "nope"], rules, values) == [
        "Azure migration of AWS", "Defender for Office 365 instead of Proofpoint"]
    assert play_labels(["azure_migration"], rules, values, "tr") == ["AWS ortamından Azure'a geçiş"]
    assert play_labels(["defender_for_office"], rules, {}) == ["Defender for Office 365 instead of"]
    line = infrastructure_line(dns_host="Azure DNS", web_host="AWS", web_country="US", mail_country="IE",
                               provider="M365")
    assert line == "DNS: Azure DNS · Web: AWS (US) · Mail: M365 (IE)"
    assert infrastructure_line(dns_host=None, web_host=None, web_country=None, mail_country=None) == ""
    assert slug("Google Cloud") == "google-cloud" and slug("İsimtescil") == "isimtescil"


def _changes(before: DomainFacts, after: DomainFacts, alerts: frozenset[str] | None = None) -> list[tuple[str, Any]]:
    changes = detect_changes(verdict_of(report_of(before)), verdict_of(report_of(after)), footprint_alerts=alerts)
    return [(c.kind, c.old, c.new, c.alert) for c in changes]


def test_workload_added_and_removed_are_changes() -> None:
    without = build()
    with_intune = build(names={"enterpriseenrollment": INTUNE})
    assert _changes(without, with_intune) == [("intune_added", "absent", "present", True)]
    assert _changes(with_intune, without) == [("intune_removed", "present", "absent", True)]
    assert _changes(without, with_intune, frozenset()) == [("intune_added", "absent", "present", False)]


def test_unknown_is_never_a_change() -> None:
    with_intune = build(names={"enterpriseenrollment": INTUNE})
    failed = build(names={"enterpriseenrollment": Outcome.SERVFAIL})
    assert _changes(with_intune, failed) == []
    assert _changes(failed, with_intune) == []


def test_web_moving_from_aws_to_azure_is_an_alert() -> None:
    changes = detect_changes(verdict_of(report_of(build(www_cnames=AWS_WWW))),
                             verdict_of(report_of(build(www_cnames=AZURE_WWW))))
    assert [(c.kind, c.old, c.new, c.alert) for c in changes] == [("web_host_changed", "AWS", "Azure", True)]
    assert changes[0].detail == "Website host changed from AWS to Azure"


def test_federation_and_dns_host_changes() -> None:
    adfs = build(tenant=federated("https://sts.contoso.com/adfs/ls/"), ns=("ns1.example-dns.net",))
    managed = build(ns=("ns1-01.azure-dns.com",))
    kinds = {c[0]: c for c in _changes(adfs, managed)}
    assert kinds["federation_changed"] == ("federation_changed", "AD FS", None, True)
    assert kinds["dns_host_changed"] == ("dns_host_changed", "Other", "Azure DNS", False)


def test_scans_without_footprint_make_no_footprint_changes() -> None:
    new = report_of(build(names={"enterpriseenrollment": INTUNE}))
    assert detect_changes(verdict_of({**new, "footprint": None}), verdict_of(new)) == []
    assert [c.kind for c in detect_changes(verdict_of(report_of(build())), verdict_of(new))] == ["intune_added"]


def test_change_alerts_in_the_rule_file_are_validated() -> None:
    shipped = resources.files("leadhunter.domain.data").joinpath("whitespace.toml").read_text("utf-8")
    assert "web_host_changed" in parse_whitespace_rules(shipped).change_alerts
    with pytest.raises(WhitespaceRulesError, match="unknown change kind intune_moved"):
        parse_whitespace_rules(shipped.replace('alert = ["intune_added"', 'alert = ["intune_moved"'))
    replaced = parse_whitespace_rules(shipped.replace('alert = ["intune_added", ', 'alert = ['))
    assert "intune_added" not in replaced.change_alerts
