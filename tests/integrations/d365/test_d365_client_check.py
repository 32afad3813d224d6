"""`check()` (behind `hunter d365 check`) against good and broken fake orgs: each answer pass/fail with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from d365_helpers import ClientFactory

from fakes.dataverse_server import DataverseServer
from fakes.entra_server import EntraServer
from leadhunter.integrations.d365 import CheckResult

ALL_CHECKS = ["token", "metadata", "upsert mode", "columns", "choice hnt_huntertenantsize", "choice hnt_source",
              "choice leadsourcecode", "test lead upsert", "test lead cleanup"]  # fmt: skip


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


@pytest.fixture
def broken_org(
    request: pytest.FixtureRequest, entra: EntraServer, certificate: tuple[str, str]
) -> Iterator[DataverseServer]:
    """An org built from the test's parameters (keyword arguments of DataverseServer)."""
    with DataverseServer(entra, certificate=certificate, **request.param) as server:
        yield server


@pytest.mark.parametrize("org", ["dataverse", "dataverse_nokey"])
def test_check_passes_on_a_well_configured_org_and_cleans_up(
    org: str, request: pytest.FixtureRequest, make_client: ClientFactory
) -> None:
    server: DataverseServer = request.getfixturevalue(org)
    results = make_client(server).check()
    assert [r.name for r in results] == ALL_CHECKS
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    checks = _by_name(results)
    assert "created lead" in checks["test lead upsert"].reason
    expected_mode = "upsert by the alternate key" if org == "dataverse" else "no Active alternate key"
    assert expected_mode in checks["upsert mode"].reason
    assert server.leads == []  # the test lead was deleted again


def test_check_without_cleanup_is_idempotent(dataverse: DataverseServer, make_client: ClientFactory) -> None:
    client = make_client(dataverse)
    for _ in range(2):
        assert all(r.passed for r in client.check(cleanup=False))
    assert [r["hnt_domain"] for r in dataverse.leads] == ["hunter-check.invalid"]
    assert "updated lead" in _by_name(client.check(cleanup=False))["test lead upsert"].reason


def test_check_reports_refused_credentials_and_skips_the_rest(
    dataverse: DataverseServer, make_client: ClientFactory
) -> None:
    results = _by_name(make_client(dataverse, client_secret="not-the-secret").check())
    assert not results["token"].passed and "invalid_client" in results["token"].reason
    assert results["test lead upsert"].reason == "skipped: no token"
    assert dataverse.calls == []


@pytest.mark.parametrize("broken_org", [{"missing_columns": ("hnt_referraltype",)}], indirect=True)
def test_check_reports_a_column_the_org_lacks(broken_org: DataverseServer, make_client: ClientFactory) -> None:
    results = _by_name(make_client(broken_org).check())
    assert not results["columns"].passed and "hnt_referraltype" in results["columns"].reason
    assert not results["test lead upsert"].passed and "validation" in results["test lead upsert"].reason
    assert results["choice hnt_source"].passed and results["token"].passed


@pytest.mark.parametrize("broken_org", [{"choices": {"hnt_source": [816940000]}}], indirect=True)
def test_check_reports_choice_values_the_org_does_not_accept(
    broken_org: DataverseServer, make_client: ClientFactory
) -> None:
    results = _by_name(make_client(broken_org).check())
    assert not results["choice hnt_source"].passed
    assert "[816940001, 816940002]" in results["choice hnt_source"].reason
    assert results["choice hnt_huntertenantsize"].passed and results["columns"].passed
    assert not results["test lead upsert"].passed and "HTTP 400" in results["test lead upsert"].reason


def test_check_fails_the_mode_when_a_key_is_required_but_missing(
    dataverse_nokey: DataverseServer, make_client: ClientFactory
) -> None:
    results = _by_name(make_client(dataverse_nokey, alternate_key=True).check())
    assert not results["upsert mode"].passed and "no Active key on hnt_domain" in results["upsert mode"].reason
    assert not results["test lead upsert"].passed  # PATCH by a key the org does not have: 400


def test_check_reports_an_unreachable_org(dataverse: DataverseServer, make_client: ClientFactory) -> None:
    dataverse.down = "503"
    results = _by_name(make_client(dataverse).check())
    assert results["token"].passed
    assert not results["metadata"].passed and "HTTP 503" in results["metadata"].reason
    assert not results["test lead upsert"].passed and "transient" in results["test lead upsert"].reason
