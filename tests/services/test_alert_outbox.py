"""The alert outbox over real loopback receivers, on SQLite and PostgreSQL: changes recorded by a scan queue one
delivery per (target, change), filtered by kind and lead filter; the signed webhook verifies; a 500 is retried
with backoff; digests group a day's changes; sweeps running at once or retried send nothing twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alert_env import LOOPBACK, add_target, deliveries, migrate_lead, new_box, scan
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from fakes.alert_receiver import AlertReceiver
from leadhunter.db.alert_models import AlertDelivery
from leadhunter.db.lead_filter_json import filter_to_json
from leadhunter.db.leads_repo import LeadFilter
from leadhunter.db.models import utcnow
from leadhunter.domain.alert_schedule import MAX_ATTEMPTS
from leadhunter.runtime import session_factory
from leadhunter.services.alert_delivery import STUCK_ERROR, deliver_due

SECRET = "whsec-test-1234567890"


def test_a_scan_queues_one_delivery_per_target_and_change_filtered_by_kind_and_lead_filter(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver() as receiver:
        every = add_target(factory, box, name="all alerts", kind="slack", secrets={"url": {"value": receiver.url()}})
        dmarc = add_target(factory, box, name="dmarc only", kind="slack", kinds=["dmarc_added"],
                           secrets={"url": {"value": receiver.url()}})
        p1 = add_target(factory, box, name="P1 only", kind="slack",
                        lead_filter=filter_to_json(LeadFilter(categories=("P1",))),
                        secrets={"url": {"value": receiver.url()}})
        add_target(factory, box, name="off", kind="slack", enabled=False, secrets={"url": {"value": receiver.url()}})
        migrate_lead(factory, "alpha.com.tr", category="P1")
        migrate_lead(factory, "beta.com.tr", category="P3")

    rows = deliveries(factory)
    by_target = {t: sorted(d.change_id for d in rows if d.target_id == t) for t in {d.target_id for d in rows}}
    assert len(by_target[every]) == 4  # provider_changed + dmarc_added, for both leads
    assert len(by_target[dmarc]) == 2  # dmarc_added of both leads
    assert len(by_target[p1]) == 2  # both changes of the P1 lead only
    assert set(by_target) == {every, dmarc, p1}  # the disabled target queues nothing
    assert {d.state for d in rows} == {"pending"}

    with factory() as session:  # one delivery per (target, change): the database refuses a second
        session.add(AlertDelivery(target_id=every, change_id=by_target[every][0], state="pending", attempts=0,
                                  due_at=utcnow()))
        with pytest.raises(IntegrityError):
            session.commit()


def test_signed_webhook_delivery_verifies_and_a_500_is_retried_with_backoff(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver(secret=SECRET) as receiver:
        target = add_target(factory, box, name="crm", kind="webhook", kinds=["provider_changed"],
                            secrets={"url": {"value": receiver.url()}, "signing_secret": {"value": SECRET}})
        migrate_lead(factory, "gamma.com.tr")
        receiver.fail_next = 1

        start = utcnow()
        first = deliver_due(factory, box, LOOPBACK, public_url="https://hunter.example.com", jitter=lambda: 0.0)
        assert (first.messages, first.sent, first.retrying) == (1, 0, 1)
        [row] = deliveries(factory, target)
        assert row.state == "pending" and row.attempts == 1
        assert row.last_error is not None and "HTTP 500" in row.last_error
        assert row.due_at >= start + timedelta(seconds=30)  # the first backoff step

        assert deliver_due(factory, box, LOOPBACK).messages == 0  # not due yet
        second = deliver_due(factory, box, LOOPBACK, public_url="https://hunter.example.com",
                             now=lambda: row.due_at + timedelta(seconds=1))
        assert (second.sent, second.retrying, second.failed) == (1, 0, 0)

    [row] = deliveries(factory, target)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert len(receiver.seen) == 2 and len(receiver.accepted) == 1
    post = receiver.accepted[0]
    assert post.signature_ok is True  # HMAC-SHA256 over "<timestamp>.<body>", as the README documents
    assert post.headers["x-hunter-delivery"] == f"{target}-{row.id}"
    [item] = post.json["changes"]
    assert post.json["event"] == "hunter.changes"
    assert (item["domain"], item["kind"], item["old"], item["new"]) == ("gamma.com.tr", "provider_changed",
                                                                        "Google", "M365")
    assert item["delivery_id"] == row.id
    assert item["url"] == "https://hunter.example.com/?lead=gamma.com.tr"


def test_a_wrong_signing_secret_is_refused_by_the_receiver_and_not_retried(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver(secret=SECRET) as receiver:
        target = add_target(factory, box, name="crm", kind="webhook", kinds=["dmarc_added"],
                            secrets={"url": {"value": receiver.url()}, "signing_secret": {"value": "not-it"}})
        migrate_lead(factory, "delta.com.tr")
        result = deliver_due(factory, box, LOOPBACK)
    assert (result.sent, result.failed) == (0, 1)
    assert receiver.seen[0].signature_ok is False
    [row] = deliveries(factory, target)
    assert row.state == "failed" and "HTTP 401" in (row.last_error or "")


def test_digest_waits_for_its_local_hour_then_sends_one_message_with_every_change(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver() as receiver:
        target = add_target(factory, box, name="morning", kind="teams", mode="digest", digest_hour=9,
                            timezone="Europe/Istanbul", language="tr", secrets={"url": {"value": receiver.url()}})
        before = utcnow()
        migrate_lead(factory, "epsilon.com.tr")
        migrate_lead(factory, "zeta.com.tr")
        rows = deliveries(factory, target)
        assert len(rows) == 4
        due = rows[0].due_at
        assert {r.due_at for r in rows} == {due}
        local = due.astimezone(ZoneInfo("Europe/Istanbul"))
        assert (local.hour, local.minute) == (9, 0) and before < due <= before + timedelta(days=1)

        assert deliver_due(factory, box, LOOPBACK, now=lambda: due - timedelta(seconds=1)).messages == 0
        result = deliver_due(factory, box, LOOPBACK, now=lambda: due)
        assert (result.messages, result.sent) == (1, 4)
        assert deliver_due(factory, box, LOOPBACK, now=lambda: due + timedelta(days=1)).messages == 0

    [post] = receiver.accepted
    attachment = post.json["attachments"][0]
    assert post.json["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    containers = [block for block in card["body"] if block["type"] == "Container"]
    assert len(containers) == 4
    assert card["body"][0]["text"] == "Hunter: 4 değişiklik"  # Turkish
    headings = {c["items"][0]["text"] for c in containers}
    assert "Epsilon — E\\-posta sağlayıcısı değişti" in headings  # Markdown-escaped


def test_sweeps_at_once_and_a_retried_sweep_send_each_change_once(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver() as receiver:
        target = add_target(factory, box, name="all", kind="slack", secrets={"url": {"value": receiver.url()}})
        for name in ("eta", "theta", "iota"):
            migrate_lead(factory, f"{name}.com.tr")
        receiver.stall = 0.2  # sends overlap with the other sweeps' claims
        barrier = threading.Barrier(3)

        def sweep() -> None:
            barrier.wait()
            deliver_due(factory, box, LOOPBACK)

        threads = [threading.Thread(target=sweep) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        deliver_due(factory, box, LOOPBACK)  # a task retried after it finished: nothing left to send

    rows = deliveries(factory, target)
    assert len(rows) == 6 and {r.state for r in rows} == {"sent"}
    assert len(receiver.seen) == 6 == len(receiver.accepted)
    texts = sorted(post.json["text"] for post in receiver.accepted)
    assert len(set(texts)) == 6  # six different changes, none twice


def test_a_change_of_a_lead_outside_every_filter_queues_nothing(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    add_target(factory, box, name="big only", kind="slack", lead_filter=filter_to_json(LeadFilter(score_min=90)),
               secrets={"url": {"value": "https://hooks.slack.invalid/services/T/B/x"}})
    scan(factory, "kappa.com.tr", provider="Google", category="P1", dmarc=None, score=50)
    scan(factory, "kappa.com.tr", provider="M365", category="P1", dmarc=None, score=95)  # the new score counts
    scan(factory, "lambda.com.tr", provider="Google", category="P1", dmarc=None, score=50)
    scan(factory, "lambda.com.tr", provider="M365", category="P1", dmarc=None, score=60)
    rows = deliveries(factory)
    assert len(rows) == 1


def test_digest_time_follows_the_zone_across_daylight_saving() -> None:
    from leadhunter.domain.alert_schedule import next_digest_at

    before_dst = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Berlin moves to summer time on 29 March
    first = next_digest_at(before_dst, 8, "Europe/Berlin")
    second = next_digest_at(first, 8, "Europe/Berlin")
    assert first == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert second == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert next_digest_at(datetime(2026, 1, 5, 6, 59, tzinfo=UTC), 8, "Europe/Berlin") == datetime(
        2026, 1, 5, 7, 0, tzinfo=UTC)


def test_a_delivery_whose_workers_keep_dying_is_given_up_not_claimed_forever(db_url: str) -> None:
    factory = session_factory(db_url)
    box = new_box()
    with AlertReceiver() as receiver:
        target = add_target(factory, box, name="all", kind="slack", kinds=["dmarc_added"],
                            secrets={"url": {"value": receiver.url()}})
        migrate_lead(factory, "chi.com.tr")
        with factory.begin() as session:  # as left by the last of MAX_ATTEMPTS workers killed mid-send
            session.execute(update(AlertDelivery).values(state="sending", attempts=MAX_ATTEMPTS, lease_token="dead",
                                                         lease_until=utcnow() - timedelta(seconds=1)))
        result = deliver_due(factory, box, LOOPBACK)
    assert (result.messages, result.failed) == (0, 1)
    assert receiver.seen == []
    [row] = deliveries(factory, target)
    assert row.state == "failed" and row.last_error == STUCK_ERROR and row.attempts == MAX_ATTEMPTS + 1
