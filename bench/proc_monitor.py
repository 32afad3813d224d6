"""Poll the resident memory of a process and all its descendants from /proc (no psutil needed).

The scan under test may fork workers (one per core); its memory is the sum over the tree, sampled
every ``interval`` seconds on a background thread. Short-lived peaks between samples can be missed;
``ru_maxrss`` from ``getrusage(RUSAGE_CHILDREN)`` (largest single process) complements it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids.extend(int(x) for x in (task / "children").read_text().split())
        except OSError:
            continue
    return kids


def tree_pids(pid: int) -> list[int]:
    """``pid`` and every live descendant."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def rss_bytes(pid: int) -> int:
    """Resident set size of one process in bytes (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` and its live descendants (0 when gone)."""
    total = 0.0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


class TreeMonitor:
    """Samples the tree's summed RSS; ``peak`` in bytes, ``samples`` as (seconds, bytes, progress)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_procs = 1
        self.samples: list[tuple[float, int, int]] = []
        self.progress = 0  # set by the caller (e.g. output lines so far), stored with each sample
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="rss-monitor", daemon=True)

    def start(self) -> TreeMonitor:
        """Start sampling in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling (call after the process has exited)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tree_pids(self.pid)
            total = sum(rss_bytes(p) for p in pids)
            if total:
                self.samples.append((time.perf_counter() - self._t0, total, self.progress))
                if total > self.peak:
                    self.peak, self.peak_procs = total, len(pids)
            self._stop.wait(self.interval)

    def rss_at_progress(self, total: int, marks: tuple[int, ...] = (10, 25, 50, 75, 100)) -> dict[str, float]:
        """RSS in MB at the first sample where progress reached each percentage of ``total``."""
        out: dict[str, float] = {}
        for mark in marks:
            goal = total * mark / 100
            hit = next((rss for _, rss, prog in self.samples if prog >= goal), None)
            if hit is None and self.samples and mark == 100:
                hit = self.samples[-1][1]
            if hit is not None:
                out[f"{mark}%"] = round(hit / 2**20, 1)
        return out
