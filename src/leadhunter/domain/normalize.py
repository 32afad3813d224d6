"""Turn whatever was pasted into a lead list into the company's registrable domain, or say plainly why not.

Accepted forms: a bare domain or host (``www.example.com``, trailing dot allowed), a URL in any scheme
and case with userinfo, port, path, query and fragment, an e-mail address (``a@b.com``,
``mailto:a@b.com?subject=…``, ``Name <a@b.com>``, ``"Name, Inc" <a@b.com>``), all with surrounding
whitespace and stray quotes. Internationalised names are mapped with UTS #46 (non-transitional, so
``ß`` stays ``ß``) and stored as ASCII (``xn--``), with a Unicode twin for display.

The registrable domain ("eTLD+1") comes from the Public Suffix List bundled in ``publicsuffixlist``,
private section included, so ``foo.blogspot.com`` and ``acme.uk.com`` are sites of their own while
``www.acme.com.tr`` is ``acme.com.tr``. No network, no settings: pure functions over frozen data (the
lists themselves live in :mod:`leadhunter.domain.name_lists`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import idna

from leadhunter.domain.name_lists import RESERVED_TLDS, is_consumer_domain, public_suffixes

__all__ = ["InvalidReason", "NormalizedDomain", "is_consumer_domain", "normalize_domain"]


class InvalidReason(StrEnum):
    """Why a text gave no usable company domain (values are stable snake_case, safe to store)."""

    EMPTY = "empty"  # nothing but whitespace and quotes
    NOT_A_DOMAIN = "not_a_domain"  # no dot, an empty label, nothing after "@", a numeric TLD
    BAD_CHARACTERS = "bad_characters"  # space, underscore, comma, hyphen at a label's edge, …
    BAD_IDN = "bad_idn"  # characters IDNA forbids (emoji, symbols) or a broken xn-- label
    TOO_LONG = "too_long"  # a label over 63 or a name over 253 ASCII characters
    IP_ADDRESS = "ip_address"  # IPv4 or IPv6, bracketed or not
    RESERVED = "reserved"  # localhost, .test, .example, .invalid, .local, .internal, .onion, …
    UNKNOWN_TLD = "unknown_tld"  # the last label is not a real top-level domain (often a typo)
    NO_REGISTRABLE_DOMAIN = "no_registrable_domain"  # the name is itself a public suffix (co.uk)
    CONSUMER_MAILBOX = "consumer_mailbox"  # a personal mailbox provider; ``domain`` is still set
    SHARED_TENANT_DOMAIN = "shared_tenant_domain"  # x.onmicrosoft.com: a Microsoft tenant's default name


@dataclass(frozen=True, slots=True)
class NormalizedDomain:
    """The outcome of :func:`normalize_domain` for one input text.

    ``domain`` is the registrable domain in lowercase ASCII (``xn--`` labels), without a trailing dot;
    it is set when ``ok`` and also for consumer mailboxes, ``None`` otherwise. ``unicode`` is the same
    domain for display. ``host`` is the full host seen, in ASCII (an IP address in its canonical form),
    set whenever the host itself was well formed. ``email`` is ``local@host`` when the input was an
    e-mail address with a usable domain (local part kept as typed, host in ASCII). ``message`` is one
    English line a salesperson understands, set exactly when ``reason`` is.
    """

    input: str
    domain: str | None
    unicode: str | None
    host: str | None
    email: str | None
    reason: InvalidReason | None
    message: str | None

    @property
    def ok(self) -> bool:
        """True when ``domain`` is a company domain worth scanning."""
        return self.reason is None

    @property
    def consumer(self) -> bool:
        """True when the domain is a personal mailbox provider such as gmail.com."""
        return self.reason is InvalidReason.CONSUMER_MAILBOX


# RFC 1035 §2.3.4: 255 octets on the wire, i.e. 253 characters in dotted text without the root dot.
_MAX_NAME = 253
_MAX_LABEL = 63
# Longer text is not a pasted domain; refusing it early also bounds IDNA's quadratic punycode work.
_MAX_HOST_INPUT = 1024
_MAX_SHOWN = 60  # characters of the input quoted back in a message

# Stripped from both ends, repeatedly: quotes from CSV and word processors, list punctuation, and the
# invisible characters (BOM, zero-width space) that copy-paste from web pages and Excel leaves behind.
_STRAY = "\"'`“”‘’„«»‹›,;\u200b\u200c\u200d\u2060\ufeff"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_AUTHORITY_END = re.compile(r"[/?#\\]")  # backslash too: browsers treat it as "/" in http(s) URLs
# Any ASCII character a host name cannot contain; non-ASCII is judged later by IDNA.
_BAD_ASCII = re.compile(r"[^a-z0-9.\-\u0080-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")
_CHAR_NAMES = {" ": "a space", "_": "an underscore", ",": "a comma", "@": "an “@”", ":": "a colon"}


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the host alone says; cached per host text so repeated domains cost one dict lookup."""

    host: str | None
    domain: str | None = None
    unicode: str | None = None
    reason: InvalidReason | None = None
    message: str | None = None


