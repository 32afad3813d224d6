"""Table-driven tests for leadhunter.domain.dkim over literal selector probes: one row per rule."""

from __future__ import annotations

import pytest

from leadhunter.domain.dkim import DEFAULT_SELECTORS, DkimStatus, evaluate_dkim
from leadhunter.domain.facts import DkimProbe
from leadhunter.domain.lookups import Lookup, Outcome

S = DkimStatus
KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5+abc/def=="
M365_TARGET = "selector1-contoso-com._domainkey.contoso.onmicrosoft.com"


def probe(selector: str, *answers: str, outcome: Outcome = Outcome.OK, cnames: tuple[str, ...] = ()) -> DkimProbe:
    """The TXT probe at ``<selector>._domainkey.contoso.com``."""
    name = f"{selector}._domainkey.contoso.com"
    return DkimProbe(selector, Lookup(name, "TXT", outcome, tuple(answers), cnames))


def missing(selector: str) -> DkimProbe:
    return probe(selector, outcome=Outcome.NXDOMAIN)


# (probes, status, found selectors, revoked, failed, cnames, reason fragment)
CASES = [
    # --- key found
    pytest.param((probe("default", KEY),), S.FOUND, ("default",), (), (), {}, "selector default", id="direct"),
    pytest.param((probe("s1", "p=MIGfMA0"),), S.FOUND, ("s1",), (), (), {}, "s1", id="key-without-version"),
    pytest.param((probe("s1", "v=DKIM1;p=MIG fMA0"),), S.FOUND, ("s1",), (), (), {}, "s1", id="key-with-space"),
    pytest.param(
        (probe("selector1", KEY, cnames=(M365_TARGET,)),), S.FOUND, ("selector1",), (), (),
        {"selector1": M365_TARGET}, "selector1", id="via-cname-m365",
    ),
    pytest.param(
        (probe("google", KEY, cnames=("hop.example.net", "google.domainkey.example.org")),), S.FOUND, ("google",),
        (), (), {"google": "google.domainkey.example.org"}, "google", id="cname-chain-last-target",
    ),
    pytest.param(
        (missing("default"), probe("selector1", KEY), probe("selector2", KEY)), S.FOUND,
        ("selector1", "selector2"), (), (), {}, "selector1, selector2", id="several-found-in-order",
    ),
    pytest.param(
        (probe("s1", "v=spf1 -all", KEY),), S.FOUND, ("s1",), (), (), {}, "s1", id="non-dkim-txt-beside-key",
    ),
    # --- revoked keys (empty p=) do not count as found
    pytest.param((probe("old", "v=DKIM1; p="),), S.MISSING, (), ("old",), (), {}, "no DKIM key", id="revoked"),
    pytest.param((probe("old", "v=DKIM1; k=rsa; p= ;"),), S.MISSING, (), ("old",), (), {}, "no DKIM", id="revoked-sp"),
    pytest.param(
        (probe("old", "v=DKIM1; p="), probe("new", KEY)), S.FOUND, ("new",), ("old",), (), {}, "new",
        id="revoked-and-found",
    ),
    pytest.param(
        (probe("selector2", "v=DKIM1; p=", cnames=(M365_TARGET,)),), S.MISSING, (), ("selector2",), (),
        {"selector2": M365_TARGET}, "no DKIM", id="revoked-via-cname",
    ),
    # --- nothing found
    pytest.param((), S.MISSING, (), (), (), {}, "0 probed", id="no-probes"),
    pytest.param(
        (missing("default"), missing("selector1"), missing("google")), S.MISSING, (), (), (), {},
        "at the 3 probed selectors", id="all-nxdomain",
    ),
    pytest.param((probe("s1", outcome=Outcome.NODATA),), S.MISSING, (), (), (), {}, "no DKIM", id="nodata"),
    pytest.param((probe("s1"),), S.MISSING, (), (), (), {}, "no DKIM", id="ok-without-answers"),
    pytest.param((probe("s1", "v=spf1 -all", "hello"),), S.MISSING, (), (), (), {}, "no DKIM", id="non-dkim-txt"),
    pytest.param(
        (probe("selector1", outcome=Outcome.NXDOMAIN, cnames=(M365_TARGET,)),), S.MISSING, (), (), (),
        {"selector1": M365_TARGET}, "no DKIM", id="dangling-cname-kept",
    ),
    # --- lookup failures: UNKNOWN unless some key was found
    pytest.param(
        (missing("default"), probe("selector1", outcome=Outcome.TIMEOUT)), S.UNKNOWN, (), (), ("selector1",), {},
        "lookup failed for selector1", id="one-failed-none-found",
    ),
    pytest.param(
        (probe("a", outcome=Outcome.SERVFAIL), probe("b", outcome=Outcome.REFUSED)), S.UNKNOWN, (), (), ("a", "b"),
        {}, "a, b", id="all-failed",
    ),
    pytest.param(
        (probe("old", "v=DKIM1; p="), probe("s2", outcome=Outcome.ERROR)), S.UNKNOWN, (), ("old",), ("s2",), {},
        "s2", id="revoked-and-failed",
    ),
    pytest.param(
        (probe("s1", KEY, outcome=Outcome.SERVFAIL),), S.UNKNOWN, (), (), ("s1",), {}, "s1",
        id="failed-answers-ignored",
    ),
    pytest.param(
        (probe("s1", outcome=Outcome.TIMEOUT), probe("selector1", KEY)), S.FOUND, ("selector1",), (), ("s1",), {},
        "selector1", id="found-beats-failed",
    ),
]


