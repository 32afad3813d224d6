"""Repository for companies, scans, changes, tags and raw leads. Takes a Session; never commits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Text, bindparam, cast, column, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadhunter.db import alerts_repo
from leadhunter.db.models import Company, CompanyChange, MetricCounter, RawLead, Scan, Tag, utcnow
from leadhunter.db.search_text import search_text
from leadhunter.domain.changes import Change
from leadhunter.domain.footprint_columns import footprint_columns
from leadhunter.domain.registration import REGISTRATION_TAGS
from leadhunter.domain.report import has_verdict


def get_by_domains(session: Session, domains: Iterable[str]) -> dict[str, Company]:
    """Companies whose domain is in ``domains``, by domain (queried in batches of 500)."""
    wanted = list(dict.fromkeys(domains))
    found: dict[str, Company] = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        for company in session.scalars(select(Company).where(Company.domain.in_(batch))):
            found[company.domain] = company
    return found


def upsert_companies(session: Session, entries: Sequence[tuple[str, str, str | None]]) -> dict[str, Company]:
    """Ensure a company exists for each (domain, domain_unicode, name); a known company keeps its
    name unless it had none. Returns every company by domain, flushed (ids assigned)."""
    existing = get_by_domains(session, (d for d, _, _ in entries))
    for domain, shown, name in entries:
        company = existing.get(domain)
        if company is None:
            company = Company(domain=domain, domain_unicode=shown, name=name)
            session.add(company)
            existing[domain] = company
        elif name and not company.name:
            company.name = name
    session.flush()
    return existing


# The tables as Core ``Table`` objects (the bulk paths below bypass the ORM).
COMPANIES: Table = Company.metadata.tables[Company.__tablename__]
RAW_LEADS: Table = RawLead.metadata.tables[RawLead.__tablename__]

LOOKUP_BATCH = 1000
"""Domains per ``IN`` list when SQLite reads company ids back (it allows 32,766 parameters a statement)."""


def company_ids(session: Session, entries: Iterable[tuple[str, str, str | None]]) -> dict[str, int]:
    """The bulk form of :func:`upsert_companies`, for imports: the same rules, but ids by domain instead of
    loaded objects, in three or four statements per call whatever the number of entries.

    A domain not known yet becomes a company with the first entry's Unicode domain and its first non-empty
    name; a known company keeps its name unless it had none. New rows skip domains taken meanwhile (``ON
    CONFLICT (domain) DO NOTHING``), so a company another ingest creates concurrently is picked up instead of
    failing the whole import. Company objects already loaded in ``session`` are not refreshed.
    """
    wanted: dict[str, tuple[str, str | None]] = {}
    for domain, shown, name in entries:
        first = wanted.get(domain)
        if first is None:
            wanted[domain] = (shown, name)
        elif name and not first[1]:
            wanted[domain] = (first[0], name)
    known = _ids_and_names(session, list(wanted))
    new = [domain for domain in wanted if domain not in known]
    if new:
        now = utcnow()
        insert_rows(session, COMPANIES,
                    [{"domain": d, "domain_unicode": wanted[d][0], "name": wanted[d][1]} for d in new],
                    constants={"created_at": now, "updated_at": now}, skip_duplicate="domain")
        known.update(_ids_and_names(session, new))
    unnamed = [{"company_id": known[domain][0], "new_name": name,
                "new_text": search_text(domain, known[domain][2], name)}
               for domain, (_, name) in wanted.items() if name and not known[domain][1]]
    if unnamed:
        c = COMPANIES.c
        session.execute(
            update(COMPANIES).where(c.id == bindparam("company_id"), or_(c.name.is_(None), c.name == ""))
            .values(name=bindparam("new_name"), search_text=bindparam("new_text"), updated_at=utcnow()),
            unnamed,
        )
    return {domain: company_id for domain, (company_id, _, _) in known.items()}


def _ids_and_names(session: Session, domains: Sequence[str]) -> dict[str, tuple[int, str | None, str]]:
    """(id, name, Unicode domain) by domain for the known ones among ``domains``: on PostgreSQL one statement with the
    domains as a single JSON parameter (see :func:`insert_rows`), ``IN`` lists of :data:`LOOKUP_BATCH` on
    SQLite."""
    columns = (Company.domain, Company.id, Company.name, Company.domain_unicode)
    if session.get_bind().dialect.name == "postgresql":
        document = cast(bindparam("domains", json.dumps(list(domains), ensure_ascii=False), type_=Text),
                        postgresql.JSONB)
        stmts = [select(*columns).where(Company.domain.in_(select(func.jsonb_array_elements_text(document))))]
    else:
        stmts = [select(*columns).where(Company.domain.in_(domains[start : start + LOOKUP_BATCH]))
                 for start in range(0, len(domains), LOOKUP_BATCH)]
    found: dict[str, tuple[int, str | None, str]] = {}
    for stmt in stmts:
        found.update((domain, (company_id, name, shown)) for domain, company_id, name, shown in session.execute(stmt))
    return found


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *,
                constants: Mapping[str, Any] | None = None, skip_duplicate: str | None = None) -> None:
    """Insert ``rows`` (column name → value, the same columns in each, values JSON-representable: text,
    numbers, booleans, None, dicts and lists), each row also carrying ``constants`` (column name → the value
    for every row, of any type the column takes). No ids come back.

    PostgreSQL gets one ``INSERT ... SELECT FROM jsonb_to_recordset(:rows)``: the rows travel as a single
    JSON document (one ``json.dumps``, in C) and the server unpacks them, so a batch costs one short
    statement and almost no Python per row. (psycopg's executemany spends tens of microseconds of Python per
    row, a multi-row VALUES list a regex pass over the whole statement text, and array parameters a regex
    per element: each was most of a 100,000-row import's time on two cores.) SQLite gets one executemany,
    a loop in C. ``skip_duplicate`` names a unique column: rows whose value is taken already are skipped
    (``ON CONFLICT DO NOTHING``) instead of failing the statement. Rows for ``companies`` without a
    ``search_text`` get theirs computed here.
    """
    if not rows:
        return
    if table is COMPANIES and "search_text" not in rows[0]:
        # Neither path below runs the column's Python default: the search would miss these companies.
        rows = [{**row, "search_text": search_text(row["domain"], row.get("domain_unicode"), row.get("name"))}
                for row in rows]
    names = list(rows[0])
    fixed = dict(constants or {})
    if session.get_bind().dialect.name == "postgresql":
        document = bindparam("rows", json.dumps(rows, ensure_ascii=False, separators=(",", ":")), type_=Text)
        unpacked = (func.jsonb_to_recordset(cast(document, postgresql.JSONB))
                    .table_valued(*(column(name, table.c[name].type) for name in names))
                    .render_derived(name="v", with_types=True))
        values = select(*(unpacked.c[name] for name in names),
                        *(bindparam(f"{name}_value", value, type_=table.c[name].type) for name, value in fixed.items()))
        pg_stmt = postgresql.insert(table).from_select([*names, *fixed], values)
        session.execute(pg_stmt.on_conflict_do_nothing(index_elements=[skip_duplicate]) if skip_duplicate else pg_stmt)
        return
    _sqlite_executemany(session, table, names, rows, fixed, skip_duplicate)


def _sqlite_executemany(session: Session, table: Table, names: list[str], rows: Sequence[Mapping[str, Any]],
                        fixed: Mapping[str, Any], skip_duplicate: str | None) -> None:
    """:func:`insert_rows` on SQLite: the statement compiled once, the rows handed to the driver's executemany
    as tuples. Through ``Session.execute`` SQLAlchemy would rebuild and type-process every parameter of every
    row (a third of a 100,000-row import); here only values of converting types (JSON) are processed per
    row, and each constant once."""
    dialect = session.get_bind().dialect
    stmt = sqlite.insert(table).values({name: bindparam(name) for name in [*names, *fixed]})
    if skip_duplicate:
        stmt = stmt.on_conflict_do_nothing(index_elements=[skip_duplicate])
    compiled = stmt.compile(dialect=dialect)
    order = list(compiled.positiontup or ())
    processors = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order}
    constants = {name: _processed(processors[name], value) for name, value in fixed.items()}
    columns = [(name, name in constants, processors[name]) for name in order]
    params = [tuple(constants[name] if constant else _processed(process, row[name]) for name, constant, process
                    in columns) for row in rows]
    session.flush()  # the rows may refer to objects still pending in the session (an import, a job)
    session.connection().exec_driver_sql(str(compiled), params)


def _processed(process: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if process is None else process(value)


def add_raw_leads(session: Session, source: str, rows: Iterable[tuple[dict[str, Any], int | None]],
                  import_id: int | None = None) -> None:
    """Append one ``raw_leads`` row per (payload, company id), all received now, in one bulk insert (no ORM
    objects: nothing reads them back)."""
    insert_rows(session, RAW_LEADS, [{"payload": payload, "company_id": company_id} for payload, company_id in rows],
                constants={"source": source, "received_at": utcnow(), "import_id": import_id})


def apply_scan(session: Session, company: Company, report: dict[str, Any], job_id: int | None,
               scanned_at: datetime, changes: Sequence[Change], tags: set[str] | None, *,
               update_verdict: bool = True) -> None:
    """Store a finished scan: the scan row, the company's current verdict (unless ``update_verdict`` is
    false or the report holds no verdict: a failed scan, except one finding that the domain does not exist),
    changes and auto tags (``None``: leave the auto tags as they are)."""
    session.add(Scan(company_id=company.id, job_id=job_id, scanned_at=scanned_at, status=report["status"],
                     report=report))
    if update_verdict and has_verdict(report):
        company.provider = report.get("provider")
        company.gateway = report.get("gateway")
        company.hosting_label = report.get("hosting_label")
        company.confidence = report.get("confidence")
        company.tenant_id = (report.get("tenant") or {}).get("tenant_id")
        # A scan's own tenant; without one the caller may fall back to a referral's (referrals_repo).
        company.tenant_source = "scan" if company.tenant_id else None
        company.dmarc_policy = (report.get("dmarc") or {}).get("policy")
        company.score = report.get("score")
        company.segment = report.get("segment")
        company.priority = report.get("priority")
        company.category = report.get("category")
        company.breakdown = report.get("breakdown")
        company.evidence = report.get("evidence")
        fp = footprint_columns(report)
        company.web_host, company.dns_host = fp.web_host, fp.dns_host
        company.mail_country, company.web_country, company.footprint = fp.mail_country, fp.web_country, fp.stored
        if not company.name:
            company.name = (report.get("tenant") or {}).get("brand")
    company.scan_status = report["status"]
    company.scanned_at = scanned_at
    rows = [CompanyChange(company_id=company.id, changed_at=scanned_at, kind=change.kind, old=change.old,
                          new=change.new, detail=change.detail, alert=change.alert) for change in changes]
    session.add_all(rows)
    alerts_repo.enqueue_for_changes(session, rows)  # the alert outbox, in the same transaction
    if tags is not None:
        replace_auto_tags(session, company.id, tags)


def replace_auto_tags(session: Session, company_id: int, tags: set[str], *,
                      family: frozenset[str] | None = None) -> None:
    """Make the company's automatic tags exactly ``tags``; manual tags are untouched. With ``family`` only
    automatic tags in that family are replaced; without it, every automatic tag but those the registration
    stage owns (:data:`~leadhunter.domain.registration.REGISTRATION_TAGS`, kept across DNS rescans)."""
    # Automatic rows only: a manual tag of the same name is its own row and stays (uq_tags_company_tag_auto).
    current = {t.tag: t for t in session.scalars(select(Tag).where(Tag.company_id == company_id, Tag.auto.is_(True)))}

    def replaceable(name: str) -> bool:
        return name in family if family is not None else name not in REGISTRATION_TAGS

    stale = [t.id for name, t in current.items() if t.auto and name not in tags and replaceable(name)]
    if stale:
        session.execute(delete(Tag).where(Tag.id.in_(stale)))
    for name in tags - set(current):
        session.add(Tag(company_id=company_id, tag=name, auto=True))


def latest_scans(session: Session, company_id: int, limit: int = 20) -> list[Scan]:
    """The most recent scans of a company, newest first."""
    stmt = select(Scan).where(Scan.company_id == company_id).order_by(Scan.scanned_at.desc(), Scan.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def changes_of(session: Session, company_id: int, limit: int = 100) -> list[CompanyChange]:
    """A company's change history, newest first."""
    stmt = select(CompanyChange).where(CompanyChange.company_id == company_id)
    return list(session.scalars(stmt.order_by(CompanyChange.changed_at.desc(), CompanyChange.id.desc()).limit(limit)))


