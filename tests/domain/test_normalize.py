"""Table-driven tests for leadhunter.domain.normalize: one row per input form or rule."""

from __future__ import annotations

import dataclasses
import random

import pytest

from leadhunter.domain.normalize import (
    InvalidReason,
    NormalizedDomain,
    is_consumer_domain,
    normalize_domain,
)

R = InvalidReason
LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["a" * 63] * 4) + ".com"  # 4 x 64 + 3 = 259 characters

# (input, domain, unicode, reason): domain/unicode are None exactly when the text gives no domain.
CASES = [
    # --- bare domains and hosts
    pytest.param("acme.com", "acme.com", "acme.com", None, id="bare"),
    pytest.param("Acme.COM", "acme.com", "acme.com", None, id="bare-mixed-case"),
    pytest.param("www.acme.com.tr", "acme.com.tr", "acme.com.tr", None, id="www-dropped"),
    pytest.param("a.b.c.acme.co.uk", "acme.co.uk", "acme.co.uk", None, id="deep-subdomain"),
    pytest.param("acme.com.", "acme.com", "acme.com", None, id="trailing-dot"),
    pytest.param("WWW.ACME.CO.UK.", "acme.co.uk", "acme.co.uk", None, id="trailing-dot-upper"),
    pytest.param(".acme.com", "acme.com", "acme.com", None, id="cookie-leading-dot"),
    pytest.param("example.com", "example.com", "example.com", None, id="example-com-kept-valid"),
    # --- surrounding whitespace, quotes and invisible characters
    pytest.param("  acme.com \t\n", "acme.com", "acme.com", None, id="whitespace"),
    pytest.param('"acme.com"', "acme.com", "acme.com", None, id="double-quotes"),
    pytest.param("'acme.com'", "acme.com", "acme.com", None, id="single-quotes"),
    pytest.param("“acme.com”", "acme.com", "acme.com", None, id="smart-quotes"),
    pytest.param("\ufeffacme.com\u200b", "acme.com", "acme.com", None, id="bom-zero-width"),
    pytest.param("acme.com;", "acme.com", "acme.com", None, id="list-punctuation"),
    # --- URLs
    pytest.param("https://acme.com", "acme.com", "acme.com", None, id="url-https"),
    pytest.param("HTTP://WWW.ACME.COM/", "acme.com", "acme.com", None, id="url-upper-scheme"),
    pytest.param(
        "hTTpS://user:pw@www.acme.com:8443/a/b?q=1#top", "acme.com", "acme.com", None, id="url-full"
    ),
    pytest.param("https://user@evil.com@acme.com/", "acme.com", "acme.com", None, id="url-last-at"),
    pytest.param("ftp://files.acme.co.uk/pub", "acme.co.uk", "acme.co.uk", None, id="url-ftp"),
    pytest.param("//cdn.acme.com/x.js", "acme.com", "acme.com", None, id="url-scheme-relative"),
    pytest.param("www.acme.com/contact?x=1", "acme.com", "acme.com", None, id="no-scheme-path"),
    pytest.param("acme.com:8080", "acme.com", "acme.com", None, id="no-scheme-port"),
    pytest.param("https://acme.com?next=a@b.org", "acme.com", "acme.com", None, id="url-at-in-query"),
    pytest.param("medium.com/@jane", "medium.com", "medium.com", None, id="at-in-path-is-url"),
    pytest.param("<https://acme.com>", "acme.com", "acme.com", None, id="url-in-angles"),
    # --- e-mail addresses
    pytest.param("info@acme.com", "acme.com", "acme.com", None, id="email"),
    pytest.param("Info@Mail.Acme.com", "acme.com", "acme.com", None, id="email-subdomain"),
    pytest.param("mailto:info@acme.com", "acme.com", "acme.com", None, id="mailto"),
    pytest.param("MAILTO:info@acme.com?cc=x@y.org", "acme.com", "acme.com", None, id="mailto-query"),
    pytest.param("Jane Doe <jane@acme.com>", "acme.com", "acme.com", None, id="name-angle"),
    pytest.param(
        '"Acme, Inc" <sales@acme.com.tr>', "acme.com.tr", "acme.com.tr", None, id="quoted-name-angle"
    ),
    pytest.param("@acme.com", "acme.com", "acme.com", None, id="email-empty-local"),
    # --- internationalised names
    pytest.param(
        "https://www.Örnek.com.tr/iletisim", "xn--rnek-4qa.com.tr", "örnek.com.tr", None, id="idn-url"
    ),
    pytest.param("ÖRNEK.COM.TR", "xn--rnek-4qa.com.tr", "örnek.com.tr", None, id="idn-upper"),
    pytest.param("xn--rnek-4qa.com.tr", "xn--rnek-4qa.com.tr", "örnek.com.tr", None, id="punycode"),
    pytest.param("XN--RNEK-4QA.COM.TR", "xn--rnek-4qa.com.tr", "örnek.com.tr", None, id="punycode-upper"),
    pytest.param("mail@Örnek.com.tr", "xn--rnek-4qa.com.tr", "örnek.com.tr", None, id="idn-email"),
    pytest.param("ıstanbul.com.tr", "xn--stanbul-qfb.com.tr", "ıstanbul.com.tr", None, id="dotless-i"),
    pytest.param("straße.de", "xn--strae-oqa.de", "straße.de", None, id="sharp-s-non-transitional"),
    pytest.param("пример.рф", "xn--e1afmkfd.xn--p1ai", "пример.рф", None, id="idn-tld"),
    pytest.param("例え.jp", "xn--r8jz45g.jp", "例え.jp", None, id="idn-cjk"),
    pytest.param("ａｃｍｅ．ｃｏｍ", "acme.com", "acme.com", None, id="full-width"),
    pytest.param("acme。com", "acme.com", "acme.com", None, id="ideographic-dot"),
    # --- public suffixes, Turkish and otherwise
    pytest.param("acme.gen.tr", "acme.gen.tr", "acme.gen.tr", None, id="gen-tr"),
    pytest.param("www.ankara.bel.tr", "ankara.bel.tr", "ankara.bel.tr", None, id="bel-tr"),
    pytest.param("www.okul.k12.tr", "okul.k12.tr", "okul.k12.tr", None, id="k12-tr"),
    pytest.param("acme.av.tr", "acme.av.tr", "acme.av.tr", None, id="av-tr"),
    pytest.param("foo.blogspot.com", "foo.blogspot.com", "foo.blogspot.com", None, id="private-suffix"),
    pytest.param("acme.github.io", "acme.github.io", "acme.github.io", None, id="private-github-io"),
    pytest.param("www.ck", "www.ck", "www.ck", None, id="psl-exception-rule"),
    pytest.param("zoho.com", "zoho.com", "zoho.com", None, id="business-mail-provider-is-a-company"),
    pytest.param("yahoo.blogspot.com", "yahoo.blogspot.com", "yahoo.blogspot.com", None, id="family-icann"),
    # --- consumer mailboxes: domain kept, reason set
    pytest.param("gmail.com", "gmail.com", "gmail.com", R.CONSUMER_MAILBOX, id="gmail"),
    pytest.param("Ali.Veli@GMAIL.com", "gmail.com", "gmail.com", R.CONSUMER_MAILBOX, id="gmail-email"),
    pytest.param("x@yahoo.com.tr", "yahoo.com.tr", "yahoo.com.tr", R.CONSUMER_MAILBOX, id="yahoo-tr"),
    pytest.param("yahoo.co.uk", "yahoo.co.uk", "yahoo.co.uk", R.CONSUMER_MAILBOX, id="yahoo-uk"),
    pytest.param("hotmail.com.tr", "hotmail.com.tr", "hotmail.com.tr", R.CONSUMER_MAILBOX, id="hotmail-tr"),
    pytest.param("outlook.de", "outlook.de", "outlook.de", R.CONSUMER_MAILBOX, id="outlook-de"),
    pytest.param(
        "https://mail.yandex.com.tr/", "yandex.com.tr", "yandex.com.tr", R.CONSUMER_MAILBOX, id="yandex"
    ),
    pytest.param("ya.ru", "ya.ru", "ya.ru", R.CONSUMER_MAILBOX, id="ya-ru"),
    pytest.param("mynet.com", "mynet.com", "mynet.com", R.CONSUMER_MAILBOX, id="mynet"),
    pytest.param("u@ttmail.com", "ttmail.com", "ttmail.com", R.CONSUMER_MAILBOX, id="ttmail"),
    pytest.param("proton.me", "proton.me", "proton.me", R.CONSUMER_MAILBOX, id="proton"),
    pytest.param("gmx.net", "gmx.net", "gmx.net", R.CONSUMER_MAILBOX, id="gmx"),
    # --- a Microsoft 365 tenant's default name is shared by all tenants: no company domain
    pytest.param("it@contoso.onmicrosoft.com", None, None, R.SHARED_TENANT_DOMAIN, id="tenant-default-email"),
    pytest.param("contoso.mail.onmicrosoft.com", None, None, R.SHARED_TENANT_DOMAIN, id="tenant-mail-subdomain"),
    pytest.param("onmicrosoft.com", None, None, R.SHARED_TENANT_DOMAIN, id="tenant-default-bare"),
    pytest.param("onmicrosoft.com.tr", "onmicrosoft.com.tr", "onmicrosoft.com.tr", None, id="lookalike-is-a-company"),
    # --- empty
    pytest.param("", None, None, R.EMPTY, id="empty"),
    pytest.param("  \t ", None, None, R.EMPTY, id="blank"),
    pytest.param('""', None, None, R.EMPTY, id="only-quotes"),
    # --- not a domain at all
    pytest.param("intranet", None, None, R.NOT_A_DOMAIN, id="single-label"),
    pytest.param("info@", None, None, R.NOT_A_DOMAIN, id="nothing-after-at"),
    pytest.param("https://", None, None, R.NOT_A_DOMAIN, id="scheme-only"),
    pytest.param("acme..com", None, None, R.NOT_A_DOMAIN, id="empty-label"),
    pytest.param("acme.123", None, None, R.NOT_A_DOMAIN, id="numeric-tld"),
    # --- bad characters
    pytest.param("my_company.com", None, None, R.BAD_CHARACTERS, id="underscore"),
    pytest.param("acme corp.com", None, None, R.BAD_CHARACTERS, id="space"),
    pytest.param("acme\u00a0corp.com", None, None, R.BAD_CHARACTERS, id="nbsp-inside"),
    pytest.param("-acme.com", None, None, R.BAD_CHARACTERS, id="leading-hyphen"),
    pytest.param("acme-.com", None, None, R.BAD_CHARACTERS, id="trailing-hyphen"),
    pytest.param("acme.com:abc", None, None, R.BAD_CHARACTERS, id="bad-port"),
    pytest.param("a.com, b.com", None, None, R.BAD_CHARACTERS, id="two-domains"),
    pytest.param("acme.com\x00", None, None, R.BAD_CHARACTERS, id="control-char"),
    # --- bad internationalised names
    pytest.param("👍.com", None, None, R.BAD_IDN, id="emoji"),
    pytest.param("xn--zzzz.com", None, None, R.BAD_IDN, id="broken-punycode"),
    # --- too long
    pytest.param(f"{LONG_LABEL}.com", None, None, R.TOO_LONG, id="label-over-63"),
    pytest.param(LONG_NAME, None, None, R.TOO_LONG, id="name-over-253"),
    pytest.param("ö" * 60 + ".com", None, None, R.TOO_LONG, id="idn-label-over-63-in-ascii"),
    pytest.param("a." * 600 + "com", None, None, R.TOO_LONG, id="huge-input"),
    # --- IP addresses
    pytest.param("192.168.1.10", None, None, R.IP_ADDRESS, id="ipv4"),
    pytest.param("http://10.0.0.1:8080/admin", None, None, R.IP_ADDRESS, id="ipv4-url"),
    pytest.param("[2001:db8::1]", None, None, R.IP_ADDRESS, id="ipv6-bracketed"),
    pytest.param("https://[2001:db8::1]:443/", None, None, R.IP_ADDRESS, id="ipv6-url"),
    pytest.param("2001:db8::1", None, None, R.IP_ADDRESS, id="ipv6-bare"),
    pytest.param("info@[192.0.2.1]", None, None, R.IP_ADDRESS, id="email-ip-literal"),
    # --- reserved names
    pytest.param("localhost", None, None, R.RESERVED, id="localhost"),
    pytest.param("http://localhost:3000/", None, None, R.RESERVED, id="localhost-url"),
    pytest.param("printer.local", None, None, R.RESERVED, id="mdns-local"),
    pytest.param("acme.test", None, None, R.RESERVED, id="dot-test"),
    # --- not a real TLD
    pytest.param("acme.con", None, None, R.UNKNOWN_TLD, id="tld-typo"),
    # --- bare public suffixes
    pytest.param("com.tr", None, None, R.NO_REGISTRABLE_DOMAIN, id="com-tr"),
    pytest.param("co.uk", None, None, R.NO_REGISTRABLE_DOMAIN, id="co-uk"),
    pytest.param("gen.tr", None, None, R.NO_REGISTRABLE_DOMAIN, id="gen-tr-bare"),
    pytest.param("com", None, None, R.NO_REGISTRABLE_DOMAIN, id="bare-tld"),
    pytest.param("blogspot.com", None, None, R.NO_REGISTRABLE_DOMAIN, id="private-suffix-bare"),
    pytest.param("x.kawasaki.jp", None, None, R.NO_REGISTRABLE_DOMAIN, id="wildcard-rule"),
]


