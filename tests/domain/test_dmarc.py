"""Table-driven tests for leadhunter.domain.dmarc on literal ``_dmarc`` records: one row per rule."""

from __future__ import annotations

import pytest

from leadhunter.domain.dmarc import DmarcPolicy, DmarcStatus, find_dmarc, parse_tags
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
