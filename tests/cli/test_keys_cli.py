"""`hunter keys create --role --owner` in a real process: the key is printed once, stored with its role and
owner, works against the API with that role, and its creation is in the activity log."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

HUNTER = [sys.executable, "-m", "leadhunter.cli.main", "keys"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env["HUNTER_DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "data").mkdir(exist_ok=True)
    return subprocess.run([*HUNTER, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                          check=False)


def test_create_with_role_and_owner_then_list(tmp_path: Path) -> None:
    made = _run(tmp_path, "create", "nightly export", "--role", "viewer", "--owner", "ops@contoso.example")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("hk_") and "viewer key" in made.stdout
    with sqlite3.connect(tmp_path / "data" / "hunter.db") as conn:
        assert conn.execute("SELECT role, owner, key_hash != ? FROM api_keys", (key,)).fetchall() == [
            ("viewer", "ops@contoso.example", 1)]
        assert conn.execute("SELECT actor, action FROM activity").fetchall() == [("cli", "key.create")]
    listed = _run(tmp_path, "list")
    assert "viewer" in listed.stdout and "ops@contoso.example" in listed.stdout and key not in listed.stdout
    refused = _run(tmp_path, "create", "x", "--role", "root")
    assert refused.returncode != 0 and "role must be one of" in refused.stderr
