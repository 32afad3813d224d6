"""The processes of the fault drill (``fault_drill.py``): Hunter's two runtime shapes started with the installed
``hunter`` commands, a private Redis, and the faults (worker ``kill -9``, broker restart).

Embedded: ``hunter serve`` (API + its own worker and beat children) on a SQLite file with kombu's SQLAlchemy
broker on SQLite. Distributed: a fresh PostgreSQL database, a Redis started by the drill on a free port,
``hunter serve --no-worker``, one ``hunter worker`` and ``hunter beat``. Every process gets its settings only
through ``HUNTER_*`` variables and runs this tree's code (``PYTHONPATH=<tree>/src``); logs go to files under
the shape's work directory.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from celery_workers import HUNTER, Workers, worker_env
from nsd_server import free_port
from proc_monitor import tree_pids

ROOT = Path(__file__).resolve().parent.parent


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


class Service:
    """One long-running ``hunter`` subcommand with its stdout+stderr in ``log``."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process (the caller waits for readiness its own way)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            # the command and its arguments are fixed by the drill, never taken from input
            self.proc = subprocess.Popen([str(HUNTER), *self.args], env=self.env, cwd=self.log.parent,
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (graceful), SIGKILL after ``timeout`` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_http_ready(base_url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 90.0) -> float:
    """Poll ``/healthz/live`` until it answers 200; seconds it took (raises on exit or timeout)."""
    t0 = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=2.0, trust_env=False) as client:
        while time.monotonic() - t0 < timeout:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the API process exited with {proc.returncode}")
            try:
                if client.get("/healthz/live").status_code == 200:
                    return time.monotonic() - t0
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{base_url} not ready after {timeout:.0f} s")


class RedisServer:
    """A private ``redis-server`` on a free loopback port, append-only file on (``appendfsync everysec``, as a
    production broker keeps its queue across a restart), RDB snapshots off; files in ``work``."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        """Start it and wait until it answers PING."""
        import redis

        self.work.mkdir(parents=True, exist_ok=True)
        with (self.work / "redis.log").open("ab") as out:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.work),
                 "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING")

    def stop(self) -> None:
        """SIGTERM: Redis writes its append-only file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class Shape:
    """The processes of one runtime shape; subclasses start them and implement the broker restart."""

    name = ""

    def __init__(self, work: Path, base_env: dict[str, str]) -> None:
        self.work = work
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env: dict[str, str] = {**base_env, "HUNTER_DATA_DIR": str(work / "data"),
                                    "HUNTER_API_PORT": str(self.port), "PYTHONPATH": str(ROOT / "src")}
        self.workers: list[Workers] = []  # replacement workers the drill started, oldest first
        self.notes: list[str] = []

    def database_url(self) -> str:
        """The database every process of the shape uses."""
        raise NotImplementedError

    def start(self) -> None:
        """Start every process and return once the API answers and a worker is ready."""
        raise NotImplementedError

    def worker_pid(self) -> int | None:
        """The pid of the worker currently consuming (None when none runs)."""
        raise NotImplementedError

    def restart_broker(self, down_seconds: float, api_back: Callable[[], None]) -> dict[str, object]:
        """Restart the broker (``api_back`` is called once the API answers again, if it was stopped); facts about
        it for the results."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop everything the shape started."""
        raise NotImplementedError

    def kill_worker(self) -> dict[str, object]:
        """``kill -9`` the current worker, then start a new ``hunter worker`` and wait until it is ready."""
        pid = self.worker_pid()
        if pid is None:
            raise RuntimeError("no worker to kill")
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        replacement = Workers(1, self.env, self.work / "logs" / f"worker-{len(self.workers) + 1}")
        ready_s = replacement.start()
        self.workers.append(replacement)
        return {"killed_pid": pid, "replacement_pid": replacement.procs[0].pid,
                "back_after_s": round(time.monotonic() - killed_at, 2), "replacement_ready_s": round(ready_s, 2)}

    def _live_replacement(self) -> int | None:
        for workers in reversed(self.workers):
            if workers.alive():
                return workers.procs[0].pid
        return None


