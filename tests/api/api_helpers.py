"""Seed helpers for API tests: companies with realistic stored scans."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.services.scan_jobs import store_report

PROVIDERS = [("M365", 90, "Existing", "P4", 3), ("Google", 85, "Migration", "P2", 1),
             ("Local", 45, "Cold", "P1", 5), ("Hosting", 15, "Skip", "P6", 7)]


def report_for(domain: str, i: int) -> dict[str, object]:
    """A report shaped like ``hunter scan --json`` output."""
    provider, score, segment, category, priority = PROVIDERS[i % 4]
    return {"domain": domain, "status": "ok", "provider": provider, "gateway": None, "hosting_label": None,
            "confidence": "high", "score": score - (i % 7), "segment": segment, "priority": priority,
            "category": category, "dmarc": {"policy": "reject", "status": "valid"}, "spf": {"status": "valid"},
            "tenant": {"status": "skipped"}, "evidence": [f"mx: mx.{domain}"],
            "breakdown": [{"kind": "provider", "key": provider, "points": 50, "reason": f"Mail provider {provider}"}]}


def seed_scanned(factory: sessionmaker[Session], n: int, *, name: str | None = None) -> None:
    """``n`` companies acme-000.com.tr … with one stored scan each."""
    with factory.begin() as session:
        entries = [(f"acme-{i:03d}.com.tr", f"acme-{i:03d}.com.tr", name) for i in range(n)]
        companies = companies_repo.upsert_companies(session, entries)
        for i, (domain, _, _) in enumerate(entries):
            report = report_for(domain, i)
            report["score"] = int(report["score"])  # type: ignore[call-overload]
            store_report(session, companies[domain], report, None, utcnow())
