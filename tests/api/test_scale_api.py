"""National-scale reads through HTTP on both databases: cross-filtered facets, KPIs with their estimate flag, the
list's ``total_is_estimate`` and the periodic rescan's progress."""

from __future__ import annotations

from api_helpers import seed_scanned
from api_support import LiveApi

from leadhunter.runtime import session_factory


def test_facets_are_cross_filtered_and_totals_say_whether_they_are_estimates(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 120)  # 30 each of M365, Google, Local, Hosting
    everything = api.client.get("/api/leads/facets").json()
    assert everything["providers"] == {"Google": 30, "Hosting": 30, "Local": 30, "M365": 30}
    assert everything["estimated"] == []
    google = api.client.get("/api/leads/facets", params={"provider": "Google"}).json()
    assert google["providers"] == everything["providers"]  # its own selection does not narrow the provider counts
    assert google["segments"] == {"Cold": 0, "Existing": 0, "Migration": 30, "Skip": 0}  # it narrows the others
    both = api.client.get("/api/leads/facets", params={"provider": "Google", "segment": "Cold"}).json()
    assert both["providers"] == {"Google": 0, "Hosting": 0, "Local": 30, "M365": 0}  # under segment=Cold only
    assert both["segments"] == google["segments"]  # under provider=Google only
    page = api.client.get("/api/leads", params={"provider": "Google"}).json()
    assert (page["total"], page["total_is_estimate"]) == (30, False)
    kpis = api.client.get("/api/leads/kpis", params={"provider": "Google"}).json()
    assert kpis == {"segments": {"Migration": 30}, "categories": {"P2": 30}, "estimate": False}


def test_rescan_progress_shows_the_tick_share(api: LiveApi) -> None:
    seed_scanned(session_factory(api.settings.database()), 12)
    body = api.client.get("/api/rescan").json()
    assert (body["companies"], body["due"], body["tick_share"]) == (12, 0, 1)  # just scanned: nothing due yet
    assert body["interval_days"] == api.settings.rescan_interval_days and body["last_job"] is None
