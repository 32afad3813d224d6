"""The periodic rescan spread over its window (``services.rescan_plan``) on a real database: the tick share, the
least recently scanned first, nothing rescanned within half a window, and the status the API shows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, ScanJob, utcnow
from leadhunter.runtime import session_factory
from leadhunter.services import rescan_plan, scan_jobs


def _factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'rescan.db'}"
    upgrade(url)
    return session_factory(url)


def test_tick_share_levels_a_million_over_fourteen_days() -> None:
    share = rescan_plan.tick_share(1_000_000, interval_days=14, tick_seconds=3600)
    assert share == 2977  # ceil(1,000,000 / 336 hourly ticks)
    assert share * 14 * 24 >= 1_000_000 > (share - 1) * 14 * 24  # the window covers every company, barely
    assert rescan_plan.tick_share(0, interval_days=14, tick_seconds=3600) == 0
    assert rescan_plan.tick_share(10, interval_days=14, tick_seconds=3600) == 1


def test_a_tick_takes_its_share_oldest_first_and_skips_recent_scans(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    ages = {"never.com": None, "d20.com": 20, "d13.com": 13, "d8.com": 8, "d6.com": 6, "d1.com": 1}
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(d, d, None) for d in ages])
        now = utcnow()
        for domain, days in ages.items():
            companies[domain].scanned_at = None if days is None else now - timedelta(days=days)
    with factory() as session:
        # 6 companies, a tick of 1.75 days in a 7-day window: ceil(6 * 1.75 / 7) = 2 per tick, half-window 3.5 days
        first = rescan_plan.companies_for_tick(session, interval_days=7, tick_seconds=1.75 * 86_400)
        wide = rescan_plan.companies_for_tick(session, interval_days=7, tick_seconds=7 * 86_400)
        names = [session.get(Company, cid).domain for cid in first]  # type: ignore[union-attr]
        everything = [session.get(Company, cid).domain for cid in wide]  # type: ignore[union-attr]
    assert names == ["never.com", "d20.com"]
    assert everything == ["never.com", "d20.com", "d13.com", "d8.com", "d6.com"]  # d1 is within half a window


def test_status_counts_due_companies_and_the_last_periodic_job(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(f"d{i}.com", f"d{i}.com", None) for i in range(5)])
        for i, company in enumerate(companies.values()):
            company.scanned_at = utcnow() - timedelta(days=5 * i)  # 0, 5, 10, 15, 20 days ago
        job, _ = scan_jobs.create_scan_job(session, [c.id for c in companies.values()][:2], "periodic")
        job_id = job.id
    with factory() as session:
        status = rescan_plan.rescan_status(session, interval_days=14, tick_seconds=3600)
        body = rescan_plan.status_json(status)
        job_row = session.get(ScanJob, job_id)
    assert (status.companies, status.due, status.tick_share) == (5, 2, 1)
    assert job_row is not None and body["last_job"]["job_id"] == job_id and body["last_job"]["total"] == 2
