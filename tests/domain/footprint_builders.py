"""Hand-built DomainFacts with footprint lookups, for the pure footprint and white-space tests."""

from __future__ import annotations

from leadhunter.domain.assessment import Assessment, assess
from leadhunter.domain.facts import TENANT_SKIPPED, DomainFacts, TenantFacts, TenantStatus
from leadhunter.domain.footprint_facts import FOOTPRINT_NAMES, AddressInfo, FootprintLookups
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.scoring_rules import default_scoring_rules

D = "contoso.com"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MANAGED = TenantFacts(TenantStatus.FOUND, TENANT_ID, "Managed", "Contoso")
NO_TENANT = TenantFacts(TenantStatus.NOT_FOUND, namespace="Unknown")
FAILED_TENANT = TenantFacts(TenantStatus.FAILED, error="timeout")
M365_MX = "0 contoso-com.mail.protection.outlook.com"
GOOGLE_MX = "1 aspmx.l.google.com"
PROOFPOINT_MX = "10 mx0a-00123.pphosted.com"
SPF_M365 = "v=spf1 include:spf.protection.outlook.com -all"


def federated(auth_url: str) -> TenantFacts:
    """A federated tenant whose realm names ``auth_url``."""
    return TenantFacts(TenantStatus.FOUND, TENANT_ID, "Federated", "Contoso", auth_url=auth_url)


def lk(name: str, rtype: str, *answers: str, outcome: Outcome | None = None, cnames: tuple[str, ...] = ()) -> Lookup:
    """A lookup: OK with answers, NXDOMAIN without, or the given outcome."""
    if outcome is None:
        outcome = Outcome.OK if answers else Outcome.NXDOMAIN
    return Lookup(name, rtype, outcome, tuple(answers), cnames)


def build(
    *,
    mx: tuple[str, ...] = (M365_MX,),
    mx_outcome: Outcome | None = None,
    txt: tuple[str, ...] = (SPF_M365,),
    autodiscover: str | None = None,
    ns: tuple[str, ...] = ("ns1.example-dns.net",),
    ns_outcome: Outcome | None = None,
    apex: tuple[str, ...] = (),
    apex_cnames: tuple[str, ...] = (),
    www: tuple[str, ...] = (),
    www_cnames: tuple[str, ...] = (),
    names: dict[str, str | Outcome] | None = None,
    network: tuple[AddressInfo, ...] = (),
    tenant: TenantFacts = MANAGED,
    footprint: bool = True,
) -> DomainFacts:
    """Facts for :data:`D`. ``names`` maps a footprint label (``enterpriseenrollment``, ``_sip._tls``…) to
    its answer (a CNAME target or "prio weight port target" for SRV) or to a failure outcome."""
    names = names or {}
    name_lookups = []
    for label, rtype in FOOTPRINT_NAMES:
        value = names.get(label)
        if isinstance(value, Outcome):
            name_lookups.append(lk(f"{label}.{D}", rtype, outcome=value))
        else:
            name_lookups.append(lk(f"{label}.{D}", rtype, *((value,) if value else ())))
    fp = FootprintLookups(
        ns=lk(D, "NS", *ns, outcome=ns_outcome),
        www=(lk(f"www.{D}", "A", *www, cnames=www_cnames, outcome=Outcome.NODATA if www_cnames and not www else None),
             lk(f"www.{D}", "AAAA")),
        names=tuple(name_lookups),
        network=network,
    )
    return DomainFacts(
        domain=D,
        mx=lk(D, "MX", *mx, outcome=mx_outcome),
        txt=lk(D, "TXT", *txt),
        dmarc=lk(f"_dmarc.{D}", "TXT"),
        autodiscover=lk(f"autodiscover.{D}", "CNAME", *((autodiscover,) if autodiscover else ())),
        addresses=(lk(D, "A", *apex, cnames=apex_cnames), lk(D, "AAAA")),
        tenant=tenant if tenant is not None else TENANT_SKIPPED,
        footprint=fp if footprint else None,
    )


def judged(facts: DomainFacts) -> Assessment:
    """The full pure pipeline with the shipped rule files."""
    return assess(facts, default_provider_rules(), default_scoring_rules())
