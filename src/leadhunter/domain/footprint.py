"""Footprint signals: what a domain's DNS and tenant answers say about its Microsoft workloads, its
DNS and web hosts, its sign-in and its SaaS stack. One pure function, :func:`read_footprint`.

Every signal is *present*, *absent* (the lookups answered: no such record) or *unknown* (a lookup it
needs failed); a failed lookup never reads as absent. Each keeps its evidence as short text such as
``enterpriseenrollment: CNAME enterpriseenrollment-s.manage.microsoft.com``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from leadhunter.domain.facts import DomainFacts, TenantStatus
from leadhunter.domain.footprint_facts import AddressInfo
from leadhunter.domain.footprint_rules import FootprintRules, HostPattern, clean_host
from leadhunter.domain.lookups import Lookup
from leadhunter.domain.networks import NetworkTable

SIGNAL_KEYS = ("dns_host", "web_host", "intune", "entra_registration", "teams", "exchange_autodiscover",
               "federation", "saas")


class SignalState(StrEnum):
    """Whether a signal was seen."""

    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Signal:
    """One footprint signal: ``key`` (one of :data:`SIGNAL_KEYS`), its ``state``, a ``value`` when
    present (e.g. "Azure DNS", "AD FS"), the rule ``kind`` behind the value, and the ``evidence``."""

    key: str
    state: SignalState
    value: str | None = None
    kind: str | None = None
    evidence: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # saas only: technology tags, e.g. ("atlassian", "zoom")
    cloud: str | None = None  # hosts only: the competitor cloud the host belongs to ("AWS", "Google")


@dataclass(frozen=True, slots=True)
class Footprint:
    """The signals of one domain, keyed by :data:`SIGNAL_KEYS`, and the network owner per address."""

    signals: tuple[Signal, ...]
    network: tuple[AddressInfo, ...] = ()

    def get(self, key: str) -> Signal:
        """The signal named ``key``."""
        for signal in self.signals:
            if signal.key == key:
                return signal
        raise KeyError(key)


def _state_of(lookups: list[Lookup | None]) -> SignalState:
    """UNKNOWN when any lookup is missing or failed, else ABSENT (the caller found nothing present)."""
    if any(lk is None or lk.failed for lk in lookups):
        return SignalState.UNKNOWN
    return SignalState.ABSENT


def _targets(lookup: Lookup) -> list[str]:
    """CNAME targets, or SRV targets (last field), lower case without the trailing dot."""
    if lookup.rtype == "SRV":
        return [clean_host(a.split()[-1]) for a in lookup.answers if a.split()]
    return [clean_host(a) for a in lookup.answers]


def _workload(key: str, lookups: list[Lookup | None], pattern: HostPattern) -> Signal:
    evidence: list[str] = []
    for lookup in lookups:
        if lookup is None:
            continue
        for target in _targets(lookup):
            if pattern.matches(target):
                evidence.append(f"{_short(lookup)}: {lookup.rtype} {target}")
    if evidence:
        return Signal(key, SignalState.PRESENT, evidence=tuple(evidence))
    return Signal(key, _state_of(lookups))


def _short(lookup: Lookup) -> str:
    """The asked name without the registrable domain: ``enterpriseenrollment``, ``_sip._tls``."""
    parts = lookup.name.split(".")
    # Footprint names are one label (CNAMEs) or two labels (SRV) under the domain.
    return ".".join(parts[:2]) if lookup.rtype == "SRV" else parts[0]


def _dns_host(lookup: Lookup | None, rules: FootprintRules) -> Signal:
    if lookup is None or lookup.failed:
        return Signal("dns_host", SignalState.UNKNOWN)
    hosts = sorted({clean_host(a) for a in lookup.answers})
    if not hosts:
        return Signal("dns_host", SignalState.ABSENT)
    evidence = tuple(f"NS {h}" for h in hosts)
    for host in hosts:
        hit = rules.first(rules.dns_hosts, host)
        if hit is not None:
            return Signal("dns_host", SignalState.PRESENT, hit[0].name, hit[0].kind, evidence, cloud=hit[0].cloud)
    return Signal("dns_host", SignalState.PRESENT, "Other", "other", evidence)


def _web_host(facts: DomainFacts, rules: FootprintRules, network: dict[str, AddressInfo],
              table: NetworkTable) -> Signal:
    apex = [lk for lk in facts.addresses if lk.name == facts.domain]
    www = list(facts.footprint.www) if facts.footprint else []
    lookups = apex + www
    for lookup in lookups:  # the CNAME chain tells first
        for target in lookup.cnames:
            hit = rules.first(rules.web_hosts, target)
            if hit is not None:
                return Signal("web_host", SignalState.PRESENT, hit[0].name, hit[0].kind,
                              (f"{lookup.name}: CNAME {target}",), cloud=hit[0].cloud)
    for lookup in lookups:  # then the owner of the addresses
        for address in lookup.answers:
            info = network.get(address)
            label = info.network if info else None
            if label is None:
                continue
            rule = rules.web_host_for_network(label)
            net = table.by_label(label)
            evidence = (f"{lookup.name}: {lookup.rtype} {address} ({label}"
                        + (f", AS{info.asn}" if info and info.asn else "") + ")",)
            if rule is not None:
                return Signal("web_host", SignalState.PRESENT, rule.name, rule.kind, evidence, cloud=rule.cloud)
            return Signal("web_host", SignalState.PRESENT, label, net.kind if net else "other", evidence)
    found = [(lk, a) for lk in lookups for a in lk.answers]
    if found:
        lookup, address = found[0]
        country = network[address].country if address in network else None
        return Signal("web_host", SignalState.PRESENT, "Other", "other",
                      (f"{lookup.name}: {lookup.rtype} {address}" + (f" ({country})" if country else ""),))
    if not www:
        return Signal("web_host", SignalState.UNKNOWN)
    return Signal("web_host", _state_of(list(lookups)))


def _exchange(facts: DomainFacts, rules: FootprintRules) -> Signal:
    lookup = facts.autodiscover
    if lookup is None or lookup.failed:
        return Signal("exchange_autodiscover", SignalState.UNKNOWN)
    if not lookup.answers:
        return Signal("exchange_autodiscover", SignalState.ABSENT)
    target = clean_host(lookup.answers[0])
    evidence = (f"autodiscover: CNAME {target}",)
    if rules.workloads["exchange_online"].matches(target):
        return Signal("exchange_autodiscover", SignalState.PRESENT, "Exchange Online", "online", evidence)
    return Signal("exchange_autodiscover", SignalState.PRESENT, "Own host", "own", evidence)


def _federation(facts: DomainFacts, rules: FootprintRules) -> Signal:
    tenant = facts.tenant
    if tenant.status in (TenantStatus.FAILED, TenantStatus.SKIPPED):
        return Signal("federation", SignalState.UNKNOWN)
    if tenant.status is TenantStatus.NOT_FOUND or tenant.namespace != "Federated":
        value = "Managed" if tenant.status is TenantStatus.FOUND and tenant.namespace == "Managed" else None
        evidence = (f"realm: {tenant.namespace}",) if tenant.namespace else ()
        return Signal("federation", SignalState.ABSENT, value, "managed" if value else None, evidence)
    url = tenant.auth_url or ""
    parts = urlsplit(url)
    host, path = clean_host(parts.hostname or ""), parts.path.lower()
    evidence = (f"realm: Federated, AuthURL {host}{parts.path}" if host else "realm: Federated",)
    for rule in rules.idps:
        if any(marker in path for marker in rule.path_contains) or (host and rule.pattern.matches(host)):
            return Signal("federation", SignalState.PRESENT, rule.name, rule.kind, evidence)
    return Signal("federation", SignalState.PRESENT, "Other IdP", "other", evidence)


def _saas(txt: Lookup, rules: FootprintRules) -> Signal:
    if txt.failed:
        return Signal("saas", SignalState.UNKNOWN)
    tags: list[str] = []
    evidence: list[str] = []
    any_prefix = rules.saas_prefixes
    for record in txt.answers:
        lowered = record.strip().lower()
        if not lowered.startswith(any_prefix):
            continue
        for rule in rules.saas:
            if rule.tag not in tags and any(lowered.startswith(p) for p in rule.prefixes):
                tags.append(rule.tag)
                evidence.append(f"TXT {record.strip()[:60]}")
    if not tags:
        return Signal("saas", SignalState.ABSENT)
    names = [r.name for t in tags for r in rules.saas if r.tag == t]
    return Signal("saas", SignalState.PRESENT, ", ".join(names), None, tuple(evidence), tuple(tags))


def read_footprint(facts: DomainFacts, rules: FootprintRules, table: NetworkTable) -> Footprint:
    """Every footprint signal of ``facts``; a scan made without footprint lookups gives UNKNOWN for
    the signals that need them."""
    fp = facts.footprint
    network = {info.address: info for info in fp.network} if fp else {}
    names = {label: (fp.name(label) if fp else None)
             for label in ("enterpriseenrollment", "enterpriseregistration", "lyncdiscover", "sip",
                           "_sip._tls", "_sipfederationtls._tcp")}
    teams = [names["lyncdiscover"], names["sip"], names["_sip._tls"], names["_sipfederationtls._tcp"]]
    signals = (
        _dns_host(fp.ns if fp else None, rules),
        _web_host(facts, rules, network, table),
        _workload("intune", [names["enterpriseenrollment"]], rules.workloads["intune"]),
        _workload("entra_registration", [names["enterpriseregistration"]], rules.workloads["entra_registration"]),
        _workload("teams", teams, rules.workloads["teams"]),
        _exchange(facts, rules),
        _federation(facts, rules),
        _saas(facts.txt, rules),
    )
    return Footprint(signals, fp.network if fp else ())
