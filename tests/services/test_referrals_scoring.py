"""Referral signals in the score: a co-sell referral adds the rule file's bonus, and a referral's tenant id is
M365 evidence that survives a rescan where DNS shows nothing Microsoft — both in the breakdown/evidence."""

from __future__ import annotations

import asyncio
from pathlib import Path

from referral_env import referral
from sqlalchemy import select

from fakes.dns_server import FakeDnsServer
from leadhunter.config import Settings
from leadhunter.db import companies_repo
from leadhunter.db.models import Company, utcnow
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.runtime import scan_options, session_factory
from leadhunter.services import scan_jobs
from leadhunter.services.referral_ingest import ingest_batch

TENANT = "5e0b6c1a-2d3f-4a5b-9c8d-7e6f5a4b3c2d"


def _google_partial(dns: FakeDnsServer, domain: str) -> None:
    """Google MX and SPF, no DKIM, no DMARC: a middling score, so the bonus is not lost to the 100 clamp."""
    dns.add(domain, "MX", "1 aspmx.l.google.com")
    dns.add(domain, "TXT", "v=spf1 include:_spf.google.com ~all")


def _self_hosted(dns: FakeDnsServer, domain: str) -> None:
    """The company's own mail server: nothing Microsoft anywhere in DNS."""
    dns.add(domain, "MX", f"10 mail.{domain}")
    dns.add(f"mail.{domain}", "A", "198.51.100.25")
    dns.add(domain, "TXT", "v=spf1 mx a -all")


def _scan_all(url: str, dns: FakeDnsServer, tmp_path: Path) -> dict[str, Company]:
    factory = session_factory(url)
    options = scan_options(Settings(data_dir=tmp_path, dns_nameservers=dns.address, tenant_discovery=False,
                                    dns_timeout=1.0, _env_file=None))  # type: ignore[call-arg]
    with factory.begin() as session:
        ids = list(session.scalars(select(Company.id)))
        job, chunks = scan_jobs.create_scan_job(session, ids, "rescan")
        job_id = job.id
    for chunk in chunks:
        asyncio.run(scan_jobs.scan_chunk(factory, options, job_id, chunk))
    with factory() as session:
        return {c.domain: c for c in session.scalars(select(Company))}


def test_cosell_bonus_and_referral_tenant_evidence_survive_rescans(db_url: str, dns: FakeDnsServer,
                                                                   tmp_path: Path) -> None:
    for domain in ("cosell-google.com.tr", "plain-google.com.tr"):
        _google_partial(dns, domain)
    for domain in ("tenant-local.com.tr", "plain-local.com.tr"):
        _self_hosted(dns, domain)
    cosell = referral(401, type="Shared", qualification="SalesQualified", profile={"website": "cosell-google.com.tr",
                                                                                   "ids": []})
    tenant = referral(402, type="Independent", qualification="Direct", referralSource=None, callToAction=None,
                      profile={"website": "www.tenant-local.com.tr", "ids": [{"profileType": "TenantId",
                                                                               "id": TENANT}]})
    factory = session_factory(db_url)
    with factory.begin() as session:
        ingest_batch(session, [cosell, tenant], utcnow())
        companies_repo.upsert_companies(session, [(d, d, None) for d in ("plain-google.com.tr", "plain-local.com.tr")])

    bonus = default_scoring_rules().cosell_bonus
    assert bonus == 15
    for _ in range(2):  # the first scan, then a rescan: the referral is read afresh each time
        companies = _scan_all(db_url, dns, tmp_path)
        with_cosell, plain = companies["cosell-google.com.tr"], companies["plain-google.com.tr"]
        assert (with_cosell.provider, plain.provider) == ("Google", "Google")
        assert plain.score is not None and plain.score + bonus <= 100  # room for the bonus below the clamp
        assert with_cosell.score == plain.score + bonus
        lines = [item for item in with_cosell.breakdown or [] if item["kind"] == "bonus"]
        assert lines == [{"kind": "bonus", "key": "cosell_bonus", "points": bonus,
                          "reason": "Partner Center co-sell referral"}]
        assert not [item for item in plain.breakdown or [] if item["kind"] == "bonus"]

        with_tenant, local = companies["tenant-local.com.tr"], companies["plain-local.com.tr"]
        assert local.provider == "Local" and not any("referral" in line for line in local.evidence or [])
        assert with_tenant.provider == "M365"
        assert f"referral: tenant {TENANT}" in (with_tenant.evidence or [])
        assert with_tenant.segment == "Existing"
        assert not [item for item in with_tenant.breakdown or [] if item["kind"] == "bonus"]  # not a co-sell
