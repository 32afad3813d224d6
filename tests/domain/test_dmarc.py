"""Table-driven tests for leadhunter.domain.dmarc on literal ``_dmarc`` records: one row per rule."""

from __future__ import annotations

import pytest

from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus, find_dmarc, parse_tags
from leadhunter.domain.dmarc_vendors import (
    VendorRulesError,
    address_domain,
    parse_uris,
    parse_vendor_rules,
    report_vendors,
)
from leadhunter.domain.lookups import Lookup, Outcome

S = DmarcStatus
P = DmarcPolicy
RUA = "rua=mailto:dmarc@example.com"


def dmarc(*answers: str, outcome: Outcome = Outcome.OK) -> Lookup:
    """The TXT lookup at ``_dmarc.example.com`` holding ``answers``."""
    return Lookup("_dmarc.example.com", "TXT", outcome, tuple(answers))


# (lookup, status, policy, reason fragment)
CASES = [
    # --- the three policies, in any case
    pytest.param(dmarc("v=DMARC1; p=none"), S.VALID, P.NONE, "p=none", id="none"),
    pytest.param(dmarc("v=DMARC1; p=quarantine"), S.VALID, P.QUARANTINE, "p=quarantine", id="quarantine"),
    pytest.param(dmarc("v=DMARC1; p=reject"), S.VALID, P.REJECT, "p=reject", id="reject"),
    pytest.param(dmarc("v=DMARC1; p=REJECT"), S.VALID, P.REJECT, "p=reject", id="reject-upper-value"),
    pytest.param(dmarc("v=DMARC1; p=Quarantine"), S.VALID, P.QUARANTINE, "quarantine", id="quarantine-title"),
    pytest.param(dmarc("V=DMARC1; P=None"), S.VALID, P.NONE, "p=none", id="none-upper-tags"),
    pytest.param(dmarc("v=dmarc1; p=reject"), S.VALID, P.REJECT, "reject", id="lower-version"),
    pytest.param(dmarc(f"v=DMARC1; p=reject; {RUA}; pct=100; adkim=s"), S.VALID, P.REJECT, "reject", id="full-record"),
    pytest.param(dmarc("v=DMARC1; p=reject;"), S.VALID, P.REJECT, "reject", id="trailing-semicolon"),
    # --- spaces around tags and the version
    pytest.param(dmarc("v = DMARC1 ; p = reject"), S.VALID, P.REJECT, "reject", id="spaces-around-equals"),
    pytest.param(dmarc("  v=DMARC1;p=quarantine  "), S.VALID, P.QUARANTINE, "quarantine", id="no-space-after-semi"),
    pytest.param(dmarc("v=DMARC1;   p=none  ;  rua=mailto:x@example.com"), S.VALID, P.NONE, "none", id="padded-tags"),
    # --- the policy comes from p= only, never sp=
    pytest.param(dmarc("v=DMARC1; p=none; sp=reject"), S.VALID, P.NONE, "p=none", id="sp-reject-ignored"),
    pytest.param(dmarc("v=DMARC1; sp=reject; p=quarantine"), S.VALID, P.QUARANTINE, "quarantine", id="sp-first"),
    pytest.param(dmarc(f"v=DMARC1; sp=reject; {RUA}"), S.VALID, P.NONE, "treated as p=none", id="only-sp-with-rua"),
    pytest.param(dmarc("v=DMARC1; sp=reject"), S.INVALID, None, "p=(missing)", id="only-sp-without-rua"),
    pytest.param(dmarc("v=DMARC1; p=none; p=reject"), S.VALID, P.NONE, "p=none", id="first-p-wins"),
    # --- p= missing or unusable
    pytest.param(dmarc(f"v=DMARC1; {RUA}"), S.VALID, P.NONE, "treated as p=none", id="missing-p-with-rua"),
    pytest.param(dmarc(f"v=DMARC1; p=block; {RUA}"), S.VALID, P.NONE, "treated as p=none", id="bad-p-with-rua"),
    pytest.param(dmarc("v=DMARC1"), S.INVALID, None, "p=(missing)", id="version-only"),
    pytest.param(dmarc("v=DMARC1; pct=100"), S.INVALID, None, "p=(missing)", id="missing-p-without-rua"),
    pytest.param(dmarc("v=DMARC1; p=block"), S.INVALID, None, "p=block", id="bad-p-without-rua"),
    pytest.param(dmarc("v=DMARC1; p="), S.INVALID, None, "p=(missing)", id="empty-p-without-rua"),
    pytest.param(dmarc("v=DMARC1; ruf=mailto:x@example.com"), S.INVALID, None, "not valid", id="ruf-is-not-rua"),
    # --- several records
    pytest.param(dmarc("v=DMARC1; p=reject", "v=DMARC1; p=none"), S.INVALID, None, "2 DMARC", id="two-records"),
    pytest.param(dmarc("v=DMARC1; p=reject", "v=DMARC1; p=reject"), S.INVALID, None, "2 DMARC", id="two-same-records"),
    # --- no record; non-DMARC TXT at _dmarc is ignored
    pytest.param(dmarc(), S.MISSING, None, "no DMARC", id="missing-ok-empty"),
    pytest.param(dmarc(outcome=Outcome.NXDOMAIN), S.MISSING, None, "no DMARC", id="missing-nxdomain"),
    pytest.param(dmarc(outcome=Outcome.NODATA), S.MISSING, None, "no DMARC", id="missing-nodata"),
    pytest.param(dmarc("v=spf1 -all"), S.MISSING, None, "no DMARC", id="spf-at-dmarc-ignored"),
    pytest.param(dmarc("p=reject"), S.MISSING, None, "no DMARC", id="no-version-ignored"),
    pytest.param(dmarc("v=DMARC2; p=reject"), S.MISSING, None, "no DMARC", id="other-version-ignored"),
    pytest.param(dmarc("p=reject; v=DMARC1"), S.MISSING, None, "no DMARC", id="version-not-first-ignored"),
    # RFC 7489 §6.3: v= must be exactly "DMARC1"; without the ';' it reads "DMARC1 p=reject" and is ignored.
    pytest.param(dmarc("v=DMARC1 p=reject"), S.MISSING, None, "no DMARC", id="missing-semicolon-ignored"),
    pytest.param(
        dmarc("some-verification=abc", "v=DMARC1; p=reject"), S.VALID, P.REJECT, "reject",
        id="other-txt-beside-record-ignored",
    ),
    pytest.param(
        dmarc("v=spf1 -all", "v=DMARC1; p=quarantine", "hello"), S.VALID, P.QUARANTINE, "quarantine",
        id="noise-does-not-make-multiple",
    ),
    # --- lookup failed: UNKNOWN, never MISSING
    pytest.param(dmarc(outcome=Outcome.TIMEOUT), S.UNKNOWN, None, "timeout", id="unknown-timeout"),
    pytest.param(dmarc(outcome=Outcome.SERVFAIL), S.UNKNOWN, None, "servfail", id="unknown-servfail"),
    pytest.param(dmarc(outcome=Outcome.REFUSED), S.UNKNOWN, None, "refused", id="unknown-refused"),
    pytest.param(dmarc(outcome=Outcome.ERROR), S.UNKNOWN, None, "error", id="unknown-error"),
    pytest.param(
        dmarc("v=DMARC1; p=reject", outcome=Outcome.SERVFAIL), S.UNKNOWN, None, "servfail",
        id="unknown-failed-ignores-answers",
    ),
]


