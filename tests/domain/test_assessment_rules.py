"""Spec §1a end to end in the pure layer: facts → assessment → breakdown, status, JSON report and tags.

One row per rule; each row runs ``assess`` with the shipped rule files and checks what a seller reads
(the breakdown reasons), what is stored (the report) and the automatic tags.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from leadhunter.domain.assessment import DOMAIN_MISSING_REASON, Assessment, assess
from leadhunter.domain.changes import auto_tags
from leadhunter.domain.dkim import DEFAULT_SELECTORS
from leadhunter.domain.facts import DkimProbe, DomainFacts, SpfExpansion
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report, has_verdict
from leadhunter.domain.scoring_rules import default_scoring_rules

OK, NX, TIMEOUT = Outcome.OK, Outcome.NXDOMAIN, Outcome.TIMEOUT
KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5"
EOP = "contoso-com.mail.protection.outlook.com"


def scan(domain: str = "contoso.com", *, mx: tuple[str, ...] = (), mx_outcome: Outcome = OK, txt: tuple[str, ...] = (),
         txt_outcome: Outcome = OK, dmarc: str | None = None, keys: tuple[str, ...] = (),
         aliases: dict[str, tuple[str, ...]] | None = None, spf_failed: tuple[str, ...] = ()) -> DomainFacts:
    """The facts of one scan: ``keys`` are default selectors holding a DKIM key; ``spf_failed`` include
    targets whose TXT lookup timed out."""
    probes = tuple(DkimProbe(s, Lookup(f"{s}._domainkey.{domain}", "TXT", OK if s in keys else NX,
                                       (KEY,) if s in keys else ())) for s in DEFAULT_SELECTORS)
    addresses = tuple(Lookup(h, "A", OK, ("192.0.2.1",), chain) for h, chain in (aliases or {}).items())
    return DomainFacts(
        domain=domain,
        mx=Lookup(domain, "MX", mx_outcome, mx),
        txt=Lookup(domain, "TXT", txt_outcome, txt),
        dmarc=Lookup(f"_dmarc.{domain}", "TXT", OK if dmarc else NX, (dmarc,) if dmarc else ()),
        dkim=probes,
        addresses=addresses,
        spf=SpfExpansion(lookups_used=1 + len(spf_failed), includes=spf_failed,
                         failed=tuple(Lookup(t, "TXT", TIMEOUT) for t in spf_failed)),
    )


def judge(facts: DomainFacts) -> tuple[Assessment, dict[str, object]]:
    result = assess(facts, default_provider_rules(), default_scoring_rules())
    return result, assessment_report(normalize_domain(facts.domain), result)


@dataclass(frozen=True)
class Want:
    """Expected: status, provider, score, breakdown (key, points, reason fragment) lines, evidence
    fragments, tags that must be present and absent."""

    status: str
    provider: str
    score: int
    items: tuple[tuple[str, int | None, str], ...] = ()
    evidence: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    not_tags: frozenset[str] = frozenset()
    absent_keys: tuple[str, ...] = ()


SPF_M365 = "v=spf1 include:spf.protection.outlook.com -all"
CASES = [
    pytest.param(
        scan(mx=("10 mail.contoso.com",), aliases={"mail.contoso.com": (EOP,)}, txt=(SPF_M365,),
             keys=("selector1",), dmarc="v=DMARC1; p=reject"),
        Want("ok", "M365", 90, (("M365", 50, "Mail provider M365"),), (f"mx: mail.contoso.com (CNAME → {EOP})",),
             not_tags=frozenset({"hybrid"})),
        id="mx-cname-to-eop-is-m365-full",
    ),
    pytest.param(
        scan(mx=("10 mail.contoso.com", f"20 {EOP}"), txt=(SPF_M365,), keys=("selector1",)),
        Want("ok", "M365", 70, (("M365", 50, "Exchange hybrid: an own server takes mail first"),),
             ("Exchange hybrid: own server mail.contoso.com first",), tags=frozenset({"hybrid"})),
        id="hybrid-breakdown-says-so",
    ),
    pytest.param(
        scan(mx=("10 mail.contoso.com",), txt=("v=spf1 include:_spf.google.com -all",), spf_failed=("_spf.google.com",),
             keys=("default",)),
        Want("partial", "Local", 20, (("spf", None, "lookup of include _spf.google.com timeout (temperror)"),),
             tags=frozenset({"partial-scan"}), not_tags=frozenset({"spf-invalid", "spf-missing"}),
             absent_keys=("spf_valid", "no_spf")),
        id="spf-include-timeout-neither-plus-nor-minus",
    ),
    pytest.param(
        scan(mx=("10 mx.yandex.net",), txt=("v=spf1 include:_spf.yandex.net ~all",), keys=("mail",),
             dmarc="v=DMARC1; p=reject"),
        Want("ok", "Yandex", 70, (("dkim_found", 10, "selector mail"),)),
        id="yandex-360-full-with-mail-selector",
    ),
    pytest.param(
        scan(mx=("10 mx.zoho.eu",), txt=("v=spf1 include:zoho.eu -all",), keys=("zmail",), dmarc="v=DMARC1; p=reject"),
        Want("ok", "Zoho", 70, (("dkim_found", 10, "selector zmail"),)),
        id="zoho-full-with-zmail-selector",
    ),
    pytest.param(
        scan(mx=("10 route1.mx.cloudflare.net", "20 route2.mx.cloudflare.net"),
             txt=("v=spf1 include:_spf.mx.cloudflare.net ~all",)),
        Want("ok", "Unknown", 0, (("Unknown", 0, "Mail provider Unknown"),),
             ("mail forwarder Cloudflare Email Routing: nothing tells the provider behind it",),
             tags=frozenset({"gateway"})),
        id="forwarder-alone-is-unknown-with-gateway",
    ),
    pytest.param(
        scan(mx_outcome=NX, txt_outcome=NX),
        Want("failed", "Unknown", 0, (("hard_fail", None, DOMAIN_MISSING_REASON),),
             ("mx: the domain does not exist (NXDOMAIN)",), tags=frozenset({"no-mail"}),
             not_tags=frozenset({"partial-scan"})),
        id="nxdomain-failed-with-reason",
    ),
    pytest.param(
        scan(mx_outcome=Outcome.NODATA),
        Want("ok", "Unknown", 0, (("hard_fail", None, "No MX record"),), ("mx: no MX records",),
             tags=frozenset({"no-mail"})),
        id="existing-domain-without-mx-is-not-nxdomain",
    ),
    pytest.param(
        scan(mx=(f"10 {EOP}",), txt=(SPF_M365,), keys=("selector1",), dmarc="v=DMARC1; p=reject; pct=10"),
        Want("ok", "M365", 90, (("dmarc_reject", 20, "not a full reject"),),
             ("dmarc: p=reject; pct=10",)),
        id="reject-pct-10-same-points-breakdown-says-not-full",
    ),
    pytest.param(
        scan(mx=(f"10 {EOP}",), txt=(SPF_M365,), keys=("selector1",),
             dmarc="v=DMARC1; p=none; sp=reject; rua=mailto:x@ag.dmarcian.com"),
        Want("ok", "M365", 60, (("dmarc_none", 0, "DMARC p=none"), ("dmarc_none", -10, "only monitors")),
             ("dmarc: p=none; pct=100; sp=reject; rua=mailto:x@ag.dmarcian.com; reports to dmarcian",)),
        id="sp-reject-never-decides-vendor-in-evidence",
    ),
    pytest.param(
        scan("xn--pypal-4ve.com", mx=("10 mail.xn--pypal-4ve.com",), txt=("v=spf1 mx -all",)),
        Want("ok", "Local", 5, evidence=("warning: look-alike domain: “pаypal” mixes Cyrillic and Latin",),
             tags=frozenset({"lookalike"})),
        id="lookalike-still-scanned-warned-tagged",
    ),
    pytest.param(
        scan("xn--trkiye-3ya.com.tr", mx=("10 mail.xn--trkiye-3ya.com.tr",), txt=("v=spf1 mx -all",)),
        Want("ok", "Local", 5, not_tags=frozenset({"lookalike"})),
        id="turkish-name-is-not-lookalike",
    ),
]


@pytest.mark.parametrize(("facts", "want"), CASES)
def test_settled_cases(facts: DomainFacts, want: Want) -> None:
    result, report = judge(facts)
    assert (report["status"], report["provider"], report["score"]) == (want.status, want.provider, want.score)
    items = [(i.key, i.points, i.reason) for i in result.score.items]
    for key, points, fragment in want.items:
        assert any(k == key and p == points and fragment in r for k, p, r in items), (key, points, fragment, items)
    for key in want.absent_keys:
        assert key not in [k for k, _, _ in items]
    evidence = report["evidence"]
    assert isinstance(evidence, list)
    for fragment in want.evidence:
        assert any(fragment in line for line in evidence), (fragment, evidence)
    tags = auto_tags(report)
    assert want.tags <= tags and not want.not_tags & tags, tags


def test_nxdomain_report_is_failed_with_reason_and_keeps_a_verdict() -> None:
    _, report = judge(scan("typo-contoso.com", mx_outcome=NX, txt_outcome=NX))
    assert (report["status"], report["reason"]) == ("failed", "nxdomain")
    assert report["message"] == "the domain does not exist"
    assert (report["segment"], report["category"], report["priority"]) == ("Skip", "P6", 7)
    assert has_verdict(report)  # an answer: the stored verdict follows it
    assert not has_verdict({"status": "failed", "reason": None, "message": "scan failed: OSError"})


def test_report_carries_the_new_fields() -> None:
    facts = scan(mx=("10 mail.contoso.com", f"20 {EOP}"), aliases={"mail.contoso.com": ("host.contoso.net",)},
                 txt=("v=spf1 include:a.example -all",), spf_failed=("a.example",),
                 dmarc="v=DMARC1; p=quarantine; pct=25; sp=none; rua=mailto:a@vali.email; ruf=mailto:f@x.com")
    _, report = judge(facts)
    assert report["hybrid"] is True and report["secondary_providers"] == ["Local"]
    assert report["mx"][0]["cnames"] == ["host.contoso.net"] and report["mx"][1]["cnames"] == []
    assert report["spf"]["status"] == "unknown" and report["spf"]["failed"] == ["a.example: timeout"]
    assert report["dmarc"] == {
        "status": "valid", "policy": "quarantine", "record": facts.dmarc.answers[0],
        "reason": "DMARC p=quarantine at pct=25 only: not a full quarantine, the rest of failing mail is delivered "
                  "(p=none)",
        "pct": 25, "sp": "none", "rua": ["mailto:a@vali.email"], "ruf": ["mailto:f@x.com"], "vendors": ["Valimail"],
        "partial_enforcement": True}
    assert report["lookalike"] is None
