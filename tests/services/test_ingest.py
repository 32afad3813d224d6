"""Ingest use cases on SQLite and PostgreSQL: an uploaded file becomes companies, raw leads and one scan job;
bad rows are listed with their line, duplicates counted, a second import of the same file adds no company."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, Import, RawLead, ScanJob, ScanJobItem, utcnow
from leadhunter.services.ingest import INGEST_BATCH, STALLED_AFTER, LeadInput, import_file, import_state, ingest_leads
from leadhunter.services.scan_jobs import create_scan_job
from leadhunter.services.tabular_files import ImportFileError
from pg_scratch import scratch_pg_database

LIST = (
    "Müşteri Listesi 2024\n"  # a title row above the header (line 1)
    "Firma,Web Sitesi,E-posta\n"  # line 2
    "Örnek Yazılım A.Ş.,https://www.örnek.com.tr/iletisim,\n"  # 3: IDN website
    "Acme,acme.com,\n"  # 4
    "Acme again,https://acme.com/about,\n"  # 5: duplicate of line 4
    "Nobody,,\n"  # 6: no domain at all
    "Personal,,ali@gmail.com\n"  # 7: a personal mailbox
    "Known Ltd,known.com,\n"  # 8: already a company, without a name
    "Named Ltd,named.com,\n"  # 9: already a company, with a name
)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated, empty database: a SQLite file, or a throw-away PostgreSQL database (skipped when the server
    is unreachable)."""
    if request.param == "sqlite":
        yield from _sessions(f"sqlite:///{tmp_path / 'hunter.db'}")
        return
    with scratch_pg_database("leadhunter_ingest") as url:
        yield from _sessions(url)


def _sessions(url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _import(sessions: sessionmaker[Session], text: str, chunk_size: int = 2) -> tuple[Import, list[int]]:
    with sessions() as session:  # import_file commits its batches; the caller commits the last step
        record, result = import_file(session, io.BytesIO(text.encode()), "list.csv", max_bytes=20 * 2**20,
                                     requested_by="test", chunk_size=chunk_size)
        session.commit()
    return record, result.chunks


def test_an_import_stores_companies_raw_leads_and_one_job(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add_all([Company(domain="known.com", domain_unicode="known.com"),
                         Company(domain="named.com", domain_unicode="named.com", name="Original Name")])
    record, chunks = _import(sessions, LIST)
    assert (record.rows, record.accepted, record.duplicates) == (7, 4, 1)
    assert record.errors == [{"line": 6, "reason": "no domain, website or e-mail"},
                             {"line": 7, "reason": record.errors[1]["reason"]}]
    assert "gmail.com" in str(record.errors[1]["reason"])
    with sessions() as session:
        companies = {c.domain: c for c in session.scalars(select(Company))}
        assert set(companies) == {"xn--rnek-4qa.com.tr", "acme.com", "known.com", "named.com"}
        assert companies["xn--rnek-4qa.com.tr"].domain_unicode == "örnek.com.tr"
        assert companies["xn--rnek-4qa.com.tr"].name == "Örnek Yazılım A.Ş."
        assert companies["acme.com"].name == "Acme"  # the first row of a domain gives its name
        assert companies["known.com"].name == "Known Ltd"  # a nameless company gets one
        assert companies["named.com"].name == "Original Name"  # a named one keeps its own
        raw = session.execute(select(RawLead.source, RawLead.payload, RawLead.company_id, RawLead.import_id)
                              .order_by(RawLead.id)).all()
        assert [(s, i) for s, _, _, i in raw] == [("import", record.id)] * 4
        assert [p for _, p, _, _ in raw] == [
            {"line": 3, "Firma": "Örnek Yazılım A.Ş.", "Web Sitesi": "https://www.örnek.com.tr/iletisim"},
            {"line": 4, "Firma": "Acme", "Web Sitesi": "acme.com"},
            {"line": 8, "Firma": "Known Ltd", "Web Sitesi": "known.com"},
            {"line": 9, "Firma": "Named Ltd", "Web Sitesi": "named.com"},
        ]
        assert [c for _, _, c, _ in raw] == [companies[d].id for d in
                                             ("xn--rnek-4qa.com.tr", "acme.com", "known.com", "named.com")]
        job = session.get(ScanJob, record.job_id)
        assert job is not None
        assert (job.kind, job.status, job.total, job.requested_by) == ("import", "queued", 4, "test")
        items = session.execute(select(ScanJobItem.company_id, ScanJobItem.chunk, ScanJobItem.state)
                                .where(ScanJobItem.job_id == job.id).order_by(ScanJobItem.id)).all()
        assert [(c, n, s) for c, n, s in items] == [(cid, i // 2, "pending") for i, (_, _, cid, _) in enumerate(raw)]
    assert chunks == [0, 1]


def test_the_same_file_twice_adds_no_company_but_records_the_rows_again(sessions: sessionmaker[Session]) -> None:
    first, _ = _import(sessions, LIST)
    second, _ = _import(sessions, LIST)
    assert (second.rows, second.accepted, second.duplicates, second.errors) == (7, 4, 1, first.errors)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Company)) == 4
        per_import = dict(session.execute(select(RawLead.import_id, func.count()).group_by(RawLead.import_id)).all())
        assert per_import == {first.id: 4, second.id: 4}  # raw_leads is append-only
        assert second.job_id != first.job_id


def test_a_large_file_is_imported_whole(sessions: sessionmaker[Session]) -> None:
    """More rows than one import batch, duplicates across batches: every row counted once."""
    rows = [f"Firma {i},firma-{i % 6000:05d}.com.tr" for i in range(12_000)]
    record, chunks = _import(sessions, "Firma,Web Sitesi\n" + "\n".join(rows) + "\n", chunk_size=200)
    assert (record.rows, record.accepted, record.duplicates, record.errors) == (12_000, 6000, 6000, [])
    assert len(chunks) == 30
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Company)) == 6000
        assert session.scalar(select(func.count()).select_from(RawLead)) == 6000
        assert session.scalar(select(func.count()).select_from(ScanJobItem)) == 6000
        assert session.scalar(select(Company.name).where(Company.domain == "firma-05999.com.tr")) == "Firma 5999"


