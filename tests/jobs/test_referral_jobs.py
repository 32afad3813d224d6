"""The referral sync task in a real Celery worker process, against the fake Partner Center and fake Entra:
embedded (SQLite + SQLite broker) and distributed (PostgreSQL + Redis). Also: the beat entry exists only when
the feature is on, and with the feature off the task asks nobody."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from fakes.dns_server import FakeDnsServer
from fakes.partner_center_data import generate_referrals
from leadhunter.config import Settings
from leadhunter.db.models import ScanJob
from leadhunter.db.referral_models import PartnerCenterSyncRun
from leadhunter.jobs.schedule import beat_schedule
from leadhunter.services import referrals
from services.referral_env import PcEnv, db_url, incoming, pc_env  # noqa: F401

HUNTER = [sys.executable, "-m", "leadhunter.cli.main"]


def test_beat_schedules_the_sync_only_when_enabled(tmp_path: Path) -> None:
    off = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert "partner-center-sync" not in beat_schedule(off)
    dev = Settings(data_dir=tmp_path, partner_center_enabled=True, partner_center_sync_interval=30,
                   _env_file=None)  # type: ignore[call-arg]
    entry = beat_schedule(dev)["partner-center-sync"]
    assert (entry["task"], entry["schedule"], entry["kwargs"]) == ("hunter.sync_referrals", 30, {"trigger": "beat"})
    assert beat_schedule(Settings(data_dir=tmp_path, partner_center_enabled=True, _env_file=None))[  # type: ignore[call-arg]
        "partner-center-sync"]["schedule"] == 600


def test_flag_off_the_task_asks_nobody(pc_env: PcEnv, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    pc_env.pc.add_referrals(generate_referrals(5, seed=1))
    settings = pc_env.settings(partner_center_enabled=False)
    for key, value in _environment(pc_env, settings, broker="memory://").items():
        monkeypatch.setenv(key, value)
    tasks = importlib.import_module("leadhunter.jobs.referral_tasks")
    asked = (len(pc_env.entra.requests), len(pc_env.pc.requests))
    assert tasks.sync_referrals.run(None, "beat") == {"run_id": None, "status": "disabled"}
    assert (len(pc_env.entra.requests), len(pc_env.pc.requests)) == asked
    with pc_env.factory() as session:
        assert session.scalars(select(PartnerCenterSyncRun)).all() == []


def _environment(env: PcEnv, settings: Settings, *, broker: str, dns: str = "127.0.0.1:9") -> dict[str, str]:
    return {
        "HUNTER_DATA_DIR": str(settings.data_dir), "HUNTER_DATABASE_URL": env.url, "HUNTER_BROKER_URL": broker,
        "HUNTER_PARTNER_CENTER_ENABLED": str(settings.partner_center_enabled).lower(),
        "HUNTER_PARTNER_CENTER_BASE_URL": env.pc.base_url, "HUNTER_PARTNER_CENTER_AUTHORITY": env.entra.base_url,
        "HUNTER_PARTNER_CENTER_CLIENT_ID": settings.partner_center_client_id,
        "HUNTER_PARTNER_CENTER_TENANT": settings.partner_center_tenant,
        "HUNTER_PARTNER_CENTER_TOKEN_CACHE": str(env.cache_path), "HUNTER_PARTNER_CENTER_CA_FILE": env.pc.ca_file,
        "HUNTER_PARTNER_CENTER_RATE_PER_SECOND": "1000", "HUNTER_PARTNER_CENTER_PAGE_SIZE": "20",
        "HUNTER_TENANT_DISCOVERY": "false", "HUNTER_DNS_NAMESERVERS": dns, "HUNTER_DNS_TIMEOUT": "0.5",
        "HUNTER_DNS_RETRIES": "0",
    }


def _broker_for(env: PcEnv, settings: Settings) -> str:
    if env.url.startswith("sqlite"):
        return f"sqla+sqlite:///{(settings.data_dir / 'broker.db').resolve()}"
    try:
        import redis

        url = f"redis://127.0.0.1:6379/{int(uuid.uuid4().int % 15) + 1}"
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except Exception as exc:
        pytest.skip(f"Redis not reachable on loopback: {exc}")
    return url


def _wait_run(env: PcEnv, run_id: int, timeout: float = 120) -> PartnerCenterSyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with env.factory() as session:
            run = session.get(PartnerCenterSyncRun, run_id)
            if run is not None and run.active is None:
                return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


def test_worker_syncs_scores_and_survives_a_lost_sign_in(pc_env: PcEnv, dns: FakeDnsServer) -> None:  # noqa: F811
    pc_env.pc.add_referrals(generate_referrals(40, seed=31))
    settings = pc_env.settings()
    broker = _broker_for(pc_env, settings)
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")},
                   **_environment(pc_env, settings, broker=broker, dns=dns.address)}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    client_app = Celery("referral-test-client", broker=broker)  # sends by task name; the product app is not imported
    worker = subprocess.Popen([*HUNTER, "worker"], env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)

    def send(trigger: str = "manual") -> int:
        with pc_env.factory.begin() as session:
            run, _ = referrals.request_sync(session, trigger=trigger, requested_by="test")
            run_id = run.id
        client_app.send_task("hunter.sync_referrals", args=[run_id, trigger])
        return run_id

    try:
        first = _wait_run(pc_env, send())
        assert (first.status, first.seen_count) == ("ok", len(incoming(pc_env.pc)))
        assert first.scan_job_id is not None
        deadline = time.monotonic() + 120  # the worker also ran the scans the sync queued
        while time.monotonic() < deadline:
            with pc_env.factory() as session:
                job = session.get(ScanJob, first.scan_job_id)
                if job is not None and job.status == "done":
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("the referral scans did not run")

        pc_env.entra.expire_all_tokens()
        pc_env.entra.revoke_refresh_tokens()
        lost = _wait_run(pc_env, send())
        assert (lost.status, lost.error_code) == ("sign_in_required", "sign_in_required")
        asked = len(pc_env.pc.requests)
        for _ in range(2):  # the schedule's deliveries: recorded on that run, nobody asked, the worker lives on
            client_app.send_task("hunter.sync_referrals", kwargs={"trigger": "beat"})
        deadline = time.monotonic() + 60
        while _wait_run(pc_env, lost.id).heartbeat_at == lost.heartbeat_at and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _wait_run(pc_env, lost.id).heartbeat_at > lost.heartbeat_at  # the worker did take them
        assert worker.poll() is None
        with pc_env.factory() as session:
            runs = session.scalars(select(PartnerCenterSyncRun).order_by(PartnerCenterSyncRun.id)).all()
        assert [r.status for r in runs] == ["ok", "sign_in_required"]
        assert len(pc_env.pc.requests) == asked
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
