"""Use cases for getting leads in: typed domains, webhook payloads and uploaded files.

Ingest never scans inside the request: it records the raw lead, upserts the company and creates a scan
job, whose chunks the caller dispatches after the commit. Invalid input is reported, never stored as a
company, and never stops the good input from importing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from leadhunter.db import companies_repo
from leadhunter.db.models import Import
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services import scan_jobs
from leadhunter.services.tabular_import import ImportRow, ImportSummary, import_rows, read_rows

IMPORT_BATCH = 5_000  # rows per round of bulk statements while importing a file


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
    """Record each lead, upsert its company and queue one scan job for the valid ones."""
    result = IngestResult()
    entries: list[tuple[str, str, str | None]] = []
    raw: list[tuple[dict[str, Any], str | None]] = []
    for index, lead in enumerate(leads):
        norm = normalize_domain(lead.text)
        payload = lead.payload or {"input": lead.text, **({"name": lead.name} if lead.name else {})}
        if not norm.ok or norm.domain is None:
            result.invalid.append({"index": index, "input": lead.text, "reason": norm.reason.value if norm.reason
                                   else "invalid", "message": norm.message})
            raw.append((payload, None))
            continue
        entries.append((norm.domain, norm.unicode or norm.domain, lead.name))
        raw.append((payload, norm.domain))
    ids = companies_repo.company_ids(session, entries) if entries else {}
    companies_repo.add_raw_leads(session, source, ((p, ids[d] if d else None) for p, d in raw))
    result.domains = list(dict.fromkeys(d for d, _, _ in entries))
    result.company_ids = [ids[d] for d in result.domains]
    if result.company_ids:
        job, chunks = scan_jobs.create_scan_job(session, result.company_ids, source, requested_by=requested_by,
                                                chunk_size=chunk_size)
        result.job_id, result.chunks = job.id, chunks
    return result


def import_file(
    session: Session, stream: BinaryIO, filename: str, *, max_bytes: int, requested_by: str | None = None,
    chunk_size: int = scan_jobs.DEFAULT_CHUNK,
) -> tuple[Import, IngestResult]:
    """Import an uploaded CSV/XLSX: good rows become companies (batched), bad rows are listed with their
    line number, duplicates are counted once. Raises ``ImportFileError`` for a file that is not a lead list."""
    summary = ImportSummary()
    record = Import(filename=filename[:255])
    session.add(record)
    session.flush()
    company_ids: list[int] = []
    for batch in _batches(import_rows(read_rows(stream, filename, max_bytes=max_bytes), summary, set())):
        entries = [(r.domain, r.domain_unicode or r.domain, r.name) for r in batch if r.domain]
        ids = companies_repo.company_ids(session, entries)
        companies_repo.add_raw_leads(session, "import", (({"line": r.line, **r.raw}, ids[r.domain])
                                                          for r in batch if r.domain), import_id=record.id)
        company_ids.extend(ids[d] for d, _, _ in entries)
    record.rows, record.accepted, record.duplicates = summary.rows, summary.accepted, summary.duplicates
    record.errors = summary.errors
    result = IngestResult(company_ids=list(dict.fromkeys(company_ids)), invalid=summary.errors)
    if result.company_ids:
        job, chunks = scan_jobs.create_scan_job(session, result.company_ids, "import", requested_by=requested_by,
                                                chunk_size=chunk_size)
        record.job_id, result.job_id, result.chunks = job.id, job.id, chunks
    return record, result


def _batches(rows: Iterator[ImportRow]) -> Iterator[list[ImportRow]]:
    batch: list[ImportRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= IMPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
