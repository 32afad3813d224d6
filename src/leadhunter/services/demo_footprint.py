"""Synthetic footprint lookups for the demo data set: NS, ``www``, the Intune / Entra / Teams names, the
network owner of each address, and the federation realm, shaped as real zones publish them (see the shared
footprint spec). :func:`demo_footprint` draws them for one company so that, over a few hundred companies,
every footprint signal, every white-space play and every state (in use / not seen / unknown) appears.
Pure and deterministic for a random generator: no network.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from leadhunter.domain.footprint_facts import FOOTPRINT_NAMES, AddressInfo, FootprintLookups
from leadhunter.domain.lookups import Lookup, Outcome

# NS answers per DNS host of the footprint rule file (the last: a host no rule names).
NAMESERVERS = ("ns1-03.azure-dns.com", "ns-412.awsdns-51.com", "ns-cloud-a1.googledomains.com",
               "ada.ns.cloudflare.com", "ns41.domaincontrol.com", "ns1.natrohost.com", "ns1.turhost.com",
               "ns1.isimtescil.net", "ns1.dns-parking.com", "ns1.example-registrar.net")
# www CNAME targets per web host ("{d}": the domain with dashes); None: no CNAME, the address's owner tells.
WEB_TARGETS = ("{d}.azurewebsites.net", "{d}.azurefd.net", "d1x2{n}.cloudfront.net", "ghs.googlehosted.com",
               "cname.vercel-dns.com", "{d}.netlify.app", "cdn1.wixdns.net", "shops.myshopify.com",
               "ext-sq.squarespace.com", "{d}.pages.dev", None, None, None)
# Owners of addresses without a telling CNAME: (network label, country, AS number).
NETWORKS = (("GoDaddy", "US", 26496), ("Hostinger", "LT", 47583), ("Hetzner", "DE", 24940),
            ("Türk Telekom", "TR", 9121), ("Turkcell Superonline", "TR", 34984), ("OVH", "FR", 16276),
            (None, "TR", None), ("Microsoft", "NL", 8075), ("Amazon", "US", 16509))
MAIL_NETWORKS = {"M365": ("Microsoft", "IE", 8075), "Google": ("Google", "US", 15169)}
AUTH_URLS = ("https://sts.{domain}/adfs/ls/", "https://{slug}.okta.com/app/office365/sso/wsfed/passive",
             "https://sso.connect.pingidentity.com/sso/wsfed", "https://accounts.google.com/o/saml2/idp",
             "https://login.{domain}/idp/sso")
SAAS_TOKENS = ("atlassian-domain-verification={h}", "docusign={h}", "adobe-idp-site-verification={h}",
               "apple-domain-verification={h}", "ZOOM_verify_{h}", "cisco-ci-domain-verification={h}",
               "stripe-verification={h}", "dropbox-domain-verification={h}", "miro-verification={h}",
               "zoho-verification={h}", "knowbe4-site-verification={h}", "onetrust-domain-verification={h}")


def _lookup(name: str, rtype: str, answers: Sequence[str] = (), *, failed: bool = False,
            cnames: tuple[str, ...] = ()) -> Lookup:
    if failed:
        return Lookup(name, rtype, Outcome.TIMEOUT)
    return Lookup(name, rtype, Outcome.OK if answers or cnames else Outcome.NXDOMAIN, tuple(answers), cnames)


def auth_url(rng: random.Random, domain: str) -> str:
    """A federated realm's AuthURL: AD FS, Okta, Ping, Google or another IdP."""
    return rng.choice(AUTH_URLS).format(domain=domain, slug=domain.split(".")[0])


def saas_records(rng: random.Random) -> list[str]:
    """Zero to three SaaS verification TXT records."""
    count = rng.choice((0, 0, 1, 1, 2, 3))
    return [t.format(h=f"{rng.getrandbits(64):016x}") for t in rng.sample(SAAS_TOKENS, count)]


def demo_footprint(rng: random.Random, domain: str, *, provider: str, tenant: bool, web_ip: str,
                   mx_ips: Sequence[str], fault: bool = False) -> FootprintLookups:
    """The footprint lookups of ``domain`` whose mail is at ``provider`` (``tenant``: a Microsoft tenant owns
    it), with the website at ``web_ip`` and the MX hosts at ``mx_ips``; ``fault`` makes one workload lookup
    time out (its signal reads unknown)."""
    dash = domain.replace(".", "-")
    ns = _lookup(domain, "NS", [rng.choice(NAMESERVERS)])
    target = rng.choice(WEB_TARGETS)
    cnames = (target.format(d=dash, n=rng.randint(100, 999)),) if target else ()
    www = (_lookup(f"www.{domain}", "A", [web_ip], cnames=cnames), _lookup(f"www.{domain}", "AAAA"))
    # Workload records mostly where a tenant is: that is where Intune / Entra / Teams can be configured.
    share = 0.45 if tenant else 0.03
    answers = {"enterpriseenrollment": "enterpriseenrollment-s.manage.microsoft.com" if rng.random() < share else None,
               "enterpriseregistration": "enterpriseregistration.windows.net" if rng.random() < share else None,
               "lyncdiscover": "webdir.online.lync.com" if rng.random() < share else None,
               "sip": "sipdir.online.lync.com" if rng.random() < share / 2 else None,
               "_sip._tls": "100 1 443 sipdir.online.lync.com" if rng.random() < share / 3 else None,
               "_sipfederationtls._tcp": "100 1 5061 sipfed.online.lync.com" if rng.random() < share / 3 else None}
    failing = rng.choice([label for label, _ in FOOTPRINT_NAMES]) if fault else None
    names = tuple(_lookup(f"{label}.{domain}", rtype, [a] if (a := answers[label]) else [], failed=label == failing)
                  for label, rtype in FOOTPRINT_NAMES)
    label, country, asn = rng.choice(NETWORKS)
    network = [AddressInfo(web_ip, country, asn, label, label)]
    mail_label, mail_country, mail_asn = MAIL_NETWORKS.get(provider, (None, rng.choice(("TR", "TR", "DE")), None))
    network += [AddressInfo(ip, mail_country, mail_asn, mail_label, mail_label) for ip in mx_ips]
    return FootprintLookups(ns=ns, www=www, names=names, network=tuple(network))
