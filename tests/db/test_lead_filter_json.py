"""A stored lead filter (alert targets) reads back as the same LeadFilter, whatever fields it uses."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from leadhunter.db.lead_filter_json import filter_from_json, filter_to_json
from leadhunter.db.leads_repo import LeadFilter


def test_every_field_survives_json() -> None:
    full = LeadFilter(segments=("Migration",), providers=("Google",), gateways=("Proofpoint",), categories=("P1", "P2"),
                      score_min=50, score_max=90, tags=("vip",), search="müller", referral_types=("co-sell",),
                      d365_statuses=("error",), expires_within_days=30,
                      registered_after=datetime(2025, 1, 2, tzinfo=UTC), plays=("intune",), saas=("zoom",),
                      web_hosts=("AWS",), dns_hosts=("Cloudflare",), mail_countries=("TR",), web_countries=("DE",),
                      watched=True, watchers=("local",), scan_statuses=("ok",), hostings=("Natro",), sizes=("small",))
    assert {f.name for f in dataclasses.fields(LeadFilter)} <= set(filter_to_json(full))  # the test covers them all
    stored = json.loads(json.dumps(filter_to_json(full)))
    assert filter_from_json(stored) == full


def test_an_empty_filter_stores_nothing_and_unknown_keys_are_ignored() -> None:
    assert filter_to_json(LeadFilter()) == {}
    assert filter_from_json({"categories": ["P1"], "no_longer_a_field": True}) == LeadFilter(categories=("P1",))
