"""Adaptive pacing of DNS queries to one nameserver: find the rate it allows and run at it.

A resolver that limits its rate (response-rate limiting, a query cap, an overloaded forwarder) does not
say so: it drops queries, answers truncated, or answers SERVFAIL/REFUSED. Sending faster only turns more
lookups into failures. :class:`PacingController` is the pure decision part (no clock, no I/O: every call
gets ``now`` in seconds), an AIMD controller over two limits:

- a **rate** in queries per second, enforced as a token bucket (burst of ``burst`` seconds' worth), and
- a **window** of queries in flight.

Every ``interval`` seconds it looks at what came back. If more than ``loss_threshold`` of the outcomes
were failures (timeouts, SERVFAIL, REFUSED) *while the server still answered others*, it cuts both: the
rate to what the server actually delivered (keeping at most ``decrease`` of the old rate), the window
by ``decrease``. If the sender was held back by the limits and few failures came back, it grows them: doubling
until the first cut (slow start), then by ``increase`` per interval, the step doubling with every
further interval without trouble up to four times ``increase`` while below the rate the server delivered
at the last cut, and only half of ``increase`` beyond it. A failure of a query sent before the
last cut reflects the old rate and is not counted again; a server that answers nothing at all is down,
not busy, so silence never shrinks the limits (a dead server then ends lookups as ``timeout`` quickly
instead of being paced to a crawl). It also keeps a smoothed round-trip time for the retransmission
timeout (RFC 6298 style).

:class:`PacingGate` is the asyncio side: queries wait in a FIFO until the controller lets them go.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass

MIN_TIMER = 0.001  # seconds: the shortest wait PacingGate schedules (one tick of uvloop's clock)


@dataclass(frozen=True, slots=True)
class PacingLimits:
    """Bounds and tuning of :class:`PacingController`. Rates in queries/s, times in seconds.

    ``initial_rate`` (default 4,000/s) doubles every ``interval`` (0.1 s) while the sender is held
    back and nothing fails, up to ``max_rate`` (1,000,000/s: effectively unlimited); ``min_rate`` (20/s)
    is the floor. ``initial_window``/``min_window``/``max_window`` bound queries in flight (64/32/512): the floor
    stays well above what a loopback server needs, since a dropped query holds its slot until its
    retransmission timeout.
    After a cut the rate grows by ``increase`` (2 %) per interval, the step doubling each interval up to
    four times that.
    A cut keeps ``decrease`` (85 %) of the rate at most. ``burst`` is the token bucket in seconds' worth
    of the rate (0.02 s). ``min_rto``/``max_rto`` clamp the retransmission timeout (0.2 s / 2.0 s; the
    resolver passes its per-try timeout as ``max_rto``).
    """

    initial_rate: float = 4_000.0
    min_rate: float = 20.0
    max_rate: float = 1_000_000.0
    initial_window: int = 64
    min_window: int = 32
    max_window: int = 512
    interval: float = 0.1
    loss_threshold: float = 0.02
    decrease: float = 0.85
    increase: float = 0.02
    burst: float = 0.02
    min_rto: float = 0.2
    max_rto: float = 2.0
    initial_rto: float = 1.0


class PacingController:
    """AIMD over a query rate and a window for one nameserver (pure: pass ``now`` in seconds)."""

    def __init__(self, limits: PacingLimits, now: float) -> None:
        self.limits = limits
        self.rate = limits.initial_rate
        self.window = float(min(limits.initial_window, limits.max_window))
        self.inflight = 0
        self.slow_start = True
        self.cuts = 0  # how many times the limits were cut (for reports)
        self.lowest_rate = limits.initial_rate  # the lowest rate a cut set (for reports)
        self.srtt: float | None = None
        self.rttvar = 0.0
        self._tokens = self._burst()
        self._stamp = now
        self._last_good = -math.inf
        self._last_cut = -math.inf
        self._interval_start = now
        self._good = 0
        self._failed = 0
        self._held_back = False
        self._streak = 0  # intervals grown since the last cut
        self.ceiling = math.inf  # the rate the server delivered when it last pushed back (queries/s)

    # ---- what the sender asks --------------------------------------------------------------------

    def wait_time(self, now: float) -> float:
        """0.0 when a query may go now; else seconds until a token (``inf``: wait for the window)."""
        self._roll(now)
        self._refill(now)
        if self.inflight >= max(1, int(self.window)):
            self._held_back = True
            return math.inf
        if self._tokens >= 1.0:
            return 0.0
        self._held_back = True
        return (1.0 - self._tokens) / self.rate

    @property
    def rto(self) -> float:
        """Retransmission timeout in seconds: srtt + 4·rttvar, clamped to [min_rto, max_rto]."""
        if self.srtt is None:
            return min(self.limits.initial_rto, self.limits.max_rto)
        return min(self.limits.max_rto, max(self.limits.min_rto, self.srtt + 4 * self.rttvar))

    def congested(self, now: float) -> bool:
        """True while the server sheds load: a cut happened within the last second, or failures in the
        current interval already pass the threshold while good answers still arrive."""
        self._roll(now)
        if now - self._last_cut < 1.0:
            return True
        total = self._good + self._failed
        return self._good > 0 and total > 0 and self._failed / total > self.limits.loss_threshold

    # ---- what happened ---------------------------------------------------------------------------

    def on_send(self, now: float) -> None:
        """A query left (it took a token and a window slot)."""
        self._refill(now)
        self._tokens -= 1.0
        self.inflight += 1

    def on_unsent(self) -> None:
        """A slot granted by :meth:`on_send` was not used (the asker was cancelled): give it back."""
        self.inflight = max(0, self.inflight - 1)
        self._tokens = min(self._burst(), self._tokens + 1.0)

    def on_answer(self, now: float, sent_at: float, *, good: bool, rtt: float | None) -> None:
        """An answer came back; ``good`` for NOERROR/NXDOMAIN, False for SERVFAIL/REFUSED. ``rtt`` in
        seconds when it is unambiguous (not after a retransmission), else None."""
        self.inflight = max(0, self.inflight - 1)
        self._roll(now)
        if rtt is not None:
            self._sample_rtt(rtt)
        if good:
            self._last_good = now
            self._good += 1
        elif sent_at >= self._last_cut:
            self._failed += 1

    def on_loss(self, now: float, sent_at: float) -> None:
        """A query sent at ``sent_at`` got no answer within the retransmission timeout."""
        self.inflight = max(0, self.inflight - 1)
        self._roll(now)
        # Silence from a server that has not answered anything since is an outage, not back-pressure;
        # a loss from before the last cut was already paid for.
        if self._last_good > sent_at and sent_at >= self._last_cut:
            self._failed += 1

    def on_done(self) -> None:
        """A query was abandoned without an outcome (cancelled while in flight): free its slot."""
        self.inflight = max(0, self.inflight - 1)

    # ---- internals -------------------------------------------------------------------------------

    def _burst(self) -> float:
        return max(2.0, self.rate * self.limits.burst)

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self._burst(), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def _sample_rtt(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt

    def _roll(self, now: float) -> None:
        """Close the interval once ``interval`` seconds have passed: cut, grow or hold."""
        elapsed = now - self._interval_start
        limits = self.limits
        if elapsed < limits.interval * 0.999:  # the slack absorbs float rounding of summed times
            return
        total = self._good + self._failed
        failed_share = self._failed / total if total else 0.0
        if self._failed >= 2 and self._good > 0 and failed_share > limits.loss_threshold:
            # What the server delivered is the best estimate of what it allows (a little under it, so
            # the queue drains); never cut by more than half at once, never less than `decrease`.
            delivered = self._good / elapsed
            self.ceiling = max(delivered, limits.min_rate)
            self.rate = max(limits.min_rate,
                            min(self.rate * limits.decrease, max(delivered * 0.95, self.rate * 0.5)))
            self.window = max(float(limits.min_window), self.window * limits.decrease)
            self.slow_start = False
            self.cuts += 1
            self.lowest_rate = min(self.lowest_rate, self.rate)
            self._last_cut = now
            self._streak = 0
            self._tokens = min(self._tokens, self._burst())
        elif self._held_back and failed_share <= limits.loss_threshold / 2:
            # after a cut: +2 %, +4 %, +8 % per interval back up to the rate the server delivered then,
            # and only +1 % per interval beyond it, so probing for more costs few drops
            if self.slow_start:
                factor = 2.0
            elif self.rate < self.ceiling * 0.98:
                factor = 1.0 + min(4 * limits.increase, limits.increase * 2**self._streak)
            else:
                factor = 1.0 + limits.increase / 2
            self._streak += 1
            self.rate = min(limits.max_rate, self.rate * factor)
            self.window = min(float(limits.max_window), max(self.window * factor, self.window + 1))
        self._interval_start = now
        self._good = self._failed = 0
        self._held_back = False


class PacingGate:
    """Queries to one nameserver wait here, first come first served, until ``controller`` lets them go.

    Call :meth:`acquire` before sending (it returns the send time), then exactly one of
    :meth:`answered`, :meth:`lost` or :meth:`abandoned` for that send.
    """

    def __init__(self, controller: PacingController) -> None:
        self.controller = controller
        self._queue: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, *, urgent: bool = False) -> float:
        """Wait for a token and a window slot; returns the loop time the query may be sent at.

        ``urgent`` (a resend, or the TCP retry of a truncated answer) goes to the head of the queue: its
        lookup has waited its turn already, and a scan that yields results in input order stalls behind it.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.try_acquire(now):
            return now
        granted: asyncio.Future[None] = loop.create_future()
        if urgent:
            self._queue.appendleft(granted)
        else:
            self._queue.append(granted)
        self._wake()
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.controller.on_unsent()  # granted, then cancelled before it could send
                self._wake()
            raise
        return loop.time()

    def try_acquire(self, now: float) -> bool:
        """The no-wait path of :meth:`acquire` without a coroutine (the common case, once per query):
        True when a query may go at loop time ``now`` (its token and slot are taken), False when it
        must queue through :meth:`acquire`."""
        if not self._queue and self.controller.wait_time(now) == 0.0:
            self.controller.on_send(now)
            return True
        return False

    def answered(self, sent_at: float, *, good: bool, rtt: float | None) -> None:
        """The query sent at ``sent_at`` was answered (see :meth:`PacingController.on_answer`)."""
        self.controller.on_answer(asyncio.get_running_loop().time(), sent_at, good=good, rtt=rtt)
        if self._queue:
            self._wake()

    def lost(self, sent_at: float) -> None:
        """The query sent at ``sent_at`` went unanswered for a retransmission timeout."""
        self.controller.on_loss(asyncio.get_running_loop().time(), sent_at)
        if self._queue:
            self._wake()

    def abandoned(self) -> None:
        """The query was given up without an outcome (its asker was cancelled)."""
        self.controller.on_done()
        if self._queue:
            self._wake()

    def congested(self) -> bool:
        """True while the server sheds load (see :meth:`PacingController.congested`)."""
        return self.controller.congested(asyncio.get_running_loop().time())

    def _wake(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            head = self._queue[0]
            if head.done():  # cancelled while waiting
                self._queue.popleft()
                continue
            now = loop.time()
            wait = self.controller.wait_time(now)
            if wait > 0.0:
                if math.isfinite(wait) and self._timer is None:
                    # Never under a millisecond: uvloop's clock and timers tick in whole milliseconds, so a
                    # shorter wait fires before any token came in and the timer spins (millions of wake-ups
                    # per scan); a millisecond's tokens fit in the bucket (burst >= 2) and go out together.
                    self._timer = loop.call_later(max(wait, MIN_TIMER), self._on_timer)
                return
            self._queue.popleft()
            self.controller.on_send(now)
            head.set_result(None)

    def _on_timer(self) -> None:
        self._timer = None
        self._wake()
