"""Scan-job use cases on a real database: rescans due, cancel, progress from items, stalled chunks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fakes.dns_server import FakeDnsServer
from leadhunter.config import Settings
from leadhunter.db import companies_repo
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, ScanJob, utcnow
from leadhunter.runtime import scan_options, session_factory
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


def test_chunk_stores_a_missing_domain_as_failed_with_its_reason(tmp_path: Path, dns: FakeDnsServer) -> None:
    """A scan job over the fake DNS: the domain that does not exist is a failed item with the reason kept
    in its stored report, the one that exists and has no MX stays ok (a real company without mail)."""
    dns.add("contoso.com.tr", "MX", "10 mail.contoso.com.tr")
    dns.add("mail.contoso.com.tr", "A", "198.51.100.25")
    dns.add("parked.com.tr", "A", "192.0.2.9")
    factory = _factory(tmp_path)
    domains = ["contoso.com.tr", "typo-contoso.com.tr", "parked.com.tr"]
    with factory.begin() as session:
        ids = [c.id for c in companies_repo.upsert_companies(session, [(d, d, None) for d in domains]).values()]
        job, chunks = scan_jobs.create_scan_job(session, ids, "import")
        job_id = job.id
    options = scan_options(Settings(data_dir=tmp_path, dns_nameservers=dns.address, tenant_discovery=False,
                                    dns_timeout=1.0, _env_file=None))  # type: ignore[call-arg]
    for chunk in chunks:
        asyncio.run(scan_jobs.scan_chunk(factory, options, job_id, chunk))
    with factory() as session:
        state = scan_jobs.progress(session, job_id)
        assert (state.status, state.ok, state.failed, state.partial) == ("done", 2, 1, 0)
        companies = {c.domain: c for c in session.scalars(select(Company))}
        gone = companies["typo-contoso.com.tr"]
        assert (gone.scan_status, gone.segment, gone.category) == ("failed", "Skip", "P6")
        report = companies_repo.latest_scans(session, gone.id)[0].report
        assert (report["reason"], report["message"]) == ("nxdomain", "the domain does not exist")
        assert companies["parked.com.tr"].scan_status == "ok"
        assert companies_repo.tags_of(session, [gone.id])[gone.id] == ["no-mail"]
