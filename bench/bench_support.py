"""Pieces the integration benchmarks (``referrals_bench.py``, ``d365_bench.py``) share: the fakes run in a child
process spoken to by a line protocol, and a fresh database per run."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class FakesProcess:
    """A child process (``script`` run with ``args``) serving the fakes: it prints one JSON line when ready and
    one per command read from its stdin; ``quit`` ends it. Its own interpreter keeps the fakes' threads off
    the measured process's GIL."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, script, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.info = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the fakes' process ended")
        value: dict[str, Any] = json.loads(line)
        return value

    def ask(self, command: str) -> dict[str, Any]:
        """Send ``command``; its JSON answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        """Ask the process to quit and wait for it (30 s at most)."""
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


def fresh_database(kind: str, tmp: Path, prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh database URL (``kind`` ``sqlite``: a new file under ``tmp``; ``postgresql``: a new database
    named ``<prefix>_<random>``) and the callable that drops it (closing this process's pool first)."""
    from sqlalchemy import create_engine

    if kind == "sqlite":
        return f"sqlite:///{tmp / f'{prefix}-{uuid.uuid4().hex[:6]}' / 'hunter.db'}", lambda: None
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    def drop() -> None:
        from leadhunter.runtime import session_factory

        session_factory(url).kw["bind"].dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

    return url, drop
