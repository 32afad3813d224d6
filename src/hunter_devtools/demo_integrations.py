"""Fill the demo's integration data through the product's own paths, against the stand-ins: one Partner Center
sync (referrals stored and linked to demo companies), real pushes of some leads to the fake Dynamics 365 (synced,
with record links), and stored push states for the others so every D365 state shows (not synced, queued, in
progress, synced, error). Run once per demo data directory; a second call finds the referrals there and skips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.config import Settings
from leadhunter.db.d365_models import D365LeadSync
from leadhunter.db.models import Company, utcnow
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.jobs import d365_runtime, referral_runtime
from leadhunter.services import d365_push, referrals

SYNCED = 6  # leads pushed for real to the fake Dataverse
STORED = {"queued": 3, "in_progress": 2, "error": 4}  # leads given these push states directly


@dataclass(frozen=True)
class IntegrationSummary:
    """What was stored: referrals synced (0 when the data was there already) and D365 states written."""

    referrals: int
    d365: dict[str, int]


def seed_integrations(factory: sessionmaker[Session], settings: Settings) -> IntegrationSummary:
    """Sync Partner Center once and give demo leads every D365 state (see the module docstring)."""
    with factory() as session:
        if session.scalar(select(func.count()).select_from(PartnerCenterReferral)):
            return IntegrationSummary(0, {})
        ids = list(session.scalars(select(Company.id).where(Company.score.is_not(None))
                                   .order_by(Company.score.desc(), Company.id).limit(SYNCED + sum(STORED.values()))))
    outcome = referrals.run_sync(factory, client_factory=referral_runtime.client_factory(settings), trigger="manual",
                                 options=referral_runtime.sync_options(settings),
                                 auth_changed_at=referral_runtime.auth_changed_at(settings))
    client = d365_runtime.client(settings)
    with factory.begin() as session:
        request = d365_push.request_push(session, ids[:SYNCED], requested_by="demo",
                                         options=d365_runtime.push_options(settings))
    for chunk in request.chunks:
        d365_push.push_chunk(factory, client, request.job_id, chunk, options=d365_runtime.push_options(settings))
    now = utcnow()
    earlier = now - timedelta(hours=2)
    rows, start = [], SYNCED
    for state, count in STORED.items():
        for company_id in ids[start:start + count]:
            if state == "error":
                rows.append(D365LeadSync(company_id=company_id, status="error", attempts=3, last_push_at=earlier,
                                         last_error="hnt_segment: the value is not a valid option",
                                         error_category="validation"))
            else:
                rows.append(D365LeadSync(company_id=company_id, status=state, attempts=1, queued_at=now,
                                         last_push_at=earlier if state == "queued" else now,
                                         last_error="Too many requests (429)" if state == "queued" else None,
                                         error_category="throttled" if state == "queued" else None))
        start += count
    with factory.begin() as session:
        session.add_all(rows)
    return IntegrationSummary(outcome.counts.new, {"synced": SYNCED, **STORED})


def demo_companies(factory: sessionmaker[Session], n: int = 24) -> list[tuple[str, str]]:
    """(domain, name) of ``n`` scanned demo companies, best scores first (the referrals' customers)."""
    with factory() as session:
        rows = session.execute(select(Company.domain, Company.name).where(Company.score.is_not(None))
                               .order_by(Company.score.desc(), Company.domain).limit(n)).all()
    return [(domain, name or domain) for domain, name in rows]
