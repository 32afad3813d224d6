"""``hunter d365 check`` and ``hunter d365 push`` against the fake Entra and the fake Dataverse over HTTPS: each
check answered pass/fail with its reason and a non-zero exit on any failure, the flag off, and a push by
domain. (Sentry breadcrumbs are checked in a real worker: tests/jobs/test_d365_jobs.py.)"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.dataverse_server import DataverseServer
from leadhunter.cli.main import app
from services.d365_env import D365Env, d365_fixture, sqlite_template_fixture  # noqa: F401  (fixtures)


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: the commands' SQL is the services', tested on both databases elsewhere."""
    target = tmp_path / "data" / "hunter.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def _env(d365: D365Env, org: DataverseServer | None = None, **overrides: str) -> dict[str, str]:
    """HUNTER_* variables of an instance wired to the fakes (push on unless overridden)."""
    values = {"HUNTER_DATA_DIR": str(d365.data_dir), "HUNTER_DATABASE_URL": d365.url, "HUNTER_D365_ENABLED": "true",
              "HUNTER_D365_ORG_URL": (org or d365.dataverse).org_url, "HUNTER_D365_AUTHORITY": d365.entra.base_url,
              "HUNTER_D365_TENANT_ID": "5d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
              "HUNTER_D365_CLIENT_ID": "d365-app-0000-0000-0000-000000000001",
              "HUNTER_D365_CLIENT_SECRET": "d365~secret", "HUNTER_D365_CA_FILE": d365.certificate[0],
              "HUNTER_TENANT_DISCOVERY": "false", "HUNTER_D365_RETRY_BACKOFF": "0.05"}
    values.update(overrides)
    return values


def _run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> tuple[int, str]:
    for name in [n for n in os.environ if n.startswith("HUNTER_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_check_passes_each_question_against_a_well_set_up_org(d365: D365Env, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(monkeypatch, _env(d365), "d365", "check")
    assert code == 0, out
    lines = out.splitlines()
    for name in ("token", "metadata", "upsert mode", "columns", "choice hnt_huntertenantsize", "choice hnt_source",
                 "choice leadsourcecode", "test lead upsert", "test lead cleanup"):
        assert any(line.startswith(f"PASS  {name}: ") for line in lines), (name, out)
    assert "upsert by the alternate key on hnt_domain" in out and "9/9 checks passed" in out
    assert d365.dataverse.leads == []  # the test lead was cleaned up


@pytest.fixture
def picky_org(d365: D365Env) -> Iterator[DataverseServer]:
    """An org whose tenant-size choice lacks the "large" value Hunter's mapping sends."""
    with DataverseServer(d365.entra, certificate=d365.certificate,
                         choices={"hnt_huntertenantsize": [816940000, 816940001]}) as server:
        yield server


def test_check_fails_with_the_reason_and_a_nonzero_exit(d365: D365Env, picky_org: DataverseServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(monkeypatch, _env(d365, picky_org), "d365", "check")
    assert code == 1
    assert "FAIL  choice hnt_huntertenantsize: values [816940002] not in the org's options" in out
    assert "PASS  token:" in out and "PASS  test lead upsert:" in out and "failed: choice hnt_huntertenantsize" in out

    code, out = _run(monkeypatch, _env(d365, HUNTER_D365_CLIENT_SECRET="wrong"), "d365", "check")
    assert code == 1
    assert "FAIL  token:" in out and "FAIL  test lead upsert: skipped: no token" in out

    code, out = _run(monkeypatch, _env(d365, HUNTER_D365_TENANT_ID=""), "d365", "check")
    assert code == 2 and "FAIL  configuration: Dynamics 365 is not configured: set HUNTER_D365_TENANT_ID" in out


def test_flag_off_refuses_and_calls_nobody(d365: D365Env, monkeypatch: pytest.MonkeyPatch) -> None:
    for command in (["check"], ["push", "--domain", "lead-0000.com.tr"]):
        code, out = _run(monkeypatch, _env(d365, HUNTER_D365_ENABLED="false"), "d365", *command)
        assert code == 2 and "HUNTER_D365_ENABLED=true" in out
    assert d365.dataverse.calls == [] and d365.entra.requests == []


def test_push_by_domain_prints_each_outcome(d365: D365Env, monkeypatch: pytest.MonkeyPatch) -> None:
    d365.seed(2)
    d365.dataverse.fail_writes("lead-0001.com.tr", 400)
    code, out = _run(monkeypatch, _env(d365), "d365", "push", "-d", "lead-0000.com.tr", "-d", "lead-0001.com.tr",
                     "-d", "unknown.example")
    assert code == 1
    assert "synced   lead-0000.com.tr: https://" in out and "unknown lead: unknown.example" in out
    assert "error    lead-0001.com.tr: validation" in out
    assert d365.leads_per_domain() == {"lead-0000.com.tr": 1}
    code, out = _run(monkeypatch, _env(d365), "d365", "status")
    assert code == 0 and "push: on" in out and "synced 1" in out and "error lead-0001.com.tr: [validation]" in out
