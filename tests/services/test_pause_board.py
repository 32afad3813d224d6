"""The database as the send gates' pause board (issue 6: "obey Retry-After on 429 and pause all sends to that
org"): a pause one worker process records holds another process's gate, on SQLite and PostgreSQL, and a
board that fails never stops the local gate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.integrations.common.send_gate import SendGate
from leadhunter.services.pause_board import DatabasePauseBoard
from pg_scratch import scratch_pg_database

ORG = "https://contoso.crm.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hunter.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()
        return
    with scratch_pg_database("hunter_pauses") as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def _process_gate(factory: sessionmaker[Session]) -> SendGate:
    """What one worker process has: its own gate and board over the shared database (board read each time)."""
    return SendGate(board=DatabasePauseBoard(factory), key=ORG, max_wait=600, board_every=0)


def test_a_pause_seen_by_one_process_holds_the_others(factory: sessionmaker[Session]) -> None:
    throttled, other = _process_gate(factory), _process_gate(factory)
    assert other.paused_for() == 0
    throttled.pause(30)  # this process got 429 with Retry-After: 30
    assert 25 < other.paused_for() <= 30
    throttled.pause(2)  # a shorter pause later never shortens the shared one
    assert DatabasePauseBoard(factory).paused_until(ORG) == pytest.approx(time.time() + 30, abs=5)
    assert SendGate(board=DatabasePauseBoard(factory), key="https://fabrikam.crm.example").paused_for() == 0


def test_the_board_is_read_at_most_once_a_second(factory: sessionmaker[Session]) -> None:
    reads: list[str] = []
    board = DatabasePauseBoard(factory)

    class Counting(DatabasePauseBoard):
        def paused_until(self, key: str) -> float | None:
            reads.append(key)
            return board.paused_until(key)

    clock = [100.0]
    gate = SendGate(board=Counting(factory), key=ORG, clock=lambda: clock[0])
    for _ in range(5):
        gate.paused_for()
    assert len(reads) == 1
    clock[0] += 1.5
    gate.paused_for()
    assert len(reads) == 2


class BrokenBoard:
    """A board whose database is down."""

    def paused_until(self, key: str) -> float | None:
        raise ConnectionError("database down")

    def pause_until(self, key: str, until: float) -> None:
        raise ConnectionError("database down")


def test_a_failing_board_leaves_the_local_gate_working() -> None:
    gate = SendGate(board=BrokenBoard(), key=ORG, board_every=0)
    assert gate.paused_for() == 0
    gate.pause(10)
    assert 9 < gate.paused_for() <= 10
