"""The dashboard: every chart's counts for the lead list's filter, in one answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from leadhunter.api.deps import CallerDep, SessionDep
from leadhunter.api.errors import error_responses
from leadhunter.api.routers.leads import UNSCANNED, FilterDep
from leadhunter.db.d365_models import SYNC_STATES
from leadhunter.db.dashboard_repo import SCORE_BINS, Counter, Window, in_order, named
from leadhunter.db.referrals_repo import LEAD_TYPE_ORDER
from leadhunter.domain.whitespace_rules import PLAY_KEYS

router = APIRouter(prefix="/api/dashboard", tags=["dashboard"], responses=error_responses(401, 422, 429))
SEGMENTS = ("Existing", "Migration", "Cold", "Skip")
CATEGORIES = ("P1", "P2", "P3", "P4", "P5", "P6")
SCAN_STATES = ("ok", "partial", "failed")
NONE = "none"
"""Key of leads without a value (no gateway, no web host...) in the mix charts."""


@router.get("")
def dashboard(session: SessionDep, caller: CallerDep, params: FilterDep) -> dict[str, Any]:
    """Counts for every dashboard chart over the leads the filter keeps (the lead list's filter parameters;
    ``sort`` and ``order`` are ignored). Maps are value → number of leads; leads without a value count under
    ``none`` (``unscanned`` for segment, category and scan state). Weekly series have one number per week of
    ``weeks`` (Mondays, UTC, oldest first, the current week last). Referrals: ``linked`` ones of the kept leads
    by type, and every ``unlinked`` one (they belong to no lead, so the filter does not narrow them)."""
    counter = Counter(session, params.to_filter(caller))
    window = Window.ending(datetime.now(UTC))
    states, hosting = counter.states_and_hosting()
    leads = sum(states.values())
    bars, unscored = counter.score_bins()
    width = 100 // SCORE_BINS
    plays = counter.plays()
    return {
        "totals": {"leads": leads, "scanned": leads - states.get(None, 0), "unscanned": states.get(None, 0),
                   "with_referrals": counter.leads_with_referrals(),
                   **{state: states.get(state, 0) for state in SCAN_STATES}},
        "scan_status": in_order(states, SCAN_STATES, UNSCANNED),
        "score_histogram": [{"min": i * width, "max": 100 if i == SCORE_BINS - 1 else i * width + width - 1,
                             "count": n} for i, n in enumerate(bars)],
        "unscored": unscored,
        "segments": in_order(counter.by_column("segment"), SEGMENTS, UNSCANNED),
        "categories": in_order(counter.by_column("category"), CATEGORIES, UNSCANNED),
        "providers": named(counter.by_column("provider"), NONE),
        "gateways": named(counter.by_column("gateway"), NONE),
        "hosting": named(hosting, NONE),
        "web_hosts": named(counter.by_column("web_host"), NONE),
        "dns_hosts": named(counter.by_column("dns_host"), NONE),
        "plays": {key: plays[key] for key in PLAY_KEYS if key in plays},
        "referrals": {status: in_order(dict(by_type), LEAD_TYPE_ORDER, NONE)
                      for status, by_type in counter.referrals().items()},
        "d365": in_order(dict(counter.d365(leads)), SYNC_STATES, NONE),
        "weeks": window.mondays(),
        "changes_per_week": counter.changes_per_week(window),
        "new_leads_per_week": counter.new_per_week(window),
    }
