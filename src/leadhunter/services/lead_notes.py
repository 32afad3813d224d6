"""Notes on a lead: the team's own research, ≤ :data:`~leadhunter.db.team_models.NOTE_MAX_CHARS` characters,
with author and time. Anyone may read a lead's notes; only a note's author may edit or delete it. Notes stay in
Hunter (Hunter is not a CRM): nothing sends one anywhere unless its author asks for that note. The caller
commits.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db.models import utcnow
from leadhunter.db.team_models import NOTE_MAX_CHARS, LeadNote


class NoteError(Exception):
    """A note request that cannot be done (the subclasses say why)."""


class NoteNotFoundError(NoteError):
    """No such note on this lead."""


class NotNoteAuthorError(NoteError):
    """The caller did not write this note, so may not change it."""


class NoteTextError(NoteError, ValueError):
    """The text is empty or longer than :data:`NOTE_MAX_CHARS`."""


def clean_text(text: str) -> str:
    """``text`` as stored: NFC, line ends as ``\\n``, surrounding blanks trimmed. Raises :class:`NoteTextError`
    for an empty text or one over :data:`NOTE_MAX_CHARS` characters (counted after cleaning)."""
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not cleaned:
        raise NoteTextError("a note must not be empty")
    if len(cleaned) > NOTE_MAX_CHARS:
        raise NoteTextError(f"a note has at most {NOTE_MAX_CHARS} characters, this one {len(cleaned)}")
    return cleaned


def notes_of(session: Session, company_id: int) -> list[LeadNote]:
    """The lead's notes, newest first."""
    stmt = select(LeadNote).where(LeadNote.company_id == company_id)
    return list(session.scalars(stmt.order_by(LeadNote.created_at.desc(), LeadNote.id.desc())))


def add_note(session: Session, company_id: int, author: str, text: str) -> LeadNote:
    """Write a note on the lead as ``author`` (flushed: it has its id)."""
    note = LeadNote(company_id=company_id, author=author, body=clean_text(text), created_at=utcnow())
    session.add(note)
    session.flush()
    return note


def own_note(session: Session, company_id: int, note_id: int, actor: str) -> LeadNote:
    """The note ``note_id`` of the lead, if ``actor`` wrote it: else :class:`NoteNotFoundError` (no such note on
    this lead) or :class:`NotNoteAuthorError`."""
    note = session.get(LeadNote, note_id)
    if note is None or note.company_id != company_id:
        raise NoteNotFoundError(f"no note {note_id} on this lead")
    if note.author != actor:
        raise NotNoteAuthorError("only the note's author may change it")
    return note


def edit_note(session: Session, company_id: int, note_id: int, actor: str, text: str) -> LeadNote:
    """Replace the text of the caller's own note (``updated_at`` set to now)."""
    note = own_note(session, company_id, note_id, actor)
    cleaned = clean_text(text)
    if cleaned != note.body:
        note.body, note.updated_at = cleaned, utcnow()
        session.flush()
    return note


def delete_note(session: Session, company_id: int, note_id: int, actor: str) -> None:
    """Delete the caller's own note."""
    session.delete(own_note(session, company_id, note_id, actor))
    session.flush()
