"""Seed data and a live API with brief settings, for the brief and PDF API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import LiveApi, settings_for, start_api

from footprint_reports import footprint_report
from leadhunter.db import companies_repo
from leadhunter.db.models import utcnow
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.runtime import session_factory
from leadhunter.services.company_size import refresh_sizes
from leadhunter.services.scan_jobs import store_report

OKTA = "https://contoso.okta.com/app/office365/sso/wsfed/passive"
LEADS = {
    "full.com.tr": footprint_report("full.com.tr", intune=True, teams=True, registration=True, web="azure"),
    "aws.com": footprint_report("aws.com", web="aws", ns="aws", tenant=OKTA),
    "gmail-co.com": footprint_report("gmail-co.com", mail="google", tenant="none", web="google"),
    "plain.com": footprint_report("plain.com"),
}
BRIEF_SETTINGS = {"brief_partner_name": "Contoso Bilişim", "brief_seller_signature": "Ayşe Yılmaz",
                  "brief_currency": "USD"}


@pytest.fixture
def brief_api(tmp_path: Path, database_url: str) -> Iterator[LiveApi]:
    """A live API whose brief settings name a partner, a seller and a currency."""
    yield from start_api(settings_for(tmp_path / "data", database_url, **BRIEF_SETTINGS), [])


def seed(api: LiveApi, names: dict[str, str] | None = None) -> None:
    """Store the leads, an import row with an employees column, a co-sell referral, and their sizes."""
    with session_factory(api.settings.database()).begin() as session:
        companies = companies_repo.upsert_companies(session, [(d, d, (names or {}).get(d))
                                                              for d in [*LEADS, "new.com"]])
        companies_repo.add_raw_leads(session, "import", [({"Firma": "Gmail Co", "Çalışan Sayısı": "250"},
                                                          companies["gmail-co.com"].id)])
        session.add(PartnerCenterReferral(referral_id="R-9", lead_type="co-sell", payload_hash="h", raw={},
                                          company_id=companies["full.com.tr"].id, link_status="linked",
                                          customer_size="Morethan500employees"))
        session.flush()
        for domain, report in LEADS.items():
            store_report(session, companies[domain], report, None, utcnow())
        refresh_sizes(session, [(companies[d], r) for d, r in LEADS.items()])
