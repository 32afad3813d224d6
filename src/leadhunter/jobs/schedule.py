"""The beat schedule, alone in one module: periodic rescans and the stalled-chunk sweeper."""

from __future__ import annotations

from typing import Any

from leadhunter.config import Settings

STALLED_SWEEP_SECONDS = 60.0  # how often pending chunks of running jobs are re-dispatched if stalled


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat entries (seconds)."""
    return {
        "periodic-rescan": {"task": "hunter.periodic_rescan", "schedule": settings.rescan_check_seconds},
        "resume-stalled-jobs": {"task": "hunter.resume_stalled_jobs", "schedule": STALLED_SWEEP_SECONDS},
    }
