"""Use cases for getting leads in: typed domains, webhook payloads and uploaded files.

Ingest never scans inside the request: it records the raw lead, upserts the company and creates a scan
job, whose chunks the caller dispatches after the commit. Invalid input is reported, never stored as a
company, and never stops the good input from importing.

Writes are short: a large ingest (more than :data:`INGEST_BATCH` inputs) and every file import commit
their companies and raw leads batch by batch, so a lead typed in meanwhile waits for one batch (well under
a second), not for the whole list (the SQLite file has one writer at a time). Pass these functions a
session that is not inside ``Session.begin()``: they call ``session.commit()`` between batches, and the
caller commits the last one (the scan job). An import records after each batch how far it got
(``imports.stored_through_line``); uploading the same file again after an interruption carries on from
there, so no row is stored twice or lost.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadhunter.db import companies_repo, team_repo
from leadhunter.db.models import Import, utcnow
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services import scan_jobs
from leadhunter.services.tabular_import import ImportRow, ImportSummary, check_rows, import_rows, read_rows

IMPORT_BATCH = 2_000
"""Rows stored per committed transaction while importing a file (one such batch holds the SQLite write lock
for tens of milliseconds)."""
INGEST_BATCH = 2_000
"""Inputs stored per committed transaction by :func:`ingest_leads` when it is given more than this many."""
STALLED_AFTER = timedelta(minutes=2)
"""An import still ``importing`` whose last batch is older than this was interrupted (a batch takes well under
a second); the same file uploaded again resumes it."""


@dataclass
class IngestResult:
    """What an ingest did: the scan job (None when nothing valid came in), its chunks to dispatch,
    the companies touched and the inputs refused with their reasons."""

    job_id: int | None = None
    chunks: list[int] = field(default_factory=list)
    company_ids: list[int] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LeadInput:
    """One lead as typed or posted: the text (domain, URL or e-mail), an optional company name and the
    payload to keep in ``raw_leads``."""

    text: str
    name: str | None = None
    payload: dict[str, Any] | None = None


def ingest_leads(session: Session, leads: Iterable[LeadInput], *, source: str, requested_by: str | None = None,
                 chunk_size: int = scan_jobs.DEFAULT_CHUNK) -> IngestResult:
    """Record each lead, upsert its company and queue one scan job for the valid ones (more than
    :data:`INGEST_BATCH` leads are committed batch by batch; see the module docstring)."""
    result = IngestResult()
    raw: list[tuple[dict[str, Any], tuple[str, str, str | None] | None]] = []  # (payload, entry or None)
    for index, lead in enumerate(leads):
        norm = normalize_domain(lead.text)
        payload = lead.payload or {"input": lead.text, **({"name": lead.name} if lead.name else {})}
        if not norm.ok or norm.domain is None:
            result.invalid.append({"index": index, "input": lead.text, "reason": norm.reason.value if norm.reason
                                   else "invalid", "message": norm.message})
            raw.append((payload, None))
            continue
        raw.append((payload, (norm.domain, norm.unicode or norm.domain, lead.name)))
    ids: dict[str, int] = {}
    for start in range(0, len(raw), INGEST_BATCH):
        if start:
            session.commit()  # a large list: one short write per batch, so other writers get their turn
        part = raw[start : start + INGEST_BATCH]
        entries = [entry for _, entry in part if entry is not None]
        ids.update(companies_repo.company_ids(session, entries) if entries else {})
        companies_repo.add_raw_leads(session, source, ((p, ids[e[0]] if e else None) for p, e in part))
    result.domains = list(dict.fromkeys(e[0] for _, e in raw if e is not None))
    result.company_ids = [ids[d] for d in result.domains]
    if result.company_ids:
        job, chunks = scan_jobs.create_scan_job(session, result.company_ids, source, requested_by=requested_by,
                                                chunk_size=chunk_size, commit_every=scan_jobs.JOB_BATCH)
        result.job_id, result.chunks = job.id, chunks
    return result


def import_file(
    session: Session, stream: BinaryIO, filename: str, *, max_bytes: int, requested_by: str | None = None,
    chunk_size: int = scan_jobs.DEFAULT_CHUNK,
) -> tuple[Import, IngestResult]:
    """Import an uploaded CSV/XLSX: good rows become companies, bad rows are listed with their line number,
    duplicates are counted once. Raises ``ImportFileError`` for a file that is not a lead list, before any row
    is stored (the file is read through once first, so a list with too many rows is never half-imported).

    Rows are committed :data:`IMPORT_BATCH` at a time; the caller commits the last step (counts and scan job).
    When an import of the very same bytes was interrupted (still ``importing``, no batch for
    :data:`STALLED_AFTER`), this one continues it: rows it already stored are not stored again.
    """
    data = _seekable(stream, max_bytes)
    digest = _sha256(data)
    check_rows(data, filename, max_bytes=max_bytes)
    record = _resume(session, digest) or Import(filename=filename[:255], status="importing", content_sha256=digest,
                                                updated_at=utcnow())
    session.add(record)
    session.commit()  # the import is visible (and resumable) from its first batch on
    done_through = record.stored_through_line
    summary = ImportSummary()
    company_ids: list[int] = []
    for batch in _batches(import_rows(read_rows(data, filename, max_bytes=max_bytes), summary, set())):
        entries = [(r.domain, r.domain_unicode or r.domain, r.name) for r in batch if r.domain]
        ids = companies_repo.company_ids(session, entries)  # rows stored before an interruption: ids only
        companies_repo.add_raw_leads(session, "import", (({"line": r.line, **r.raw}, ids[r.domain])
                                                          for r in batch if r.domain and r.line > done_through),
                                     import_id=record.id)
        company_ids.extend(ids[d] for d, _, _ in entries)
        team_repo.add_tag_pairs(session, [(ids[r.domain], tag) for r in batch if r.domain for tag in r.tags],
                                requested_by or "import")
        record.stored_through_line = max(done_through, batch[-1].line)
        record.rows, record.accepted, record.duplicates = summary.rows, summary.accepted, summary.duplicates
        record.updated_at = utcnow()
        session.commit()
    record.rows, record.accepted, record.duplicates = summary.rows, summary.accepted, summary.duplicates
    record.errors = summary.errors
    record.status, record.updated_at = "done", utcnow()
    result = IngestResult(company_ids=list(dict.fromkeys(company_ids)), invalid=summary.errors)
    if result.company_ids:
        job, chunks = scan_jobs.create_scan_job(session, result.company_ids, "import", requested_by=requested_by,
                                                chunk_size=chunk_size, commit_every=scan_jobs.JOB_BATCH)
        record.job_id, result.job_id, result.chunks = job.id, job.id, chunks
    return record, result


def import_state(record: Import) -> str:
    """``done``, ``importing``, or ``interrupted`` (still importing, but no batch stored for
    :data:`STALLED_AFTER`: upload the same file again to finish it)."""
    if record.status != "importing":
        return record.status
    last = record.updated_at or record.created_at
    if last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=utcnow().tzinfo)
    return "interrupted" if utcnow() - last > STALLED_AFTER else "importing"


def _resume(session: Session, digest: str) -> Import | None:
    """The newest interrupted import of the same bytes, claimed for this one (a conditional update, so two
    uploads of one file never both resume it), or None."""
    candidates = session.scalars(select(Import).where(Import.content_sha256 == digest, Import.status == "importing")
                                 .order_by(Import.id.desc()))
    for record in candidates:
        if import_state(record) != "interrupted":
            continue
        claimed = session.execute(update(Import).where(Import.id == record.id, Import.status == "importing",
                                                       Import.updated_at < utcnow() - STALLED_AFTER)
                                  .values(updated_at=utcnow()).execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) == 1:
            session.refresh(record)
            return record
    return None


def _seekable(stream: BinaryIO, max_bytes: int) -> BinaryIO:
    """``stream`` itself when it can seek (uploads and files can), else a spooled copy of at most
    ``max_bytes + 1`` bytes (enough for the size check to refuse it)."""
    if stream.seekable():
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - lives as long as the import
    size = 0
    while size <= max_bytes and (chunk := stream.read(min(1 << 20, max_bytes + 1 - size))):
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return cast(BinaryIO, spool)


def _sha256(data: IO[bytes]) -> str:
    """The hex SHA-256 of the rest of ``data``, which is left where it was."""
    start = data.tell()
    digest = hashlib.sha256()
    while chunk := data.read(1 << 20):
        digest.update(chunk)
    data.seek(start)
    return digest.hexdigest()


def _batches(rows: Iterator[ImportRow]) -> Iterator[list[ImportRow]]:
    batch: list[ImportRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= IMPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
