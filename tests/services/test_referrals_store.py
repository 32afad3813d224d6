"""Storage of referrals on SQLite and PostgreSQL: the 0003 migration steps down and up, the repository's
filters and paging, the lead list's referral filter, and ingest edge cases (no id, twins, huge deal values)."""

from __future__ import annotations

from referral_env import referral
from sqlalchemy import create_engine, inspect

from leadhunter.db import companies_repo, leads_repo, referrals_repo
from leadhunter.db.migrate import downgrade, upgrade
from leadhunter.db.models import utcnow
from leadhunter.db.referrals_repo import ReferralFilter
from leadhunter.runtime import session_factory
from leadhunter.services.referral_ingest import ingest_batch

TABLES = {"partner_center_referrals", "partner_center_sync_runs"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_0003_steps_down_to_0002_and_up_again(db_url: str) -> None:
    assert _tables(db_url) >= TABLES
    session_factory(db_url).kw["bind"].dispose()  # PostgreSQL: no pooled connection may hold the tables
    downgrade(db_url, "0002")
    assert not TABLES & _tables(db_url) and "companies" in _tables(db_url)
    upgrade(db_url)
    assert _tables(db_url) >= TABLES


def _seed(url: str) -> dict[str, str]:
    """Five referrals of known kinds; returns id → short name."""
    items = {
        "cosell-a": referral(600, type="Shared", status="New",
                             profile={"website": "firma-a.com.tr", "name": "Alfa AS"}),
        "cosell-b": referral(601, type="Shared", status="Closed",
                             profile={"website": "firma-b.com.tr", "name": "Beta"}),
        "market": referral(602, type="Independent", referralSource="AppSource", callToAction="ContactMe",
                           status="Active", profile={"website": "firma-a.com.tr", "name": "Alfa AS"}),
        "finder": referral(603, type="Independent", qualification="Direct", referralSource=None, callToAction=None,
                           status="New", profile={"website": "firma-c.com.tr", "name": "Gamma_100%"}),
        "nowhere": referral(604, type="Independent", qualification="Direct", referralSource=None, callToAction=None,
                            status="New", profile={"website": None, "team": [], "name": "Delta"}),
    }
    with session_factory(url).begin() as session:
        ingest_batch(session, items.values(), utcnow())
        companies_repo.upsert_companies(session, [("plain-firma.com.tr", "plain-firma.com.tr", None)])
    return {item["id"]: name for name, item in items.items()}


def test_list_filters_paging_and_lead_filter(db_url: str) -> None:
    names = _seed(db_url)
    with session_factory(db_url)() as session:
        def listed(flt: ReferralFilter, **page: int) -> tuple[set[str], int]:
            rows, total = referrals_repo.list_referrals(session, flt, **page)
            return {names[r.referral_id] for r in rows}, total

        assert listed(ReferralFilter()) == (set(names.values()), 5)
        assert listed(ReferralFilter(lead_types=("co-sell",))) == ({"cosell-a", "cosell-b"}, 2)
        new_finders = ReferralFilter(statuses=("New",), lead_types=("solution-provider",))
        assert listed(new_finders) == ({"finder", "nowhere"}, 2)
        assert listed(ReferralFilter(link_status="unlinked")) == ({"nowhere"}, 1)
        assert listed(ReferralFilter(search="alfa as")) == ({"cosell-a", "market"}, 2)
        assert listed(ReferralFilter(search="_100%")) == ({"finder"}, 1)  # LIKE wildcards are literal
        assert listed(ReferralFilter(search="a%1")) == (set(), 0)  # as a wildcard it would match "Gamma_100%"
        page, total = listed(ReferralFilter(), offset=2, limit=2)
        assert len(page) == 2 and total == 5

        companies = companies_repo.get_by_domains(session, ["firma-a.com.tr", "firma-b.com.tr", "firma-c.com.tr",
                                                            "plain-firma.com.tr"])
        summary = referrals_repo.summary_for_companies(session, [c.id for c in companies.values()])
        a = summary[companies["firma-a.com.tr"].id]
        assert (a.lead_type, a.count) == ("co-sell", 2)  # co-sell outranks marketplace
        assert summary[companies["firma-c.com.tr"].id].lead_type == "solution-provider"
        assert companies["plain-firma.com.tr"].id not in summary

        def leads(*types: str) -> set[str]:
            rows, total = leads_repo.list_leads(session, leads_repo.LeadFilter(referral_types=types), limit=100)
            assert total == len(rows)
            return {c.domain for c in rows}

        assert leads("co-sell") == {"firma-a.com.tr", "firma-b.com.tr"}
        assert leads("marketplace") == {"firma-a.com.tr"}
        assert leads("solution-provider", "marketplace") == {"firma-a.com.tr", "firma-c.com.tr"}
        assert leads("none") == {"plain-firma.com.tr"}
        assert leads("any") == {"firma-a.com.tr", "firma-b.com.tr", "firma-c.com.tr"}
        searched = leads_repo.LeadFilter(referral_types=("co-sell",), search="firma-b")
        assert [c.domain for c in leads_repo.list_leads(session, searched)[0]] == ["firma-b.com.tr"]
        assert sum(leads_repo.counts_by(session, leads_repo.LeadFilter(referral_types=("any",)), "segment")
                   .values()) == 3


def test_ingest_skips_unreadable_keeps_one_row_per_id_and_drops_impossible_deal_values(db_url: str) -> None:
    twin = referral(700, profile={"website": "twin-firma.com.tr"})
    later = {**twin, "status": "Closed", "substatus": "Won"}
    huge = referral(701, profile={"website": "huge-firma.com.tr"})
    huge["details"] = {**(huge.get("details") or {}), "dealValue": 1e30, "currency": "usd"}
    with session_factory(db_url).begin() as session:
        result = ingest_batch(session, [{"name": "no id"}, twin, later, huge], utcnow())
    assert (result.unreadable, result.new) == (1, 2)
    with session_factory(db_url)() as session:
        stored = referrals_repo.get(session, twin["id"])
        assert stored is not None and (stored.status, stored.substatus) == ("Closed", "Won")  # the last one wins
        big = referrals_repo.get(session, huge["id"])
        assert big is not None and (big.deal_value, big.currency) == (None, "USD")
        assert float(big.raw["details"]["dealValue"]) == 1e30  # the payload keeps what came (JSONB: as a numeric)


def test_payloads_the_database_cannot_hold_do_not_poison_the_sync(db_url: str) -> None:
    nul = referral(710, name="Deal\x00name", profile={"website": "nul-firma.com.tr", "name": "Nul\x00 AS"})
    long_id = {**referral(711), "id": "x" * 65}
    with session_factory(db_url).begin() as session:
        result = ingest_batch(session, [nul, long_id], utcnow())
    assert (result.new, result.unreadable) == (1, 1)
    with session_factory(db_url)() as session:
        stored = referrals_repo.get(session, nul["id"])
        assert stored is not None and (stored.name, stored.customer_name) == ("Dealname", "Nul AS")
        assert stored.raw["customerProfile"]["name"] == "Nul AS"
