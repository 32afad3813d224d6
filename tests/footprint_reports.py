"""Real scan reports with a footprint for the service, API, D365 and browser tests: hand-made DNS answers for
any domain go through Hunter's own pipeline (``assess`` → ``assessment_report``), so what the tests store is
what a worker stores."""

from __future__ import annotations

from typing import Any

from leadhunter.domain.assessment import assess
from leadhunter.domain.facts import DomainFacts, TenantFacts, TenantStatus
from leadhunter.domain.footprint_facts import FOOTPRINT_NAMES, AddressInfo, FootprintLookups
from leadhunter.domain.lookups import Lookup, Outcome
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.provider_rules import default_provider_rules
from leadhunter.domain.report import assessment_report
from leadhunter.domain.scoring_rules import default_scoring_rules

INTUNE = "enterpriseenrollment-s.manage.microsoft.com"
REGISTRATION = "enterpriseregistration.windows.net"
LYNC = "webdir.online.lync.com"
WEB = {"aws": "d111111abcdef8.cloudfront.net", "azure": "site.azurewebsites.net", "google": "ghs.googlehosted.com"}
NS = {"azure": "ns1-01.azure-dns.com", "aws": "ns-12.awsdns-34.org", "cloudflare": "ada.ns.cloudflare.com",
      "natro": "ns1.natrohost.com"}


def _lk(name: str, rtype: str, *answers: str, outcome: Outcome | None = None, cnames: tuple[str, ...] = ()) -> Lookup:
    return Lookup(name, rtype, outcome or (Outcome.OK if answers else Outcome.NXDOMAIN), tuple(answers), cnames)


def footprint_report(domain: str, *, mail: str = "m365", tenant: str = "managed", intune: bool = False,
                     teams: bool = False, registration: bool = False, web: str | None = None,
                     ns: str = "azure", web_country: str | None = "TR", mail_country: str | None = "IE",
                     txt: tuple[str, ...] = (), failed: tuple[str, ...] = ()) -> dict[str, Any]:
    """The report of a scan of ``domain``: ``mail`` m365 / google; ``tenant`` managed / none / an AuthURL of
    a federated realm; workload records on or off; ``web`` aws / azure / google (a CNAME) or None (an address
    only); ``ns`` a key of :data:`NS`; countries of the web and mail addresses; extra apex ``txt``; ``failed``
    footprint labels whose lookup times out."""
    dash = domain.replace(".", "-")
    mx_host = f"{dash}.mail.protection.outlook.com" if mail == "m365" else "aspmx.l.google.com"
    spf = "include:spf.protection.outlook.com" if mail == "m365" else "include:_spf.google.com"
    answers = {"enterpriseenrollment": INTUNE if intune else None,
               "enterpriseregistration": REGISTRATION if registration else None,
               "lyncdiscover": LYNC if teams else None}
    names = []
    for label, rtype in FOOTPRINT_NAMES:
        name = f"{label}.{domain}"
        if label in failed:
            names.append(_lk(name, rtype, outcome=Outcome.TIMEOUT))
        else:
            value = answers.get(label)
            names.append(_lk(name, rtype, *((value,) if value else ())))
    web_ip, mx_ip = "198.51.100.7", "198.51.100.25"
    www_cnames = (WEB[web],) if web else ()
    network = (AddressInfo(web_ip, web_country), AddressInfo(mx_ip, mail_country))
    fp = FootprintLookups(ns=_lk(domain, "NS", NS[ns]), names=tuple(names), network=network,
                          www=(_lk(f"www.{domain}", "A", web_ip, cnames=www_cnames), _lk(f"www.{domain}", "AAAA")))
    if tenant == "managed":
        tenant_facts = TenantFacts(TenantStatus.FOUND, "72f988bf-86f1-41af-91ab-2d7cd011db47", "Managed", "Brand")
    elif tenant == "none":
        tenant_facts = TenantFacts(TenantStatus.NOT_FOUND, namespace="Unknown")
    else:
        tenant_facts = TenantFacts(TenantStatus.FOUND, "72f988bf-86f1-41af-91ab-2d7cd011db47", "Federated", "Brand",
                                   auth_url=tenant)
    facts = DomainFacts(
        domain=domain, mx=_lk(domain, "MX", f"10 {mx_host}"),
        txt=_lk(domain, "TXT", f"v=spf1 {spf} -all", *txt), dmarc=_lk(f"_dmarc.{domain}", "TXT", "v=DMARC1; p=reject"),
        autodiscover=_lk(f"autodiscover.{domain}", "CNAME", *(("autodiscover.outlook.com",) if mail == "m365" else ())),
        addresses=(_lk(domain, "A", web_ip), _lk(domain, "AAAA"), _lk(mx_host, "A", mx_ip)),
        tenant=tenant_facts, footprint=fp)
    result = assess(facts, default_provider_rules(), default_scoring_rules())
    return assessment_report(normalize_domain(domain), result)
