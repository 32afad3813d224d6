"""`hunter demo` as a newcomer runs it: a real process seeding its own data directory and serving it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

HUNTER = [sys.executable, "-m", "leadhunter.cli.main", "demo"]


def _env() -> dict[str, str]:
    # A user's HUNTER_* settings (a PostgreSQL URL, say) must not matter: the demo uses its own files.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env["HUNTER_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/not-used"
    return env


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUNTER, "--data-dir", str(tmp_path / "demo"), "--companies", "120", "--no-serve", *args],
                          capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=300, check=False)


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT domain, name, provider, gateway, score, category, scan_status, "
                            "(SELECT count(*) FROM scans s WHERE s.company_id = c.id), "
                            "(SELECT count(*) FROM company_changes h WHERE h.company_id = c.id) "
                            "FROM companies c ORDER BY domain").fetchall()


def test_seeds_once_keeps_the_data_and_reset_generates_the_same_again(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "generated 120 companies" in first.stdout
    db = tmp_path / "demo" / "hunter.db"
    seeded = _rows(db)
    assert len(seeded) == 120 and sum(r[8] for r in seeded) > 0  # type: ignore[misc]

    again = _demo(tmp_path, "--companies", "50")
    assert again.returncode == 0 and "using the 120 companies already there" in again.stdout
    assert _rows(db) == seeded

    reset = _demo(tmp_path, "--reset")
    assert reset.returncode == 0 and "generated 120 companies" in reset.stdout
    assert _rows(db) == seeded  # same seed, same companies, same verdicts and history

    other = _demo(tmp_path, "--reset", "--seed", "7")
    assert other.returncode == 0 and _rows(db) != seeded


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _wait_ready(client: httpx.Client, proc: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "hunter demo exited early"
        try:
            response = client.get("/healthz/ready")
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the demo server never became ready")


def test_serves_the_demo_and_a_rescan_without_network_finishes(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([*HUNTER, "--data-dir", str(tmp_path / "demo"), "--companies", "200", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=tmp_path)
    children: list[int] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False) as client:
            assert _wait_ready(client, proc)["status"] == "ok"
            children = _children(proc.pid)
            assert len(children) == 2  # the worker and the scheduler of the embedded shape
            _check_integrations(client)
            leads = client.get("/api/leads", params={"page_size": 50}).json()
            assert leads["total"] == 200 and len(leads["items"]) == 50
            assert {i["category"] for i in leads["items"]} <= {"P1", "P2", "P3", "P4", "P5", "P6", None}
            m365 = client.get("/api/leads", params={"provider": "M365", "page_size": 1}).json()["items"][0]
            detail = client.get(f"/api/leads/{m365['domain']}").json()
            assert detail["breakdown"] and detail["evidence"] and detail["report"]["provider"] == "M365"

            job = client.post(f"/api/leads/{m365['domain']}/rescan").json()
            deadline = time.monotonic() + 120
            while (state := client.get(f"/api/jobs/{job['job_id']}").json())["status"] != "done":
                assert time.monotonic() < deadline, state
                time.sleep(0.5)
            assert (state["partial"], state["failed"]) == (1, 0)
            after = client.get(f"/api/leads/{m365['domain']}").json()
            assert after["scan_status"] == "partial" and len(after["history"]) == len(detail["history"]) + 1
            assert client.get("/healthz/ready").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output = proc.communicate(timeout=90)[0]
        except subprocess.TimeoutExpired:  # stuck, or its children hold the pipe open: stop them, then fail
            for pid in [proc.pid, *children]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, output
    assert "generated 200 companies" in output
    for child in children:  # the worker and the scheduler stopped with it
        assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()


def _check_integrations(client: httpx.Client) -> None:
    """Issue 16: Partner Center and Dynamics 365 are on (built-in stand-ins), with referrals of every type and
    status linked to demo companies, leads in every D365 state, and alerts."""
    assert client.get("/api/referrals/sync-status").json()["enabled"] is True
    assert client.get("/api/d365/status").json()["status"] == "enabled"
    referrals = client.get("/api/referrals", params={"page_size": 100}).json()["items"]
    seen = {(r["lead_type"], r["status"], r["substatus"]) for r in referrals if r["lead_domain"]}
    for lead_type in ("co-sell", "marketplace", "solution-provider"):
        for status in (("New", "Pending"), ("New", "Received"), ("Active", "Accepted"), ("Closed", "Won"),
                       ("Closed", "Lost"), ("Closed", "Declined"), ("Closed", "Expired")):
            assert (lead_type, *status) in seen, (lead_type, status)
    for state in ("not_synced", "queued", "in_progress", "synced", "error"):
        found = client.get("/api/leads", params={"d365_status": state, "page_size": 1}).json()
        assert found["total"] > 0, state
    synced = client.get("/api/leads", params={"d365_status": "synced", "page_size": 1}).json()["items"][0]
    assert synced["d365_url"].startswith("https://127.0.0.1:")  # a record in the stand-in Dataverse
    assert client.get("/api/alerts").json()["items"]
