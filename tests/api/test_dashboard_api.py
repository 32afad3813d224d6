"""GET /api/dashboard over a known data set (tests/dashboard_seed.py), with and without a filter, on SQLite
and PostgreSQL: every chart's exact counts."""

from __future__ import annotations

from api_support import LiveApi

from dashboard_seed import MONDAY, seed_dashboard
from leadhunter.runtime import session_factory


def _weeks(**at: int) -> list[int]:
    """Twelve weekly counts, zero except ``w<index>=n``."""
    out = [0] * 12
    for key, n in at.items():
        out[int(key[1:])] = n
    return out


def test_dashboard_counts_every_chart(api: LiveApi) -> None:
    seed_dashboard(session_factory(api.settings.database()))
    body = api.client.get("/api/dashboard").json()
    assert body["totals"] == {"leads": 9, "scanned": 7, "unscanned": 2, "with_referrals": 2, "ok": 5, "partial": 1,
                              "failed": 1}
    assert body["scan_status"] == {"ok": 5, "partial": 1, "failed": 1, "unscanned": 2}
    assert [bar["count"] for bar in body["score_histogram"]] == [0, 0, 0, 1, 1, 1, 0, 1, 1, 2]
    assert (body["score_histogram"][0], body["score_histogram"][9]) == ({"min": 0, "max": 9, "count": 0},
                                                                       {"min": 90, "max": 100, "count": 2})
    assert body["unscored"] == 2
    assert body["segments"] == {"Existing": 2, "Migration": 2, "Cold": 2, "Skip": 1, "unscanned": 2}
    assert body["categories"] == {"P1": 0, "P2": 2, "P3": 2, "P4": 1, "P5": 1, "P6": 1, "unscanned": 2}
    assert list(body["providers"].items()) == [("Google", 2), ("Hosting", 2), ("M365", 2), ("none", 2), ("Local", 1)]
    assert body["gateways"] == {"none": 7, "Mimecast": 1, "Proofpoint": 1}
    assert body["hosting"] == {"Natro": 1, "Turhost": 1}
    assert body["web_hosts"] == {"none": 5, "AWS": 2, "Azure": 2}
    assert list(body["plays"].items()) == [("mail_migration", 3), ("intune", 1), ("defender_for_office", 1)]
    assert body["referrals"] == {"linked": {"co-sell": 1, "marketplace": 2, "solution-provider": 1},
                                 "unlinked": {"co-sell": 2, "marketplace": 0, "solution-provider": 0}}
    assert body["d365"] == {"not_synced": 6, "queued": 1, "in_progress": 0, "synced": 1, "error": 1}
    assert body["weeks"][-1] == MONDAY.date().isoformat() and len(body["weeks"]) == 12
    assert body["changes_per_week"] == {"dmarc_added": _weeks(w10=2, w11=1), "provider_changed": _weeks(w11=1)}
    assert body["new_leads_per_week"] == _weeks(w9=3, w10=2, w11=2)


def test_dashboard_follows_the_lead_filter(api: LiveApi) -> None:
    seed_dashboard(session_factory(api.settings.database()))
    body = api.client.get("/api/dashboard", params={"segment": "Migration"}).json()
    assert body["totals"] == {"leads": 2, "scanned": 2, "unscanned": 0, "with_referrals": 1, "ok": 1, "partial": 1,
                              "failed": 0}
    assert body["segments"] == {"Existing": 0, "Migration": 2, "Cold": 0, "Skip": 0}
    assert body["plays"] == {"mail_migration": 2, "defender_for_office": 1}
    # unlinked referrals belong to no lead: the filter cannot narrow them
    assert body["referrals"] == {"linked": {"co-sell": 1, "marketplace": 2, "solution-provider": 0},
                                 "unlinked": {"co-sell": 2, "marketplace": 0, "solution-provider": 0}}
    assert body["d365"] == {"not_synced": 0, "queued": 1, "in_progress": 0, "synced": 0, "error": 1}
    assert body["changes_per_week"] == {"dmarc_added": _weeks(w10=2)}
    assert body["new_leads_per_week"] == _weeks(w10=2)
    two = api.client.get("/api/dashboard", params={"provider": "M365", "score_min": 95, "referral_type": "none"}).json()
    assert (two["totals"]["leads"], two["gateways"], two["changes_per_week"]) == (
        1, {"Mimecast": 1}, {})  # eta's change is older than 12 weeks: counted nowhere


def test_dashboard_refuses_a_bad_filter_and_the_list_filters_by_scan_status(api: LiveApi) -> None:
    seed_dashboard(session_factory(api.settings.database()))
    bad = api.client.get("/api/dashboard", params={"score_min": 90, "score_max": 10})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    assert api.client.get("/api/dashboard", params={"play": "nope"}).status_code == 422
    # the partial/failed chart's links land on the list filtered by scan status
    partial = api.client.get("/api/leads", params={"scan_status": ["partial", "failed"], "sort": "domain"}).json()
    assert [item["domain"] for item in partial["items"]] == ["epsilon.com.tr", "gamma.com"]
    assert api.client.get("/api/dashboard", params={"scan_status": "failed"}).json()["totals"]["failed"] == 1