@pytest.mark.parametrize(("text", "domain", "unicode", "reason"), CASES)
def test_normalize_domain(text: str, domain: str | None, unicode: str | None, reason: R | None) -> None:
    result = normalize_domain(text)
    assert (result.domain, result.unicode, result.reason) == (domain, unicode, reason)
    assert result.input == text
    assert result.ok is (reason is None)
    assert result.consumer is (reason is R.CONSUMER_MAILBOX)
    assert (result.message is None) is (reason is None)


# (input, host, email): the full ASCII host and the e-mail address handed back.
HOST_EMAIL_CASES = [
    pytest.param("https://www.Örnek.com.tr/x", "www.xn--rnek-4qa.com.tr", None, id="idn-host"),
    pytest.param("Info@Mail.Acme.COM", "mail.acme.com", "Info@mail.acme.com", id="email-local-kept"),
    pytest.param('"Acme, Inc" <Sales@Acme.co.uk>', "acme.co.uk", "Sales@acme.co.uk", id="angle-email"),
    pytest.param("mailto:a@b.com?cc=c@d.org", "b.com", "a@b.com", id="mailto-first-recipient"),
    pytest.param("ali@gmail.com", "gmail.com", "ali@gmail.com", id="consumer-email-kept"),
    pytest.param("jane doe@acme.com", "acme.com", None, id="local-with-space-dropped"),
    pytest.param("a@co.uk", "co.uk", None, id="no-email-without-domain"),
    pytest.param("[2001:DB8::1]", "2001:db8::1", None, id="ipv6-canonical"),
    pytest.param("a_b.com", None, None, id="malformed-no-host"),
]


