"""What the lead list, filters, exports and the D365 push keep of a scan's footprint. Pure functions over the
stable JSON report (``footprint``, ``network``, ``whitespace`` keys, see :mod:`footprint_report`).

- :func:`footprint_columns`: the denormalised company columns (web host, DNS host, mail and web country) and
  the stored grid;
- :func:`footprint_tags`: automatic tags from the signals (``intune``, ``teams``, ``web-aws``, ``adfs``, ...),
  the plays (``play:intune``) and the SaaS stack (``saas:atlassian``): one searchable set, the tags table;
- :func:`infrastructure_line` and :func:`play_labels`: the one-line summaries exports and D365 carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leadhunter.domain.whitespace_rules import WhitespaceRules

PLAY_TAG = "play:"
"""Prefix of the automatic tags naming a white-space play (``play:intune``)."""
SAAS_TAG = "saas:"
"""Prefix of the automatic tags naming a SaaS product seen in the apex TXT (``saas:atlassian``)."""

# Web and DNS host kinds worth a tag of their own (shared hosting is one tag: "web-hosting").
_HOST_TAG_KINDS = frozenset({"azure", "cloud", "platform", "cdn"})
_IDP_TAGS = {"adfs": "adfs", "okta": "okta", "ping": "ping", "google": "google-signin", "other": "other-idp"}


@dataclass(frozen=True, slots=True)
class FootprintColumns:
    """The company-row copy of a scan's footprint: ``web_host`` / ``dns_host`` names (e.g. "AWS", "Azure DNS";
    None when not seen or unknown), ``mail_country`` / ``web_country`` (ISO 3166-1 alpha-2 of the first MX
    address, and of ``www`` else the apex), and ``stored``: the report's ``footprint``, ``network`` and
    ``whitespace`` keys (None for a report without them)."""

    web_host: str | None = None
    dns_host: str | None = None
    mail_country: str | None = None
    web_country: str | None = None
    stored: dict[str, Any] | None = None


def _signal(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    footprint = report.get("footprint") or {}
    signal = footprint.get(key) if isinstance(footprint, Mapping) else None
    return signal if isinstance(signal, Mapping) else {}


def _present_value(report: Mapping[str, Any], key: str) -> str | None:
    signal = _signal(report, key)
    value = signal.get("value")
    return value if signal.get("state") == "present" and isinstance(value, str) else None


def _country(report: Mapping[str, Any], roles: Iterable[str]) -> str | None:
    network = report.get("network") or []
    for role in roles:
        for entry in network:
            if isinstance(entry, Mapping) and entry.get("role") == role and entry.get("country"):
                return str(entry["country"])[:2].upper()
    return None


def footprint_columns(report: Mapping[str, Any]) -> FootprintColumns:
    """The company columns a scan report implies (all None for a report without a footprint)."""
    if report.get("footprint") is None:
        return FootprintColumns()
    return FootprintColumns(
        web_host=_present_value(report, "web_host"),
        dns_host=_present_value(report, "dns_host"),
        mail_country=_country(report, ("mx",)),
        web_country=_country(report, ("www", "apex")),
        stored={"footprint": report.get("footprint"), "network": report.get("network") or [],
                "whitespace": report.get("whitespace")},
    )


def slug(text: str) -> str:
    """``text`` as a tag word: lower case ASCII letters and digits joined by ``-`` ("Google Cloud" →
    "google-cloud", "İsimtescil" → "isimtescil")."""
    folded = text.replace("İ", "I").replace("ı", "i").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _host_tag(prefix: str, signal: Mapping[str, Any]) -> str | None:
    if signal.get("state") != "present" or not signal.get("value"):
        return None
    kind = signal.get("kind")
    if kind == "hosting":
        return f"{prefix}-hosting"
    if kind in _HOST_TAG_KINDS:
        return f"{prefix}-{slug(str(signal['value']))}"
    return None


def footprint_tags(report: Mapping[str, Any]) -> set[str]:
    """Automatic tags from the footprint: ``intune``, ``entra-join``, ``teams``, ``exchange-onprem``,
    ``federated`` plus the IdP (``adfs``, ``okta``, ``ping``, ``google-signin``, ``other-idp``), the web host
    (``web-azure``, ``web-aws``, ``web-google-cloud``, ``web-cloudflare``, ``web-vercel``, ... or
    ``web-hosting``), the DNS host (``dns-azure-dns``, ``dns-route-53``, ... or ``dns-hosting``), one
    ``play:<key>`` per play of the grid and one ``saas:<tag>`` per SaaS product."""
    tags: set[str] = set()
    for key, tag in (("intune", "intune"), ("entra_registration", "entra-join"), ("teams", "teams")):
        if _signal(report, key).get("state") == "present":
            tags.add(tag)
    if _signal(report, "exchange_autodiscover").get("kind") == "own":
        tags.add("exchange-onprem")
    federation = _signal(report, "federation")
    if federation.get("state") == "present":
        tags.add("federated")
        tags.add(_IDP_TAGS.get(str(federation.get("kind")), "other-idp"))
    for prefix, key in (("web", "web_host"), ("dns", "dns_host")):
        host = _host_tag(prefix, _signal(report, key))
        if host:
            tags.add(host)
    saas = _signal(report, "saas")
    tags.update(f"{SAAS_TAG}{tag}" for tag in saas.get("tags") or () if isinstance(tag, str))
    tags.update(f"{PLAY_TAG}{key}" for key in play_keys(report))
    return tags


def play_keys(report: Mapping[str, Any]) -> list[str]:
    """The play keys of the report's grid, in row order."""
    grid = report.get("whitespace") or {}
    rows = grid.get("rows") if isinstance(grid, Mapping) else None
    keys: list[str] = []
    for row in rows or ():
        play = row.get("play") if isinstance(row, Mapping) else None
        if isinstance(play, Mapping) and isinstance(play.get("key"), str):
            keys.append(play["key"])
    return keys


class _Blank(dict[str, str]):
    """Template values; a placeholder without a value reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def play_labels(keys: Iterable[str], rules: WhitespaceRules, values: Mapping[str, str | None],
                lang: str = "en") -> list[str]:
    """The labels of the plays ``keys`` in ``lang`` (``en`` or ``tr``), their placeholders (``{gateway}``,
    ``{web_host}``, ...) filled from ``values``; keys the rule file does not know are skipped."""
    fill = _Blank({name: value for name, value in values.items() if value})
    out = []
    for key in keys:
        rule = rules.plays.get(key)
        if rule is not None:
            out.append((rule.label_tr if lang == "tr" else rule.label_en).format_map(fill).strip())
    return out


def infrastructure_line(*, dns_host: str | None, web_host: str | None, web_country: str | None,
                        mail_country: str | None, provider: str | None = None) -> str:
    """One line on where the company's things run, e.g. ``DNS: Azure DNS · Web: AWS (US) · Mail: M365 (IE)``;
    parts nobody knows are left out ("" when nothing is known)."""
    parts = []
    if dns_host:
        parts.append(f"DNS: {dns_host}")
    if web_host or web_country:
        parts.append("Web: " + " ".join(p for p in (web_host, f"({web_country})" if web_country else None) if p))
    if provider or mail_country:
        parts.append("Mail: " + " ".join(p for p in (provider, f"({mail_country})" if mail_country else None) if p))
    return " · ".join(parts)