def test_a_file_over_the_row_limit_leaves_nothing_behind(sessions: sessionmaker[Session]) -> None:
    """The limit is only found at row 100,001: the file is read through once before any batch is stored, so no
    company, raw lead, import or job of that file remains."""
    text = "Domain\n" + "\n".join(f"d{i}.com" for i in range(100_001)) + "\n"
    with pytest.raises(ImportFileError, match="more than 100,000 rows"):
        _import(sessions, text)
    with sessions() as session:
        for model in (Company, RawLead, Import, ScanJob, ScanJobItem):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model


def test_a_killed_import_is_reported_and_the_same_file_finishes_it(sessions: sessionmaker[Session],
                                                                   tmp_path: Path) -> None:
    """``hunter import`` killed with SIGKILL after its first batches: the stored rows stay, the import says how
    far it got, and the same file imported again stores the rest, no row twice and none lost."""
    rows = [f"Firma {i},firma-{i:05d}.com.tr" for i in range(30_000)]
    data = ("Firma,Web Sitesi\n" + "\n".join(rows) + "\n").encode()
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "HUNTER_DATABASE_URL": url, "HUNTER_DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "leadhunter.cli.main", "import", str(path), "--no-scan"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        with sessions() as session:
            while proc.poll() is None and time.monotonic() < deadline and not session.scalar(
                    select(func.count()).select_from(Import).where(Import.stored_through_line > 0)):
                time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    with sessions() as session:
        record = session.scalars(select(Import)).one()
        assert record.status == "importing", "the import finished before it could be killed"
        assert import_state(record) == "importing"  # no batch for a while yet: it may still be running
        stored = session.scalar(select(func.count()).select_from(RawLead))
        assert 0 < stored == record.stored_through_line - 1 < 30_000  # line 1 is the header
        # Once it made no progress for a while, it is reported interrupted...
        record.updated_at = utcnow() - STALLED_AFTER - timedelta(seconds=1)
        session.commit()
        assert import_state(record) == "interrupted"
    with sessions() as session:  # ...and the same bytes uploaded again resume it
        resumed, result = import_file(session, io.BytesIO(data), "again.csv", max_bytes=20 * 2**20)
        session.commit()
    assert resumed.id == record.id and import_state(resumed) == "done"
    assert (resumed.rows, resumed.accepted, resumed.duplicates, resumed.errors) == (30_000, 30_000, 0, [])
    with sessions() as session:
        lines = session.scalars(select(RawLead.payload["line"].as_integer()).where(RawLead.import_id == record.id))
        assert sorted(lines) == list(range(2, 30_002))  # every row once: none lost, none twice
        assert session.scalar(select(func.count()).select_from(Company)) == 30_000
        assert session.scalar(select(func.count()).select_from(Import)) == 1
        assert session.scalar(select(func.count()).select_from(ScanJobItem)
                              .where(ScanJobItem.job_id == result.job_id)) == 30_000


