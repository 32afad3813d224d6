"""The children of ``hunter serve`` (worker, scheduler), kept running: one that dies is started again.

A worker killed by the OOM killer or ``kill -9`` would otherwise leave the embedded shape serving the UI
while nothing scans. A child that keeps dying is restarted with a growing pause (1 s doubling to 60 s), so a
broken configuration does not spin; a child that ran for a minute counts as healthy again.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often the children are checked
HEALTHY_AFTER = 60.0  # seconds a child must run for its restart pause to start again from the minimum
MIN_PAUSE, MAX_PAUSE = 1.0, 60.0  # seconds between a death and the restart; doubles while it keeps dying


@dataclass
class _Child:
    args: tuple[str, ...]
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    pause: float = MIN_PAUSE
    restart_at: float | None = None  # set while waiting to restart a dead child
    restarts: int = 0


class Supervisor:
    """Starts ``spawn(*args)`` for each argument tuple and restarts any child that exits until :meth:`stop`.

    ``spawn`` starts one process (``hunter serve`` passes its own interpreter and module); the supervisor
    never restarts a child after :meth:`stop`, which terminates them all (SIGTERM, then SIGKILL after
    ``grace`` seconds, default 15)."""

    def __init__(self, spawn: Callable[..., subprocess.Popen[bytes]], children: Sequence[Sequence[str]]) -> None:
        self._spawn = spawn
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._children = [_Child(tuple(args), spawn(*args)) for args in children]
        self._thread = threading.Thread(target=self._watch, name="hunter-supervisor", daemon=True)
        if self._children:
            self._thread.start()

    @property
    def restarts(self) -> int:
        """How many times a child was started again."""
        with self._lock:
            return sum(c.restarts for c in self._children)

    def pids(self) -> list[int]:
        """The children's current process ids."""
        with self._lock:
            return [c.proc.pid for c in self._children]

    def _watch(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            with self._lock:
                for child in self._children:
                    self._check(child, time.monotonic())

    def _check(self, child: _Child, now: float) -> None:
        if child.restart_at is None:
            code = child.proc.poll()
            if code is None:
                if now - child.started >= HEALTHY_AFTER:
                    child.pause = MIN_PAUSE
                return
            child.restart_at = now + child.pause
            log.warning("hunter %s exited with %s; starting it again in %.0f s", " ".join(child.args), code,
                        child.pause)
            return
        if now >= child.restart_at and not self._stopping.is_set():
            child.proc = self._spawn(*child.args)
            child.started, child.restart_at, child.restarts = now, None, child.restarts + 1
            child.pause = min(child.pause * 2, MAX_PAUSE)

    def stop(self, grace: float = 15.0) -> None:
        """Stop watching, then terminate every child and wait for it (kill after ``grace`` seconds)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        for child in self._children:
            child.proc.terminate()
        deadline = time.monotonic() + grace
        for child in self._children:
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
