"""Mail provider detection: from MX, SPF, DKIM, autodiscover and tenant facts to one provider.

The lowest-preference MX host decides when it belongs to a known mailbox provider. When it is a
security gateway or a mail forwarder, the provider *behind* it is inferred from the other evidence (never
guessed as Local). An MX host that is a CNAME is classified on its chain too (spec §1a). An own server
at the lowest preference with Microsoft 365 beside or behind it is Exchange hybrid: provider M365, Local
kept as a secondary provider. Every decision carries a confidence and the evidence lines that produced it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from leadhunter.domain.dkim import DkimResult
from leadhunter.domain.facts import DomainFacts, TenantStatus
from leadhunter.domain.lookups import MxRecord, is_null_mx, parse_mx
from leadhunter.domain.provider_rules import MAILBOX_PROVIDERS, PROVIDERS, ProviderRules
from leadhunter.domain.spf import SpfResult

# How much one piece of evidence says about the provider behind a gateway or a local relay. A DKIM
# CNAME or an autodiscover alias is configuration only the provider's tenant needs; an SPF include may
# just authorise a sender; a verified tenant may exist without mailboxes. A Partner Center referral's
# tenant id is Microsoft's own statement that the customer has a tenant.
_WEIGHTS = {"dkim": 3, "autodiscover": 3, "mx_backup": 3, "spf": 2, "tenant": 2, "txt": 1, "referral": 5}
# Among MX hosts of equal preference: a mailbox provider says most, an unrecognised host least.
_PRIMARY_RANK = {"mailbox": 0, "hosting": 1, "gateway": 2, "local": 3}
_ORDER = {name: i for i, name in enumerate(PROVIDERS)}
_OVERRIDE_WEIGHT = 5  # inferred evidence needed to place a Local/Hosting MX's mailboxes elsewhere


class Confidence(StrEnum):
    """How sure the detection is."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class MxStatus(StrEnum):
    """What the MX lookup said."""

    OK = "ok"
    NONE = "none"  # no MX records
    NULL = "null"  # RFC 7505 null MX: the domain accepts no mail
    UNKNOWN = "unknown"  # the lookup failed
    NXDOMAIN = "nxdomain"  # the domain itself does not exist


@dataclass(frozen=True, slots=True)
class Detection:
    """Detected ``provider`` (see :data:`PROVIDERS`), the ``gateway`` in front of it, the hosting
    ``hosting_label`` (GoDaddy, Natro…), ``secondary`` providers of the other MX hosts, the
    ``confidence``, ``evidence`` lines, the ``mx_status`` and ``tenant_name`` (the
    ``<name>.onmicrosoft.com`` seen in a DKIM CNAME) and ``hybrid`` (Exchange hybrid: an own server
    at the lowest preference with Microsoft 365 beside or behind it)."""

    provider: str
    gateway: str | None
    hosting_label: str | None
    secondary: tuple[str, ...]
    confidence: Confidence
    evidence: tuple[str, ...]
    mx_status: MxStatus
    mx_hosts: tuple[MxRecord, ...]
    tenant_name: str | None = None
    hybrid: bool = False

    @property
    def usable_mx(self) -> bool:
        """True when mail can be delivered (some non-null MX exists)."""
        return self.mx_status is MxStatus.OK

    @property
    def display(self) -> str:
        """``M365 via Proofpoint`` style label for people and CRMs."""
        return f"{self.provider} via {self.gateway}" if self.gateway else self.provider


@dataclass(frozen=True, slots=True)
class _Clue:
    kind: str
    provider: str
    text: str


def _classify(host: str, chain: tuple[str, ...], rules: ProviderRules) -> tuple[str, str | None, str | None, str]:
    """Return (provider, gateway, hosting label, the name that decided) for one MX host and the CNAME
    chain behind it: the most telling of the names wins (a mailbox provider over hosting, a gateway,
    then Local), so an alias of ``*.mail.protection.outlook.com`` is M365."""
    found = [(*_classify_name(name, rules), name) for name in (host, *chain)]
    return min(found, key=lambda f: _kind_rank(f[0], f[1]))  # min is stable: the MX name wins ties


