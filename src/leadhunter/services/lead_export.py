"""The lead export's lines: every company matching a filter, in list order, one line each, with the columns
chosen (:mod:`export_columns`). Companies stream from the database; what sits beside them (tags, scan details,
referrals, D365 state, registration) is read once per batch of :data:`BATCH` companies, so memory stays flat
whatever the number of lines and a 100,000-lead export makes about 1,200 queries, not 600,000.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from leadhunter.db import d365_repo, export_repo, leads_repo, registration_repo
from leadhunter.db.d365_repo import NEVER_PUSHED
from leadhunter.db.export_repo import NO_DETAILS, ExportCompany
from leadhunter.services.export_columns import ExportColumn, LeadRecord
from leadhunter.services.lead_footprint import split_tags

BATCH = 500
"""Companies whose neighbouring rows are read in one query per table."""


def lead_tags(session: Session, company_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every tag of each company in ``company_ids`` (sorted; ``play:`` and ``saas:`` ones included, the export
    splits them into their own columns), manual and automatic alike, each name once."""
    return export_repo.tags_of(session, company_ids)


def export_lines(session: Session, flt: leads_repo.LeadFilter, columns: tuple[ExportColumn, ...], *,
                 sort: str = "default", descending: bool = False, lang: str = "en") -> Iterator[list[object]]:
    """One line (the values of ``columns``) per company matching ``flt``, in the order of ``sort`` /
    ``descending`` (as the lead list). ``lang`` (``en``/``tr``) picks the language of texts such as play labels.
    The read stays open until the iterator is exhausted or closed: do not write through ``session`` meanwhile."""
    batch: list[ExportCompany] = []
    for company in export_repo.iter_companies(session, flt, sort=sort, descending=descending):
        batch.append(company)
        if len(batch) >= BATCH:
            yield from _batch_lines(session, batch, columns, lang)
            batch = []
    yield from _batch_lines(session, batch, columns, lang)


def _batch_lines(session: Session, companies: list[ExportCompany], columns: tuple[ExportColumn, ...],
                 lang: str) -> Iterator[list[object]]:
    if not companies:
        return
    ids = [c.id for c in companies]
    keys = {c.key for c in columns}
    # Only the tables the chosen columns read: `columns=domain,score` costs no neighbour query at all.
    tags = lead_tags(session, ids) if keys & {"tags", "plays", "saas"} else {}
    scans = export_repo.scan_details(session, ids) if keys & _SCAN_KEYS else {}
    referrals = export_repo.referrals_of(session, ids) if any(k.startswith("referral_") for k in keys) else {}
    d365 = d365_repo.summary_for_companies(session, ids) if any(k.startswith("d365_") for k in keys) else {}
    records = registration_repo.for_companies(session, ids) if keys & {"registrar", "registered", "expires"} else {}
    for company in companies:
        plain, plays, saas = split_tags(tags[company.id]) if company.id in tags else ([], [], [])
        record = LeadRecord(company, plain, plays, saas, scans.get(company.id, NO_DETAILS), referrals.get(company.id),
                            d365.get(company.id, NEVER_PUSHED), records.get(company.id), lang)
        yield [column.get(record) for column in columns]


_SCAN_KEYS = frozenset({"technical_heat", "commercial_heat", "mx_hosts", "spf", "spf_record", "dkim", "dkim_selectors",
                        "dmarc_status", "dmarc_pct", "dmarc_record", "tenant_namespace"})
"""Columns read from the current scan's report (:func:`export_repo.scan_details`)."""
