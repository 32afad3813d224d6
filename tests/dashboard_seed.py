"""A small, fully known data set for the dashboard and export tests (API and browser): nine companies with
verdicts, tags, scan reports, changes, referrals and D365 states, their times placed relative to this
week's Monday (UTC) so every weekly count is known whatever day the tests run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.d365_models import D365LeadSync
from leadhunter.db.models import Company, CompanyChange, Scan, Tag
from leadhunter.db.referral_models import PartnerCenterReferral


def this_monday() -> datetime:
    """Monday 00:00 UTC of the current week."""
    now = datetime.now(UTC)
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


MONDAY = this_monday()
THIS_WEEK, LAST_WEEK, TWO_WEEKS_AGO, LONG_AGO = (MONDAY + timedelta(minutes=1), MONDAY - timedelta(days=3),
                                                 MONDAY - timedelta(days=10), MONDAY - timedelta(days=100))

# domain: provider, score, segment, category, scan status, gateway, hosting, web host, created, tags
COMPANIES: dict[str, tuple[Any, ...]] = {
    "alpha.com": ("M365", 92, "Existing", "P4", "ok", None, None, "Azure", THIS_WEEK, ["play:intune", "teams"]),
    "beta.com": ("Google", 81, "Migration", "P2", "ok", "Proofpoint", None, "AWS", LAST_WEEK,
                 ["play:mail_migration", "play:defender_for_office"]),
    "gamma.com": ("Google", 75, "Migration", "P2", "partial", None, None, "AWS", LAST_WEEK, ["play:mail_migration"]),
    "delta.com.tr": ("Hosting", 55, "Cold", "P3", "ok", None, "Natro", None, TWO_WEEKS_AGO, ["play:mail_migration"]),
    "epsilon.com.tr": ("Hosting", 45, "Cold", "P3", "failed", None, "Turhost", None, TWO_WEEKS_AGO, []),
    "zeta.com": ("Local", 30, "Skip", "P6", "ok", None, None, None, TWO_WEEKS_AGO, []),
    "eta.com": ("M365", 100, "Existing", "P5", "ok", "Mimecast", None, "Azure", LONG_AGO, []),
    "theta.com": (None, None, None, None, None, None, None, None, THIS_WEEK, []),
    "iota.com": (None, None, None, None, None, None, None, None, LONG_AGO, []),
}
CHANGES = [("alpha.com", "provider_changed", THIS_WEEK), ("alpha.com", "dmarc_added", THIS_WEEK),
           ("beta.com", "dmarc_added", LAST_WEEK), ("gamma.com", "dmarc_added", LAST_WEEK),
           ("eta.com", "provider_changed", LONG_AGO)]
# referral id: lead type, linked company (None: unlinked)
REFERRALS = {"R-1": ("co-sell", "beta.com"), "R-2": ("marketplace", "beta.com"), "R-3": ("marketplace", "beta.com"),
             "R-4": ("solution-provider", "alpha.com"), "R-5": ("co-sell", None), "R-6": ("co-sell", None)}
D365 = {"alpha.com": ("synced", "11111111-2222-3333-4444-555555555555", "https://org.crm4.dynamics.com/lead/1", None),
        "beta.com": ("error", None, None, "validation: companyname is required"),
        "gamma.com": ("queued", None, None, None)}


def report(domain: str) -> dict[str, Any]:
    """The stored scan report of ``domain`` (the parts the export reads)."""
    return {"domain": domain, "status": "ok", "technical_heat": "Hot", "commercial_heat": "Warm",
            "mx": [{"preference": 10, "host": f"mx1.{domain}", "addresses": []},
                   {"preference": 20, "host": f"mx2.{domain}", "addresses": []}],
            "spf": {"status": "valid", "record": "v=spf1 include:spf.protection.outlook.com -all"},
            "dkim": {"status": "found", "selectors": ["selector1", "selector2"]},
            "dmarc": {"status": "valid", "policy": "reject", "record": "v=DMARC1; p=reject", "pct": 100},
            "tenant": {"status": "found", "namespace": "Federated", "region": "EU"}}


def seed_dashboard(factory: sessionmaker[Session]) -> dict[str, int]:
    """Store the data set; returns company ids by domain."""
    with factory.begin() as session:
        ids: dict[str, int] = {}
        for domain, values in COMPANIES.items():
            provider, score, segment, category, status, gateway, hosting, web, created, tags = values
            company = Company(domain=domain, domain_unicode=domain, name=domain.split(".")[0].title() + " Ltd",
                              provider=provider, score=score, segment=segment, category=category, scan_status=status,
                              gateway=gateway, hosting_label=hosting, web_host=web, created_at=created,
                              scanned_at=created if status else None, dmarc_policy="reject" if status else None,
                              footprint={"footprint": {"federation": {"state": "present", "value": "AD FS"},
                                                       "intune": {"state": "present"}}} if domain == "alpha.com"
                              else None)
            session.add(company)
            session.flush()
            ids[domain] = company.id
            session.add_all(Tag(company_id=company.id, tag=tag, auto=True) for tag in tags)
            if status in ("ok", "partial"):
                session.add(Scan(company_id=company.id, scanned_at=created, status=status, report=report(domain)))
        session.add_all(CompanyChange(company_id=ids[d], kind=kind, changed_at=when, old="a", new="b")
                        for d, kind, when in CHANGES)
        for n, (rid, (lead_type, domain)) in enumerate(REFERRALS.items()):
            session.add(PartnerCenterReferral(
                referral_id=rid, name=f"Deal {n}", lead_type=lead_type, link_status="linked" if domain else "unlinked",
                company_id=ids[domain] if domain else None, payload_hash=f"h{n}", raw={}, deal_value=Decimal(1000),
                currency="EUR", domain=domain))
        for domain, (state, lead_id, url, error) in D365.items():
            session.add(D365LeadSync(company_id=ids[domain], status=state, d365_lead_id=lead_id, record_url=url,
                                     last_error=error))
    return ids