def test_a_running_import_is_not_resumed_by_a_second_upload(sessions: sessionmaker[Session]) -> None:
    """An import still making progress, or one that finished, is never taken over: the upload is an import of
    its own."""
    data = LIST.encode()
    with sessions() as session:
        session.add(Import(filename="running.csv", status="importing", content_sha256=hashlib.sha256(data).hexdigest(),
                           updated_at=utcnow(), stored_through_line=4))
        session.commit()
    record, _ = _import(sessions, LIST)
    again, _ = _import(sessions, LIST)
    assert len({record.id, again.id}) == 2 and record.filename == "list.csv"
    with sessions() as session:
        assert [import_state(r) for r in session.scalars(select(Import).order_by(Import.id))] == \
            ["importing", "done", "done"]


def test_a_large_list_of_leads_is_stored_in_batches_and_whole(sessions: sessionmaker[Session]) -> None:
    """More leads than one batch, invalid ones in between: every lead recorded once, in order, with its company."""
    texts = [f"lead{i}.com.tr" if i % 7 else f"not a domain {i}" for i in range(2 * INGEST_BATCH + 300)]
    with sessions() as session:
        result = ingest_leads(session, [LeadInput(t) for t in texts], source="manual", chunk_size=100)
        session.commit()
    valid = [t for t in texts if not t.startswith("not")]
    assert result.domains == valid and [i["index"] for i in result.invalid] == list(range(0, len(texts), 7))
    with sessions() as session:
        raw = session.execute(select(RawLead.payload, Company.domain)
                              .outerjoin(Company, Company.id == RawLead.company_id).order_by(RawLead.id)).all()
        assert [(p["input"], d) for p, d in raw] == [(t, None if t.startswith("not") else t) for t in texts]
        job = session.get(ScanJob, result.job_id)
        assert job is not None and (job.status, job.total) == ("queued", len(valid))


def test_a_large_job_is_created_in_batches(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        ids = list(companies_repo.company_ids(session, [(f"c{i}.com", f"c{i}.com", None) for i in range(250)]).values())
        session.commit()
        _, chunks = create_scan_job(session, ids, "rescan", chunk_size=100, commit_every=100)
        with sessions() as other:  # the items are committed batch by batch, the job not yet queued
            assert other.scalar(select(ScanJob.status)) == "preparing"
            assert other.scalar(select(func.count()).select_from(ScanJobItem)) == 200
        session.commit()
    assert chunks == [0, 1, 2]
    with sessions() as session:
        assert session.scalar(select(ScanJob.status)) == "queued"
        items = session.execute(select(ScanJobItem.company_id, ScanJobItem.chunk).order_by(ScanJobItem.id)).all()
        assert [(c, n) for c, n in items] == [(cid, i // 100) for i, cid in enumerate(ids)]


def test_typed_and_posted_leads(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        result = ingest_leads(session, [LeadInput("https://Example.COM/x", "Example"), LeadInput("not a domain"),
                                        LeadInput("jane@example.com", payload={"email": "jane@example.com"})],
                              source="webhook", requested_by="key")
    assert result.domains == ["example.com"] and len(result.company_ids) == 1 and result.job_id is not None
    assert [i["index"] for i in result.invalid] == [1]
    with sessions() as session:
        raw = session.execute(select(RawLead.payload, RawLead.company_id).order_by(RawLead.id)).all()
        company = result.company_ids[0]
        assert [(p, c) for p, c in raw] == [({"input": "https://Example.COM/x", "name": "Example"}, company),
                                            ({"input": "not a domain"}, None),
                                            ({"email": "jane@example.com"}, company)]
        assert session.scalar(select(Company.name)) == "Example"