@pytest.mark.parametrize(("lookup", "status", "policy", "reason"), CASES)
def test_find_dmarc(lookup: Lookup, status: DmarcStatus, policy: DmarcPolicy | None, reason: str) -> None:
    result = find_dmarc(lookup)
    assert result.status is status
    assert result.policy is policy
    assert reason in result.reason
    if status in (S.MISSING, S.UNKNOWN):
        assert result.record is None
    else:
        assert result.record is not None


def test_find_dmarc_keeps_record_and_tags() -> None:
    result = find_dmarc(dmarc(f"v=DMARC1; P=Reject; SP=none; {RUA}"))
    assert result.record == f"v=DMARC1; P=Reject; SP=none; {RUA}"
    assert result.tags == {"v": "DMARC1", "p": "Reject", "sp": "none", "rua": "mailto:dmarc@example.com"}


# (text, tags)
TAG_CASES = [
    pytest.param("v=DMARC1; p=reject", {"v": "DMARC1", "p": "reject"}, id="simple"),
    pytest.param(" K = V ; x=1 ", {"k": "V", "x": "1"}, id="keys-lower-values-kept"),
    pytest.param("p=none; p=reject", {"p": "none"}, id="first-wins"),
    pytest.param("p=MIGf==AB; t=y", {"p": "MIGf==AB", "t": "y"}, id="value-keeps-equals"),
    pytest.param("novalue; =x; p=", {"p": ""}, id="junk-skipped-empty-kept"),
    pytest.param("", {}, id="empty"),
]


