"""The beat schedule, alone in one module: periodic rescans, the stalled-chunk sweeper and, when enabled,
the Partner Center referral sync."""

from __future__ import annotations

from typing import Any

from leadhunter.config import Settings

D365_RESUME_SECONDS = 300.0  # how often unfinished D365 push jobs are looked for and re-sent
STALLED_SWEEP_SECONDS = 60.0  # how often pending chunks of running jobs are re-dispatched if stalled
REGISTRATION_SWEEP_SECONDS = 3600.0  # how often companies with a missing or stale registration record are queued
ALERT_SWEEP_SECONDS = 30.0  # how often the alert outbox is swept for due deliveries (and retries)


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat entries (seconds). The Partner Center sync and the D365 resume sweep are scheduled only
    when their feature flag is on."""
    entries: dict[str, dict[str, Any]] = {
        "periodic-rescan": {"task": "hunter.periodic_rescan", "schedule": settings.rescan_check_seconds},
        "resume-stalled-jobs": {"task": "hunter.resume_stalled_jobs", "schedule": STALLED_SWEEP_SECONDS},
        "alert-delivery": {"task": "hunter.deliver_alerts", "schedule": ALERT_SWEEP_SECONDS},
    }
    if settings.partner_center_enabled:
        entries["partner-center-sync"] = {"task": "hunter.sync_referrals", "kwargs": {"trigger": "beat"},
                                          "schedule": settings.partner_center_sync_interval}
    if settings.registration:
        entries["registration-sweep"] = {"task": "hunter.registration_sweep", "schedule": REGISTRATION_SWEEP_SECONDS}
    if settings.d365_enabled:
        # Re-sends D365 pushes whose broker message was lost (workers also resume them when they start).
        entries["d365-resume"] = {"task": "hunter.resume_d365_pushes", "schedule": D365_RESUME_SECONDS}
    return entries
