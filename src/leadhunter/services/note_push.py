"""Send one note to Dynamics 365 when its author asks: an annotation on the lead's D365 record (see
:mod:`leadhunter.integrations.d365.annotations`). Nothing else ever sends a note; the lead push never does.

The lead must have been pushed already (its D365 id is known): a note has no record to hang on otherwise. The
call to D365 runs outside any database transaction; the note then records when it was sent and the annotation's
id. Sending again (an edited note, a redelivered task) updates the same annotation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import d365_repo
from leadhunter.db.models import Company, utcnow
from leadhunter.db.team_models import LeadNote
from leadhunter.integrations.d365.annotations import upsert_note
from leadhunter.integrations.d365.connection import Connection

SENT, NOT_PUSHED, GONE, FAILED = "sent", "lead_not_pushed", "note_not_found", "failed"


@dataclass(frozen=True)
class NotePushResult:
    """``status``: ``sent``, ``lead_not_pushed``, ``note_not_found`` or ``failed`` (``message`` says why)."""

    status: str
    annotation_id: str | None = None
    message: str = ""


def d365_lead_id(session: Session, company_id: int) -> str | None:
    """The D365 lead id Hunter's last push stored for the company, or None (never pushed, or no id yet)."""
    sync = d365_repo.sync_rows(session, [company_id]).get(company_id)
    return sync.d365_lead_id if sync is not None else None


def push_note(factory: sessionmaker[Session], conn: Connection, note_id: int) -> NotePushResult:
    """Write note ``note_id`` to its lead's D365 record as an annotation and record that on the note."""
    with factory() as session:
        note = session.get(LeadNote, note_id)
        if note is None:
            return NotePushResult(GONE, message=f"no note {note_id}")
        lead_id = d365_lead_id(session, note.company_id)
        company = session.get(Company, note.company_id)
        if lead_id is None or company is None:
            return NotePushResult(NOT_PUSHED, message="push the lead to Dynamics 365 first")
        subject = f"Hunter note on {company.domain} by {note.author}"
        text = note.body
    ident, result = upsert_note(conn, note_id, lead_id, subject, text)
    if not result.ok:
        reason = str(result.error) if result.error is not None else f"HTTP {result.status}"
        return NotePushResult(FAILED, ident, reason)
    with factory.begin() as session:
        stored = session.get(LeadNote, note_id)
        if stored is not None:  # deleted meanwhile: the annotation stays in D365, as the author asked
            stored.d365_pushed_at, stored.d365_annotation_id = utcnow(), ident
    return NotePushResult(SENT, ident)
