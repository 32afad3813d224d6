"""The database as the ``PauseBoard`` of the integrations' send gates: a 429 one worker process sees pauses
every worker's sends to that destination (``integrations.common.send_gate``), embedded or distributed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import pauses_repo


class DatabasePauseBoard:
    """Pauses kept in ``integration_pauses`` of the database ``factory`` opens (epoch seconds in and out)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def paused_until(self, key: str) -> float | None:
        """End of the recorded pause of ``key``, or None."""
        until = pauses_repo.paused_until(self.factory, key)
        return None if until is None else until.timestamp()

    def pause_until(self, key: str, until: float) -> None:
        """Record (extend) the pause of ``key`` until ``until``."""
        pauses_repo.extend_pause(self.factory, key, datetime.fromtimestamp(until, UTC))
