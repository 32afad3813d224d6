"""``hunter serve`` keeps its worker and scheduler running: a child killed with SIGKILL is started again
(the fault drill found the embedded shape serving the UI with no worker after a kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from leadhunter.cli import supervise
from leadhunter.cli.supervise import Supervisor


def _sleeper(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", *args])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_child_is_started_again_and_stop_ends_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervise, "POLL_SECONDS", 0.05)  # a setting, not I/O: check the children often
    sup = Supervisor(_sleeper, [("worker",), ("beat",)])
    try:
        first = sup.pids()
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while sup.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        now = sup.pids()
        assert sup.restarts == 1
        assert now[0] != first[0] and _alive(now[0])
        assert now[1] == first[1]  # the healthy child was left alone
    finally:
        sup.stop(grace=5)
    assert not any(_alive(pid) for pid in sup.pids())
