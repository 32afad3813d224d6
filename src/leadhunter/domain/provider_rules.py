"""The provider-detection rule file: load, validate, and match host names by suffix."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PROVIDERS = ("M365", "Google", "Yandex", "Zoho", "Amazon", "SendGrid", "Mailgun", "Hosting", "Local", "Unknown")
MAILBOX_PROVIDERS = frozenset({"M365", "Google", "Yandex", "Zoho"})


class ProviderRulesError(ValueError):
    """The provider rule file is malformed."""


class SuffixTable:
    """Maps host-name suffixes (whole labels) to a value; the longest matching suffix wins."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = {k.lower().strip(".").strip(): v for k, v in entries.items()}
        self._max_labels = max((k.count(".") + 1 for k in self._entries), default=0)

    def match(self, host: str) -> tuple[str, str] | None:
        """Return ``(value, suffix)`` for the longest suffix of ``host`` in the table, else None."""
        labels = host.lower().rstrip(".").split(".")
        for size in range(min(len(labels), self._max_labels), 0, -1):
            suffix = ".".join(labels[-size:])
            value = self._entries.get(suffix)
            if value is not None:
                return value, suffix
        return None


@dataclass(frozen=True)
class ProviderRules:
    """Suffix tables: MX → mailbox provider, MX → hosting label, MX → gateway name, SPF include →
    provider, DKIM CNAME target → provider, autodiscover CNAME target → provider; ``forwarders`` names
    the gateways that are mail forwarders (``forwarder = true``), for the evidence wording."""

    mx: SuffixTable
    hosting: SuffixTable
    gateway: SuffixTable
    spf: SuffixTable
    dkim_cname: SuffixTable
    autodiscover: SuffixTable
    forwarders: frozenset[str] = frozenset()


def _strings(entry: dict[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProviderRulesError(f"{where}: '{key}' must be a list of host suffixes")
    return value


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise ProviderRulesError(f"'{key}' must be an array of tables ([[{key}]])")
    return value


def parse_provider_rules(text: str) -> ProviderRules:
    """Build :class:`ProviderRules` from TOML text; raise :class:`ProviderRulesError` when malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProviderRulesError(f"not valid TOML: {exc}") from exc
    unknown = set(data) - {"mailbox", "hosting", "gateway"}
    if unknown:
        raise ProviderRulesError(f"unknown section(s) {sorted(unknown)}; expected mailbox, hosting, gateway")
    tables: dict[str, dict[str, str]] = {k: {} for k in ("mx", "hosting", "gateway", "spf", "dkim", "auto")}
    forwarders: set[str] = set()
    for i, entry in enumerate(_entries(data, "mailbox")):
        where = f"mailbox[{i}]"
        provider = entry.get("provider")
        if provider not in PROVIDERS or provider in ("Hosting", "Local", "Unknown"):
            raise ProviderRulesError(f"{where}: unknown mailbox provider {provider!r}")
        for key, table in (("mx", "mx"), ("spf", "spf"), ("dkim_cname", "dkim"), ("autodiscover", "auto")):
            for suffix in _strings(entry, key, where):
                tables[table][suffix] = provider
    for i, entry in enumerate(_entries(data, "hosting")):
        label = entry.get("label")
        if not isinstance(label, str) or not label:
            raise ProviderRulesError(f"hosting[{i}]: 'label' is required")
        for suffix in _strings(entry, "mx", f"hosting[{i}]"):
            tables["hosting"][suffix] = label
    for i, entry in enumerate(_entries(data, "gateway")):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ProviderRulesError(f"gateway[{i}]: 'name' is required")
        if not isinstance(entry.get("forwarder", False), bool):
            raise ProviderRulesError(f"gateway[{i}]: 'forwarder' must be true or false")
        if entry.get("forwarder"):
            forwarders.add(name)
        for suffix in _strings(entry, "mx", f"gateway[{i}]"):
            tables["gateway"][suffix] = name
    return ProviderRules(
        mx=SuffixTable(tables["mx"]),
        hosting=SuffixTable(tables["hosting"]),
        gateway=SuffixTable(tables["gateway"]),
        spf=SuffixTable(tables["spf"]),
        dkim_cname=SuffixTable(tables["dkim"]),
        autodiscover=SuffixTable(tables["auto"]),
        forwarders=frozenset(forwarders),
    )


@cache
def default_provider_rules() -> ProviderRules:
    """The rule file shipped with Hunter (``domain/data/providers.toml``), parsed once."""
    text = resources.files("leadhunter.domain").joinpath("data/providers.toml").read_text("utf-8")
    return parse_provider_rules(text)
