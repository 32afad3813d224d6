"""Imports (CSV/XLSX upload) and webhook ingest (API key always required)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, Field

from leadhunter.api.deps import CallerDep, DbId, KeyCallerDep, SessionDep, Text
from leadhunter.api.dispatch import dispatch_all
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.db.models import Import
from leadhunter.services.ingest import LeadInput, import_file, import_state, ingest_leads

router = APIRouter(prefix="/api", tags=["ingest"], responses=error_responses(401, 422, 429))


@router.post("/imports", status_code=202, responses=error_responses(413))
def upload(request: Request, session: SessionDep, caller: CallerDep,
           file: Annotated[UploadFile, File(description="CSV or XLSX lead list")]) -> dict[str, Any]:
    """Import a lead list: good rows queue a scan job; bad rows come back with line number and reason."""
    settings = request.app.state.settings
    limit = settings.max_upload_mb * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise ApiError(413, "file_too_large", f"the file is over {settings.max_upload_mb} MB")
    record, result = import_file(session, file.file, _display_name(file.filename), max_bytes=limit,
                                 requested_by=caller, chunk_size=settings.scan_chunk_size)
    session.commit()
    queued = dispatch_all(request, result.job_id, result.chunks)
    return {**_import_json(record), "queued": queued}


@router.get("/imports/{import_id}", responses=error_responses(404))
def import_status(session: SessionDep, _: CallerDep, import_id: DbId) -> dict[str, Any]:
    """Counts, row errors and state of one import: ``status`` is ``done``, ``importing`` (``stored_through_line``
    tells how far), or ``interrupted`` (stopped part-way: upload the same file again to finish it)."""
    record = session.get(Import, import_id)
    if record is None:
        raise ApiError(404, "import_not_found", f"no import {import_id}")
    return _import_json(record)


def _display_name(filename: str | None) -> str:
    """The upload's file name as a label: control characters dropped (a NUL cannot be stored in PostgreSQL,
    the others only garble a screen) and lone surrogates replaced, so it can be saved and echoed back."""
    cleaned = "".join(ch for ch in filename or "" if ch >= " " and ch != "\x7f")
    return cleaned.encode("utf-8", "replace").decode("utf-8") or "upload"


def _import_json(record: Import) -> dict[str, Any]:
    return {"import_id": record.id, "filename": record.filename, "rows": record.rows, "accepted": record.accepted,
            "duplicates": record.duplicates, "errors": record.errors, "job_id": record.job_id,
            "status": import_state(record), "stored_through_line": record.stored_through_line}


class WebhookLead(BaseModel):
    """A lead pushed by another system."""

    domain: Text | None = Field(None, max_length=2048, description="Domain, website URL or e-mail")
    website: Text | None = Field(None, max_length=2048)
    email: Text | None = Field(None, max_length=320)
    name: Text | None = Field(None, max_length=300)


class WebhookBody(BaseModel):
    """One lead or many."""

    leads: list[WebhookLead] = Field(..., min_length=1, max_length=10_000)


@router.post("/webhooks/leads", status_code=202)
def webhook(request: Request, session: SessionDep, caller: KeyCallerDep, body: WebhookBody) -> dict[str, Any]:
    """Ingest leads from another system (an API key is required even on loopback)."""
    inputs = [LeadInput(lead.domain or lead.website or lead.email or "", lead.name, lead.model_dump(exclude_none=True))
              for lead in body.leads]
    result = ingest_leads(session, inputs, source="webhook", requested_by=caller,
                          chunk_size=request.app.state.settings.scan_chunk_size)
    session.commit()
    queued = dispatch_all(request, result.job_id, result.chunks)
    return {"job_id": result.job_id, "accepted": len(result.domains), "invalid": result.invalid, "queued": queued}
