"""The beat schedule: fixed sweeps always, integration runs only behind their feature flags."""

from __future__ import annotations

from pathlib import Path

from leadhunter.config import Settings
from leadhunter.jobs.schedule import D365_RESUME_SECONDS, beat_schedule


def test_d365_resume_sweep_only_when_d365_is_enabled(tmp_path: Path) -> None:
    off = beat_schedule(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    assert "d365-resume" not in off
    assert {"periodic-rescan", "resume-stalled-jobs"} <= off.keys()
    on = beat_schedule(Settings(data_dir=tmp_path, d365_enabled=True, _env_file=None))  # type: ignore[call-arg]
    assert on["d365-resume"] == {"task": "hunter.resume_d365_pushes", "schedule": D365_RESUME_SECONDS}
