"""Writers under load on the embedded SQLite file, over real HTTP: a 100,000-row import and 500 leads typed in
meanwhile all get stored without a single error, and a write that truly cannot get the lock is answered 503
with ``Retry-After`` in the error shape (nothing stored), never a plain-text 500."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from api_support import LiveApi, settings_for, start_api
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, Import, RawLead

IMPORT_ROWS = 100_000
LEADS = 500


def _sqlite_api(tmp_path: Path, template: Path, **overrides: object) -> Iterator[LiveApi]:
    target = tmp_path / "data" / "hunter.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(template.read_bytes())
    yield from start_api(settings_for(tmp_path / "data", f"sqlite:///{target}", **overrides), [])


@pytest.fixture
def sqlite_api(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    """The API on a fresh SQLite file (the default lock wait)."""
    yield from _sqlite_api(tmp_path, sqlite_template)


@pytest.fixture
def impatient_api(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveApi]:
    """The API on a fresh SQLite file, waiting at most half a second for the write lock."""
    yield from _sqlite_api(tmp_path, sqlite_template, db_lock_wait_seconds=0.5)


def _db_path(api: LiveApi) -> str:
    return api.settings.database().removeprefix("sqlite:///")


def _lead_list() -> bytes:
    return ("Firma,Alan Adı\n" + "".join(f"Firma {i},import{i}.com.tr\n" for i in range(IMPORT_ROWS))).encode()


def test_a_large_import_and_leads_posted_meanwhile_are_all_stored(sqlite_api: LiveApi) -> None:
    engine = create_engine(f"sqlite:///{_db_path(sqlite_api)}")
    upload: dict[str, httpx.Response] = {}

    def run_import() -> None:
        with httpx.Client(base_url=sqlite_api.url, timeout=300, trust_env=False) as client:
            upload["response"] = client.post("/api/imports", files={"file": ("leads.csv", _lead_list(), "text/csv")})

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        # Post the leads while the import is storing rows: wait for its first committed batch.
        deadline = time.monotonic() + 120
        with Session(engine) as session:
            while time.monotonic() < deadline and importer.is_alive() and not session.scalar(
                    select(func.count()).select_from(Import).where(Import.stored_through_line > 0)):
                time.sleep(0.05)
        assert importer.is_alive(), "the import finished before the leads could be posted"

        def post(i: int) -> httpx.Response:
            with httpx.Client(base_url=sqlite_api.url, timeout=60, trust_env=False) as client:
                return client.post("/api/leads", json={"domain": f"typed{i}.com.tr", "name": f"Typed {i}"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(post, range(LEADS)))
    finally:
        importer.join(timeout=300)
    failed = [(a.status_code, a.text[:200]) for a in answers if a.status_code != 202]
    assert failed == []
    assert upload["response"].status_code == 202, upload["response"].text[:500]
    body = upload["response"].json()
    assert (body["rows"], body["accepted"], body["errors"], body["status"]) == (IMPORT_ROWS, IMPORT_ROWS, [], "done")
    with Session(engine) as session:
        typed = set(session.scalars(select(Company.domain).where(Company.domain.like("typed%"))))
        assert typed == {f"typed{i}.com.tr" for i in range(LEADS)}
        manual = session.scalars(select(RawLead.received_at).where(RawLead.source == "manual")).all()
        assert len(manual) == LEADS
        imported = session.execute(select(func.count(), func.count(func.distinct(RawLead.company_id)))
                                   .where(RawLead.import_id == body["import_id"])).one()
        assert tuple(imported) == (IMPORT_ROWS, IMPORT_ROWS)
        assert session.scalar(select(func.count()).select_from(Company).where(Company.domain.like("import%"))) \
            == IMPORT_ROWS
        record = session.get(Import, body["import_id"])
        assert record is not None and record.updated_at is not None
        finished = record.updated_at.replace(tzinfo=None)
        # The leads really went in while the import was running (not after it).
        assert min(t.replace(tzinfo=None) for t in manual) < finished
    engine.dispose()


def test_a_write_that_cannot_get_the_lock_is_a_503_in_the_error_shape(impatient_api: LiveApi) -> None:
    holder = sqlite3.connect(_db_path(impatient_api), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the file's write lock
        answer = impatient_api.client.post("/api/leads", json={"domain": "blocked.com.tr"})
        assert answer.status_code == 503
        assert answer.headers["retry-after"].isdigit() and int(answer.headers["retry-after"]) > 0
        assert answer.headers["content-type"].startswith("application/json")
        error = answer.json()["error"]
        assert set(error) == {"code", "message", "details", "request_id"}
        assert error["code"] == "database_busy" and "nothing was stored" in error["message"]
        listed = impatient_api.client.post("/api/scans", json={"domains": ["a-blocked.com.tr", "b-blocked.com.tr"]})
        assert listed.status_code == 503 and listed.json()["error"]["code"] == "database_busy"
    finally:
        holder.rollback()
        holder.close()
    # Nothing half-stored, and the same request succeeds once the lock is free.
    with sqlite3.connect(_db_path(impatient_api)) as check:
        assert check.execute("SELECT count(*) FROM companies").fetchone() == (0,)
    again = impatient_api.client.post("/api/leads", json={"domain": "blocked.com.tr"})
    assert again.status_code == 202
