"""Companies from referrals: shared by several referrals, scanned once per domain (never while a scan waits
or is fresh), unlinked referrals kept and linked by hand, leads created from referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from referral_env import PcEnv, referral
from sqlalchemy import select, update

from leadhunter.db import companies_repo
from leadhunter.db.models import Company, ScanJob, ScanJobItem, utcnow
from leadhunter.services import referral_links
from leadhunter.services.referral_links import LeadNotFoundError, ReferralDomainError

SHARED = "https://www.sharedco.com.tr/about"


def _items(env: PcEnv, job_id: int) -> list[int]:
    with env.factory() as session:
        return list(session.scalars(select(ScanJobItem.company_id).where(ScanJobItem.job_id == job_id)))


def _finish_scans(env: PcEnv, scanned_at_offset: timedelta = timedelta(0)) -> None:
    """Pretend every queued scan ran: items ok, jobs done, companies scanned now (+ offset)."""
    with env.factory.begin() as session:
        session.execute(update(ScanJobItem).values(state="ok"))
        session.execute(update(ScanJob).values(status="done"))
        session.execute(update(Company).values(scanned_at=utcnow() + scanned_at_offset))


def test_one_company_per_domain_and_one_scan_per_domain(pc_env: PcEnv) -> None:
    shared = [referral(100 + i, type="Shared", profile={"website": SHARED, "name": f"Shared Co {i}"})
              for i in range(3)]
    others = [referral(200, type="Independent", qualification="Direct", profile={"website": "alpha-one.com.tr"}),
              referral(201, type="Independent", qualification="Direct", profile={"website": "beta-two.de"})]
    pc_env.pc.add_referrals(shared + others)
    first = pc_env.sync()
    assert first.status == "ok" and first.scan_job_id is not None
    stored = pc_env.stored()
    company_of = {rid: row.company_id for rid, row in stored.items()}
    assert len({company_of[r["id"]] for r in shared}) == 1  # three referrals, one company
    items = _items(pc_env, first.scan_job_id)
    assert sorted(items) == sorted(set(company_of.values())) and len(items) == 3  # one scan per domain
    def shared_name() -> str | None:
        with pc_env.factory() as session:
            return session.scalars(select(Company.name).where(Company.domain == "sharedco.com.tr")).one()

    named = shared_name()
    assert named in {f"Shared Co {i}" for i in range(3)}  # customerProfile.name of the first one stored

    # The scans are still waiting: changed referrals queue nothing more.
    for item in shared:
        pc_env.pc.update_referral(item["id"], status="Active", substatus="Accepted")
    second = pc_env.sync()
    assert (second.counts.updated, second.scan_job_id) == (3, None)
    assert shared_name() == named  # a known company keeps its name

    # Scanned after the referrals were linked, and recently: fresh, nothing to do.
    _finish_scans(pc_env)
    pc_env.pc.update_referral(shared[0]["id"], deal_value=1234.0)
    third = pc_env.sync()
    assert (third.counts.updated, third.scan_job_id) == (1, None)

    # Scanned long ago: the changed referral brings the company back for a scan (and only that one).
    _finish_scans(pc_env, -timedelta(days=30))
    pc_env.pc.update_referral(shared[1]["id"], deal_value=4321.0)
    fourth = pc_env.sync()
    assert fourth.scan_job_id is not None
    assert _items(pc_env, fourth.scan_job_id) == [company_of[shared[0]["id"]]]


def test_unlinked_referral_is_kept_then_linked_by_hand_and_the_link_survives_a_resync(pc_env: PcEnv) -> None:
    personal = referral(300, website=None, profile={"website": None, "team": [
        {"firstName": "Ola", "lastName": "Nordmann", "email": "ola77@gmail.com", "phoneNumber": "+4799999999"}]})
    nothing = referral(301, profile={"website": None, "team": []})
    pc_env.pc.add_referrals([personal, nothing])
    assert pc_env.sync().status == "ok"
    stored = pc_env.stored()
    row = stored[personal["id"]]
    assert (row.link_status, row.domain, row.company_id) == ("unlinked", None, None)
    assert "personal mailboxes" in row.domain_reason and row.link_reason.startswith("unlinked")
    assert stored[nothing["id"]].link_status == "unlinked"

    with pc_env.factory.begin() as session:
        companies_repo.upsert_companies(session, [("nordmann-bygg.no", "nordmann-bygg.no", "Nordmann Bygg")])
    with pc_env.factory.begin() as session:
        with pytest.raises(LeadNotFoundError):
            referral_links.link_to_lead(session, personal["id"], "unknown-company.no", by="tester")
        with pytest.raises(ReferralDomainError):
            referral_links.link_to_lead(session, personal["id"], "not a domain", by="tester")
        result = referral_links.link_to_lead(session, personal["id"], "https://nordmann-bygg.no", by="tester")
        assert result.job_id is not None and result.chunks == [0]  # never scanned: queued
        company_id = result.company.id
    pc_env.pc.update_referral(personal["id"], status="Active", substatus="Accepted")
    again = pc_env.sync()
    assert again.counts.updated == 1
    row = pc_env.stored()[personal["id"]]
    assert (row.link_status, row.company_id, row.linked_by, row.status) == ("linked", company_id, "tester", "Active")

    with pc_env.factory.begin() as session:
        with pytest.raises(ReferralDomainError):
            referral_links.create_lead(session, nothing["id"], by="tester")  # no domain of its own
        made = referral_links.create_lead(session, nothing["id"], domain="www.brand-new-co.com.tr", by="tester")
        assert made.created and made.company.name == nothing["customerProfile"]["name"]
        assert made.company.domain == "brand-new-co.com.tr" and made.job_id is not None
    with pc_env.factory.begin() as session:
        repeat = referral_links.create_lead(session, nothing["id"], domain="brand-new-co.com.tr", by="tester")
        assert not repeat.created and repeat.job_id is None  # its scan is already waiting