def _classify_name(host: str, rules: ProviderRules) -> tuple[str, str | None, str | None]:
    """Return (provider, gateway, hosting label) for one host name."""
    mailbox = rules.mx.match(host)
    if mailbox:
        return mailbox[0], None, None
    gateway = rules.gateway.match(host)
    if gateway:
        return "Unknown", gateway[0], None
    hosting = rules.hosting.match(host)
    if hosting:
        return "Hosting", None, hosting[0]
    return "Local", None, None


def _clues(facts: DomainFacts, spf: SpfResult, dkim: DkimResult, rules: ProviderRules,
           referral_tenant_id: str | None) -> list[_Clue]:
    clues: list[_Clue] = []
    includes = list(spf.record.includes) if spf.record else []
    if spf.record and spf.record.redirect:
        includes.append(spf.record.redirect)
    includes += [i for i in facts.spf.includes if i not in includes]
    for include in includes:
        hit = rules.spf.match(include)
        if hit:
            clues.append(_Clue("spf", hit[0], f"spf: include:{include}"))
    for selector, target in sorted(dkim.cnames.items()):
        hit = rules.dkim_cname.match(target)
        if hit:
            clues.append(_Clue("dkim", hit[0], f"dkim: {selector} → {target}"))
    if facts.autodiscover is not None:
        for target in facts.autodiscover.answers + facts.autodiscover.cnames:
            hit = rules.autodiscover.match(target)
            if hit:
                clues.append(_Clue("autodiscover", hit[0], f"autodiscover: {target}"))
                break
    tenant = facts.tenant
    if tenant.status is TenantStatus.FOUND and tenant.namespace in ("Managed", "Federated"):
        clues.append(_Clue("tenant", "M365", f"tenant: {tenant.tenant_id}, {tenant.namespace}"))
    for answer in facts.txt.answers:
        if answer.startswith("MS=ms"):
            clues.append(_Clue("txt", "M365", f"txt: {answer[:40]}"))
            break
    if referral_tenant_id:
        clues.append(_Clue("referral", "M365", f"referral: tenant {referral_tenant_id}"))
    return clues


def _rank(entry: tuple[MxRecord, str, str | None, str | None]) -> int:
    return _kind_rank(entry[1], entry[2])


def _kind_rank(provider: str, gateway: str | None) -> int:
    if gateway:
        return _PRIMARY_RANK["gateway"]
    if provider == "Local":
        return _PRIMARY_RANK["local"]
    return _PRIMARY_RANK["hosting" if provider == "Hosting" else "mailbox"]


def _tenant_name(dkim: DkimResult) -> str | None:
    for target in dkim.cnames.values():
        labels = target.split(".")
        if len(labels) >= 3 and labels[-2] == "onmicrosoft":
            return labels[-3]
    return None


def _infer(clues: list[_Clue]) -> tuple[str | None, int, int]:
    """The mailbox provider the clues point to most, its weight and the number of clue kinds behind it."""
    weight: dict[str, int] = defaultdict(int)
    kinds: dict[str, set[str]] = defaultdict(set)
    for clue in clues:
        if clue.provider in MAILBOX_PROVIDERS and clue.kind not in kinds[clue.provider]:
            weight[clue.provider] += _WEIGHTS[clue.kind]
            kinds[clue.provider].add(clue.kind)
    if not weight:
        return None, 0, 0
    best = max(weight, key=lambda p: (weight[p], -_ORDER[p]))
    return best, weight[best], len(kinds[best])


