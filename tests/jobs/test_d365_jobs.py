"""D365 pushes through a real Celery worker process, in both runtime shapes, against the fake Dataverse over
HTTPS with 10 % transient failures injected.

Embedded: SQLite database + kombu's SQLAlchemy transport on SQLite. Distributed: PostgreSQL + Redis on
loopback. A bulk job is stored while no worker runs (the worker picks it up when it starts: nothing queued
is lost); the worker is killed with SIGKILL in the middle of the push and started again: the leads it held
are taken over once their lease expires, nothing stays ``in_progress`` and the fake holds exactly one lead
per domain. Then two leads go through the single-lead task: one is updated, one refused (400) and reported to a
fake Sentry ingest (a real DSN) with the breadcrumbs of the lead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fakes.sentry_ingest import SentryIngest
from leadhunter.config import Settings
from leadhunter.db.d365_models import D365BulkJob, D365LeadSync, D365PushAudit
from leadhunter.db.migrate import upgrade
from leadhunter.services.d365_status import job_progress
from pg_scratch import migrated_pg_database
from services.d365_env import CLIENT_ID, FAST, SECRET, TENANT_ID, D365Env, d365_fixture  # noqa: F401  (fixture)

HUNTER = [sys.executable, "-m", "leadhunter.cli.main"]
LEADS = 300
FINAL = ("created", "updated", "will_retry", "error")
T = TypeVar("T")


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["embedded", "distributed"])
def shape(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Database and broker of one runtime shape (fresh ones each time)."""
    data = tmp_path / "data"
    if request.param == "embedded":
        url = f"sqlite:///{data / 'hunter.db'}"
        upgrade(url)
        yield {"HUNTER_DATA_DIR": str(data), "HUNTER_DATABASE_URL": url}
        return
    if not _redis_available():
        pytest.skip("Redis not reachable on loopback")
    import redis

    broker = f"redis://127.0.0.1:6379/{int(uuid.uuid4().int % 15) + 1}"
    redis.Redis.from_url(broker).flushdb()
    with migrated_pg_database("hunter_d365_jobs") as url:  # skips the test when PostgreSQL is unreachable
        yield {"HUNTER_DATA_DIR": str(data), "HUNTER_DATABASE_URL": url, "HUNTER_BROKER_URL": broker}


@pytest.fixture
def db_url(shape: dict[str, str]) -> str:
    """The shape's database (the D365 environment seeds and reads it)."""
    return shape["HUNTER_DATABASE_URL"]


