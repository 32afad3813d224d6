"""Sending one note to Dynamics 365 (its author asked) against the fake Dataverse over HTTPS, on SQLite and
PostgreSQL: an annotation regarding the pushed lead, sent again after an edit it updates the same annotation; a
lead never pushed is refused without a call; a 5xx is retried by the client; the lead push never carries notes."""

from __future__ import annotations

from leadhunter.db.team_models import LeadNote
from leadhunter.integrations.d365.annotations import annotation_id
from leadhunter.services import lead_notes, note_push
from services.d365_env import (  # noqa: F401  (fixtures)
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)


def test_a_note_becomes_an_annotation_on_the_pushed_lead_and_a_resend_updates_it(d365: D365Env) -> None:
    pushed, never = d365.seed(2)
    client = d365.client()
    with d365.factory.begin() as session:
        note = lead_notes.add_note(session, pushed, "key:hk_ana", "Renewal in May.\nCall the IT lead.")
        other = lead_notes.add_note(session, never, "local", "Not pushed yet")
        note_id, other_id = note.id, other.id
    job = d365.queue([pushed])
    d365.drain(client, job.job_id, job.chunks)
    lead_id = d365.sync(pushed).d365_lead_id
    assert lead_id
    (lead,) = d365.dataverse.leads
    assert "Renewal" not in str(lead)  # the lead push carries no note

    result = note_push.push_note(d365.factory, client, note_id)
    assert result.status == note_push.SENT
    assert result.annotation_id == annotation_id(d365.dataverse.org_url, note_id)
    stored = d365.dataverse.annotations.rows[result.annotation_id]
    assert stored["notetext"] == "Renewal in May.\nCall the IT lead." and stored["_objectid_value"] == lead_id
    assert stored["subject"] == "Hunter note on lead-0000.com.tr by key:hk_ana"
    with d365.factory() as session:
        assert session.get(LeadNote, note_id).d365_annotation_id == result.annotation_id  # type: ignore[union-attr]

    with d365.factory.begin() as session:
        lead_notes.edit_note(session, pushed, note_id, "key:hk_ana", "Renewal moved to June.")
    d365.dataverse.fault("500", times=1, path="/annotations(")  # the client retries a 5xx
    again = note_push.push_note(d365.factory, client, note_id)
    assert again.status == note_push.SENT and again.annotation_id == result.annotation_id
    assert len(d365.dataverse.annotations.rows) == 1
    assert d365.dataverse.annotations.rows[result.annotation_id]["notetext"] == "Renewal moved to June."
    assert d365.dataverse.annotations.rows[result.annotation_id]["versionnumber"] == 2

    calls = len(d365.dataverse.calls)
    refused = note_push.push_note(d365.factory, client, other_id)
    assert refused.status == note_push.NOT_PUSHED and len(d365.dataverse.calls) == calls  # nothing sent
    assert note_push.push_note(d365.factory, client, 10_000).status == note_push.GONE


def test_a_failed_send_is_reported_and_leaves_the_note_unsent(d365: D365Env) -> None:
    (cid,) = d365.seed(1)
    client = d365.client()
    job = d365.queue([cid])
    d365.drain(client, job.job_id, job.chunks)
    with d365.factory.begin() as session:
        note_id = lead_notes.add_note(session, cid, "local", "x").id
    d365.dataverse.delete_lead(d365.sync(cid).d365_lead_id or "")  # deleted in D365 meanwhile: 404
    result = note_push.push_note(d365.factory, client, note_id)
    assert result.status == note_push.FAILED and "404" in result.message
    with d365.factory() as session:
        assert session.get(LeadNote, note_id).d365_pushed_at is None  # type: ignore[union-attr]
