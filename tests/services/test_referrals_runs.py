"""Sync runs: sign-in required without a crash loop, runs that never overlap, a dead worker's run taken over,
and 100 syncs with 10 % of requests failing transiently (every referral arrives exactly once)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

from referral_env import PcEnv, incoming, sign_in
from sqlalchemy import select, text, update

from fakes.partner_center_data import generate_referrals
from leadhunter.db import referral_runs_repo as runs
from leadhunter.db.models import utcnow
from leadhunter.db.referral_models import PartnerCenterSyncRun
from leadhunter.services import referrals
from leadhunter.services.referral_ingest import payload_hash
from leadhunter.services.referral_links import sync_status


def _run(env: PcEnv, run_id: int | None) -> PartnerCenterSyncRun:
    with env.factory() as session:
        run = session.get(PartnerCenterSyncRun, run_id)
        assert run is not None
        return run


def test_revoked_refresh_token_means_sign_in_required_and_the_schedule_stops_asking(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals(generate_referrals(10, seed=3))
    assert pc_env.sync().status == "ok"
    pc_env.entra.expire_all_tokens()
    pc_env.entra.revoke_refresh_tokens()
    failed = pc_env.sync()  # no exception: the state is recorded
    assert (failed.status, failed.executed) == ("sign_in_required", True)
    run = _run(pc_env, failed.run_id)
    assert (run.status, run.active, run.error_code) == ("sign_in_required", None, "sign_in_required")
    assert run.last_error is not None and "hunter partner-center login" in run.last_error
    with pc_env.factory() as session:
        state = sync_status(session, enabled=True)
    assert (state["outcome"], state["running"]) == ("sign-in required", False)
    assert "hunter partner-center login" in state["last_error"]

    # The schedule keeps recording the state on that run and asks neither Entra nor Partner Center again.
    asked = (len(pc_env.entra.requests), len(pc_env.pc.requests))
    for _ in range(3):
        again = pc_env.sync()
        assert (again.status, again.executed, again.run_id) == ("sign_in_required", False, failed.run_id)
    assert (len(pc_env.entra.requests), len(pc_env.pc.requests)) == asked
    assert _run(pc_env, failed.run_id).heartbeat_at > run.heartbeat_at  # "still waiting, checked at"

    # A person pressing "sync" does ask once more, and gets the same clear state.
    with pc_env.factory.begin() as session:
        manual, created = referrals.request_sync(session, trigger="manual", requested_by="local")
        assert created
    assert pc_env.sync(run_id=manual.id).status == "sign_in_required"

    # Signing in again (the cache changes) lets the schedule sync again.
    sign_in(pc_env.entra, pc_env.cache_path)
    pc_env.pc.update_referral(pc_env.pc.referral_ids[0], status="Closed", substatus="Won")
    back = pc_env.sync()
    assert (back.status, back.executed) == ("ok", True)


def test_runs_never_overlap_and_a_dead_workers_run_is_taken_over(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals(generate_referrals(15, seed=4))
    with pc_env.factory.begin() as session:
        run, created = referrals.request_sync(session, trigger="manual", requested_by="a")
    with pc_env.factory.begin() as session:
        same, again = referrals.request_sync(session, trigger="manual", requested_by="b")
    assert created and not again and same.id == run.id  # a second request gets the queued run
    now = utcnow()
    with pc_env.factory.begin() as session:
        assert runs.claim(session, run.id, owner="worker-1", now=now, stale_before=now - timedelta(minutes=2))
    with pc_env.factory.begin() as session:
        assert not runs.claim(session, run.id, owner="worker-2", now=now, stale_before=now - timedelta(minutes=2))
    with pc_env.factory.begin() as session:
        running, created = referrals.request_sync(session, trigger="manual", requested_by="c")
        assert (running.id, running.status, created) == (run.id, "running", False)
    before = len(pc_env.pc.requests)
    assert pc_env.sync(run_id=run.id).status == "busy"  # a twin delivery of the task
    assert pc_env.sync().status == "busy"  # the schedule while it runs
    assert len(pc_env.pc.requests) == before  # neither asked Partner Center

    # worker-1 died: once its heartbeat is older than the lease, the run is taken over and finished.
    with pc_env.factory.begin() as session:
        session.execute(update(PartnerCenterSyncRun).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    taken = pc_env.sync(run_id=run.id)
    assert (taken.status, taken.executed, taken.counts.seen) == ("ok", True, len(incoming(pc_env.pc)))
    with pc_env.factory.begin() as session:  # worker-1 wakes up: its lease is gone, it cannot write
        assert runs.holds(session, run.id, "worker-1") is None


def test_a_stale_running_run_does_not_block_a_new_request(pc_env: PcEnv) -> None:
    with pc_env.factory.begin() as session:
        run, _ = referrals.request_sync(session, trigger="manual", requested_by="a")
        now = utcnow()
        assert runs.claim(session, run.id, owner="gone", now=now - timedelta(hours=1),
                          stale_before=now - timedelta(hours=2))
    with pc_env.factory.begin() as session:
        fresh, created = referrals.request_sync(session, trigger="manual", requested_by="b")
    assert created and fresh.id != run.id
    dead = _run(pc_env, run.id)
    assert (dead.status, dead.error_code, dead.active) == ("failed", "worker_lost", None)


def test_two_schedulers_at_once_run_one_sync(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals(generate_referrals(30, seed=8))
    pc_env.pc.page_delay = 0.3  # slow pages: the two runs certainly meet
    results: list[str] = []
    barrier = threading.Barrier(2)

    def go() -> None:
        barrier.wait()
        results.append(pc_env.sync().status)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["busy", "ok"]
    with pc_env.factory() as session:
        assert len(list(session.scalars(select(PartnerCenterSyncRun)))) == 1


def test_ten_percent_transient_failures_lose_nothing_and_duplicate_nothing(pc_env: PcEnv) -> None:
    pc = pc_env.pc
    pc.add_referrals(generate_referrals(60, seed=5))
    pc.transient_failures(0.10, seed=7)
    arriving = [r for r in generate_referrals(300, seed=6) if r["direction"] == "Incoming"]
    rng = random.Random(9)
    outcomes = []
    for i in range(100):
        # Between runs: two new referrals arrive and two known ones change (Partner Center stamps them now).
        for item in arriving[2 * i : 2 * i + 2]:
            pc.add_referrals([item])
            pc.update_referral(item["id"])
        for referral_id in rng.sample(sorted(incoming(pc)), 2):
            pc.update_referral(referral_id, deal_value=float(rng.randint(1, 10**6)))
        outcomes.append(pc_env.sync())
    ok = sum(o.status == "ok" for o in outcomes)
    print(f"\n100 syncs with 10 % transient failures: {ok} OK, {pc.injected_failures} injected failures, "
          f"{len(pc_env.sleeps.calls)} waits")
    assert ok >= 99
    assert pc.injected_failures >= 20  # the faults really happened
    while outcomes[-1].status != "ok" and len(outcomes) < 103:  # a failed last run is caught up by the next
        outcomes.append(pc_env.sync())

    wanted = incoming(pc)
    stored = pc_env.stored()
    assert set(stored) == set(wanted)  # no loss, no strays
    assert all(stored[i].raw == wanted[i] for i in wanted)  # the latest version of each
    raw = pc_env.raw_leads()
    versions = Counter((r.payload["id"], payload_hash(r.payload)) for r in raw)
    assert max(versions.values()) == 1  # no version recorded twice
    assert {referral_id for referral_id, _ in versions} == set(wanted)


def test_a_database_failure_is_recorded_on_the_run_without_personal_data(pc_env: PcEnv) -> None:
    item = generate_referrals(1, seed=12)[0]
    item.update(direction="Incoming")
    item["customerProfile"]["team"] = [{"firstName": "Kari", "lastName": "Nordmann", "phoneNumber": "+4791234567",
                                        "email": "kari.nordmann@dbfail-firma.com.tr"}]
    pc_env.pc.add_referrals([item])
    with pc_env.factory.begin() as session:  # the raw lead insert will fail mid-batch
        session.execute(text("ALTER TABLE raw_leads RENAME TO raw_leads_away"))
    try:
        failed = pc_env.sync()
    finally:
        with pc_env.factory.begin() as session:
            session.execute(text("ALTER TABLE raw_leads_away RENAME TO raw_leads"))
    assert (failed.status, failed.executed) == ("failed", True)
    run = _run(pc_env, failed.run_id)
    assert (run.status, run.error_code, run.active) == ("failed", "internal_error", None)
    assert run.last_error is not None and "raw_leads" in run.last_error
    for secret in ("[SQL:", "kari.nordmann@", "4791234567", "Nordmann"):
        assert secret not in run.last_error
    assert pc_env.stored() == {}  # the batch rolled back as a whole
    assert pc_env.sync().status == "ok" and set(pc_env.stored()) == {item["id"]}  # and the next run recovers
