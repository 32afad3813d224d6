"""Registration through the HTTP API: the lead detail's block, the filters "expires within N days" and
"registered after", and the export's registrar / registered / expires columns (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from api_helpers import seed_scanned
from api_support import LiveApi

from leadhunter.db import companies_repo, registration_repo
from leadhunter.domain.registration import RegistrationFacts, RegistrationOutcome, RegistrationSource, Withheld, unknown
from leadhunter.runtime import session_factory

NOW = datetime.now(UTC).replace(microsecond=0)


def _seed(api: LiveApi) -> None:
    factory = session_factory(api.settings.database())
    seed_scanned(factory, 4)
    records = {
        "acme-000.com.tr": RegistrationFacts(
            "acme-000.com.tr", RegistrationOutcome.OK, RegistrationSource.WHOIS, server="whois.trabis.gov.tr:43",
            fetched_at=NOW, registrar="Natro", created=NOW - timedelta(days=4000), expires=NOW + timedelta(days=10),
            nameservers=("ns1.natrohost.com",), withheld=(Withheld("registrant_organization", "Hidden upon user "
                                                                                          "request"),)),
        "acme-001.com.tr": RegistrationFacts(
            "acme-001.com.tr", RegistrationOutcome.OK, RegistrationSource.WHOIS, fetched_at=NOW, registrar="İHS",
            created=NOW - timedelta(days=30), expires=NOW + timedelta(days=335)),
        "acme-002.com.tr": unknown("acme-002.com.tr", "WHOIS server timed out after 10 s",
                                   source=RegistrationSource.WHOIS),
    }
    with factory.begin() as session:
        companies = companies_repo.get_by_domains(session, records)
        for domain, facts in records.items():
            registration_repo.store(session, companies[domain].id, facts, NOW, None)


def test_lead_detail_has_the_registration_block(api: LiveApi) -> None:
    _seed(api)
    block = api.client.get("/api/leads/acme-000.com.tr").json()["registration"]
    assert (block["outcome"], block["source"], block["registrar"]) == ("ok", "whois", "Natro")
    assert block["days_until_expiry"] in (9, 10) and block["fetched_at"] and block["checked_at"]
    assert block["registrant_organization"] is None
    assert block["withheld"] == {"registrant_organization": "Hidden upon user request"}
    failed = api.client.get("/api/leads/acme-002.com.tr").json()["registration"]
    assert failed["outcome"] == "unknown" and "timed out" in failed["last_error"]
    assert api.client.get("/api/leads/acme-003.com.tr").json()["registration"] is None


def test_filters_expires_within_and_registered_after(api: LiveApi) -> None:
    _seed(api)

    def domains(**params: object) -> list[str]:
        body = api.client.get("/api/leads", params={"sort": "domain", **params}).json()
        return [item["domain"] for item in body["items"]]

    assert domains(expires_within_days=30) == ["acme-000.com.tr"]
    assert domains(expires_within_days=400) == ["acme-000.com.tr", "acme-001.com.tr"]
    assert domains(registered_after=(NOW - timedelta(days=60)).date().isoformat()) == ["acme-001.com.tr"]
    assert domains(expires_within_days=30, registered_after=(NOW - timedelta(days=60)).date().isoformat()) == []
    bad = api.client.get("/api/leads", params={"expires_within_days": -1})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    assert api.client.get("/api/leads", params={"registered_after": "yesterday"}).status_code == 422


def test_export_has_registrar_registered_and_expires(api: LiveApi) -> None:
    _seed(api)
    response = api.client.get("/api/leads/export", params={"format": "csv", "sort": "domain"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_domain = {row["ascii_domain"]: row for row in rows}
    assert (by_domain["acme-000.com.tr"]["registrar"], by_domain["acme-000.com.tr"]["expires"]) == (
        "Natro", (NOW + timedelta(days=10)).date().isoformat())
    assert by_domain["acme-001.com.tr"]["registered"] == (NOW - timedelta(days=30)).date().isoformat()
    assert by_domain["acme-002.com.tr"]["registrar"] == "" and by_domain["acme-003.com.tr"]["expires"] == ""
    filtered = api.client.get("/api/leads/export", params={"format": "csv", "expires_within_days": 30})
    assert len(list(csv.DictReader(io.StringIO(filtered.content.decode("utf-8-sig"))))) == 1
