"""Chunks a broker outage refused are sent again from the API process once the broker takes them (found by
the fault drill: a 5-second Redis outage left jobs waiting 10 minutes for the stalled-job sweeper)."""

from __future__ import annotations

import threading
import time

from kombu.exceptions import OperationalError as BrokerError

from leadhunter.api.dispatch import Redispatcher


class FlakyBroker:
    """The dispatch port: refuses the first ``refusals`` sends (as kombu does while Redis is down)."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.taken: list[tuple[int, int]] = []
        self.lock = threading.Lock()

    def __call__(self, job_id: int, chunk: int) -> None:
        with self.lock:
            if self.refusals > 0:
                self.refusals -= 1
                raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.taken.append((job_id, chunk))


def _wait(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)


def test_refused_chunks_are_sent_again_in_order_once_the_broker_is_back() -> None:
    broker = FlakyBroker(refusals=5)
    redispatch = Redispatcher(broker, retry_seconds=0.05)
    redispatch.add(7, [2, 3, 4])
    redispatch.add(8, [0])
    _wait(lambda: redispatch.pending() == 0)
    assert redispatch.pending() == 0
    assert sorted(broker.taken) == [(7, 2), (7, 3), (7, 4), (8, 0)]
    assert [c for j, c in broker.taken if j == 7] == [2, 3, 4]  # a job's chunks keep their order


def test_a_broker_down_for_good_is_left_to_the_sweeper_after_the_give_up_time() -> None:
    broker = FlakyBroker(refusals=10**9)
    redispatch = Redispatcher(broker, retry_seconds=0.02, give_up_seconds=0.2)
    redispatch.add(1, [0, 1])
    assert redispatch.pending() == 2
    _wait(lambda: redispatch.pending() == 0)
    assert redispatch.pending() == 0 and broker.taken == []
