"""The alert-delivery task: in the beat schedule every 30 s, and run with settings from the environment
(secret key from the data dir, HUNTER_ALLOW_PRIVATE_TARGETS) it sends the outbox to a loopback receiver once."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.alert_receiver import AlertReceiver
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.jobs.alert_runtime import secret_box
from leadhunter.jobs.alert_tasks import deliver_alerts
from leadhunter.jobs.schedule import ALERT_SWEEP_SECONDS, beat_schedule
from leadhunter.runtime import session_factory
from services.alert_env import LOOPBACK, add_target, deliveries, migrate_lead


def test_the_sweep_is_always_scheduled(tmp_path: Path) -> None:
    entries = beat_schedule(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    assert entries["alert-delivery"] == {"task": "hunter.deliver_alerts", "schedule": ALERT_SWEEP_SECONDS}


def test_the_task_sends_the_outbox_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'hunter.db'}"
    upgrade(url)
    for name, value in {"HUNTER_DATABASE_URL": url, "HUNTER_DATA_DIR": str(tmp_path),
                        "HUNTER_ALLOW_PRIVATE_TARGETS": "true", "HUNTER_PUBLIC_URL": "https://hunter.example.com"
                        }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HUNTER_ALERT_SECRET_KEY", raising=False)
    factory = session_factory(url)
    box = secret_box(Settings(_env_file=None))  # type: ignore[call-arg]  # the key file the task will read
    assert (tmp_path / "alert-secret.key").stat().st_mode & 0o077 == 0  # owner-only
    with AlertReceiver() as receiver:
        target = add_target(factory, box, LOOPBACK, name="slack", kind="slack", kinds=["dmarc_added"],
                            secrets={"url": {"value": receiver.url()}})
        migrate_lead(factory, "upsilon.com.tr")
        assert deliver_alerts.run() == 1
        assert deliver_alerts.run() == 0  # run again (a retried task): nothing left to send
    [post] = receiver.accepted
    assert "<https://hunter.example.com/?lead=upsilon.com.tr|Upsilon>" in post.json["blocks"][1]["text"]["text"]
    assert [d.state for d in deliveries(factory, target)] == ["sent"]
