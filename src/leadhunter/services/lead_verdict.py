"""Which stored scan a lead's verdict comes from (issue 16, item 5).

A rescan that could not judge the domain (every lookup timed out, the MX lookup got no answer) is kept as
evidence, but the company keeps the verdict of its last conclusive scan (``scan_jobs.store_report``). The
lead modal must then show that scan's rule, report and evidence together, not the newest scan's, and say
that a newer rescan was inconclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadhunter.db.models import Scan
from leadhunter.domain.report import has_verdict
from leadhunter.services.scan_jobs import inconclusive


@dataclass(frozen=True)
class VerdictScans:
    """``verdict``: the scan the current verdict comes from (None: no scan judged the domain yet).
    ``inconclusive``: the newest scan when it is newer than ``verdict`` and could not replace it."""

    verdict: Scan | None
    inconclusive: Scan | None


def verdict_scans(scans: Sequence[Scan]) -> VerdictScans:
    """Split ``scans`` (newest first, as ``companies_repo.latest_scans`` gives them) into the scan holding the
    verdict and the newer inconclusive one. A scan counts as conclusive when it judged the domain and
    either its MX lookup answered or no older scan had a verdict to keep (``scan_jobs.inconclusive``)."""
    for index, scan in enumerate(scans):
        older_verdict = any(has_verdict(s.report) for s in scans[index + 1:])
        if not inconclusive(scan.report, had_verdict=older_verdict):
            return VerdictScans(scan, scans[0] if index > 0 else None)
    return VerdictScans(None, None)


def inconclusive_reason(report: dict[str, Any]) -> str:
    """Why a scan could not judge the domain, as a key the UI translates: ``timeouts`` when lookups timed
    out, ``failed`` when the scan failed otherwise, ``no_answer`` for other unanswered lookups."""
    outcomes = {str(lk.get("outcome", "")).lower() for lk in report.get("lookups") or []}
    if "timeout" in outcomes:
        return "timeouts"
    if report.get("status") == "failed":
        return "failed"
    return "no_answer"
