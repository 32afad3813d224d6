"""``hunter partner-center login|sync|status`` as a user runs them (subprocesses), against the fake Entra and the
fake Partner Center over HTTPS."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

from fakes.entra_tokens import VERIFICATION_URI
from fakes.partner_center_data import generate_referrals
from services.referral_env import USER, PcEnv, db_url, incoming, pc_env  # noqa: F401

HUNTER = [sys.executable, "-m", "leadhunter.cli.main", "partner-center"]


def _run(env: PcEnv, *args: str, enabled: bool = True) -> subprocess.CompletedProcess[str]:
    settings = env.settings()
    variables = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    variables.update({
        "HUNTER_DATA_DIR": str(env.data_dir), "HUNTER_DATABASE_URL": env.url,
        "HUNTER_BROKER_URL": f"sqla+sqlite:///{env.data_dir / 'broker.db'}",
        "HUNTER_PARTNER_CENTER_ENABLED": "true" if enabled else "false",
        "HUNTER_PARTNER_CENTER_BASE_URL": env.pc.base_url, "HUNTER_PARTNER_CENTER_AUTHORITY": env.entra.base_url,
        "HUNTER_PARTNER_CENTER_CLIENT_ID": settings.partner_center_client_id,
        "HUNTER_PARTNER_CENTER_TENANT": settings.partner_center_tenant,
        "HUNTER_PARTNER_CENTER_TOKEN_CACHE": str(env.data_dir / "login-cache.json"),
        "HUNTER_PARTNER_CENTER_CA_FILE": env.pc.ca_file, "HUNTER_PARTNER_CENTER_RATE_PER_SECOND": "1000",
    })
    return subprocess.run([*HUNTER, *args], env=variables, capture_output=True, text=True, timeout=180, check=False)


def test_login_sync_status(pc_env: PcEnv) -> None:  # noqa: F811
    pc_env.pc.add_referrals(generate_referrals(25, seed=41))
    asked = len(pc_env.pc.requests)
    off = _run(pc_env, "sync", enabled=False)
    assert off.returncode == 2 and "HUNTER_PARTNER_CENTER_ENABLED=true" in off.stderr
    assert len(pc_env.pc.requests) == asked

    not_yet = _run(pc_env, "sync")  # enabled, but nobody signed in: a clear state, exit 1, no traceback
    assert not_yet.returncode == 1 and "sign_in_required" in not_yet.stdout and "Traceback" not in not_yet.stderr

    pc_env.entra.auto_approve_devices(username=USER, after_polls=1)
    login = _run(pc_env, "login", "--timeout", "60")
    assert login.returncode == 0, login.stderr
    assert re.search(rf"open {re.escape(VERIFICATION_URI)} and enter the code [A-Z0-9]{{6,}}", login.stdout)
    assert f"signed in as {USER}" in login.stdout
    cache = pc_env.data_dir / "login-cache.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600

    synced = _run(pc_env, "sync", "--no-scan")
    assert synced.returncode == 0, synced.stderr
    assert f"ok; {len(incoming(pc_env.pc))} seen, {len(incoming(pc_env.pc))} new" in synced.stdout
    status = _run(pc_env, "status")
    assert status.returncode == 0 and "sync: OK" in status.stdout and f"token cache: {cache}" in status.stdout