@pytest.mark.parametrize(("text", "tags"), TAG_CASES)
def test_parse_tags(text: str, tags: dict[str, str]) -> None:
    assert parse_tags(text) == tags


# --- pct, sp, rua/ruf and report vendors: (record, policy, pct, sp, rua, ruf, vendors, partial, reason fragment)
DETAIL_CASES = [
    pytest.param("v=DMARC1; p=reject", P.REJECT, 100, None, (), (), (), False, "DMARC p=reject", id="defaults"),
    pytest.param("v=DMARC1; p=reject; pct=100", P.REJECT, 100, None, (), (), (), False, "DMARC p=reject",
                 id="pct-100-is-full"),
    pytest.param("v=DMARC1; p=reject; pct=10", P.REJECT, 10, None, (), (), (), True,
                 "p=reject at pct=10 only: not a full reject, the rest of failing mail is quarantined",
                 id="reject-pct-10-not-full"),
    pytest.param("v=DMARC1; p=quarantine; pct=50", P.QUARANTINE, 50, None, (), (), (), True,
                 "not a full quarantine, the rest of failing mail is delivered", id="quarantine-pct-50"),
    pytest.param("v=DMARC1; p=reject; pct=0", P.REJECT, 0, None, (), (), (), True, "pct=0 only", id="pct-0"),
    pytest.param("v=DMARC1; p=none; pct=10", P.NONE, 10, None, (), (), (), False, "DMARC p=none",
                 id="none-with-pct-is-just-none"),
    pytest.param("v=DMARC1; p=reject; pct=abc", P.REJECT, 100, None, (), (), (), False, "pct=abc is not 0–100",
                 id="pct-not-a-number-read-as-100"),
    pytest.param("v=DMARC1; p=reject; pct=150", P.REJECT, 100, None, (), (), (), False, "pct=150",
                 id="pct-over-100-read-as-100"),
    pytest.param("v=DMARC1; p=none; sp=reject", P.NONE, 100, P.REJECT, (), (), (), False, "DMARC p=none",
                 id="sp-kept-never-decides"),
    pytest.param("v=DMARC1; p=reject; sp=None", P.REJECT, 100, P.NONE, (), (), (), False, "p=reject",
                 id="sp-any-case"),
    pytest.param("v=DMARC1; p=reject; sp=bogus", P.REJECT, 100, None, (), (), (), False, "p=reject",
                 id="sp-invalid-dropped"),
    pytest.param("v=DMARC1; p=none; rua=mailto:dmarc@example.com", P.NONE, 100, None,
                 ("mailto:dmarc@example.com",), (), (), False, "p=none", id="own-rua-no-vendor"),
    pytest.param("v=DMARC1; p=quarantine; rua=mailto:x@ag.dmarcian.com; ruf=mailto:x@fr.dmarcian.com",
                 P.QUARANTINE, 100, None, ("mailto:x@ag.dmarcian.com",), ("mailto:x@fr.dmarcian.com",), ("dmarcian",),
                 False, "quarantine", id="dmarcian-named-once"),
    pytest.param("v=DMARC1; p=reject; rua=mailto:dmarc_agg@vali.email,mailto:d@rua.agari.com!10m", P.REJECT, 100,
                 None, ("mailto:dmarc_agg@vali.email", "mailto:d@rua.agari.com"), (), ("Valimail", "Agari"), False,
                 "reject", id="two-vendors-size-limit-dropped"),
    pytest.param("v=DMARC1; p=none; rua=mailto:abc@rua.easydmarc.us", P.NONE, 100, None,
                 ("mailto:abc@rua.easydmarc.us",), (), ("EasyDMARC",), False, "p=none", id="easydmarc"),
    pytest.param("v=DMARC1; p=none; rua=mailto:re+x@dmarc.postmarkapp.com", P.NONE, 100, None,
                 ("mailto:re+x@dmarc.postmarkapp.com",), (), ("Postmark",), False, "p=none", id="postmark"),
    pytest.param("v=DMARC1; p=none; rua=mailto:x@inbox.ondmarc.com", P.NONE, 100, None,
                 ("mailto:x@inbox.ondmarc.com",), (), ("Red Sift OnDMARC",), False, "p=none", id="ondmarc"),
    pytest.param("v=DMARC1; p=none; rua=mailto:x@dmarc-reports.cloudflare.net", P.NONE, 100, None,
                 ("mailto:x@dmarc-reports.cloudflare.net",), (), ("Cloudflare",), False, "p=none", id="cloudflare"),
    pytest.param("v=DMARC1; p=none; rua=mailto:x@ag.uriports.com", P.NONE, 100, None, ("mailto:x@ag.uriports.com",),
                 (), ("URIports",), False, "p=none", id="uriports"),
    pytest.param("v=DMARC1; p=none; rua=mailto:x@rua.dmarcanalyzer.com", P.NONE, 100, None,
                 ("mailto:x@rua.dmarcanalyzer.com",), (), ("Mimecast",), False, "p=none", id="mimecast-analyzer"),
    pytest.param("v=DMARC1; p=none; rua=mailto:x@notdmarcian.com", P.NONE, 100, None, ("mailto:x@notdmarcian.com",),
                 (), (), False, "p=none", id="vendor-lookalike-label-not-matched"),
    pytest.param("v=DMARC1; p=none; rua=https://reports.example/dmarc", P.NONE, 100, None,
                 ("https://reports.example/dmarc",), (), (), False, "p=none", id="non-mailto-uri-kept-no-vendor"),
    pytest.param("v=DMARC1; rua=mailto:x@ag.dmarcian.com", P.NONE, 100, None, ("mailto:x@ag.dmarcian.com",), (),
                 ("dmarcian",), False, "treated as p=none", id="vendor-kept-when-p-missing"),
]


