"""Helpers of the alert tests: companies scanned twice through the real store path (so changes and their
outbox rows are recorded as a scan records them), targets saved through the service, a fresh secret key."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.alert_models import AlertDelivery, AlertTarget
from leadhunter.db.models import utcnow
from leadhunter.integrations.alerts.senders import SendOptions
from leadhunter.services.alert_secrets import SecretBox
from leadhunter.services.alert_targets import TargetInput, save_target
from leadhunter.services.scan_jobs import store_report

LOOPBACK = SendOptions(allow_private=True, timeout=5.0)
"""What the tests send with: HUNTER_ALLOW_PRIVATE_TARGETS on, to reach their loopback receivers."""


def new_box() -> SecretBox:
    return SecretBox(Fernet.generate_key(), environ={})


def report(domain: str, *, provider: str, category: str, dmarc: str | None, score: int = 70,
           segment: str = "Migration") -> dict[str, Any]:
    return {"domain": domain, "status": "ok", "provider": provider, "gateway": None, "hosting_label": None,
            "confidence": "high", "score": score, "segment": segment, "priority": 2, "category": category,
            "dmarc": {"policy": dmarc, "status": "valid" if dmarc else "missing"}, "spf": {"status": "valid"},
            "tenant": {"status": "none"}, "evidence": [], "breakdown": [], "lookups": []}


def scan(factory: sessionmaker[Session], domain: str, **fields: Any) -> None:
    """Store one scan of ``domain`` through the scan store (the company is created on first use)."""
    with factory.begin() as session:
        company = companies_repo.upsert_companies(session, [(domain, domain, domain.split(".")[0].title())])[domain]
        store_report(session, company, report(domain, **fields), None, utcnow())


def migrate_lead(factory: sessionmaker[Session], domain: str, category: str = "P1") -> None:
    """Two scans: Google without DMARC, then M365 with p=reject → provider_changed and dmarc_added (alerts)."""
    scan(factory, domain, provider="Google", category=category, dmarc=None)
    scan(factory, domain, provider="M365", category=category, dmarc="reject")


def add_target(factory: sessionmaker[Session], box: SecretBox, options: SendOptions = LOOPBACK,
               **fields: Any) -> int:
    with factory.begin() as session:
        return save_target(session, TargetInput(**fields), box, options).id


def deliveries(factory: sessionmaker[Session], target_id: int | None = None) -> list[AlertDelivery]:
    with factory() as session:
        stmt = select(AlertDelivery).order_by(AlertDelivery.id)
        if target_id is not None:
            stmt = stmt.where(AlertDelivery.target_id == target_id)
        rows = list(session.scalars(stmt))
        session.expunge_all()
        return rows


def target_row(factory: sessionmaker[Session], target_id: int) -> AlertTarget:
    with factory() as session:
        row = session.get(AlertTarget, target_id)
        assert row is not None
        session.expunge(row)
        return row