class EmbeddedShape(Shape):
    """``hunter serve``: API, worker and beat (its children) on SQLite with the SQLite broker.

    The broker is a file that every process opens itself (no server): its honest "restart" is a restart of
    every process holding it — ``hunter serve`` stopped with SIGTERM (its worker and beat with it), any
    replacement worker stopped too, then ``hunter serve`` started again. The API is down meanwhile; requests
    refused in that window are counted apart from the others.
    """

    name = "embedded"

    def __init__(self, work: Path, base_env: dict[str, str]) -> None:
        super().__init__(work, base_env)
        self.serve = Service(["serve", "--port", str(self.port)], worker_env(self.env), work / "logs" / "serve.log")
        self.serve_restarts = 0

    def database_url(self) -> str:
        return f"sqlite:///{(self.work / 'data' / 'hunter.db').resolve()}"

    def _serve_worker_pid(self) -> int | None:
        if self.serve.proc is None:
            return None
        for pid in tree_pids(self.serve.proc.pid)[1:]:
            args = _cmdline(pid)
            if "leadhunter.cli.main" in args and "worker" in args:
                return pid
        return None

    def _start_serve(self, api_back: Callable[[], None] | None = None) -> None:
        self.serve.start()
        wait_http_ready(self.base_url, self.serve.proc)
        if api_back is not None:
            api_back()
        t0 = time.monotonic()
        log = self.serve.log
        # the worker child logs "ready." into the same file; count the lines so a restart waits for a new one
        while log.read_text("utf-8", "replace").count(" ready.") <= self.serve_restarts:
            if time.monotonic() - t0 > 90:
                raise RuntimeError("hunter serve's worker not ready after 90 s")
            time.sleep(0.2)

    def start(self) -> None:
        self._start_serve()

    def worker_pid(self) -> int | None:
        return self._live_replacement() or self._serve_worker_pid()

    def kill_worker(self) -> dict[str, object]:
        pid = self.worker_pid()
        own_child = pid is not None and pid == self._serve_worker_pid()
        if not own_child:
            return super().kill_worker()
        os.kill(pid or 0, signal.SIGKILL)
        # does hunter serve bring its worker back by itself? give it 10 s before starting one
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            again = self._serve_worker_pid()
            if again is not None and again != pid:
                return {"killed_pid": pid, "replacement_pid": again, "restarted_by": "hunter serve"}
            time.sleep(0.5)
        self.notes.append("hunter serve did not restart its killed worker within 10 s: the drill started a "
                          "separate `hunter worker`")
        replacement = Workers(1, self.env, self.work / "logs" / f"worker-{len(self.workers) + 1}")
        ready_s = replacement.start()
        self.workers.append(replacement)
        return {"killed_pid": pid, "replacement_pid": replacement.procs[0].pid, "restarted_by": "drill",
                "waited_for_serve_s": 10, "replacement_ready_s": round(ready_s, 2)}

    def restart_broker(self, down_seconds: float, api_back: Callable[[], None]) -> dict[str, object]:
        t0 = time.monotonic()
        for workers in self.workers:
            workers.stop()
        self.serve.stop()
        stopped = time.monotonic()
        time.sleep(down_seconds)
        self.serve_restarts += 1
        back: list[float] = []

        def answering() -> None:
            back.append(time.monotonic())
            api_back()

        self._start_serve(answering)
        return {"how": "hunter serve (API, worker, beat) and replacement workers stopped with SIGTERM, "
                       "serve started again", "stop_s": round(stopped - t0, 2),
                "api_down_s": round(back[0] - stopped, 2), "worker_back_s": round(time.monotonic() - stopped, 2)}

    def stop(self) -> None:
        for workers in self.workers:
            workers.stop()
        self.serve.stop()


class DistributedShape(Shape):
    """PostgreSQL (a fresh database, created and dropped by the caller), a private Redis as broker (a random
    database number 1..15 on it), ``hunter serve --no-worker``, ``hunter worker``, ``hunter beat``.

    Broker restart: the private ``redis-server`` is stopped with SIGTERM (it writes its append-only file),
    kept down for ``down_seconds``, and started again on the same port with the same files: every client
    connection (API, worker, beat) drops and must reconnect; queued messages survive as they would on a
    production Redis with persistence.
    """

    name = "distributed"

    def __init__(self, work: Path, base_env: dict[str, str], database_url: str) -> None:
        super().__init__(work, base_env)
        self.redis = RedisServer(work / "redis")
        self.db_number = random.randint(1, 15)
        self._database_url = database_url
        self.env.update(HUNTER_DATABASE_URL=database_url,
                        HUNTER_BROKER_URL=f"redis://127.0.0.1:{self.redis.port}/{self.db_number}")
        clean = worker_env(self.env)
        self.api = Service(["serve", "--no-worker", "--port", str(self.port)], clean, work / "logs" / "api.log")
        self.beat = Service(["beat"], clean, work / "logs" / "beat.log")

    def database_url(self) -> str:
        return self._database_url

    def start(self) -> None:
        self.redis.start()
        self.api.start()
        wait_http_ready(self.base_url, self.api.proc)  # serve migrates the database first
        first = Workers(1, self.env, self.work / "logs" / "worker-0")
        first.start()
        self.workers.append(first)
        self.beat.start()

    def worker_pid(self) -> int | None:
        return self._live_replacement()

    def restart_broker(self, down_seconds: float, api_back: Callable[[], None]) -> dict[str, object]:
        t0 = time.monotonic()
        self.redis.stop()
        stopped = time.monotonic()
        time.sleep(down_seconds)
        self.redis.start()
        return {"how": f"private redis-server (port {self.redis.port}, append-only file) stopped with SIGTERM "
                       "and started again", "stop_s": round(stopped - t0, 2),
                "broker_down_s": round(time.monotonic() - stopped, 2)}

    def stop(self) -> None:
        self.beat.stop()
        for workers in self.workers:
            workers.stop()
        self.api.stop()
        self.redis.stop()
