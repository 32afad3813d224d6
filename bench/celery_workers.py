"""Real ``hunter worker`` processes for the Celery scan benchmark: start, wait ready, stop, read their logs.

Workers get their settings only through ``HUNTER_*`` environment variables (as in ``tests/jobs``); the
benchmark's own ``HUNTER_*`` variables are not passed on. Each worker's stderr (Celery's log) goes to a
file, from which the per-task run times are read afterwards.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from proc_monitor import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
# the running interpreter's ``hunter`` (``.venv/bin/hunter`` when run as ``.venv/bin/python bench/...``; also from a
# git worktree without its own .venv)
_SIBLING = Path(sys.executable).with_name("hunter")
HUNTER = _SIBLING if _SIBLING.exists() else ROOT / ".venv" / "bin" / "hunter"
# Celery's own line for a finished task: "Task hunter.scan_chunk[<id>] succeeded in 1.234s: 200"
_SUCCEEDED = re.compile(r"Task hunter\.scan_chunk\[[^\]]+\] succeeded in ([0-9.]+)s: (\d+)")
_RETRY = re.compile(r"Task hunter\.scan_chunk\[[^\]]+\] retry")
_FAILED = re.compile(r"Task hunter\.scan_chunk\[[^\]]+\] raised")


def worker_env(settings_env: dict[str, str]) -> dict[str, str]:
    """This process's environment without its ``HUNTER_*`` variables, plus ``settings_env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env.update(settings_env)
    return env


class Workers:
    """``count`` separate ``hunter worker`` processes (each its default: one process, solo pool)."""

    def __init__(self, count: int, env: dict[str, str], log_dir: Path, *, extra_args: list[str] | None = None) -> None:
        self.count = count
        self.env = worker_env(env)
        self.log_dir = log_dir
        self.extra_args = extra_args or []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, timeout: float = 90.0) -> float:
        """Start the workers and wait until each has logged ``ready.``; returns the seconds it took."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        for i in range(self.count):
            log = self.log_dir / f"worker-{i}.log"
            self.logs.append(log)
            with log.open("wb") as err:
                # stderr only: Celery logs there; stdout carries its banner
                self.procs.append(subprocess.Popen([str(HUNTER), "worker", *self.extra_args], env=self.env,
                                                   cwd=self.log_dir, stdout=subprocess.DEVNULL, stderr=err,
                                                   stdin=subprocess.DEVNULL))
        pending = set(range(self.count))
        while pending and time.perf_counter() - t0 < timeout:
            for i in list(pending):
                if self.procs[i].poll() is not None:
                    raise RuntimeError(f"worker {i} exited with {self.procs[i].returncode}: {self.tail(i)}")
                if " ready." in self.logs[i].read_text("utf-8", "replace"):
                    pending.discard(i)
            time.sleep(0.1)
        if pending:
            raise RuntimeError(f"workers {sorted(pending)} not ready after {timeout:.0f} s")
        return time.perf_counter() - t0

    def alive(self) -> bool:
        """True while every worker runs."""
        return all(p.poll() is None for p in self.procs)

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by all workers (and any pool children)."""
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def stop(self) -> None:
        """SIGTERM (warm shutdown), then SIGKILL after 20 s."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def tail(self, i: int, lines: int = 5) -> str:
        """The last lines of worker ``i``'s log."""
        return "\n".join(self.logs[i].read_text("utf-8", "replace").splitlines()[-lines:])

    def task_stats(self) -> dict[str, Any]:
        """Per-task run times of ``hunter.scan_chunk`` from the workers' logs (seconds)."""
        runs: list[float] = []
        stored = retries = failures = 0
        per_worker: list[int] = []
        for log in self.logs:
            text = log.read_text("utf-8", "replace")
            found = [(float(s), int(n)) for s, n in _SUCCEEDED.findall(text)]
            per_worker.append(len(found))
            runs.extend(s for s, _ in found)
            stored += sum(n for _, n in found)
            retries += len(_RETRY.findall(text))
            failures += len(_FAILED.findall(text))
        if not runs:
            return {"tasks": 0, "retries": retries, "failures": failures}
        return {"tasks": len(runs), "tasks_per_worker": per_worker, "items_stored": stored, "retries": retries,
                "failures": failures, "task_s_sum": round(sum(runs), 2), "task_s_mean": round(statistics.mean(runs), 3),
                "task_s_p50": round(statistics.median(runs), 3), "task_s_max": round(max(runs), 3)}