@pytest.mark.parametrize(("text", "host", "email"), HOST_EMAIL_CASES)
def test_host_and_email(text: str, host: str | None, email: str | None) -> None:
    result = normalize_domain(text)
    assert (result.host, result.email) == (host, email)


CONSUMER_CASES = [
    pytest.param("gmail.com", True, id="exact"),
    pytest.param("GMAIL.COM.", True, id="case-and-dot-forgiven"),
    pytest.param("yahoo.fr", True, id="family-cctld"),
    pytest.param("yahoo.co.jp", True, id="family-second-level"),
    pytest.param("live.com", True, id="live"),
    pytest.param("icloud.com", True, id="apple"),
    pytest.param("163.com", True, id="netease"),
    pytest.param("yahoo.blogspot.com", False, id="family-not-private-suffix"),
    pytest.param("yahoo.notatld", False, id="family-not-unknown-tld"),
    pytest.param("mail.yahoo.com", False, id="host-not-registrable"),
    pytest.param("yahoo", False, id="single-label"),
    pytest.param("zoho.com", False, id="business-provider"),
    pytest.param("google.com", False, id="google-corporate"),
    pytest.param("office365.com", False, id="microsoft-business"),
    pytest.param("acme.com", False, id="company"),
]


@pytest.mark.parametrize(("domain", "expected"), CONSUMER_CASES)
def test_is_consumer_domain(domain: str, expected: bool) -> None:
    assert is_consumer_domain(domain) is expected


