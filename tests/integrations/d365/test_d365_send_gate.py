"""The shared `SendGate` on its own (it lives in integrations/common; the D365 client is its first user)."""

from __future__ import annotations

import pytest
from d365_helpers import FakeClock

from leadhunter.integrations.common.errors import ThrottledError
from leadhunter.integrations.common.send_gate import SendGate, gate_for


def test_a_pause_holds_senders_for_the_remaining_time_and_only_extends(clock: FakeClock) -> None:
    gate = SendGate(clock=clock.now, sleep=clock.sleep)
    gate.pause(5)
    gate.pause(2)  # a shorter pause never shortens the current one
    assert gate.paused_for() == 5
    with gate.slot() as waited:
        assert waited == 5 and gate.in_flight == 1
    assert clock.waits() == [5] and gate.in_flight == 0 and gate.pauses == 2
    gate.pause(None)
    assert gate.paused_for() == gate.default_pause


def test_a_pause_longer_than_max_wait_is_refused_at_once(clock: FakeClock) -> None:
    gate = SendGate(clock=clock.now, sleep=clock.sleep, max_wait=60)
    gate.pause(61)
    with pytest.raises(ThrottledError) as raised, gate.slot():
        pass
    assert raised.value.retry_after == 61 and clock.waits() == []


def test_one_gate_per_destination() -> None:
    a = gate_for("https://Gate-Test.crm.dynamics.com/", max_in_flight=3)
    assert gate_for("https://gate-test.crm.dynamics.com") is a and a.max_in_flight == 3
    assert gate_for("https://other-gate-test.crm.dynamics.com") is not a
    with pytest.raises(ValueError):
        SendGate(max_in_flight=0)
