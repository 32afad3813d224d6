"""The footprint rule file (``domain/data/footprint.toml``): load, validate, match host names.

Validated at load like the scoring rules: a malformed entry, an unknown kind or an empty pattern list
is refused with the place named, so a replaced file never fails half-way through a scan.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

DNS_HOST_KINDS = ("azure", "cloud", "cdn", "registrar", "hosting")
WEB_HOST_KINDS = ("azure", "cloud", "platform", "cdn", "hosting")
WORKLOAD_KEYS = ("intune", "entra_registration", "teams", "exchange_online")


class FootprintRulesError(ValueError):
    """The footprint rule file is malformed."""


def clean_host(host: str) -> str:
    """``host`` lower case, without surrounding blanks and the trailing dot."""
    return host.strip().rstrip(".").lower()


def suffix_match(host: str, suffix: str) -> bool:
    """True when ``host`` is ``suffix`` or ends with ``.suffix`` (whole labels; both already clean)."""
    return host == suffix or host.endswith("." + suffix)


@dataclass(frozen=True, slots=True)
class HostPattern:
    """Host-name suffixes (whole labels) and label prefixes (any label starting with the text)."""

    suffixes: tuple[str, ...] = ()
    label_prefixes: tuple[str, ...] = ()

    def matches(self, host: str) -> str | None:
        """The pattern text that matches ``host`` (any case, trailing dot allowed), else None."""
        host = clean_host(host)
        for suffix in self.suffixes:
            if suffix_match(host, suffix):
                return suffix
        labels = host.split(".")
        for prefix in self.label_prefixes:
            if any(label.startswith(prefix) for label in labels[1:]):
                return prefix + "*"
        return None


@dataclass(frozen=True, slots=True)
class HostRule:
    """A named operator (DNS host, web host or IdP) with its ``kind``, competitor ``cloud`` (if any),
    host patterns, network labels that imply it (web hosts) and URL path markers (IdPs)."""

    name: str
    kind: str
    pattern: HostPattern
    cloud: str | None = None
    networks: tuple[str, ...] = ()
    path_contains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SaasRule:
    """A SaaS verification token: technology ``tag``, display ``name``, TXT record prefixes."""

    tag: str
    name: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class FootprintRules:
    """A validated footprint rule file."""

    dns_hosts: tuple[HostRule, ...]
    web_hosts: tuple[HostRule, ...]
    workloads: dict[str, HostPattern]
    idps: tuple[HostRule, ...]
    saas: tuple[SaasRule, ...]

    @property
    def saas_prefixes(self) -> tuple[str, ...]:
        """Every SaaS prefix, for a one-call first test of a TXT record."""
        return tuple(p for rule in self.saas for p in rule.prefixes)

    def first(self, rules: tuple[HostRule, ...], host: str) -> tuple[HostRule, str] | None:
        """The first rule of ``rules`` whose pattern matches ``host``, with the matching pattern text."""
        for rule in rules:
            hit = rule.pattern.matches(host)
            if hit is not None:
                return rule, hit
        return None

    def web_host_for_network(self, label: str) -> HostRule | None:
        """The web host that a network label (from networks.toml) stands for, if one lists it."""
        for rule in self.web_hosts:
            if label in rule.networks:
                return rule
        return None


def _texts(raw: dict[str, Any], key: str, where: str, *, lower: bool = True) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FootprintRulesError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(clean_host(v) if lower else v.strip() for v in value)


def _host_rules(data: dict[str, Any], table: str, kinds: tuple[str, ...] | None) -> tuple[HostRule, ...]:
    entries = data.get(table, [])
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise FootprintRulesError(f"expected one or more [[{table}]] tables")
    rules: list[HostRule] = []
    for index, raw in enumerate(entries):
        where = f"{table} {index + 1}"
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FootprintRulesError(f"{where}: 'name' must be a non-empty string")
        kind = raw.get("kind", raw.get("key"))
        if kinds is not None and kind not in kinds:
            raise FootprintRulesError(f"{where} ({name}): 'kind' must be one of {', '.join(kinds)}")
        if not isinstance(kind, str) or not kind:
            raise FootprintRulesError(f"{where} ({name}): needs a 'key'")
        cloud = raw.get("cloud")
        if cloud is not None and not isinstance(cloud, str):
            raise FootprintRulesError(f"{where} ({name}): 'cloud' must be a string")
        pattern = HostPattern(_texts(raw, "suffixes", where), _texts(raw, "label_prefixes", where))
        paths = _texts(raw, "path_contains", where)
        if not pattern.suffixes and not pattern.label_prefixes and not paths:
            raise FootprintRulesError(f"{where} ({name}): give 'suffixes', 'label_prefixes' or 'path_contains'")
        rules.append(HostRule(name.strip(), kind, pattern, cloud, _texts(raw, "networks", where, lower=False),
                              paths))
    return tuple(rules)


def parse_footprint_rules(text: str) -> FootprintRules:
    """Parse and validate a footprint rule file (TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FootprintRulesError(f"not valid TOML: {exc}") from exc
    raw_workloads = data.get("workloads")
    if not isinstance(raw_workloads, dict) or set(raw_workloads) != set(WORKLOAD_KEYS):
        raise FootprintRulesError(f"[workloads] must list exactly: {', '.join(WORKLOAD_KEYS)}")
    workloads = {}
    for key in WORKLOAD_KEYS:
        targets = _texts(raw_workloads, key, f"workloads.{key}")
        if not targets:
            raise FootprintRulesError(f"workloads.{key}: list at least one host")
        workloads[key] = HostPattern(targets)
    saas: list[SaasRule] = []
    for index, raw in enumerate(data.get("saas", [])):
        where = f"saas {index + 1}"
        tag, name = (raw.get(k) if isinstance(raw, dict) else None for k in ("tag", "name"))
        if not isinstance(tag, str) or not tag.strip() or not isinstance(name, str) or not name.strip():
            raise FootprintRulesError(f"{where}: 'tag' and 'name' must be non-empty strings")
        prefixes = tuple(p.lower() for p in _texts(raw, "prefixes", where, lower=False))
        if not prefixes:
            raise FootprintRulesError(f"{where} ({name}): list at least one prefix")
        saas.append(SaasRule(tag.strip(), name.strip(), prefixes))
    return FootprintRules(
        dns_hosts=_host_rules(data, "dns_host", DNS_HOST_KINDS),
        web_hosts=_host_rules(data, "web_host", WEB_HOST_KINDS),
        workloads=workloads,
        idps=_host_rules(data, "idp", None),
        saas=tuple(saas),
    )


@cache
def default_footprint_rules() -> FootprintRules:
    """The shipped rule file, parsed once per process."""
    text = resources.files("leadhunter.domain.data").joinpath("footprint.toml").read_text("utf-8")
    return parse_footprint_rules(text)
