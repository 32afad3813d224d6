"""The alert-target API over HTTP, on SQLite and PostgreSQL: create, show, change, test and delete targets with
their secrets never shown back (nor stored in clear); the outbox with its states and errors; private URLs
refused unless HUNTER_ALLOW_PRIVATE_TARGETS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import LiveApi, settings_for, start_api
from sqlalchemy import create_engine, text

from fakes.alert_receiver import AlertReceiver
from leadhunter.jobs.alert_runtime import secret_box, send_options
from leadhunter.runtime import session_factory
from leadhunter.services.alert_delivery import deliver_due
from services.alert_env import migrate_lead

SIGNING = "whsec-Zq81-never-shown"


@pytest.fixture
def open_api(tmp_path: Path, database_url: str) -> Iterator[LiveApi]:
    """A live API with HUNTER_ALLOW_PRIVATE_TARGETS on, so targets may point at loopback receivers."""
    yield from start_api(settings_for(tmp_path / "data", database_url, allow_private_targets=True), [])


def _webhook(url: str, **extra: object) -> dict[str, object]:
    return {"name": "CRM hook", "kind": "webhook", "kinds": ["provider_changed"],
            "filter": {"category": ["P1", "P2"], "score_min": 50}, "mode": "immediate",
            "secrets": {"url": {"value": url}, "signing_secret": {"value": SIGNING}}, **extra}


def test_targets_keep_their_secrets_to_themselves_and_the_test_button_posts_a_signed_message(
        open_api: LiveApi) -> None:
    client = open_api.client
    with AlertReceiver(secret=SIGNING) as receiver:
        hook_url = receiver.url("/hooks/private-token-81f2")
        created = client.post("/api/alert-targets", json=_webhook(hook_url))
        assert created.status_code == 201, created.text
        target = created.json()
        assert target["filter"] == {"category": ["P1", "P2"], "score_min": 50}
        assert target["secrets"]["url"] == {"source": "encrypted", "hint": "http://127.0.0.1/…"}
        assert target["secrets"]["signing_secret"] == {"source": "encrypted"}
        listed = client.get("/api/alert-targets")
        one = client.get(f"/api/alert-targets/{target['id']}")
        for answer in (created, listed, one):
            assert SIGNING not in answer.text and "private-token" not in answer.text
        assert "provider_changed" in listed.json()["change_kinds"]

        with create_engine(open_api.settings.database()).connect() as conn:  # stored encrypted, not in clear
            stored = str(conn.execute(text("SELECT secrets FROM alert_targets")).scalar_one())
        assert SIGNING not in stored and "private-token" not in stored and "enc" in stored

        # Changing the settings without secrets keeps them: the test message still arrives, signed.
        changed = client.put(f"/api/alert-targets/{target['id']}",
                             json={**_webhook(hook_url), "secrets": {}, "language": "tr", "name": "CRM"})
        assert changed.status_code == 200 and changed.json()["language"] == "tr"
        tested = client.post(f"/api/alert-targets/{target['id']}/test")
        assert tested.status_code == 200, tested.text
    [post] = receiver.accepted
    assert post.signature_ok is True and post.path == "/hooks/private-token-81f2"
    assert post.json["event"] == "hunter.test" and post.json["target"] == {"id": target["id"], "name": "CRM"}

    assert client.delete(f"/api/alert-targets/{target['id']}").status_code == 204
    assert client.get(f"/api/alert-targets/{target['id']}").json()["error"]["code"] == "alert_target_not_found"


def test_a_failing_test_send_says_why_without_the_url(open_api: LiveApi) -> None:
    with AlertReceiver(status=404) as receiver:
        target = open_api.client.post("/api/alert-targets", json={
            "name": "Teams", "kind": "teams", "secrets": {"url": {"value": receiver.url("/workflows/sig-abc")}}}).json()
        answer = open_api.client.post(f"/api/alert-targets/{target['id']}/test")
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == "alert_test_failed" and "HTTP 404" in error["message"]
    assert "sig-abc" not in answer.text
    card = receiver.seen[0].json["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == "Hunter: test message"


def test_the_outbox_shows_states_errors_and_a_failed_delivery_can_be_sent_again(open_api: LiveApi) -> None:
    client, settings = open_api.client, open_api.settings
    factory = session_factory(settings.database())
    with AlertReceiver() as receiver:
        target = client.post("/api/alert-targets", json={
            "name": "Slack", "kind": "slack", "kinds": ["dmarc_added"],
            "secrets": {"url": {"value": receiver.url()}}}).json()
        migrate_lead(factory, "nu.com.tr")
        receiver.fail_next, receiver.fail_status = 1, 403
        deliver_due(factory, secret_box(settings), send_options(settings))
        [row] = client.get("/api/alert-targets/deliveries", params={"target_id": target["id"]}).json()["items"]
        assert (row["domain"], row["kind"], row["state"], row["attempts"]) == ("nu.com.tr", "dmarc_added", "failed", 1)
        assert "HTTP 403" in row["last_error"]
        assert client.get(f"/api/alert-targets/{target['id']}").json()["deliveries"] == {"failed": 1}

        assert client.post(f"/api/alert-targets/deliveries/{row['id']}/retry").status_code == 200
        assert client.post(f"/api/alert-targets/deliveries/{row['id']}/retry").status_code == 409  # not failed now
        assert deliver_due(factory, secret_box(settings), send_options(settings)).sent == 1
    [row] = client.get("/api/alert-targets/deliveries", params={"state": "sent"}).json()["items"]
    assert row["sent_at"] is not None and row["last_error"] is None
    assert len(receiver.accepted) == 1


def test_private_urls_are_refused_without_the_setting(api: LiveApi) -> None:
    with AlertReceiver() as receiver:
        answer = api.client.post("/api/alert-targets", json=_webhook(receiver.url()))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["details"][0]["field"] == "secrets.url"
    assert "HUNTER_ALLOW_PRIVATE_TARGETS" in error["message"]
    assert receiver.seen == []
    assert api.client.get("/api/alert-targets").json()["items"] == []


@pytest.mark.parametrize(("change", "field"), [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"secrets": {"url": {"env": "HUNTER_DATABASE_URL"}, "signing_secret": {"value": "x"}}}, "secrets"),
    ({"secrets": {"url": {"value": "ftp://example.com/x"}, "signing_secret": {"value": "x"}}}, "secrets.url"),
    ({"secrets": {"url": {"value": "https://example.com/x"}}}, "secrets"),
    ({"filter": {"play": ["no-such-play"]}}, "play"),
    ({"digest_hour": 24}, "digest_hour"),
])
def test_bad_targets_are_refused_naming_the_field(open_api: LiveApi, change: dict[str, object], field: str) -> None:
    answer = open_api.client.post("/api/alert-targets", json=_webhook("https://example.com/hook", **change))
    assert answer.status_code == 422, answer.text
    assert field in json.dumps(answer.json()["error"])
