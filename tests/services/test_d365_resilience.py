"""The D365 push under trouble, against the fake Dataverse over HTTPS on SQLite and PostgreSQL: 10 % injected
transient failures over 1,000 leads, a worker that dies mid-push (its lease expires and the lead is taken
over: no duplicate, nothing stuck in progress), a live lease that is respected, and twin deliveries racing."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from fakes.dataverse_server import DataverseServer
from leadhunter.db import d365_repo
from leadhunter.db.models import utcnow
from leadhunter.integrations.common.http_policy import RetryPolicy
from leadhunter.integrations.d365 import LeadSnapshot
from leadhunter.services import d365_push
from leadhunter.services.d365_snapshots import build_snapshots
from services.d365_env import (  # noqa: F401  (fixtures)
    FAST,
    D365Env,
    d365_fixture,
    db_url_fixture,
    pg_module_url_fixture,
    sqlite_template_fixture,
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL: tests/jobs and the benchmark
def test_ten_percent_transient_failures_over_1000_leads(d365: D365Env) -> None:
    ids = d365.seed(1000)
    # 10 % of the requests (batches and look-ups alike) answer 503; the client retries a request once.
    d365.dataverse.transient_rate = 0.10
    # And one lead in each of ten change sets fails 3 times in a row inside its batch: the adapter gives up on
    # it after 3 tries, so the service's own next attempt is needed.
    for i in range(5, 1000, 100):
        d365.dataverse.fail_writes(f"lead-{i:04d}.com.tr", 503, times=3)
    client = d365.client(retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02), changeset_size=20)
    request = d365.queue(ids)
    d365.drain(client, request.job_id, request.chunks)  # no manual action: backoffs and attempts only
    statuses = d365.statuses()
    assert statuses.get("synced", 0) >= 990, statuses
    assert set(statuses) <= {"synced", "error"}  # nothing left queued or in progress
    per_domain = d365.leads_per_domain()
    assert set(per_domain.values()) == {1} and len(per_domain) == statuses["synced"] + _errors_created(d365)
    outcomes = Counter(a.outcome for a in d365.audit())
    assert outcomes["retried"] >= 1 and outcomes["will_retry"] >= 10, outcomes  # both retry levels happened
    assert len([c for c in d365.dataverse.calls if c.status == 503 and not c.in_batch]) >= 2
    assert outcomes["created"] == statuses["synced"]


def _errors_created(d365: D365Env) -> int:
    """Leads that ended in error although D365 stored them (a lost answer): at most one lead each all the same."""
    stored = set(d365.leads_per_domain())
    with d365.factory() as session:
        rows = d365_repo.recent_failures(session, limit=1000)
    return sum(1 for _, domain in rows if domain in stored)


@pytest.fixture
def nokey_org(d365: D365Env) -> Iterator[DataverseServer]:
    """A second org, without the alternate key (the fallback upsert: look-ups and deterministic lead ids)."""
    with DataverseServer(d365.entra, certificate=d365.certificate, alternate_key=False) as server:
        yield server


@pytest.mark.parametrize("org", ["alternate_key", "no_key"])
def test_a_dead_workers_leads_are_taken_over_without_duplicates(d365: D365Env, org: str,
                                                                request: pytest.FixtureRequest) -> None:
    server = d365.dataverse if org == "alternate_key" else request.getfixturevalue("nokey_org")
    ids = d365.seed(60)
    client = d365.client(server)
    job = d365.queue(ids)
    # A worker claims the leads and its writes reach D365, then it dies before storing anything.
    started = utcnow()
    with d365.factory.begin() as session:
        dead = d365_repo.claim(session, ids, token="dead-worker", now=started, expires=started + timedelta(seconds=30))
    assert len(dead) == 60
    with d365.factory() as session:
        snapshots = [s for s in build_snapshots(session, ids).values() if isinstance(s, LeadSnapshot)]
    assert all(o.ok and o.created for o in client.push_many(snapshots[:40]))

    # The redelivered task, before the lease expires: the leads belong to a live-looking worker.
    early = d365_push.push_chunk(d365.factory, client, job.job_id, 0, options=FAST)
    assert (early.claimed, early.pending) == (0, 60) and early.retry_in is not None and early.retry_in > 20
    # After it expires: taken over, pushed again (40 updates, 20 creates), one lead per domain.
    later = d365_push.push_chunk(d365.factory, client, job.job_id, 0, options=FAST,
                                 clock=lambda: utcnow() + timedelta(seconds=31))
    assert (later.claimed, later.synced, later.pending) == (60, 60, 0)
    assert d365.statuses() == {"synced": 60}
    assert len(d365.leads_per_domain(server)) == 60 and set(d365.leads_per_domain(server).values()) == {1}
    outcomes = [a.outcome for a in d365.audit() if a.outcome in ("created", "updated")]
    assert sorted(outcomes) == ["created"] * 20 + ["updated"] * 40
    assert {d365.sync(i).attempts for i in ids} == {2}


def test_twin_deliveries_racing_push_each_lead_once(d365: D365Env) -> None:
    ids = d365.seed(200)
    d365.dataverse.latency = 0.01  # keep both runs in flight together
    client = d365.client()
    request = d365.queue(ids)
    results: list[d365_push.RunResult] = []
    runs = [threading.Thread(target=lambda: results.append(
        d365_push.push_chunk(d365.factory, client, request.job_id, 0, options=FAST))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sum(r.claimed for r in results) == 200  # every lead claimed by exactly one of the two
    assert d365.statuses() == {"synced": 200}
    assert set(d365.leads_per_domain().values()) == {1} and len(d365.leads_per_domain()) == 200
    assert len([a for a in d365.audit() if a.outcome == "created"]) == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_lead_whose_workers_keep_dying_ends_in_error(d365: D365Env) -> None:
    (cid,) = d365.seed(1)
    job = d365.queue([cid])
    now = utcnow()
    for n in range(3):  # three workers claim it in turn and die, each lease running out
        with d365.factory.begin() as session:
            assert d365_repo.claim(session, [cid], token=f"dead-{n}", now=now + timedelta(seconds=40 * n),
                                   expires=now + timedelta(seconds=40 * n + 30))
    result = d365_push.push_chunk(d365.factory, d365.client(), job.job_id, 0, options=FAST,
                                  clock=lambda: now + timedelta(seconds=200))
    assert (result.claimed, result.failed, result.pending) == (1, 1, 0)
    row = d365.sync(cid)
    assert (row.status, row.attempts, row.error_category) == ("error", 4, "unavailable")
    assert row.last_error == "gave up after 3 attempts: the worker pushing it stopped"
    assert d365.dataverse.writes() == [] and row.lease_token is None
