"""Choosing the registry server: the IANA bootstrap file, configured overrides, per-server limits."""

from __future__ import annotations

import json

import pytest

from leadhunter.scanners.registration.bootstrap import (
    BootstrapError,
    RdapServer,
    ServerDirectory,
    WhoisServer,
    load_bootstrap,
    parse_bootstrap,
    parse_rdap_overrides,
    parse_whois_overrides,
)
from leadhunter.scanners.registration.ratelimit import Limit, RateLimits, parse_rate_overrides
from leadhunter.scanners.registration.rdap import retry_after_seconds

SHIPPED = load_bootstrap()


@pytest.mark.parametrize(("domain", "server"), [
    ("contoso.com", RdapServer("https://rdap.verisign.com/com/v1/")),
    ("contoso.org", RdapServer("https://rdap.publicinterestregistry.org/rdap/")),
    ("contoso.io", RdapServer("https://rdap.identitydigital.services/rdap/")),
    ("contoso.co.uk", RdapServer("https://rdap.nominet.uk/uk/")),
    ("ornek.com.tr", WhoisServer("whois.trabis.gov.tr")),
    ("ornek.k12.tr", WhoisServer("whois.trabis.gov.tr")),
    ("ornek.tr", WhoisServer("whois.trabis.gov.tr")),
    ("beispiel.de", WhoisServer("whois.denic.de")),
    ("example.zz", None),
])
def test_shipped_bootstrap_and_whois_defaults(domain: str, server: object) -> None:
    assert ServerDirectory(SHIPPED).server_for(domain) == server


def test_overrides_most_specific_suffix_wins_and_configured_beats_shipped() -> None:
    directory = ServerDirectory(
        SHIPPED, rdap_overrides=parse_rdap_overrides("com=https://rdap.example/com, bel.tr=https://rdap.bel.example/"),
        whois_overrides=parse_whois_overrides("tr=whois.example:4343,org=whois.pir.example"),
    )
    assert directory.server_for("contoso.com") == RdapServer("https://rdap.example/com/")
    assert directory.server_for("ankara.bel.tr") == RdapServer("https://rdap.bel.example/")
    assert directory.server_for("ornek.com.tr") == WhoisServer("whois.example", 4343)
    assert directory.server_for("contoso.org") == WhoisServer("whois.pir.example", 43)


@pytest.mark.parametrize(("parser", "text"), [
    (parse_rdap_overrides, "com"), (parse_rdap_overrides, "com=ftp://x"), (parse_rdap_overrides, "=https://x"),
    (parse_whois_overrides, "tr=host:port"), (parse_whois_overrides, "tr=host:70000"), (parse_whois_overrides, "tr="),
])
def test_bad_overrides_are_refused(parser: object, text: str) -> None:
    with pytest.raises(BootstrapError):
        parser(text)  # type: ignore[operator]


@pytest.mark.parametrize("text", [
    "not json", "{}", json.dumps({"services": []}), json.dumps({"services": [["com", ["https://x/"]]]}),
    json.dumps({"services": [[["com"], ["ftp://x/"]]]}),
])
def test_malformed_bootstrap_is_refused(text: str) -> None:
    with pytest.raises(BootstrapError):
        parse_bootstrap(text)


def test_bootstrap_prefers_https_and_adds_the_slash() -> None:
    text = json.dumps({"services": [[["Example"], ["http://rdap.example/v1", "https://rdap.example/v1"]]]})
    assert parse_bootstrap(text) == {"example": "https://rdap.example/v1/"}


def test_rate_limits_by_host_host_port_or_protocol_default() -> None:
    limits = RateLimits(parse_rate_overrides("127.0.0.1:4343=0.5, rdap.verisign.com=20/5"),
                        rdap=Limit(10), whois=Limit(1))
    assert limits.limit_for("whois:127.0.0.1:4343") == Limit(0.5)
    assert limits.limit_for("whois:127.0.0.1:4344") == Limit(1)
    assert limits.limit_for("rdap:https://rdap.verisign.com") == Limit(20, 5)
    assert limits.limit_for("rdap:https://rdap.nic.fr") == Limit(10)
    with pytest.raises(ValueError, match="HUNTER_REGISTRATION_RATES"):
        parse_rate_overrides("host=fast")
    with pytest.raises(ValueError, match="rate > 0"):
        Limit(0)


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0), ("0", 0.0), (None, None), ("soon", None), ("Thu, 26 Nov 2026 12:00:30 GMT", 30.0),
    ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),
])
def test_retry_after(header: str | None, seconds: float | None) -> None:
    now = 1795694400.0  # 2026-11-26T12:00:00Z
    assert retry_after_seconds(header, now=now) == seconds
