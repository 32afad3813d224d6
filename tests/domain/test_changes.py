"""Change detection between scans and auto tags: one row per rule."""

from __future__ import annotations

import pytest

from leadhunter.domain.changes import Verdict, auto_tags, detect_changes

BASE = Verdict("Google", None, "none", 70, "Migration", "P2")


@pytest.mark.parametrize(
    ("new", "kinds"),
    [
        (BASE, []),
        (Verdict("M365", None, "none", 70, "Existing", "P4"), [("provider_changed", True), ("segment_changed", True)]),
        (Verdict("Unknown", None, "none", 70, "Migration", "P2"), []),  # a failed MX is not a migration
        (Verdict("Google", "Proofpoint", "none", 70, "Migration", "P2"), [("gateway_changed", False)]),
        (Verdict("Google", None, "quarantine", 85, "Migration", "P2"), [("dmarc_tightened", True)]),
        (Verdict("Google", None, None, 70, "Migration", "P2"), [("dmarc_removed", False)]),
        (Verdict("Google", None, "none", 45, "Cold", "P5"), [("segment_changed", True)]),
    ],
    ids=["same", "moved to M365", "unknown", "gateway", "dmarc tightened", "dmarc removed", "segment"],
)
def test_detect_changes(new: Verdict, kinds: list[tuple[str, bool]]) -> None:
    assert [(c.kind, c.alert) for c in detect_changes(BASE, new)] == kinds


def test_dmarc_added_and_first_scan() -> None:
    old = Verdict("Local", None, None, 10, "Skip", "P6")
    assert [c.kind for c in detect_changes(old, Verdict("Local", None, "reject", 30, "Skip", "P6"))] == ["dmarc_added"]
    assert detect_changes(None, old) == []


@pytest.mark.parametrize(
    ("report", "tags"),
    [
        ({"gateway": "Mimecast", "dmarc": {"status": "missing"}}, {"gateway", "no-dmarc"}),
        ({"hosting_label": "Natro", "domain": "firma.com.tr", "spf": {"status": "missing"}},
         {"turkish-hosting", "spf-missing"}),
        ({"hosting_label": "GoDaddy", "domain": "firm.com", "tenant": {"status": "found"}},
         {"hosting", "entra-tenant"}),
        ({"status": "partial", "hard_fail": "No MX"}, {"partial-scan", "no-mail"}),
        ({"dmarc": {"status": "valid"}, "spf": {"status": "valid"}}, set()),
        ({"provider": "M365", "hybrid": True}, {"hybrid"}),
        ({"provider": "M365", "hybrid": False}, set()),
        ({"lookalike": {"warning": "look-alike domain: “pаypal” mixes Cyrillic and Latin"}}, {"lookalike"}),
        ({"lookalike": None}, set()),
        ({"status": "failed", "reason": "nxdomain", "hard_fail": "The domain does not exist",
          "dmarc": {"status": "missing"}, "spf": {"status": "missing"}}, {"no-mail"}),
    ],
)
def test_auto_tags(report: dict[str, object], tags: set[str]) -> None:
    assert auto_tags(report) == tags