def normalize_domain(text: str) -> NormalizedDomain:
    """Find the company domain in ``text`` (a domain, URL or e-mail address; see the module docstring).

    Never raises on a ``str``: every problem comes back as ``reason`` and ``message``. About 10 µs a
    call for ASCII input (30 µs for IDN); verdicts for the last 65,536 distinct hosts are cached.
    """
    cleaned = _strip(text)
    if not cleaned:
        return _invalid(text, InvalidReason.EMPTY, "The text is empty: there is no domain to read")
    raw_host, local, is_email = _split_input(cleaned)
    if not raw_host:
        where = "nothing after the “@”" if is_email else "no domain name in it"
        message = f"“{_shorten(cleaned)}” has {where}"
        return _invalid(text, InvalidReason.NOT_A_DOMAIN, message)
    verdict = _classify_host(raw_host)
    email = f"{local}@{verdict.host}" if local and verdict.domain is not None else None
    return NormalizedDomain(
        input=text,
        domain=verdict.domain,
        unicode=verdict.unicode,
        host=verdict.host,
        email=email,
        reason=verdict.reason,
        message=verdict.message,
    )


# --- parsing the text around the host ---------------------------------------------------------------


def _strip(text: str) -> str:
    """Drop whitespace, quotes and invisible characters from both ends until nothing changes."""
    while True:
        stripped = text.strip().strip(_STRAY)
        if stripped == text:
            return text
        text = stripped


def _split_input(text: str) -> tuple[str, str | None, bool]:
    """Return ``(host text, e-mail local part or None, input was an e-mail address)``.

    The host text may still carry a port, brackets or a trailing dot; :func:`_classify_host` judges it.
    """
    if text.endswith(">") and "<" in text:  # "Name <a@b.com>", also "<https://…>" from chat apps
        text = _strip(text[text.rfind("<") + 1 : -1])
    is_mailto = text[:7].lower() == "mailto:"
    if is_mailto:
        # A mailto query (?cc=x@y.com) may hold more addresses; only the first recipient counts.
        text = _strip(text[7:].partition("?")[0])
    scheme = _SCHEME.match(text)
    if scheme is not None or text.startswith("//"):
        rest = text[scheme.end() :] if scheme is not None else text[2:]
        authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
        # Userinfo ends at the last "@" (what browsers do with "https://a@b@host/").
        return authority.rpartition("@")[2], None, False
    # Without a scheme the first "/", "?" or "#" starts a path, so "medium.com/@john" is a site while
    # "john@acme.com" is an address.
    head = _AUTHORITY_END.split(text, maxsplit=1)[0]
    local, at, host = head.rpartition("@")
    if not at:
        return head, None, False
    local = local.strip()
    # A local part with spaces is not one we can hand back as an address; the domain is still good.
    usable_local = local if local and _WHITESPACE.search(local) is None else None
    return host.strip(), usable_local, True


