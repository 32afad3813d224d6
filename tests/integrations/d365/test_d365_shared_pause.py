"""A 429 one worker process gets from the org holds the sends of another process (its own gate, the same
database as pause board): issue 6, "obey Retry-After on 429 and pause all sends to that org meanwhile"."""

from __future__ import annotations

import threading
from pathlib import Path

from d365_helpers import ClientFactory, FakeClock, snapshot

from fakes.dataverse_server import DataverseServer
from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import upgrade
from leadhunter.integrations.common.send_gate import SendGate
from leadhunter.integrations.d365 import PushOutcome
from leadhunter.services.pause_board import DatabasePauseBoard

EPOCH = 1_790_000_000.0  # the fake clock's 0 in wall-clock seconds: both "processes" read the same clock


def test_a_429_in_one_process_pauses_the_other_through_the_database(
    dataverse: DataverseServer, make_client: ClientFactory, clock: FakeClock, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hunter.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def process_gate() -> SendGate:  # what each worker process builds: its own gate, the shared database
        return SendGate(clock=clock.now, sleep=clock.sleep, board=DatabasePauseBoard(factory),
                        key=dataverse.org_url, wall=lambda: EPOCH + clock.now())

    throttled_waiting, release = threading.Event(), threading.Event()

    def held_sleep(seconds: float) -> None:  # process A's own Retry-After wait, held open by the test
        throttled_waiting.set()
        release.wait(10)

    process_a = make_client(dataverse, alternate_key=True, gate=process_gate(), sleep=held_sleep)
    gate_b = process_gate()
    process_b = make_client(dataverse, alternate_key=True, gate=gate_b)
    dataverse.fault("429:7", path="/leads")
    results: dict[str, PushOutcome] = {}
    thread = threading.Thread(target=lambda: results.update(a=process_a.upsert(snapshot("a.example"))))
    thread.start()
    try:
        assert throttled_waiting.wait(10)
        b = process_b.upsert(snapshot("b.example"))  # B's gate never saw a 429 itself
    finally:
        release.set()
        thread.join(10)
    assert b.ok and gate_b.pauses == 0
    assert clock.sleeps == [("MainThread", 7.0)]  # B waited the whole pause A was told, before sending
    assert [(c.path, c.status) for c in dataverse.writes()][:2] == [
        ("/leads(hnt_domain='a.example')", 429),
        ("/leads(hnt_domain='b.example')", 201),
    ]
    assert results["a"].ok and len(dataverse.leads) == 2
    engine.dispose()
