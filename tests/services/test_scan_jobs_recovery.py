"""A worker killed after storing a chunk's last batch but before closing the job (found by the fault drill):
the job must not stay "running" forever — a redelivered chunk or the sweeper closes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.config import Settings
from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import ScanJob, ScanJobItem, utcnow
from leadhunter.runtime import scan_options, session_factory
from leadhunter.services import scan_jobs


def _job_killed_before_closing(tmp_path: Path) -> tuple[sessionmaker[Session], int]:
    """A running job whose every item was stored (state ok) but whose status was never set to done."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    factory = session_factory(url)
    with factory.begin() as session:
        companies = companies_repo.upsert_companies(session, [(f"d{i}.com", f"d{i}.com", None) for i in range(3)])
        job, _ = scan_jobs.create_scan_job(session, [c.id for c in companies.values()], "manual", chunk_size=2)
        job.status, job.started_at = "running", utcnow()
        session.execute(update(ScanJobItem).where(ScanJobItem.job_id == job.id).values(state="ok"))
        job_id = job.id
    return factory, job_id


def test_a_redelivered_chunk_closes_a_job_left_running(tmp_path: Path) -> None:
    factory, job_id = _job_killed_before_closing(tmp_path)
    options = scan_options(Settings(data_dir=tmp_path, tenant_discovery=False, dns_nameservers="127.0.0.1:9"))
    assert asyncio.run(scan_jobs.scan_chunk(factory, options, job_id, 0)) == 0  # nothing left to scan
    with factory() as session:
        job = session.get(ScanJob, job_id)
        assert job is not None
        assert (job.status, job.done, job.total) == ("done", 3, 3)
        assert job.finished_at is not None


def test_the_sweeper_finds_and_closes_running_jobs_with_nothing_pending(tmp_path: Path) -> None:
    factory, job_id = _job_killed_before_closing(tmp_path)
    with factory.begin() as session:  # a second job that still has work is left alone
        other = companies_repo.upsert_companies(session, [("busy.com", "busy.com", None)])
        busy, _ = scan_jobs.create_scan_job(session, [other["busy.com"].id], "manual")
        busy.status = "running"
        busy_id = busy.id
    with factory() as session:
        idle = scan_jobs.unfinished_idle_jobs(session)
    assert idle == [job_id]
    for found in idle:
        scan_jobs.finish_if_complete(factory, found)
    with factory() as session:
        assert scan_jobs.unfinished_idle_jobs(session) == []
        statuses = {j: session.get(ScanJob, j).status for j in (job_id, busy_id)}  # type: ignore[union-attr]
    assert statuses == {job_id: "done", busy_id: "running"}
