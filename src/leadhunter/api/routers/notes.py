"""Notes on a lead: list, write, edit and delete one's own (403 ``not_note_author`` for another's note).

Text: 1 to 4,000 characters (more is a 422 saying so). Notes never leave Hunter on their own: they are not in
the D365 push; ``POST .../notes/{id}/d365`` sends one note when its author asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from kombu.exceptions import OperationalError as BrokerError
from pydantic import BaseModel, Field

from leadhunter.api.deps import CallerDep, DbId, SessionDep, SettingsDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.routers.d365 import _require_enabled as require_d365
from leadhunter.api.routers.lead_marks import company_for
from leadhunter.db.team_models import NOTE_MAX_CHARS, LeadNote
from leadhunter.services import lead_notes, note_push

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/leads/{domain}/notes", tags=["notes"], responses=error_responses(401, 404, 422, 429))


class NoteBody(BaseModel):
    """The note's text (surrounding blanks are trimmed; counted in characters)."""

    text: Text = Field(..., min_length=1, max_length=NOTE_MAX_CHARS,
                       description=f"1 to {NOTE_MAX_CHARS} characters")


def note_json(note: LeadNote, caller: str) -> dict[str, Any]:
    """One note as the API answers it; ``mine``: the caller wrote it (may edit, delete, push it)."""
    return {"id": note.id, "text": note.body, "author": note.author, "mine": note.author == caller,
            "created_at": note.created_at.isoformat(),
            "updated_at": note.updated_at.isoformat() if note.updated_at else None,
            "d365_pushed_at": note.d365_pushed_at.isoformat() if note.d365_pushed_at else None}


def _note_error(exc: lead_notes.NoteError) -> ApiError:
    if isinstance(exc, lead_notes.NotNoteAuthorError):
        return ApiError(403, "not_note_author", str(exc))
    if isinstance(exc, lead_notes.NoteTextError):
        return ApiError(422, "invalid_note", str(exc), [{"field": "text", "reason": str(exc)}])
    return ApiError(404, "note_not_found", str(exc))


@router.get("")
def list_notes(session: SessionDep, caller: CallerDep, domain: Text) -> dict[str, Any]:
    """The lead's notes, newest first."""
    company = company_for(session, domain)
    return {"items": [note_json(n, caller) for n in lead_notes.notes_of(session, company.id)]}


@router.post("", status_code=201)
def add_note(session: SessionDep, caller: CallerDep, domain: Text, body: NoteBody) -> dict[str, Any]:
    """Write a note on the lead as the caller."""
    company = company_for(session, domain)
    try:
        note = lead_notes.add_note(session, company.id, caller, body.text)
    except lead_notes.NoteError as exc:
        raise _note_error(exc) from None
    session.commit()
    return note_json(note, caller)


@router.patch("/{note_id}", responses=error_responses(403))
def edit_note(session: SessionDep, caller: CallerDep, domain: Text, note_id: DbId, body: NoteBody) -> dict[str, Any]:
    """Replace the text of one of the caller's own notes."""
    company = company_for(session, domain)
    try:
        note = lead_notes.edit_note(session, company.id, note_id, caller, body.text)
    except lead_notes.NoteError as exc:
        raise _note_error(exc) from None
    session.commit()
    return note_json(note, caller)


@router.delete("/{note_id}", status_code=204, responses=error_responses(403))
def delete_note(session: SessionDep, caller: CallerDep, domain: Text, note_id: DbId) -> Response:
    """Delete one of the caller's own notes."""
    company = company_for(session, domain)
    try:
        lead_notes.delete_note(session, company.id, note_id, caller)
    except lead_notes.NoteError as exc:
        raise _note_error(exc) from None
    session.commit()
    return Response(status_code=204)


@router.post("/{note_id}/d365", status_code=202, responses=error_responses(403, 409))
def send_note_to_d365(request: Request, session: SessionDep, settings: SettingsDep, caller: CallerDep, domain: Text,
                      note_id: DbId) -> dict[str, Any]:
    """Send one of the caller's own notes to the lead's Dynamics 365 record (an annotation; sending again updates
    it). 409 when D365 is off (``d365_disabled``) or the lead was never pushed (``d365_lead_not_pushed``). The send
    is queued for a worker; ``d365_pushed_at`` on the note says when it arrived."""
    require_d365(settings)
    company = company_for(session, domain)
    try:
        note = lead_notes.own_note(session, company.id, note_id, caller)
    except lead_notes.NoteError as exc:
        raise _note_error(exc) from None
    if note_push.d365_lead_id(session, company.id) is None:
        raise ApiError(409, "d365_lead_not_pushed", f"push {company.domain} to Dynamics 365 first")
    dispatch: Callable[[int], None] | None = getattr(request.app.state, "note_dispatch", None)
    if dispatch is None:
        from leadhunter.jobs.note_tasks import dispatch_note_push  # lazily: builds the Celery app from settings

        dispatch = dispatch_note_push
    try:
        dispatch(note.id)
        queued = True
    except (BrokerError, OSError) as exc:  # nothing is stored for it: the author sends it again
        log.warning("broker unavailable, note %s not queued for D365: %s", note.id, exc)
        queued = False
    return {**note_json(note, caller), "queued": queued}