@pytest.mark.parametrize(("probes", "status", "found", "revoked", "failed", "cnames", "reason"), CASES)
def test_evaluate_dkim(
    probes: tuple[DkimProbe, ...],
    status: DkimStatus,
    found: tuple[str, ...],
    revoked: tuple[str, ...],
    failed: tuple[str, ...],
    cnames: dict[str, str],
    reason: str,
) -> None:
    result = evaluate_dkim(probes)
    assert result.status is status
    assert result.selectors == found
    assert result.revoked == revoked
    assert result.failed == failed
    assert result.cnames == cnames
    assert reason in result.reason


def test_default_selectors_are_the_spec_list() -> None:
    assert DEFAULT_SELECTORS == ("selector1", "selector2", "google", "mail", "zmail", "zoho", "k1", "s1", "s2",
                                 "default", "dkim")


YANDEX_KEY = "v=DKIM1; k=rsa; t=s; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDYandex"
ZOHO_KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCZoho"


def default_probes(**keys: str) -> tuple[DkimProbe, ...]:
    """One probe per default selector: the named ones hold a key, the rest are NXDOMAIN."""
    return tuple(probe(sel, keys[sel]) if sel in keys else missing(sel) for sel in DEFAULT_SELECTORS)


# (probes over the default selectors, the selectors found): each provider's own key counts as found
PROVIDER_KEYS = [
    pytest.param(default_probes(mail=YANDEX_KEY), ("mail",), id="yandex-360-mail"),
    pytest.param(default_probes(zmail=ZOHO_KEY), ("zmail",), id="zoho-zmail"),
    pytest.param(default_probes(zoho=ZOHO_KEY), ("zoho",), id="zoho-zoho"),
    pytest.param(default_probes(dkim=KEY), ("dkim",), id="dkim-selector"),
    pytest.param(default_probes(google=KEY), ("google",), id="google"),
    pytest.param(default_probes(selector1=KEY, selector2=KEY), ("selector1", "selector2"), id="m365-pair"),
    pytest.param(default_probes(zmail=ZOHO_KEY, default=KEY), ("zmail", "default"), id="zoho-and-default"),
]


@pytest.mark.parametrize(("probes", "found"), PROVIDER_KEYS)
def test_provider_selectors_count_as_found(probes: tuple[DkimProbe, ...], found: tuple[str, ...]) -> None:
    result = evaluate_dkim(probes)
    assert (result.status, result.selectors) == (DkimStatus.FOUND, found)


def test_no_key_at_any_default_selector_is_missing() -> None:
    result = evaluate_dkim(default_probes())
    assert result.status is DkimStatus.MISSING and "at the 11 probed selectors" in result.reason
