"""``POST /api/leads/{domain}/notes/{id}/d365`` over HTTP with the fake Dataverse and Entra, on SQLite and
PostgreSQL: the note is sent only when asked (the send runs inline here, as a worker would), the lead must have
been pushed, and with D365 off nothing is queued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from leadhunter.api.app import create_app
from leadhunter.config import Settings
from leadhunter.services import note_push
from live_server import serve_app
from services.d365_env import (  # noqa: F401  (fixtures)
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)


@contextmanager
def serve(settings: Settings, d365: D365Env | None = None) -> Iterator[tuple[httpx.Client, list[int]]]:
    """A live API whose note sends run at once against the fake org (when ``d365`` is given); yields a client and
    the note ids dispatched."""
    sent: list[int] = []
    client = d365.client() if d365 is not None else None

    def dispatch(note_id: int) -> None:
        sent.append(note_id)
        if d365 is not None and client is not None:
            note_push.push_note(d365.factory, client, note_id)

    app = create_app(settings, dispatch=lambda job, chunk: None, broker_probe=lambda: "ok")
    app.state.note_dispatch = dispatch
    with serve_app(app, startup_timeout=10) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as http:
        yield http, sent


def test_a_note_is_sent_to_d365_only_when_asked(d365: D365Env) -> None:
    pushed, never = d365.seed(2)
    job = d365.queue([pushed])
    d365.drain(d365.client(), job.job_id, job.chunks)
    with serve(d365.settings(), d365) as (api, sent):
        note = api.post("/api/leads/lead-0000.com.tr/notes", json={"text": "Budget approved for Q3."}).json()
        assert d365.dataverse.annotations.rows == {}  # writing a note sends nothing
        answer = api.post(f"/api/leads/lead-0000.com.tr/notes/{note['id']}/d365")
        assert answer.status_code == 202, answer.text
        assert answer.json()["queued"] is True and sent == [note["id"]]
        (annotation,) = d365.dataverse.annotations.rows.values()
        assert annotation["notetext"] == "Budget approved for Q3."
        assert annotation["_objectid_value"] == d365.sync(pushed).d365_lead_id
        listed = api.get("/api/leads/lead-0000.com.tr/notes").json()["items"]
        assert listed[0]["d365_pushed_at"] is not None

        other = api.post("/api/leads/lead-0001.com.tr/notes", json={"text": "Not in D365"}).json()
        refused = api.post(f"/api/leads/lead-0001.com.tr/notes/{other['id']}/d365")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "d365_lead_not_pushed"
        assert api.post("/api/leads/lead-0001.com.tr/notes/99999/d365").status_code == 404
        assert sent == [note["id"]] and never


def test_with_d365_off_nothing_is_queued(d365: D365Env) -> None:
    (cid,) = d365.seed(1)
    with serve(d365.settings(d365_enabled=False)) as (api, sent):
        note = api.post("/api/leads/lead-0000.com.tr/notes", json={"text": "x"}).json()
        answer = api.post(f"/api/leads/lead-0000.com.tr/notes/{note['id']}/d365")
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "d365_disabled"
        assert sent == [] and cid
