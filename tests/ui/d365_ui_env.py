"""Set-up for the D365 browser tests: the live API (uvicorn on a free loopback port) over a SQLite copy of the
migrated template, with the D365 push turned on and wired to the fake Entra + fake Dataverse over HTTPS
(``services.d365_env``). The Celery push task is stood in for by :class:`Pushes`: in ``record`` mode it only
records what the API dispatched, so a test sees the leads ``queued`` and the job's progress at 0 before it
runs the pushes itself (:meth:`Pushes.run_all`); in ``inline`` mode it pushes at once, inside the request.

Import into a test module with ``from d365_ui_env import d365_fixture, db_url_fixture, sqlite_template_fixture,
d365_ui_fixture  # noqa: F401``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from leadhunter.api.app import create_app
from leadhunter.db.d365_models import D365LeadSync
from leadhunter.db.models import utcnow
from leadhunter.integrations.d365 import DataverseClient
from leadhunter.services import d365_push
from leadhunter.services.d365_push import PushRequest
from live_server import serve_app
from services.d365_env import FAST, D365Env, d365_fixture, sqlite_template_fixture

__all__ = ["D365Ui", "Pushes", "d365_fixture", "d365_ui_fixture", "db_url_fixture", "seed_states",
           "sqlite_template_fixture"]


@pytest.fixture(name="db_url")
def db_url_fixture(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only (the browser tests are about the UI; the push service is tested on PostgreSQL too)."""
    target = tmp_path / "data" / "hunter.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


@dataclass
class Pushes:
    """Stands in for the ``push_lead_to_d365`` task: records each dispatched request; runs it when told."""

    env: D365Env
    client: DataverseClient
    mode: str = "record"
    requests: list[PushRequest] = field(default_factory=list)
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: PushRequest) -> None:
        with self.lock:
            self.requests.append(request)
        if self.mode == "inline":
            self.run_all()

    def run_all(self) -> int:
        """Run every request not run yet (as a worker would: single pushes alone, bulk chunks via $batch)."""
        with self.lock:
            todo = self.requests[self.done:]
            self.done = len(self.requests)
        for request in todo:
            if request.count == 1:
                d365_push.push_lead(self.env.factory, self.client, request.company_ids[0], options=FAST)
            else:
                self.env.drain(self.client, request.job_id, request.chunks)
        return len(todo)


@dataclass
class D365Ui:
    """A running API with D365 on: its URL, an httpx client, the fakes and the stand-in push task."""

    url: str
    api: httpx.Client
    env: D365Env
    pushes: Pushes
    ids: list[int]


def serve(env: D365Env, pushes: Pushes, ids: list[int], **overrides: Any) -> Iterator[D365Ui]:
    app = create_app(env.settings(**overrides), dispatch=lambda job, chunk: None, broker_probe=lambda: "ok")
    app.state.d365_dispatch = pushes
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30, trust_env=False) as api:
        yield D365Ui(url, api, env, pushes, ids)


@pytest.fixture(name="d365_ui")
def d365_ui_fixture(d365: D365Env) -> Iterator[D365Ui]:
    """Six scanned leads ``lead-0000.com.tr`` … ``lead-0005.com.tr`` (odd ones M365), D365 on, pushes recorded."""
    ids = d365.seed(6)
    yield from serve(d365, Pushes(d365, d365.client()), ids)


SYNCED_ID = "6f1e2d3c-0000-4000-8000-000000000003"
SEEDED_ERROR = "hnt_segment: the value 'Migration' is not a valid option"


def seed_states(env: D365Env, ids: list[int]) -> None:
    """Stored push states for the badges: ids[0] never pushed, [1] queued (after a throttled attempt),
    [2] in progress, [3] synced, [4] error (validation, 3 attempts); the rest stay unpushed."""
    now = utcnow()
    earlier = now - timedelta(hours=3, minutes=30)  # shown as "3 h ago" for the next half hour
    rows = [
        D365LeadSync(company_id=ids[1], status="queued", attempts=1, queued_at=now, last_push_at=earlier,
                     last_error="Too many requests (429)", error_category="throttled"),
        D365LeadSync(company_id=ids[2], status="in_progress", attempts=1, queued_at=now, last_push_at=now),
        D365LeadSync(company_id=ids[3], status="synced", attempts=1, d365_lead_id=SYNCED_ID,
                     record_url=f"https://org.example.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id={SYNCED_ID}",
                     last_push_at=earlier, synced_at=earlier),
        D365LeadSync(company_id=ids[4], status="error", attempts=3, last_push_at=earlier,
                     last_error=SEEDED_ERROR, error_category="validation"),
    ]
    with env.factory.begin() as session:
        session.add_all(rows)