def _env(d365: D365Env, shape: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env.update(shape, HUNTER_D365_ENABLED="true", HUNTER_D365_ORG_URL=d365.dataverse.org_url,
               HUNTER_D365_AUTHORITY=d365.entra.base_url, HUNTER_D365_TENANT_ID=TENANT_ID,
               HUNTER_D365_CLIENT_ID=CLIENT_ID, HUNTER_D365_CLIENT_SECRET=SECRET,
               HUNTER_D365_CA_FILE=d365.certificate[0], HUNTER_D365_JOB_CHUNK="50", HUNTER_D365_BATCH_SIZE="25",
               HUNTER_D365_LEASE_SECONDS="2", HUNTER_D365_RETRY_BACKOFF="0.3", HUNTER_TENANT_DISCOVERY="false")
    return env


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*HUNTER, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _counts(session: Session) -> dict[str, int]:
    return {s: int(n) for s, n in session.execute(select(D365LeadSync.status, func.count())
                                                  .group_by(D365LeadSync.status))}


def _wait(d365: D365Env, done: object, timeout: float = 120) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with d365.factory() as session:
            counts = _counts(session)
        if callable(done) and done(counts):
            return counts
        time.sleep(0.1)
    raise AssertionError(f"push did not get there: {counts}")


def _when(check: Callable[[], T | None], timeout: float = 120) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_bulk_push_survives_a_killed_worker(d365: D365Env, shape: dict[str, str]) -> None:
    ids = d365.seed(LEADS)
    d365.dataverse.transient_rate = 0.10
    d365.dataverse.latency = 0.4  # a chunk takes a while: the kill lands while leads are in progress
    job = d365.queue(ids, options=replace(FAST, chunk_size=50))  # stored before any worker runs: resumed at start
    with SentryIngest() as sentry:
        env = {**_env(d365, shape), "HUNTER_SENTRY_DSN": sentry.dsn}
        worker = _worker(env)
        try:
            seen = _wait(d365, lambda c: c.get("synced", 0) > 0 and c.get("in_progress", 0) > 0)
        finally:
            _stop(worker, signal.SIGKILL)
        assert seen.get("synced", 0) < LEADS
        d365.dataverse.latency = 0.0
        worker = _worker(env)
        try:
            final = _wait(d365, lambda c: c.get("queued", 0) + c.get("in_progress", 0) == 0)
            assert final.get("synced", 0) >= 0.99 * LEADS, final
            assert set(d365.leads_per_domain().values()) == {1}  # exactly one D365 lead per domain
            with d365.factory() as session:
                # The killed worker's leads: an attempt that never recorded an outcome, then taken over.
                finals = dict(session.execute(select(D365PushAudit.company_id, func.count()).where(
                    D365PushAudit.outcome.in_(FINAL), D365PushAudit.job_id == job.job_id)
                    .group_by(D365PushAudit.company_id)).all())
                attempts = dict(session.execute(select(D365LeadSync.company_id, D365LeadSync.attempts)).all())
            assert any(attempts[cid] > finals.get(cid, 0) for cid in ids)
            _single_lead_task(d365, shape, ids, sentry)
        finally:
            _stop(worker)
    assert set(d365.leads_per_domain().values()) == {1}
    assert [c for c in d365.dataverse.calls if c.status == 503 and not c.in_batch]  # failures were injected


def _single_lead_task(d365: D365Env, shape: dict[str, str], ids: list[int], sentry: SentryIngest) -> None:
    """Two leads through ``hunter.push_lead_to_d365`` (what a retry or a one-lead push sends): one is updated,
    one refused by D365 (400), which the worker reports to Sentry with the breadcrumbs of the lead."""
    before = d365.dataverse.leads_for("lead-0007.com.tr")
    d365.dataverse.fail_writes("lead-0008.com.tr", 400)
    requests = [d365.queue([ids[n]], kind="retry") for n in (7, 8)]
    broker = Settings(data_dir=Path(shape["HUNTER_DATA_DIR"]), broker_url=shape.get("HUNTER_BROKER_URL"),
                      _env_file=None).broker()  # type: ignore[call-arg]
    celery = Celery("test", broker=broker)
    try:
        for request in requests:
            celery.send_task("hunter.push_lead_to_d365", args=[request.company_ids[0], request.job_id])
    finally:
        celery.close()

    def done() -> bool | None:
        with d365.factory() as session:
            return all(session.get(D365BulkJob, r.job_id).status == "done" for r in requests) or None  # type: ignore[union-attr]

    _when(done)
    updated = [a for a in d365.audit(ids[7]) if a.job_id == requests[0].job_id and a.outcome in FINAL]
    assert [(a.outcome, a.method) for a in updated] == [("updated", "PATCH")]  # its own upsert, not a $batch
    assert d365.dataverse.leads_for("lead-0007.com.tr")[0]["leadid"] == before[0]["leadid"]
    refused = d365.sync(ids[8])
    assert (refused.status, refused.error_category, refused.attempts) == ("error", "validation", 1)

    def event() -> dict[str, Any] | None:
        return next((e for e in list(sentry.events) if "D365 push: 1 lead(s) failed (validation)"
                     in str(e.get("message") or e.get("logentry"))), None)

    crumbs = [c for c in _when(event, timeout=60)["breadcrumbs"]["values"] if c.get("category") == "d365"]
    assert {"domain": "lead-0008.com.tr", "status": "error"}.items() <= crumbs[-1]["data"].items()
    assert crumbs[-1]["level"] == "error" and crumbs[-1]["data"]["error_category"] == "validation"


def test_job_reports_when_a_worker_started_it(d365: D365Env, shape: dict[str, str]) -> None:
    """A bulk job's ``started_at`` is when a worker took up its leads (before the first HTTP exchange), not when
    its last outcome was stored: a one-chunk job used to report ``started_at == finished_at``."""
    ids = d365.seed(30)
    d365.dataverse.latency = 0.3  # every exchange takes a while, so start and finish cannot coincide
    job = d365.queue(ids, options=replace(FAST, chunk_size=50))  # one chunk, stored before any worker runs
    with d365.factory() as session:
        queued = session.get(D365BulkJob, job.job_id)
        assert queued is not None and queued.started_at is None and queued.status == "queued"
    worker = _worker(_env(d365, shape))
    try:
        def finished() -> D365BulkJob | None:
            with d365.factory() as session:
                found = session.get(D365BulkJob, job.job_id)
                return found if found is not None and found.status == "done" else None

        done = _when(finished)
    finally:
        _stop(worker)
    exchanges = [a.attempted_at for a in d365.audit() if a.job_id == job.job_id]
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at < done.started_at <= min(exchanges)  # started before its first request went out
    assert done.started_at < done.finished_at and max(exchanges) <= done.finished_at
    with d365.factory() as session:
        shown = job_progress(session, job.job_id)  # what GET /api/d365/jobs/{id} answers
    assert shown["started_at"] == done.started_at.isoformat() != shown["finished_at"]
    assert (shown["synced"], shown["pending"]) == (30, 0)
