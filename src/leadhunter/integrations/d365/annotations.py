"""A note on a Dynamics 365 lead: an ``annotation`` row (the timeline's notes) regarding the lead.

The annotation's id is derived from Hunter's note id and the org (UUID 5), and written with an upsert (``PATCH
/annotations(<id>)``), so sending a note again (a retried task, an edited note) updates the same annotation
instead of adding a second one — the call is safe to repeat, like every other call Hunter makes.
"""

from __future__ import annotations

import uuid

from leadhunter.integrations.d365.connection import CallResult, Connection
from leadhunter.integrations.d365.payloads import lead_path

_NAMESPACE = uuid.UUID("6f0b3d7e-5c1a-4f8e-9a2d-0e4b7c9d1a35")  # Hunter's note annotations
SUBJECT_MAX = 500
"""``annotation.subject`` length (characters)."""


def annotation_id(org_url: str, note_id: int) -> str:
    """The annotation id of Hunter note ``note_id`` in the org at ``org_url`` (stable: same inputs, same id)."""
    return str(uuid.uuid5(_NAMESPACE, f"{org_url.rstrip('/').lower()}/hunter-note/{note_id}"))


def upsert_note(conn: Connection, note_id: int, lead_id: str, subject: str, text: str) -> tuple[str, CallResult]:
    """Create or update the annotation of note ``note_id`` on the D365 lead ``lead_id`` (a GUID); returns the
    annotation id and the call's result (``result.ok``: written)."""
    ident = annotation_id(conn.config.org, note_id)
    body = {"subject": subject[:SUBJECT_MAX], "notetext": text, "isdocument": False,
            "objectid_lead@odata.bind": lead_path(lead_id)}
    return ident, conn.call("PATCH", f"/annotations({ident})", json=body)