# --- judging the host ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _classify_host(raw: str) -> _Verdict:
    """Judge one host text: port and brackets, characters, IDNA, length, IP, reserved, PSL, consumer."""
    shown = _shorten(raw)
    if len(raw) > _MAX_HOST_INPUT:
        return _bad(InvalidReason.TOO_LONG, f"“{shown}” is far too long to be a domain name")
    if raw.startswith("["):  # a bracketed IPv6 literal: URL host or e-mail domain literal
        inner = raw[1:].partition("]")[0]
        inner = inner[5:] if inner[:5].lower() == "ipv6:" else inner  # RFC 5321 "[IPv6:…]"
        if _parse_ip(inner) is not None:
            return _ip_verdict(inner)
        return _bad(InvalidReason.NOT_A_DOMAIN, f"“{shown}” is in brackets, which a domain name never is")
    if ":" in raw:
        name, _, port = raw.partition(":")
        if ":" not in port and (not port or (port.isascii() and port.isdigit())):
            raw = name  # "example.com:8080": the port says nothing about the company
        elif _parse_ip(raw) is not None:
            return _ip_verdict(raw)
        else:
            return _bad_character(shown, ":")

    mapped = raw.lower()
    if not raw.isascii():
        try:
            # Non-transitional UTS #46 as browsers do: case folding, full-width forms, "。" as a dot.
            # STD3 rules are checked below instead so the message can name the character.
            mapped = idna.uts46_remap(raw, std3_rules=False, transitional=False)
        except idna.IDNAError:
            return _bad(InvalidReason.BAD_CHARACTERS, f"“{shown}” contains a character a domain cannot have")
    bad = _BAD_ASCII.search(mapped)
    if bad is not None:
        return _bad_character(shown, bad.group())
    # One trailing dot is the DNS root; one leading dot is the cookie-domain habit (".acme.com").
    mapped = mapped.removesuffix(".").removeprefix(".")
    labels = mapped.split(".")
    if "" in labels:
        return _bad(InvalidReason.NOT_A_DOMAIN, f"“{shown}” has an empty part (two dots in a row)")

    converted = _convert_labels(labels, shown)
    if isinstance(converted, _Verdict):
        return converted
    ascii_labels, unicode_labels = converted
    host = ".".join(ascii_labels)
    if len(host) > _MAX_NAME:
        return _bad(InvalidReason.TOO_LONG, f"“{shown}” is longer than the 253 characters a domain may have")
    if ascii_labels[-1].isdigit():
        if all(label.isdigit() for label in ascii_labels):
            return _ip_verdict(host)
        return _bad(InvalidReason.NOT_A_DOMAIN, f"“{shown}” ends in a number, which no real domain does")
    return _registrable_verdict(host, ascii_labels, unicode_labels, shown)


def _convert_labels(labels: list[str], shown: str) -> tuple[list[str], list[str]] | _Verdict:
    """Each label to ASCII and to Unicode, or the verdict on the first bad label."""
    ascii_labels: list[str] = []
    unicode_labels: list[str] = []
    for label in labels:
        if label.isascii():
            if len(label) > _MAX_LABEL:
                return _bad(InvalidReason.TOO_LONG, f"“{shown}” has a part longer than 63 characters")
            if label[0] == "-" or label[-1] == "-":
                message = f"“{shown}” has a part that starts or ends with a hyphen, which a domain cannot"
                return _bad(InvalidReason.BAD_CHARACTERS, message)
            shown_label = label
            if label.startswith("xn--"):
                try:
                    shown_label = idna.ulabel(label)
                except idna.IDNAError:
                    message = f"“{shown}” has a damaged “xn--” (punycode) part, so it is not a valid domain"
                    return _bad(InvalidReason.BAD_IDN, message)
            # Other "ab--cd" labels stay allowed: plain ASCII host names may have them (RFC 5891 §4.2.3.1
            # binds U-labels only), and real hosts such as CDN nodes use them.
            ascii_labels.append(label)
            unicode_labels.append(shown_label)
            continue
        # "xn--" + punycode is the label's length on the wire; measure before idna raises on it.
        if len(label.encode("punycode")) + 4 > _MAX_LABEL:
            return _bad(InvalidReason.TOO_LONG, f"“{shown}” has a part longer than 63 characters")
        try:
            ascii_labels.append(idna.alabel(label).decode("ascii"))
        except idna.IDNAError:
            message = f"“{shown}” has characters a web address cannot use (such as emoji or symbols)"
            return _bad(InvalidReason.BAD_IDN, message)
        unicode_labels.append(label)
    return ascii_labels, unicode_labels


