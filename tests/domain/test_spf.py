"""Table-driven tests for leadhunter.domain.spf on literal TXT records: one row per rule."""

from __future__ import annotations

import pytest

from leadhunter.domain.facts import SpfExpansion
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.spf import SpfStatus, find_spf, is_spf_text, parse_spf

S = SpfStatus
M365 = "v=spf1 include:spf.protection.outlook.com -all"


def txt(*answers: str, outcome: Outcome = Outcome.OK) -> Lookup:
    """The apex TXT lookup of example.com holding ``answers``."""
    return Lookup("example.com", "TXT", outcome, tuple(answers))


# (lookup, expansion, status, reason fragment)
FIND_CASES = [
    # --- a record is found and judged valid
    pytest.param(txt(M365), None, S.VALID, "present and valid", id="valid-m365"),
    pytest.param(txt("v=spf1 -all"), None, S.VALID, "valid", id="valid-deny-all"),
    pytest.param(txt("v=spf1"), None, S.VALID, "valid", id="valid-bare-version"),
    pytest.param(txt("V=SPF1 MX -ALL"), None, S.VALID, "valid", id="valid-upper-case"),
    pytest.param(txt("  v=spf1 mx ~all"), None, S.VALID, "valid", id="valid-leading-space"),
    pytest.param(
        txt("MS=ms12345678", "google-site-verification=abc", M365), None, S.VALID, "valid",
        id="valid-among-other-txt",
    ),
    pytest.param(txt("v=spf1 redirect=_spf.google.com"), None, S.VALID, "valid", id="valid-redirect"),
    pytest.param(txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"), None, S.VALID, "valid", id="valid-ip"),
    pytest.param(txt("v=spf1 a/24 mx:mail.example.com/28 ~all"), None, S.VALID, "valid", id="valid-cidr"),
    pytest.param(txt("v=spf1 exists:%{i}.spf.example.com -all"), None, S.VALID, "valid", id="valid-exists-macro"),
    pytest.param(txt("v=spf1 mx exp=explain.example.com -all"), None, S.VALID, "valid", id="valid-exp-modifier"),
    pytest.param(txt("v=spf1 mx foo=bar -all"), None, S.VALID, "valid", id="valid-unknown-modifier-ignored"),
    # --- no record: MISSING only when the lookup answered
    pytest.param(txt(), None, S.MISSING, "no SPF record", id="missing-ok-no-answers"),
    pytest.param(txt(outcome=Outcome.NXDOMAIN), None, S.MISSING, "no SPF", id="missing-nxdomain"),
    pytest.param(txt(outcome=Outcome.NODATA), None, S.MISSING, "no SPF", id="missing-nodata"),
    pytest.param(txt("MS=ms12345678"), None, S.MISSING, "no SPF", id="missing-only-other-txt"),
    pytest.param(txt("v=spf10 -all"), None, S.MISSING, "no SPF", id="missing-spf10-not-spf"),
    pytest.param(txt("v=spf1-all"), None, S.MISSING, "no SPF", id="missing-no-space-after-version"),
    pytest.param(txt("spf1 include:x.example -all"), None, S.MISSING, "no SPF", id="missing-no-version-tag"),
    pytest.param(txt("v=DMARC1; p=reject"), None, S.MISSING, "no SPF", id="missing-dmarc-at-apex"),
    # --- lookup failed: UNKNOWN, never MISSING
    pytest.param(txt(outcome=Outcome.TIMEOUT), None, S.UNKNOWN, "timeout", id="unknown-timeout"),
    pytest.param(txt(outcome=Outcome.SERVFAIL), None, S.UNKNOWN, "servfail", id="unknown-servfail"),
    pytest.param(txt(outcome=Outcome.REFUSED), None, S.UNKNOWN, "refused", id="unknown-refused"),
    pytest.param(txt(outcome=Outcome.ERROR), None, S.UNKNOWN, "error", id="unknown-error"),
    pytest.param(txt(M365, outcome=Outcome.SERVFAIL), None, S.UNKNOWN, "servfail", id="unknown-failed-ignores-answers"),
    # --- several records: permanent error
    pytest.param(txt(M365, "v=spf1 mx -all"), None, S.INVALID, "2 SPF records", id="invalid-two-records"),
    pytest.param(txt(M365, "V=SPF1 -ALL"), None, S.INVALID, "2 SPF records", id="invalid-two-records-mixed-case"),
    pytest.param(txt("v=spf1 a", "v=spf1 mx", "v=spf1 -all"), None, S.INVALID, "3 SPF", id="invalid-three-records"),
    # --- syntax errors
    pytest.param(txt("v=spf1 foo -all"), None, S.INVALID, "unknown mechanism 'foo'", id="invalid-unknown-mechanism"),
    pytest.param(
        txt("v=spf1 include:spf.protection.outlook.com ~redirect=_spf.example.com"), None, S.INVALID,
        "cannot carry a qualifier", id="invalid-qualifier-on-modifier",
    ),
    pytest.param(txt("v=spf1 include -all"), None, S.INVALID, "include needs a domain", id="invalid-include-bare"),
    pytest.param(txt("v=spf1 include: -all"), None, S.INVALID, "include needs a domain", id="invalid-include-empty"),
    pytest.param(txt("v=spf1 exists -all"), None, S.INVALID, "exists needs a domain", id="invalid-exists-bare"),
    pytest.param(txt("v=spf1 ip4 -all"), None, S.INVALID, "ip4 needs an address", id="invalid-ip4-bare"),
    pytest.param(txt("v=spf1 ip6: -all"), None, S.INVALID, "ip6 needs an address", id="invalid-ip6-empty"),
    pytest.param(txt("v=spf1 !mx -all"), None, S.INVALID, "cannot parse term", id="invalid-bad-qualifier-char"),
    pytest.param(txt("v=spf1 1mx -all"), None, S.INVALID, "cannot parse term", id="invalid-digit-first"),
    pytest.param(
        txt("v=spf1 redirect:_spf.example.com"), None, S.INVALID, "unknown mechanism 'redirect'",
        id="invalid-redirect-with-colon",
    ),
    pytest.param(
        txt("v=spf1 redirect=a.example redirect=b.example"), None, S.INVALID, "redirect= appears twice",
        id="invalid-redirect-twice",
    ),
    pytest.param(
        txt("v=spf1 exp=a.example exp=b.example"), None, S.INVALID, "exp= appears twice", id="invalid-exp-twice"
    ),
    # --- the expansion made by the scan
    pytest.param(txt(M365), SpfExpansion(lookups_used=2), S.VALID, "valid", id="expansion-ok"),
    pytest.param(txt(M365), SpfExpansion(lookups_used=10), S.VALID, "valid", id="expansion-10-lookups-ok"),
    pytest.param(
        txt(M365), SpfExpansion(lookups_used=11), S.INVALID, "11 DNS lookups (limit 10)", id="expansion-11-lookups",
    ),
    pytest.param(txt(M365), SpfExpansion(void_lookups=2), S.VALID, "valid", id="expansion-2-void-ok"),
    pytest.param(txt(M365), SpfExpansion(void_lookups=3), S.INVALID, "3 void lookups (limit 2)", id="expansion-3-void"),
    pytest.param(
        txt("v=spf1 include:a.example -all"), SpfExpansion(lookups_used=1, errors=("include loop at a.example",)),
        S.INVALID, "include loop", id="expansion-error-loop",
    ),
    pytest.param(
        txt("v=spf1 include:gone.example -all"),
        SpfExpansion(lookups_used=1, void_lookups=1, errors=("include gone.example has no SPF record",)),
        S.INVALID, "gone.example", id="expansion-error-missing-include",
    ),
    pytest.param(
        txt(M365),
        SpfExpansion(lookups_used=1, failed=(Lookup("spf.protection.outlook.com", "TXT", Outcome.TIMEOUT),)),
        S.UNKNOWN, "lookup of include spf.protection.outlook.com timeout (temperror)",
        id="expansion-failed-include-is-unknown-not-valid",
    ),
    pytest.param(
        txt("v=spf1 include:_spf.google.com include:spf.protection.outlook.com -all"),
        SpfExpansion(lookups_used=2, failed=(Lookup("_spf.google.com", "TXT", Outcome.SERVFAIL),
                                             Lookup("spf.protection.outlook.com", "TXT", Outcome.TIMEOUT))),
        S.UNKNOWN, "_spf.google.com servfail and 1 more (temperror)", id="expansion-two-failed-includes-unknown",
    ),
    pytest.param(
        txt(M365),
        SpfExpansion(lookups_used=3, includes=("a.example",),
                     failed=(Lookup("deep.example", "TXT", Outcome.SERVFAIL),)),
        S.UNKNOWN, "deep.example servfail", id="expansion-nested-include-failed-unknown",
    ),
    pytest.param(
        txt(M365), SpfExpansion(lookups_used=12, failed=(Lookup("a.example", "TXT", Outcome.TIMEOUT),)),
        S.INVALID, "12 DNS lookups", id="expansion-over-limit-even-with-failure-is-invalid",
    ),
    pytest.param(
        txt("v=spf1 include:a.example -all"),
        SpfExpansion(lookups_used=2, errors=("include loop at a.example",),
                     failed=(Lookup("b.example", "TXT", Outcome.TIMEOUT),)),
        S.INVALID, "include loop", id="expansion-error-seen-beats-failure",
    ),
    pytest.param(
        txt("v=spf1 bogus -all"), SpfExpansion(lookups_used=20), S.INVALID, "unknown mechanism",
        id="syntax-error-reported-before-expansion",
    ),
    pytest.param(
        txt(outcome=Outcome.TIMEOUT), SpfExpansion(lookups_used=20), S.UNKNOWN, "timeout", id="failed-beats-expansion"
    ),
]


@pytest.mark.parametrize(("lookup", "expansion", "status", "reason"), FIND_CASES)
def test_find_spf(lookup: Lookup, expansion: SpfExpansion | None, status: SpfStatus, reason: str) -> None:
    result = find_spf(lookup, expansion)
    assert result.status is status
    assert reason in result.reason
    # A record is attached exactly when one was found in the answers.
    if status is S.MISSING or lookup.failed:
        assert result.record is None
        assert result.include_count == 0
    else:
        assert result.record is not None
        assert is_spf_text(result.record.text)


# (record text, includes, redirect, lookup_terms, all_qualifier, error count)
PARSE_CASES = [
    pytest.param("v=spf1", (), None, 0, None, 0, id="empty"),
    pytest.param("v=spf1 -all", (), None, 0, "-", 0, id="hard-fail"),
    pytest.param("v=spf1 ~all", (), None, 0, "~", 0, id="soft-fail"),
    pytest.param("v=spf1 ?all", (), None, 0, "?", 0, id="neutral"),
    pytest.param("v=spf1 +all", (), None, 0, "+", 0, id="pass-explicit"),
    pytest.param("v=spf1 all", (), None, 0, "+", 0, id="pass-implicit-qualifier"),
    pytest.param("V=SPF1 -ALL", (), None, 0, "-", 0, id="upper-case-all"),
    pytest.param(M365, ("spf.protection.outlook.com",), None, 1, "-", 0, id="one-include"),
    pytest.param(
        "v=spf1 include:_spf.google.com include:SPF.Protection.Outlook.COM. include:mailgun.org ~all",
        ("_spf.google.com", "spf.protection.outlook.com", "mailgun.org"), None, 3, "~", 0,
        id="includes-lower-case-no-dot-in-order",
    ),
    pytest.param(
        "v=spf1 +include:_spf.google.com ?include:zoho.eu -all",
        ("_spf.google.com", "zoho.eu"), None, 2, "-", 0, id="includes-with-qualifiers",
    ),
    pytest.param("v=spf1 a mx ptr exists:x.example -all", (), None, 4, "-", 0, id="lookup-terms-a-mx-ptr-exists"),
    pytest.param("v=spf1 a:mail.example mx:mx.example/24 -all", (), None, 2, "-", 0, id="lookup-terms-with-values"),
    pytest.param("v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all", (), None, 0, "-", 0, id="ip-terms-no-lookups"),
    pytest.param("v=spf1 redirect=_spf.Google.com.", (), "_spf.google.com", 1, None, 0, id="redirect"),
    pytest.param(
        "v=spf1 include:a.example mx redirect=b.example", ("a.example",), "b.example", 3, None, 0,
        id="redirect-counts-as-lookup",
    ),
    pytest.param("v=spf1 exp=explain.example -all", (), None, 0, "-", 0, id="exp-not-a-lookup"),
    pytest.param("v=spf1 foo=bar", (), None, 0, None, 0, id="unknown-modifier"),
    pytest.param("v=spf1 mx -all include:late.example", ("late.example",), None, 2, "-", 0, id="terms-after-all-kept"),
    pytest.param("v=spf1 include: -all", (), None, 1, "-", 1, id="empty-include-not-listed"),
    pytest.param("v=spf1 foo bar -all", (), None, 0, "-", 2, id="two-unknown-mechanisms"),
    pytest.param("v=spf1 -redirect=x.example", (), "x.example", 1, None, 1, id="qualified-modifier-error"),
    pytest.param("v=spf1 @@ -all", (), None, 0, "-", 1, id="unparsable-term-dropped"),
]


@pytest.mark.parametrize(("text", "includes", "redirect", "lookups", "all_q", "errors"), PARSE_CASES)
def test_parse_spf(
    text: str, includes: tuple[str, ...], redirect: str | None, lookups: int, all_q: str | None, errors: int
) -> None:
    record = parse_spf(text)
    assert record.text == text
    assert record.includes == includes
    assert record.redirect == redirect
    assert record.lookup_terms == lookups
    assert record.all_qualifier == all_q
    assert len(record.errors) == errors


# (term text, qualifier, name, value, modifier)
TERM_CASES = [
    pytest.param("-all", "-", "all", "", False, id="qualified-all"),
    pytest.param("MX", "+", "mx", "", False, id="name-lower-cased"),
    pytest.param("include:_spf.google.com", "+", "include", "_spf.google.com", False, id="include"),
    pytest.param("ip6:2001:db8::/32", "+", "ip6", "2001:db8::/32", False, id="ip6-colons-in-value"),
    pytest.param("a/24", "+", "a", "24", False, id="cidr-only"),
    pytest.param("redirect=_spf.example.com", "+", "redirect", "_spf.example.com", True, id="modifier"),
    pytest.param("~include:x.example", "~", "include", "x.example", False, id="soft-include"),
]


@pytest.mark.parametrize(("term", "qualifier", "name", "value", "modifier"), TERM_CASES)
def test_parse_spf_term(term: str, qualifier: str, name: str, value: str, modifier: bool) -> None:
    record = parse_spf(f"v=spf1 {term}")
    assert record.errors == ()
    (parsed,) = record.terms
    assert (parsed.qualifier, parsed.name, parsed.value, parsed.modifier) == (qualifier, name, value, modifier)


def test_include_count_counts_top_level_includes() -> None:
    result = find_spf(txt("v=spf1 include:a.example include:b.example -all"), SpfExpansion(includes=("a.example",)))
    assert result.include_count == 2
