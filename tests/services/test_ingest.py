"""Ingest use cases on SQLite and PostgreSQL: an uploaded file becomes companies, raw leads and one scan job;
bad rows are listed with their line, duplicates counted, a second import of the same file adds no company."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, Import, RawLead, ScanJob, ScanJobItem
from leadhunter.services.ingest import LeadInput, import_file, ingest_leads
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
    """The limit is only found at row 100,001, after earlier batches were written: the transaction the
    caller owns is rolled back, so no company, raw lead, import or job of that file remains."""
    text = "Domain\n" + "\n".join(f"d{i}.com" for i in range(100_001)) + "\n"
    with pytest.raises(ImportFileError, match="more than 100,000 rows"):
        _import(sessions, text)
    with sessions() as session:
        for model in (Company, RawLead, Import, ScanJob, ScanJobItem):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model


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
