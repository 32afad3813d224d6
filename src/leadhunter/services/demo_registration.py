"""Registration facts for the demo data set: believable registrars, ages and expiry dates, a few domains about
to lapse, a few young ones, withheld registrants and registries that did not answer. Deterministic per domain
(seeded from its name), so the demo's other random choices are not disturbed."""

from __future__ import annotations

import random
import zlib
from datetime import datetime, timedelta

from leadhunter.domain.registration import (
    RegistrationFacts,
    RegistrationOutcome,
    RegistrationSource,
    Withheld,
    unknown,
)

TR_REGISTRARS = ("Natro Bilişim", "İsimtescil Bilişim", "Turhost", "Güzel Hosting", "Nics Telekomünikasyon",
                 "TURKTICARET.NET YAZILIM HIZMETLERI SANAYI VE TICARET A.S.")
RDAP_REGISTRARS = ("MarkMonitor Inc.", "GoDaddy.com, LLC", "Gandi SAS", "Key-Systems GmbH", "Tucows Domains Inc.",
                   "Namecheap, Inc.", "CSC Corporate Domains, Inc.")
TR_NAMESERVERS = ("ns1.natrohost.com", "ns2.natrohost.com", "ns1.turhost.com", "ns2.turhost.com")
OTHER_NAMESERVERS = ("ns1.example-dns.net", "ns2.example-dns.net", "a.ns.cloudflare.example", "b.ns.cloudflare.example")


def demo_registration(domain: str, company_name: str | None, now: datetime) -> RegistrationFacts:
    """The demo's registration record of ``domain`` as fetched shortly before ``now`` (UTC)."""
    rng = random.Random(zlib.crc32(domain.encode("ascii")))  # noqa: S311 (demo data, not security)
    turkish = domain.endswith(".tr")
    source = RegistrationSource.WHOIS if turkish else RegistrationSource.RDAP
    server = "whois.trabis.gov.tr:43" if turkish else "https://rdap.verisign.com/com/v1/"
    fetched = now - timedelta(hours=rng.randint(1, 6 * 24))
    roll = rng.random()
    if roll < 0.04:
        return unknown(domain, "WHOIS server timed out after 10 s" if turkish else "RDAP server answered HTTP 503",
                       source=source, server=server, fetched_at=fetched)
    if roll < 0.12:
        created = now - timedelta(days=rng.randint(10, 170))  # a young domain
    else:
        created = now - timedelta(days=rng.randint(400, 9000))
    # About 7 % lapse within the month: a reason to call.
    expires = now + timedelta(days=rng.randint(2, 29) if rng.random() < 0.07 else rng.randint(40, 700))
    pool = TR_NAMESERVERS if turkish else OTHER_NAMESERVERS
    first = rng.randrange(0, len(pool), 2)
    withheld: tuple[Withheld, ...] = ()
    organization = company_name
    if organization is None or rng.random() < 0.35:
        organization = None
        withheld = (Withheld("registrant_organization",
                             "Hidden upon user request" if turkish else "REDACTED FOR PRIVACY"),)
    return RegistrationFacts(
        domain=domain, outcome=RegistrationOutcome.OK, source=source, server=server, fetched_at=fetched,
        registrar=rng.choice(TR_REGISTRARS if turkish else RDAP_REGISTRARS), created=created, expires=expires,
        last_changed=None if turkish else created + (now - created) / 2,
        statuses=() if turkish else ("client transfer prohibited",), nameservers=pool[first:first + 2],
        registrant_organization=organization, withheld=withheld,
    )
