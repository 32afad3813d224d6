"""The pacing controller, fed outcomes by hand: pure and deterministic (times are given, not measured)."""

from __future__ import annotations

import itertools
import math

import pytest

from leadhunter.scanners.dns.pacing import PacingController, PacingLimits

LIMITS = PacingLimits(initial_rate=1000.0, initial_window=64, min_window=8, max_window=512, interval=0.1,
                      burst=0.02)


def _interval(ctl: PacingController, start: float, *, good: int, lost: int = 0, refused: int = 0,
              held_back: bool = True) -> float:
    """Send and settle queries across one interval starting at ``start``; returns the next start."""
    if held_back:
        while ctl.wait_time(start) == 0.0:  # use up the tokens so the sender is held back
            ctl.on_send(start)
            ctl.on_answer(start, start, good=True, rtt=0.001)
    for i in range(good):
        ctl.on_send(start)
        ctl.on_answer(start + 0.001 * (i + 1) / (good + 1), start, good=True, rtt=0.001)
    for _ in range(lost):
        ctl.on_send(start)
        ctl.on_loss(start + 0.09, start)
    for _ in range(refused):
        ctl.on_send(start)
        ctl.on_answer(start + 0.09, start, good=False, rtt=0.001)
    end = start + LIMITS.interval
    ctl.wait_time(end)  # closes the interval
    return end


def test_slow_start_doubles_while_held_back_and_clean() -> None:
    ctl = PacingController(LIMITS, 0.0)
    t = _interval(ctl, 0.0, good=50)
    assert ctl.rate == 2000.0 and ctl.window == 128.0 and ctl.slow_start
    _interval(ctl, t, good=50)
    assert ctl.rate == 4000.0


def test_no_growth_when_the_sender_was_not_held_back() -> None:
    ctl = PacingController(LIMITS, 0.0)
    _interval(ctl, 0.0, good=10, held_back=False)
    assert ctl.rate == 1000.0 and ctl.window == 64.0


@pytest.mark.parametrize("kind", ["lost", "refused"])
def test_failures_while_others_answer_cut_rate_and_window(kind: str) -> None:
    ctl = PacingController(LIMITS, 0.0)
    _interval(ctl, 0.0, good=100, **{kind: 20})
    assert ctl.cuts == 1 and not ctl.slow_start
    assert ctl.rate == pytest.approx(1000.0 * LIMITS.decrease)  # delivered (1,000/s) is above 85 % of it
    assert ctl.window == pytest.approx(64 * LIMITS.decrease)


def test_cut_goes_down_to_what_the_server_delivered() -> None:
    ctl = PacingController(PacingLimits(initial_rate=8000.0, interval=0.1), 0.0)
    _interval(ctl, 0.0, good=500, lost=300, held_back=False)  # 500 answers in 0.1 s: 5,000/s delivered
    assert ctl.rate == pytest.approx(5000 * 0.95)
    assert ctl.ceiling == pytest.approx(5000)


def test_a_few_failures_below_the_threshold_do_not_cut() -> None:
    ctl = PacingController(LIMITS, 0.0)
    _interval(ctl, 0.0, good=200, lost=1, refused=1)  # 1 % failed
    assert ctl.cuts == 0


def test_silence_from_a_dead_server_never_shrinks_the_limits() -> None:
    ctl = PacingController(LIMITS, 0.0)
    for start in (0.0, 0.1, 0.2, 0.3):
        for _ in range(50):
            ctl.on_send(start)
            ctl.on_loss(start + 0.09, start)
        ctl.wait_time(start + 0.1)
    assert ctl.cuts == 0 and ctl.rate == 1000.0 and ctl.window == 64.0 and ctl.inflight == 0


def test_a_server_refusing_everything_is_broken_not_busy() -> None:
    ctl = PacingController(LIMITS, 0.0)
    _interval(ctl, 0.0, good=0, refused=100, held_back=False)
    assert ctl.cuts == 0


def test_losses_from_before_a_cut_do_not_cut_again() -> None:
    ctl = PacingController(LIMITS, 0.0)
    t = _interval(ctl, 0.0, good=100, lost=20)
    assert ctl.cuts == 1
    rate = ctl.rate
    for _ in range(20):  # late news about queries sent at 0.05, before the cut at 0.1
        ctl.on_send(0.05)
    for _ in range(20):
        ctl.on_loss(t + 0.05, 0.05)
    for _ in range(100):
        ctl.on_send(t)
        ctl.on_answer(t + 0.01, t, good=True, rtt=0.001)
    ctl.wait_time(t + 0.1)
    assert ctl.cuts == 1 and ctl.rate >= rate


def test_grows_back_quickly_to_the_ceiling_then_probes_slowly() -> None:
    ctl = PacingController(PacingLimits(initial_rate=2000.0, interval=0.1, increase=0.02), 0.0)
    t = _interval(ctl, 0.0, good=150, lost=30, held_back=False)  # delivered 1,500/s: cut to 95 % of it
    assert ctl.rate == pytest.approx(1425) and ctl.ceiling == pytest.approx(1500)
    rates = [ctl.rate]
    for _ in range(6):
        t = _interval(ctl, t, good=0)
        rates.append(ctl.rate)
    steps = [round(b / a - 1, 6) for a, b in itertools.pairwise(rates)]
    # +2 %, +4 % while under 98 % of the ceiling, then +1 % per interval
    assert steps == [0.02, 0.04, 0.01, 0.01, 0.01, 0.01]


def test_fast_steps_below_the_ceiling() -> None:
    ctl = PacingController(PacingLimits(initial_rate=8000.0, interval=0.1, increase=0.02), 0.0)
    t = _interval(ctl, 0.0, good=500, lost=300, held_back=False)  # cut to 4,750; ceiling 5,000
    ctl.ceiling = 10_000.0  # pretend the server delivered more before: room to grow fast
    before = ctl.rate
    for expected in (0.02, 0.04, 0.08, 0.08):
        t = _interval(ctl, t, good=0)
        assert ctl.rate / before - 1 == pytest.approx(expected)
        before = ctl.rate


def test_window_full_means_wait_for_a_release() -> None:
    ctl = PacingController(PacingLimits(initial_rate=1e6, initial_window=4, min_window=4), 0.0)
    for _ in range(4):
        assert ctl.wait_time(0.0) == 0.0
        ctl.on_send(0.0)
    assert ctl.wait_time(0.0) == math.inf
    ctl.on_answer(0.001, 0.0, good=True, rtt=0.001)
    assert ctl.wait_time(0.001) == 0.0


def test_token_bucket_spaces_sends_at_the_rate() -> None:
    ctl = PacingController(PacingLimits(initial_rate=100.0, burst=0.02), 0.0)  # burst: 2 tokens
    ctl.on_send(0.0)
    ctl.on_send(0.0)
    assert ctl.wait_time(0.0) == pytest.approx(0.01)  # one token every 10 ms at 100/s
    assert ctl.wait_time(0.01) == 0.0


def test_rto_follows_the_round_trip_within_bounds() -> None:
    ctl = PacingController(PacingLimits(min_rto=0.2, max_rto=2.0, initial_rto=1.0), 0.0)
    assert ctl.rto == 1.0
    for _ in range(20):
        ctl.on_send(0.0)
        ctl.on_answer(0.5, 0.0, good=True, rtt=0.5)
    assert 0.5 <= ctl.rto <= 0.7
    for _ in range(50):
        ctl.on_send(1.0)
        ctl.on_answer(1.001, 1.0, good=True, rtt=0.001)
    assert ctl.rto == 0.2
