"""Where to ask about a domain: RDAP base URLs from the IANA bootstrap file, WHOIS servers otherwise.

The IANA file (RFC 9224, ``dns.json``) maps TLDs to RDAP base URLs; a snapshot ships in ``data/`` and
``hunter registration refresh-bootstrap --from FILE|URL`` replaces it with a newer one. Configured
overrides (``HUNTER_RDAP_SERVERS=tld=url,...``, ``HUNTER_WHOIS_SERVERS=tld=host[:port],...``) may name
any public suffix, e.g. ``com.tr``. The most specific suffix wins; at the same suffix a configured
server beats the shipped data, and RDAP beats WHOIS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WHOIS_PORT = 43
# Registries with no RDAP service in the bootstrap file but a port-43 WHOIS (.tr first of all: TRABIS
# answers for .tr and every second-level zone under it: com.tr, org.tr, gen.tr, av.tr, bel.tr, k12.tr ...).
DEFAULT_WHOIS_SERVERS: Mapping[str, str] = {
    "tr": "whois.trabis.gov.tr",
    "de": "whois.denic.de",
    "it": "whois.nic.it",
    "ru": "whois.tcinet.ru",
    "jp": "whois.jprs.jp",
    "at": "whois.nic.at",
    "pl": "whois.dns.pl",
}


class BootstrapError(ValueError):
    """A bootstrap file or a server override is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class RdapServer:
    """An RDAP base URL (always ending in ``/``)."""

    base_url: str

    @property
    def key(self) -> str:
        """The rate-limit key: scheme, host and port."""
        parts = urlsplit(self.base_url)
        return f"rdap:{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class WhoisServer:
    """A WHOIS host and TCP port (default 43)."""

    host: str
    port: int = WHOIS_PORT

    @property
    def key(self) -> str:
        """The rate-limit key: host and port."""
        return f"whois:{self.host}:{self.port}"


Server = RdapServer | WhoisServer


def parse_bootstrap(text: str) -> dict[str, str]:
    """TLD → RDAP base URL from the text of an IANA ``dns.json`` (first URL, https preferred)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BootstrapError(f"bootstrap file is not JSON: {exc}") from exc
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, list) or not services:
        raise BootstrapError("bootstrap file has no 'services' list")
    table: dict[str, str] = {}
    for number, entry in enumerate(services):
        if (not isinstance(entry, list) or len(entry) < 2 or not isinstance(entry[0], list)
                or not isinstance(entry[1], list) or not entry[1]):
            raise BootstrapError(f"bootstrap service #{number} is not [[tlds], [urls]]")
        urls = [u for u in entry[1] if isinstance(u, str) and u.startswith(("https://", "http://"))]
        if not urls:
            raise BootstrapError(f"bootstrap service #{number} has no http(s) URL")
        url = next((u for u in urls if u.startswith("https://")), urls[0])
        for tld in entry[0]:
            if isinstance(tld, str) and tld:
                table[tld.lower().strip(".")] = _with_slash(url)
    return table


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def shipped_bootstrap_text() -> str:
    """The IANA bootstrap snapshot shipped with Hunter."""
    return resources.files("leadhunter.scanners.registration").joinpath("data/rdap-dns.json").read_text("utf-8")


def load_bootstrap(path: Path | None = None) -> dict[str, str]:
    """The bootstrap table from ``path`` when it exists (a refreshed copy), else the shipped snapshot."""
    if path is not None and path.is_file():
        return parse_bootstrap(path.read_text("utf-8"))
    return parse_bootstrap(shipped_bootstrap_text())


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        suffix, sep, value = item.partition("=")
        if not sep or not suffix.strip(" .") or not value.strip():
            raise BootstrapError(f"{what}: expected suffix=value, got {item!r}")
        pairs.append((suffix.strip(" .").lower(), value.strip()))
    return pairs


def parse_rdap_overrides(text: str) -> dict[str, str]:
    """``tld=url,...`` (``HUNTER_RDAP_SERVERS``) → suffix → base URL."""
    table: dict[str, str] = {}
    for suffix, url in _pairs(text, "HUNTER_RDAP_SERVERS"):
        if not url.startswith(("https://", "http://")):
            raise BootstrapError(f"HUNTER_RDAP_SERVERS: {url!r} is not an http(s) URL")
        table[suffix] = _with_slash(url)
    return table


def parse_whois_overrides(text: str) -> dict[str, WhoisServer]:
    """``tld=host[:port],...`` (``HUNTER_WHOIS_SERVERS``) → suffix → server (port 43 by default)."""
    table: dict[str, WhoisServer] = {}
    for suffix, value in _pairs(text, "HUNTER_WHOIS_SERVERS"):
        host, sep, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
        if not sep:
            host, port = value, str(WHOIS_PORT)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise BootstrapError(f"HUNTER_WHOIS_SERVERS: bad host[:port] {value!r}")
        table[suffix] = WhoisServer(host.lower(), int(port))
    return table


class ServerDirectory:
    """Chooses the server for a domain (see the module docstring for the order)."""

    def __init__(self, bootstrap: Mapping[str, str], *, rdap_overrides: Mapping[str, str] | None = None,
                 whois_overrides: Mapping[str, WhoisServer] | None = None,
                 whois_defaults: Mapping[str, str] = DEFAULT_WHOIS_SERVERS) -> None:
        self._bootstrap = dict(bootstrap)
        self._rdap = dict(rdap_overrides or {})
        self._whois = dict(whois_overrides or {})
        self._whois_defaults = {k: WhoisServer(v) for k, v in whois_defaults.items()}

    def server_for(self, domain: str) -> Server | None:
        """The server for an ASCII domain, or None when no registry service is known for its suffix."""
        labels = domain.lower().strip(".").split(".")
        for start in range(1, len(labels)):
            suffix = ".".join(labels[start:])
            if suffix in self._rdap:
                return RdapServer(self._rdap[suffix])
            if suffix in self._whois:
                return self._whois[suffix]
            if suffix in self._bootstrap:
                return RdapServer(self._bootstrap[suffix])
            if suffix in self._whois_defaults:
                return self._whois_defaults[suffix]
        return None


def validate_bootstrap_document(raw: bytes) -> tuple[str, int, Any]:
    """Check a downloaded or given bootstrap document; returns (text, TLD count, publication date)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BootstrapError("bootstrap file is not UTF-8") from exc
    table = parse_bootstrap(text)
    publication = json.loads(text).get("publication")
    return text, len(table), publication
