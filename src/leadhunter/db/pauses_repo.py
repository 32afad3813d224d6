"""Shared pauses of external destinations (``integration_pauses``): one row per destination, extended only.

Each call runs in its own short transaction from ``factory``: the pause must be visible to the other worker
processes at once, whatever the caller's session is doing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.models import IntegrationPause

PAUSES: Table = IntegrationPause.metadata.tables[IntegrationPause.__tablename__]


def paused_until(factory: sessionmaker[Session], destination: str) -> datetime | None:
    """When the recorded pause of ``destination`` ends (None when none was ever recorded)."""
    with factory() as session:
        return session.scalar(select(IntegrationPause.paused_until).where(IntegrationPause.destination == destination))


def extend_pause(factory: sessionmaker[Session], destination: str, until: datetime) -> None:
    """Record a pause of ``destination`` until ``until``; a later end already recorded is kept."""
    with factory.begin() as session:
        dialect = session.get_bind().dialect.name
        stmt = (postgresql.insert(PAUSES) if dialect == "postgresql" else sqlite.insert(PAUSES)).values(
            destination=destination, paused_until=until)
        current = PAUSES.c.paused_until
        later = stmt.excluded.paused_until
        session.execute(stmt.on_conflict_do_update(
            index_elements=[PAUSES.c.destination],
            set_={"paused_until": later},
            where=current < later,  # only ever extend: two 429s in a row keep the longer pause
        ))