def tags_of(session: Session, company_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tags by company id, manual and automatic together, sorted, each name once."""
    out: dict[int, list[str]] = {cid: [] for cid in company_ids}
    if company_ids:
        stmt = select(Tag.company_id, Tag.tag).where(Tag.company_id.in_(company_ids)).distinct().order_by(Tag.tag)
        for company_id, tag in session.execute(stmt):
            out[company_id].append(tag)
    return out


def alerts(session: Session, limit: int = 100, include_acknowledged: bool = False) -> list[CompanyChange]:
    """Recent alert-worthy changes across all companies, newest first."""
    stmt = select(CompanyChange).where(CompanyChange.alert.is_(True))
    if not include_acknowledged:
        stmt = stmt.where(CompanyChange.acknowledged.is_(False))
    return list(session.scalars(stmt.order_by(CompanyChange.changed_at.desc(), CompanyChange.id.desc()).limit(limit)))


def add_counters(session: Session, name: str, counts: dict[str, int]) -> None:
    """Add ``counts`` to the ``name`` counters atomically (an UPDATE ... value + n, insert when new)."""
    for label, n in counts.items():
        if n <= 0:
            continue
        updated = session.execute(
            update(MetricCounter).where(MetricCounter.name == name, MetricCounter.label == label)
            .values(value=MetricCounter.value + n)
        )
        if getattr(updated, "rowcount", 0) == 0:
            try:
                with session.begin_nested():
                    session.add(MetricCounter(name=name, label=label, value=n))
            except IntegrityError:  # another worker inserted it first: add to theirs
                session.execute(update(MetricCounter).where(MetricCounter.name == name, MetricCounter.label == label)
                                .values(value=MetricCounter.value + n))