MESSAGE_CASES = [
    pytest.param(
        "gmail.com", "“gmail.com” is a personal mailbox provider, not a company domain", id="consumer"
    ),
    pytest.param(
        "my_co.com", "“my_co.com” contains an underscore, which a domain name cannot have", id="char"
    ),
    pytest.param(
        "acme.com\x00",
        "“acme.com” contains an invisible character (U+0000), which a domain name cannot have",
        id="invisible",
    ),
]


@pytest.mark.parametrize(("text", "message"), MESSAGE_CASES)
def test_message(text: str, message: str) -> None:
    assert normalize_domain(text).message == message


def test_messages_are_one_short_line() -> None:
    result = normalize_domain("x" * 5000 + "\n.com")
    assert result.message is not None
    assert "\n" not in result.message
    assert len(result.message) < 160


def test_result_is_frozen() -> None:
    result = normalize_domain("acme.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.domain = "other.com"  # type: ignore[misc]
    assert isinstance(result, NormalizedDomain)


def test_reason_values_are_snake_case() -> None:
    assert all(reason.value == reason.name.lower() for reason in InvalidReason)


def test_never_raises_on_any_string() -> None:
    rng = random.Random(20240601)
    alphabet = "aZ09.-_@:/?#[]<>\"' \t\u00a0\u200dößİı。．👍\ud800\x00xn--"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        result = normalize_domain(text)
        assert (result.reason is None) is (result.message is None)
        assert result.ok is (result.domain is not None and not result.consumer)