def detect_provider(
    facts: DomainFacts,
    spf: SpfResult,
    dkim: DkimResult,
    rules: ProviderRules,
    *,
    referral_tenant_id: str | None = None,
) -> Detection:
    """Decide the provider of ``facts.domain`` from all evidence (pure; see the module docstring)."""
    clues = _clues(facts, spf, dkim, rules, referral_tenant_id)
    tenant_name = _tenant_name(dkim)
    records = parse_mx(facts.mx)
    if facts.mx.failed:
        evidence = (f"mx: lookup {facts.mx.outcome.value}", *(c.text for c in clues))
        return Detection("Unknown", None, None, (), Confidence.LOW, evidence, MxStatus.UNKNOWN, (), tenant_name)
    if facts.domain_missing:
        evidence = ("mx: the domain does not exist (NXDOMAIN)", *(c.text for c in clues))
        return Detection("Unknown", None, None, (), Confidence.HIGH, evidence, MxStatus.NXDOMAIN, (), tenant_name)
    # Hostless records ("10 .", or "0 ." twice) are no more deliverable than an RFC 7505 null MX.
    if not records or is_null_mx(records) or not any(r.host for r in records):
        status = MxStatus.NULL if records else MxStatus.NONE
        line = "mx: null MX (0 .), the domain accepts no mail" if records else "mx: no MX records"
        evidence = (line, *(c.text for c in clues))
        return Detection("Unknown", None, None, (), Confidence.HIGH, evidence, status, records, tenant_name)

    classes: list[tuple[MxRecord, str, str | None, str | None]] = []
    decided_by: dict[str, str] = {}  # MX host → the CNAME target that classified it
    for r in records:
        if r.host:
            provider, gateway, label, name = _classify(r.host, facts.cname_chain(r.host), rules)
            classes.append((r, provider, gateway, label))
            if name != r.host:
                decided_by[r.host] = name
    lowest = classes[0][0].preference
    primary = min((c for c in classes if c[0].preference == lowest), key=_rank)
    record, provider, gateway, label = primary
    for backup, backup_provider, _, _ in classes:
        # A mailbox provider among the backup MX hosts is where mail lands when the primary is down:
        # strong evidence for what sits behind a gateway or relay.
        if backup is not record and backup_provider in MAILBOX_PROVIDERS and backup_provider != provider:
            clues.append(_Clue("mx_backup", backup_provider, f"mx backup: {backup.host}"))
    via = decided_by.get(record.host)
    mx_line = f"mx: {record.host}" + (f" (CNAME → {via})" if via else "")
    inferred, weight, kinds = _infer(clues)
    confidence = Confidence.HIGH
    notes: list[str] = []
    hybrid = False
    m365_mx = next((c[0].host for c in classes if c[1] == "M365" and not c[2]), None)
    own_beside = next((c[0].host for c in classes if c is not primary and c[0].preference == lowest
                       and c[1] == "Local" and not c[2]), None)

    if gateway:
        kind = "mail forwarder" if gateway in rules.forwarders else "gateway"
        if inferred:
            provider = inferred
            confidence = Confidence.MEDIUM if weight >= 3 or kinds >= 2 else Confidence.LOW
            notes.append(f"{kind} {gateway}: mailboxes behind it inferred as {inferred}")
        else:
            confidence = Confidence.LOW
            notes.append(f"{kind} {gateway}: nothing tells the provider behind it")
    elif provider == "Local" and (m365_mx or (inferred == "M365" and weight >= _OVERRIDE_WEIGHT)):
        # Exchange hybrid: the own server takes mail first, Exchange Online (EOP) sits behind it.
        hybrid = True
        if m365_mx:
            notes.append(f"Exchange hybrid: own server {record.host} first, Microsoft 365 behind it ({m365_mx})")
        else:
            notes.append(f"Exchange hybrid: own server {record.host} first, Microsoft 365 behind it "
                         f"(evidence weight {weight})")
            confidence = Confidence.MEDIUM
        provider = "M365"
    elif provider == "M365" and own_beside:
        hybrid = True
        notes.append(f"Exchange hybrid: own server {own_beside} beside Microsoft 365 at the same preference")
    elif provider in ("Local", "Hosting") and inferred and weight >= _OVERRIDE_WEIGHT:
        notes.append(f"{provider.lower()} MX relays to {inferred} (evidence weight {weight})")
        provider, label, confidence = inferred, None, Confidence.MEDIUM
    elif provider == "Local":
        own = record.host == facts.domain or record.host.endswith("." + facts.domain)
        confidence = Confidence.HIGH if own else Confidence.MEDIUM

    others = [c[2] or c[1] for c in classes if c is not primary]
    secondary = tuple(dict.fromkeys(
        name for name in (["Local"] if hybrid else []) + others if name not in (provider, gateway, "Unknown")
    ))
    kept = [c.text for c in clues if c.provider == provider or (gateway and c.provider == inferred)]
    rest = [c.text for c in clues if c.text not in kept]
    evidence = (mx_line, *notes, *kept, *rest)
    return Detection(provider, gateway, label, secondary, confidence, evidence, MxStatus.OK, records,
                     tenant_name, hybrid)
