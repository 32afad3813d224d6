"""A company's size, kept on its row: the referral band, then an imported employees cell, then the scan.

Called once per scan chunk after the reports are stored (two queries per chunk, not per company). The pure
estimate is :func:`leadhunter.domain.company_size.estimate_size`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, RawLead
from leadhunter.db.referral_models import PartnerCenterReferral
from leadhunter.domain.company_size import CompanySize, SizeRules, default_size_rules, employees_cell, estimate_size
from leadhunter.domain.report import has_verdict


def size_inputs(session: Session, company_ids: Sequence[int],
                rules: SizeRules | None = None) -> dict[int, tuple[str | None, str | None]]:
    """company id → (newest linked referral's customer size band, newest employees cell of its raw leads)."""
    rules = rules or default_size_rules()
    out: dict[int, tuple[str | None, str | None]] = {cid: (None, None) for cid in company_ids}
    if not company_ids:
        return out
    r = PartnerCenterReferral
    bands = session.execute(select(r.company_id, r.customer_size)
                            .where(r.company_id.in_(company_ids), r.customer_size.is_not(None))
                            .order_by(r.synced_at)).all()
    band_of = {cid: band for cid, band in bands}  # the newest wins
    payloads = session.execute(select(RawLead.company_id, RawLead.payload)
                               .where(RawLead.company_id.in_(company_ids), RawLead.source.in_(("import", "manual")))
                               .order_by(RawLead.id)).all()
    employees_of: dict[int, str] = {}
    for cid, payload in payloads:
        cell = employees_cell(payload, rules) if isinstance(payload, Mapping) else None
        if cell and cid is not None:
            employees_of[cid] = cell[1]
    for cid in company_ids:
        out[cid] = (band_of.get(cid), employees_of.get(cid))
    return out


def company_size(company: Company, report: Mapping[str, Any] | None, inputs: tuple[str | None, str | None],
                 rules: SizeRules | None = None) -> CompanySize:
    """The estimate for ``company`` from its inputs and ``report`` (its last conclusive scan, or None)."""
    band, employees = inputs
    return estimate_size(referral_band=band, employees=employees, report=report, rules=rules or default_size_rules())


def refresh_sizes(session: Session, stored: Sequence[tuple[Company, Mapping[str, Any]]]) -> None:
    """Set ``size`` and ``size_detail`` of each company whose report holds a verdict (others keep theirs)."""
    judged = [(c, r) for c, r in stored if has_verdict(dict(r))]
    inputs = size_inputs(session, [c.id for c, _ in judged])
    for company, report in judged:
        size = company_size(company, report, inputs[company.id])
        company.size, company.size_detail = size.band, size.as_json()
