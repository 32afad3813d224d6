"""When alerts go out: the next daily digest time, and the retry backoff. Pure functions.

A digest is sent once a day at a set local hour in an IANA time zone (``Europe/Istanbul``); the hour is local
time, so a digest at 08:00 stays at 08:00 across daylight-saving changes. A local hour that does not exist
on a spring-forward day is taken as the same wall-clock time after the jump (``zoneinfo``'s fold rules).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

RETRY_BASE_SECONDS = 30.0
"""The first retry waits this long; each further one twice as long (seconds)."""
RETRY_MAX_SECONDS = 3600.0
"""No retry waits longer than this (seconds)."""
MAX_ATTEMPTS = 8
"""Attempts per delivery before it is ``failed`` (30 s, 1, 2, 4, 8, 16, 32, 60 min apart: about 2 hours)."""


def valid_timezone(name: str) -> bool:
    """True for an IANA zone name this machine knows (``UTC``, ``Europe/Istanbul``)."""
    if name not in available_timezones() and name != "UTC":
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def next_digest_at(after: datetime, hour: int, timezone: str) -> datetime:
    """The first moment strictly after ``after`` (aware) when the local clock in ``timezone`` reads
    ``hour``:00, in UTC. ``hour``: 0-23."""
    if not 0 <= hour <= 23:
        raise ValueError(f"digest hour must be 0-23, got {hour}")
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    while candidate.astimezone(UTC) <= after.astimezone(UTC):
        day = candidate.date() + timedelta(days=1)
        candidate = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return candidate.astimezone(UTC)


def retry_delay(attempts: int) -> float:
    """Seconds to wait before the next try after ``attempts`` (≥ 1) failed ones: 30 s doubling, at most 1 h."""
    return float(min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))
