"""Partner Center referrals for the browser tests: spec-shaped payloads (partner-center-referrals.md §6, §11)
stored through the real ingestion (``referral_ingest.ingest_batch``, what a sync does with each page), and
sync runs moved through their states with the real run repository (what a worker does). ``sample_referrals``
covers every lead type, a lead with two referrals, a won deal and an unlinked hostile one; ``many`` is for paging.

Also a variant of ``conftest.serve`` whose app records the referral-sync dispatches instead of sending
them to Celery, so a test plays the worker itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from ui_support import HOSTILE, UiServer, Worker

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.db import referral_runs_repo as runs
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import utcnow
from leadhunter.db.referral_models import PartnerCenterSyncRun
from leadhunter.runtime import session_factory
from leadhunter.services.referral_ingest import ingest_batch
from live_server import serve_app

KINDS: dict[str, dict[str, Any]] = {
    "co-sell": {"type": "Shared", "qualification": "SalesQualified"},
    "marketplace": {"type": "Independent", "qualification": "MarketingQualified", "referralSource": "AppSource",
                    "callToAction": "ContactMe"},
    "solution-provider": {"type": "Independent", "qualification": "Direct"},
}
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUE = "sue.smith@denizcilik-group.com"


def stamp(moment: datetime) -> str:
    """Partner Center's timestamp text (UTC, 7 fractional digits, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


Person = tuple[str, str, str | None]  # first name, last name, e-mail


def payload(customer: str, *, kind: str = "co-sell", website: str | None = None,
            status: tuple[str, str] = ("New", "Pending"), deal: tuple[float | None, str | None] = (10000, "USD"),
            contacts: Sequence[Person] = (), team: Sequence[Person] = (("John", "Doe", "john.doe@microsoft.com"),),
            tenant: str | None = None, minutes_ago: int = 0, referral_id: str | None = None) -> dict[str, Any]:
    """One incoming referral; ``contacts`` and ``team`` are (first, last, e-mail)."""
    rid = referral_id or str(uuid.uuid4())
    updated = datetime.now(UTC) - timedelta(minutes=minutes_ago)

    def member(first: str, last: str, email: str | None) -> dict[str, Any]:
        return {"firstName": first, "lastName": last, "phoneNumber": "+90 212 555 01 01" if email else None,
                "email": email, "title": "CIO" if email else None, "contactPreference": {"locale": "en-us"}}

    profile: dict[str, Any] = {"name": customer, "size": "51to250employees",
                               "address": {"city": "İstanbul", "country": "TR"},
                               "team": [member(*c) for c in contacts],
                               "ids": [{"profileType": "TenantId", "id": tenant}] if tenant else []}
    if website:
        profile["website"] = website
    return {
        "id": rid, "engagementId": str(uuid.uuid4()), "name": f"{customer} - Microsoft 365 rollout",
        "createdDateTime": stamp(updated - timedelta(days=2)), "updatedDateTime": stamp(updated),
        "status": status[0], "substatus": status[1], "direction": "Incoming", "referralSource": None,
        "callToAction": None, **KINDS[kind], "customerProfile": profile,
        "details": {"notes": "Customer wants help deploying Microsoft 365.", "dealValue": deal[0], "currency": deal[1],
                    "closingDateTime": "2026-12-01T00:00:00Z"},
        "team": [member(*m) for m in team],
    }


def ingest(factory: sessionmaker[Session], payloads: Sequence[dict[str, Any]]) -> None:
    """Store payloads as one sync batch would."""
    with factory.begin() as session:
        ingest_batch(session, payloads, utcnow())


def finished_run(factory: sessionmaker[Session], status: str, *, minutes_ago: int = 5, error: str | None = None,
                 new: int = 0) -> int:
    """A sync run queued, claimed and closed with ``status`` (ok / failed / sign_in_required) ``minutes_ago``."""
    when = utcnow() - timedelta(minutes=minutes_ago)
    with factory.begin() as session:
        run, _ = runs.enqueue(session, trigger="beat", requested_by="beat", now=when, stale_before=when)
        session.flush()
        assert runs.claim(session, run.id, owner="test", now=when, stale_before=when)
        session.refresh(run)
        run.new_count = new
        runs.close(session, run, status, when, error_code=None if status == "ok" else status, error=error)
        return run.id


def claim(factory: sessionmaker[Session], run_id: int) -> None:
    """Play the worker taking a queued run."""
    with factory.begin() as session:
        assert runs.claim(session, run_id, owner="test", now=utcnow(), stale_before=utcnow())


def close(factory: sessionmaker[Session], run_id: int, status: str, *, new: int = 0, error: str | None = None) -> None:
    """Play the worker finishing a run."""
    with factory.begin() as session:
        run = session.get(PartnerCenterSyncRun, run_id)
        assert run is not None
        run.new_count = new
        runs.close(session, run, status, utcnow(), error=error)


def sample_referrals() -> list[dict[str, object]]:
    """Co-sell + marketplace for one lead (shown as co-sell ×2), one marketplace, one solution provider (won),
    and an unlinked referral (personal mailbox only) whose customer name is hostile markup."""
    return [
        payload("Deniz Group Holding", kind="co-sell", website="www.denizcilik-group.com", deal=(25000, "USD"),
                contacts=[("Sue", "Smith", SUE)], tenant=TENANT, minutes_ago=1),
        payload("Deniz Group Holding", kind="marketplace", website="denizcilik-group.com", minutes_ago=2),
        payload("Ege Gıda", kind="marketplace", website="https://ege-gida.com.tr/", minutes_ago=3),
        payload("Fener Yazılım", kind="solution-provider", website="fener-yazilim.com", status=("Closed", "Won"),
                deal=(5000, "EUR"), minutes_ago=4),
        payload(HOSTILE, kind="solution-provider", contacts=[("Ali", "Veli", "ali.veli@gmail.com")],
                status=("New", "Received"), minutes_ago=5),
    ]


def many(n: int = 30) -> list[dict[str, object]]:
    """``n`` referrals: types in turn, every third closed, every fifth without a usable domain (unlinked)."""
    kinds = ["co-sell", "marketplace", "solution-provider"]
    return [payload(f"Müşteri {i:02d}", kind=kinds[i % 3], minutes_ago=i,
                    status=("Closed", "Lost") if i % 3 == 2 else ("Active", "Accepted"),
                    website=None if i % 5 == 4 else f"musteri-{i:02d}.com.tr",
                    contacts=[] if i % 5 != 4 else [("Ayşe", "Kaya", f"ayse{i}@hotmail.com")]) for i in range(n)]


@dataclass
class PcUiServer:
    """A UI server whose referral-sync dispatches are recorded in ``sync_runs``."""

    ui: UiServer
    sync_runs: list[int] = field(default_factory=list)


def serve_recording_syncs(settings: Settings) -> Iterator[PcUiServer]:
    """Like ``conftest.serve``, with ``app.state.referral_dispatch`` recording run ids."""
    upgrade(settings.database())
    factory = session_factory(settings.database())
    worker = Worker(factory)
    app = create_app(settings, dispatch=worker, broker_probe=lambda: "ok")
    dispatched: list[int] = []
    app.state.referral_dispatch = dispatched.append
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        yield PcUiServer(UiServer(url, client, factory, worker, settings), dispatched)
