"""Referral sync through the real client against the fake Partner Center and fake Entra over HTTPS, on SQLite
and PostgreSQL: ingest, re-sync, raw leads, decisions with reasons, unlinked referrals, sign-in required."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from referral_env import PcEnv, incoming
from sqlalchemy import select

from fakes.partner_center_data import generate_referrals
from leadhunter.db.models import Company
from leadhunter.db.referral_models import PartnerCenterSyncRun
from leadhunter.integrations.partner_center.mapping import decide_domain, decide_lead_type


def test_first_sync_stores_each_incoming_referral_once_with_its_decisions(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals(generate_referrals(80, seed=11))
    wanted = incoming(pc_env.pc)
    outcome = pc_env.sync()
    assert (outcome.status, outcome.executed) == ("ok", True)
    assert (outcome.counts.seen, outcome.counts.new, outcome.counts.updated) == (len(wanted), len(wanted), 0)
    stored = pc_env.stored()
    assert set(stored) == set(wanted)
    for referral_id, row in stored.items():
        payload = wanted[referral_id]
        assert row.lead_type == decide_lead_type(payload).lead_type.value and row.lead_type_reason
        decision = decide_domain(payload)
        assert row.domain == decision.domain and decision.reason in row.domain_reason
        assert row.raw == payload
        if row.domain is None:
            assert (row.link_status, row.company_id) == ("unlinked", None)
            assert row.link_reason.startswith("unlinked: ")
        else:
            assert row.link_status == "linked" and row.company_id is not None
    # Every referral seen is a raw lead with its full payload; unlinked ones are kept too.
    raw = pc_env.raw_leads()
    assert sorted(r.payload["id"] for r in raw) == sorted(wanted)
    assert any(r.domain is None for r in stored.values()), "the data set must hold unlinked referrals"
    with pc_env.factory() as session:
        domains = set(session.scalars(select(Company.domain)))
        run = session.get(PartnerCenterSyncRun, outcome.run_id)
        assert run is not None and run.status == "ok" and run.active is None and run.watermark is not None
        assert run.seen_count == len(wanted) and run.watermark_from is None
    assert domains == {r.domain for r in stored.values() if r.domain}


def test_resync_updates_status_and_deal_value_and_never_duplicates(pc_env: PcEnv) -> None:
    pc_env.pc.add_referrals(generate_referrals(40, seed=12))
    first = pc_env.sync()
    before = pc_env.stored()
    raw_before = len(pc_env.raw_leads())
    changed = sorted(before)[:3]
    for referral_id in changed:
        pc_env.pc.update_referral(referral_id, status="Closed", substatus="Won", deal_value=99000.5, currency="EUR")
    second = pc_env.sync()
    assert second.status == "ok"
    assert (second.counts.new, second.counts.updated) == (0, 3)
    after = pc_env.stored()
    assert set(after) == set(before)  # no new rows
    for referral_id in changed:
        row = after[referral_id]
        assert (row.status, row.substatus, row.currency) == ("Closed", "Won", "EUR")
        assert row.deal_value == Decimal("99000.50")
        assert row.first_seen_at == before[referral_id].first_seen_at
        assert row.updated_at > before[referral_id].updated_at
    raw = pc_env.raw_leads()
    assert len(raw) == raw_before + 3  # one raw lead per new version, none for unchanged re-reads
    assert Counter(r.payload["id"] for r in raw if r.payload["id"] in changed) == Counter({i: 2 for i in changed})
    with pc_env.factory() as session:
        runs = {r.id: r for r in session.scalars(select(PartnerCenterSyncRun))}
    assert runs[second.run_id].watermark_from == runs[first.run_id].watermark  # incremental, from the watermark
    assert runs[second.run_id].watermark > runs[first.run_id].watermark
    third = pc_env.sync()
    assert (third.counts.new, third.counts.updated, len(pc_env.raw_leads())) == (0, 0, raw_before + 3)