@pytest.mark.parametrize(("record", "policy", "pct", "sp", "rua", "ruf", "vendors", "partial", "reason"),
                         DETAIL_CASES)
def test_dmarc_details(record: str, policy: DmarcPolicy, pct: int, sp: DmarcPolicy | None, rua: tuple[str, ...],
                       ruf: tuple[str, ...], vendors: tuple[str, ...], partial: bool, reason: str) -> None:
    result = find_dmarc(dmarc(record))
    assert (result.status, result.policy, result.pct, result.sp) == (S.VALID, policy, pct, sp)
    assert (result.rua, result.ruf, result.vendors) == (rua, ruf, vendors)
    assert result.partial_enforcement is partial
    assert reason in result.reason


@pytest.mark.parametrize(
    ("value", "uris"),
    [
        pytest.param("mailto:a@x.com", ("mailto:a@x.com",), id="one"),
        pytest.param(" mailto:a@x.com , mailto:b@y.com!50m ", ("mailto:a@x.com", "mailto:b@y.com"), id="two-trimmed"),
        pytest.param("mailto:a@x.com,,", ("mailto:a@x.com",), id="empty-items-dropped"),
        pytest.param("", (), id="empty"),
    ],
)
def test_parse_uris(value: str, uris: tuple[str, ...]) -> None:
    assert parse_uris(value) == uris


@pytest.mark.parametrize(
    ("uri", "domain"),
    [
        pytest.param("mailto:a@Rua.Agari.COM.", "rua.agari.com", id="lower-no-dot"),
        pytest.param("MAILTO:a@x.com?subject=dmarc", "x.com", id="query-dropped"),
        pytest.param("mailto:no-at-sign", None, id="no-at"),
        pytest.param("https://x.com/r", None, id="not-mailto"),
    ],
)
def test_address_domain(uri: str, domain: str | None) -> None:
    assert address_domain(uri) == domain


def test_vendor_rules_are_data_and_validated() -> None:
    table = parse_vendor_rules('[[vendor]]\nname = "Acme"\ndomains = ["reports.acme.example"]\n')
    assert report_vendors(("mailto:x@in.reports.acme.example",), table) == ("Acme",)
    assert report_vendors(("mailto:x@ag.dmarcian.com",), table) == ()
    for bad in ('[[vendor]]\ndomains = ["x.example"]', '[[vendor]]\nname = "X"\ndomains = "x.example"',
                "vendor = 1", "[[vendor]"):
        with pytest.raises(VendorRulesError):
            parse_vendor_rules(bad)
