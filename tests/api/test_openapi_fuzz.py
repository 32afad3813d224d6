"""schemathesis over the live API's OpenAPI schema, on SQLite and on PostgreSQL: no request it generates may
get a server error, and every answer must be one the schema documents (status, content type, body shape).

The schema is loaded from the live server's ``/openapi.json`` when the test runs (one test per backend, each
operation a subtest whose failure report names it and gives a curl line): schemathesis builds its boundary
cases for every operation when it builds the tests, and doing that at collection time instead would make
every xdist worker pay for it on every run of tests/api. Generation is derandomized: the same cases every run.
Most success bodies are documented as free-form objects (the routes return dicts), so the body-shape check
bites on the error bodies, which all have one documented shape.

Checks, and why the others are left out:

- ``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``, ``response_headers_conformance``: all in.
- ``positive_data_acceptance`` is out: the schema cannot state every rule, so schema-valid requests are
  rightly refused with a 422 (``score_min`` above ``score_max``, "0" is no company domain, an empty file).
- ``negative_data_rejection`` is out: its type mutations of query parameters are false alarms — on the wire
  a query value is always text, so ``category=0.0`` is a valid string, not "a number where an array was".
- ``unsupported_method`` / ``allow_header_conformance`` are out: the 405 and its ``Allow`` header come from
  the framework (Starlette names only the first route matching the path), not from this API's code.
- The stateful checks (``use_after_free``, ``ensure_resource_availability``) need DELETE operations and
  links between operations, which this API does not have; ``ignored_auth`` is covered by the auth tests
  in test_ingest_api.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
from api_helpers import report_for, seed_scanned
from api_support import BACKENDS, LiveApi, settings_for, start_api
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.runtime import session_factory
from leadhunter.services.api_keys import create_key
from leadhunter.services.scan_jobs import store_report

MAX_EXAMPLES = 15
"""Random cases per operation and backend (the fuzzing phase, valid and invalid together); schemathesis adds
its deterministic boundary cases (the coverage phase: 10 to 200 an operation) on top. About 3,000 requests in
all; raise it locally to search harder."""

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

# The coverage phase also tries unexpected methods (OPTIONS, TRACE …): only the left-out method checks judge
# those answers, so they would be requests for nothing.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})


@dataclass
class FuzzTarget:
    """A live, seeded API, an API key for the webhook (the one route that always needs a key), and an HTTP
    session that reuses connections and ignores proxy variables."""

    api: LiveApi
    key: str
    http: requests.Session


def _seed(api: LiveApi) -> str:
    """Rows for every kind of id the paths take (jobs, imports, alerts, leads) and a key that the rate limit
    will not stop; returns the key."""
    factory = session_factory(api.settings.database())
    seed_scanned(factory, 30, name="=Formula & Şirket")
    with factory.begin() as session:
        company = companies_repo.get_by_domains(session, ["acme-001.com.tr"])["acme-001.com.tr"]
        store_report(session, company, report_for("acme-001.com.tr", 0), None, utcnow())  # → alerts
        key, _ = create_key(session, "fuzz", rate_per_minute=1_000_000)
    upload = api.client.post("/api/imports", files={"file": ("leads.csv", io.BytesIO(b"Domain\nfuzz.com.tr\n"))})
    scan = api.client.post("/api/scans", json={"domains": ["contoso.com.tr", "gmail.com"]})
    assert (upload.status_code, scan.status_code) == (202, 202), (upload.text, scan.text)
    return key


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One seeded API per backend for the whole module (and xdist worker): the cases add and change rows, and
    every check holds whatever rows exist."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    url = f"sqlite:///{data_dir / 'hunter.db'}" if request.param == "sqlite" else request.getfixturevalue(
        "pg_module_url")
    for api in start_api(settings_for(data_dir, url), []):
        with requests.Session() as http:
            http.trust_env = False
            yield FuzzTarget(api, _seed(api), http)


@pytest.fixture
def live_schema(request: pytest.FixtureRequest, fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    """The schema the live server serves."""
    # schemathesis 4.32 names each operation's subtest through ``node._nodeid``, which pytest 9 renamed; give
    # it the attribute it reads (it is read right after this fixture, and only for reporting).
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_url(f"{fuzz_target.api.url}/openapi.json", config=CONFIG)


schema = schemathesis.pytest.from_fixture("live_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_get_no_server_error_and_documented_answers(case: Case, fuzz_target: FuzzTarget) -> None:
    case.call_and_validate(session=fuzz_target.http, headers={"X-API-Key": fuzz_target.key}, checks=CHECKS)
