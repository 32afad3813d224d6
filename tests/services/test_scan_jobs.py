"""Scan-job use cases on a real database: rescans due, cancel, progress from items, stalled chunks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, ScanJob, utcnow
from leadhunter.runtime import session_factory
from leadhunter.services import scan_jobs


def _factory(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    return session_factory(url)


def test_rescans_due_are_never_scanned_or_old_ones_oldest_first(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(f"d{i}.com", f"d{i}.com", None) for i in range(4)])
        now = utcnow()
        companies["d0.com"].scanned_at = now - timedelta(days=30)
        companies["d1.com"].scanned_at = now - timedelta(days=1)
        companies["d2.com"].scanned_at = now - timedelta(days=20)
    with factory() as session:
        due = scan_jobs.due_for_rescan(session, older_than=timedelta(days=14))
        names = [session.get(Company, cid).domain for cid in due]  # type: ignore[union-attr]
    assert names == ["d3.com", "d0.com", "d2.com"]


def test_job_chunks_progress_and_cancel(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(f"d{i}.com", f"d{i}.com", None) for i in range(5)])
        ids = [c.id for c in companies.values()]
        job, chunks = scan_jobs.create_scan_job(session, ids + ids[:2], "manual", chunk_size=2)
        job_id = job.id
    assert chunks == [0, 1, 2]
    with factory() as session:
        state = scan_jobs.progress(session, job_id)
        assert (state.status, state.total, state.done) == ("queued", 5, 0)
        assert scan_jobs.pending_chunks(session, job_id) == [0, 1, 2]
    with factory.begin() as session:
        scan_jobs.cancel_job(session, job_id)
    with factory() as session:
        state = scan_jobs.progress(session, job_id)
        assert (state.status, state.cancelled, state.done) == ("cancelled", 5, 5)
        assert scan_jobs.pending_chunks(session, job_id) == []


def test_stalled_chunks_are_found_only_after_the_stall_time(tmp_path: Path) -> None:
    factory = _factory(tmp_path)
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [("a.com", "a.com", None)])
        job, _ = scan_jobs.create_scan_job(session, [companies["a.com"].id], "manual")
        job_id = job.id
    with factory() as session:
        assert scan_jobs.stalled_chunks(session, stall_after=timedelta(minutes=10)) == []
    with factory.begin() as session:
        stored = session.get(ScanJob, job_id)
        assert stored is not None
        stored.created_at = utcnow() - timedelta(minutes=11)
    with factory() as session:
        assert scan_jobs.stalled_chunks(session, stall_after=timedelta(minutes=10)) == [(job_id, 0)]
