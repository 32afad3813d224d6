"""A progress line on stderr: done/total, rate, and an estimate of the time left."""

from __future__ import annotations

import sys
import time
from collections import Counter


class Progress:
    """Redraws at most every ``interval`` seconds (default 0.2) when ``enabled``; counts always."""

    def __init__(self, total: int, *, enabled: bool, interval: float = 0.2) -> None:
        self.total = total
        self.enabled = enabled
        self.interval = interval
        self.done = 0
        self.by_status: Counter[str] = Counter()
        self._start = time.monotonic()
        self._drawn = 0.0

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self._start

    @property
    def rate(self) -> float:
        """Inputs per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def step(self, status: str) -> None:
        """Count one finished input and redraw if due."""
        self.done += 1
        self.by_status[status] += 1
        now = time.monotonic()
        if self.enabled and now - self._drawn >= self.interval:
            self._drawn = now
            self._draw()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * 30)
        left = (self.total - self.done) / self.rate if self.rate else 0.0
        failed = self.by_status["failed"] + self.by_status["partial"]
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} "
            f"{self.rate:.0f}/s eta {left:.0f}s partial/failed {failed} "
        )
        sys.stderr.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()