def _registrable_verdict(
    host: str, ascii_labels: list[str], unicode_labels: list[str], shown: str
) -> _Verdict:
    """Reserved names, the Public Suffix List, then the consumer list, for a well-formed ASCII host."""
    if ascii_labels[-1] in RESERVED_TLDS:
        return _bad(InvalidReason.RESERVED, f"“{shown}” is a reserved name for tests or local networks", host)
    # Every Microsoft 365 tenant gets <name>.onmicrosoft.com; it is not in the Public Suffix List, so it
    # would otherwise collapse to the one "company" onmicrosoft.com that all tenants share.
    if ascii_labels[-2:] == ["onmicrosoft", "com"]:
        message = (f"“{shown}” is a Microsoft 365 tenant's default address, not the company's own domain "
                   "(use the company's website or a mailbox on its own domain)")
        return _bad(InvalidReason.SHARED_TENANT_DOMAIN, message, host)
    # accept_unknown=False: by default the library treats any unknown last label as a TLD, which
    # would turn typos such as "acme.con" into valid-looking domains.
    suffix = public_suffixes().publicsuffix(host, accept_unknown=False)
    if suffix is None and len(ascii_labels) == 1:
        message = f"“{shown}” has no dot, so it is not a domain name (a company domain looks like “acme.com”)"
        return _bad(InvalidReason.NOT_A_DOMAIN, message, host)
    if suffix is None:
        tld = unicode_labels[-1]
        message = f"“{shown}” ends in “.{tld}”, which is not a real top-level domain (a typo?)"
        return _bad(InvalidReason.UNKNOWN_TLD, message, host)
    size = suffix.count(".") + 2  # the public suffix plus the one label the company registered
    if len(ascii_labels) < size:
        message = (
            f"“{shown}” is a public suffix like “.com” or “.co.uk”, not a company domain; "
            "it needs the company's name in front"
        )
        return _bad(InvalidReason.NO_REGISTRABLE_DOMAIN, message, host)
    domain = ".".join(ascii_labels[-size:])
    display = ".".join(unicode_labels[-size:])
    if is_consumer_domain(domain):
        message = f"“{display}” is a personal mailbox provider, not a company domain"
        return _Verdict(host, domain, display, InvalidReason.CONSUMER_MAILBOX, message)
    return _Verdict(host, domain, display)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when ``text`` is an IPv4 or IPv6 literal (zone id allowed), else ``None``."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ip_verdict(text: str) -> _Verdict:
    """Refuse an IP address; ``host`` keeps its canonical form when it parses (``1.2.3`` does not)."""
    address = _parse_ip(text)
    host = str(address) if address is not None else text
    message = f"“{_shorten(text)}” is an IP address, not a domain name"
    return _bad(InvalidReason.IP_ADDRESS, message, host)


def _bad_character(shown: str, char: str) -> _Verdict:
    """Refuse a host for one character, named the way a person would say it."""
    if char in _CHAR_NAMES:
        name = _CHAR_NAMES[char]
    elif char.isprintable():
        name = f"the character “{char}”"
    else:
        name = f"an invisible character (U+{ord(char):04X})"
    return _bad(InvalidReason.BAD_CHARACTERS, f"“{shown}” contains {name}, which a domain name cannot have")


def _bad(reason: InvalidReason, message: str, host: str | None = None) -> _Verdict:
    return _Verdict(host, None, None, reason, message)


def _invalid(text: str, reason: InvalidReason, message: str) -> NormalizedDomain:
    return NormalizedDomain(text, None, None, None, None, reason, message)


def _shorten(text: str) -> str:
    """The text as quoted in a message: one printable line, at most ``_MAX_SHOWN`` characters."""
    if len(text) <= _MAX_SHOWN and text.isprintable():
        return text  # the usual case, kept cheap because every uncached host is shown once
    printable = "".join(char if char.isprintable() else " " for char in text[: _MAX_SHOWN * 4])
    one_line = _WHITESPACE.sub(" ", printable).strip()
    return one_line if len(one_line) <= _MAX_SHOWN else one_line[: _MAX_SHOWN - 1] + "…"
