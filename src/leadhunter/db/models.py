"""SQLAlchemy 2 typed models. The same schema runs on SQLite (embedded) and PostgreSQL (distributed).

Companies are keyed by registrable domain (ASCII) with a surrogate integer id for joins. The current
score is denormalised onto the company row so the lead list is one indexed query; every scan is kept
whole (raw evidence and the report) in ``scans``. ``raw_leads`` is append-only: every ingest, whatever
its source, as it arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from leadhunter.db.search_text import (
    FTS_TABLES,
    PG_SHORT_INDEX,
    PG_TRGM_INDEX,
    SQLITE_FTS_DDL,
    SQLITE_FTS_DROP,
    SQLITE_SHORT_INDEX,
    search_text,
)

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
IdType = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware UTC now (stored as UTC on both databases)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that means the same on both databases: aware UTC datetimes in and out.

    PostgreSQL's ``timestamptz`` does this itself. SQLite stores text without an offset: SQLAlchemy would
    drop the offset of a non-UTC value (12:00+03:00 stored as 12:00) and hand back naive datetimes. So
    values are converted to UTC on the way in (a naive value is taken to be UTC already) and marked UTC on
    the way out. The DDL is plain ``DateTime(timezone=True)``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """To UTC; naive on SQLite, whose text format has no offset."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware UTC (SQLite returns naive values, stored as UTC above)."""
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JsonType, list[Any]: JsonType}


def _default_search_text(context: Any) -> str:
    """``search_text`` for a Core INSERT row that does not give one (per row, also in executemany)."""
    row = context.get_current_parameters()
    return search_text(row["domain"], row.get("domain_unicode"), row.get("name"))


class Company(Base):
    """One company = one registrable domain, with its current scan verdict and score."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    domain_unicode: Mapped[str] = mapped_column(String(253))
    name: Mapped[str | None] = mapped_column(String(300))
    # What the lead search compares: folded domain and name (``leadhunter.db.search_text``). Filled when the
    # unit of work flushes a company (:func:`_fill_search_text`) and on Core or ORM-bulk inserts that leave it
    # out (the column default); an UPDATE statement of the name or domain must set it too
    # (``companies_repo.company_ids`` does). Raw SQL that skips it leaves '' and the company unsearchable.
    search_text: Mapped[str] = mapped_column(Text, default=_default_search_text, server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # Current verdict (null until the first scan finishes).
    scan_status: Mapped[str | None] = mapped_column(String(16))  # ok / partial / failed
    scanned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    provider: Mapped[str | None] = mapped_column(String(16))
    gateway: Mapped[str | None] = mapped_column(String(40))
    hosting_label: Mapped[str | None] = mapped_column(String(60))
    confidence: Mapped[str | None] = mapped_column(String(8))
    tenant_id: Mapped[str | None] = mapped_column(String(36))
    # Where ``tenant_id`` came from: ``scan`` (Entra tenant discovery found it) or ``referral`` (a linked Partner
    # Center referral carries it and no scan found one); None without a tenant id. A scan's own tenant wins.
    tenant_source: Mapped[str | None] = mapped_column(String(16))
    dmarc_policy: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    segment: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(4))
    breakdown: Mapped[list[Any] | None] = mapped_column(JsonType)
    evidence: Mapped[list[Any] | None] = mapped_column(JsonType)
    # The footprint of the current verdict (``domain.footprint_columns``): host names and countries for the
    # filters and sorts, and the report's ``footprint``/``network``/``whitespace`` keys for the lead modal and
    # change detection. Plays and SaaS products are automatic tags (``play:intune``, ``saas:zoom``).
    web_host: Mapped[str | None] = mapped_column(String(60))
    dns_host: Mapped[str | None] = mapped_column(String(60))
    mail_country: Mapped[str | None] = mapped_column(String(2))
    web_country: Mapped[str | None] = mapped_column(String(2))
    footprint: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    __table_args__ = (
        Index("ix_companies_category_score_domain", "category", "score", "domain"),
        Index("ix_companies_score", "score"),
        Index("ix_companies_scanned_at", "scanned_at"),
    )


# The lead list's orders, term for term as ``leads_repo.order_by`` writes them, so a page is read in index
# order instead of sorting the table. ``(column IS NULL), column`` puts rows without a value last in both
# databases: SQLite indexes cannot store NULLS LAST, and PostgreSQL matches index expressions exactly.
# The page's ids are read first, so PostgreSQL carries ``id`` in each index for index-only scans (SQLite
# index entries hold the rowid anyway).
INCLUDE_ID = ["id"]
LEAD_ORDER = (Company.category.is_(None), Company.category, Company.score.is_(None), Company.score.desc(),
              Company.domain)
Index("ix_companies_lead_order", *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_score_order", Company.score.is_(None), Company.score.desc(), Company.domain,
      postgresql_include=INCLUDE_ID)
Index("ix_companies_priority_order", Company.priority.is_(None), Company.priority, Company.domain,
      postgresql_include=INCLUDE_ID)
Index("ix_companies_name_order", Company.name.is_(None), Company.name, Company.domain, postgresql_include=INCLUDE_ID)
Index("ix_companies_scanned_order", Company.scanned_at.is_(None), Company.scanned_at.desc(), Company.domain,
      postgresql_include=INCLUDE_ID)
Index("ix_companies_created_order", Company.created_at.desc(), Company.domain, postgresql_include=INCLUDE_ID)
# Equality filters of the lead list, each followed by the default order: "provider = M365, best first"
# reads 50 index entries instead of sorting a third of the table.
Index("ix_companies_segment", Company.segment, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_provider", Company.provider, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_gateway", Company.gateway, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_web_host", Company.web_host, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_dns_host", Company.dns_host, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_mail_country", Company.mail_country, *LEAD_ORDER, postgresql_include=INCLUDE_ID)
Index("ix_companies_web_country", Company.web_country, *LEAD_ORDER, postgresql_include=INCLUDE_ID)


def include_object_for(dialect: str) -> Callable[[object, str | None, str, bool, object | None], bool]:
    """An Alembic ``include_object`` hook for a database of ``dialect`` (``"sqlite"``, ``"postgresql"``):
    leaves out the model indexes declared for another database (:func:`only_on`), which ``create_all`` and
    the migrations never create there, and SQLite's FTS5 search tables (``search_text.FTS_TABLES``). Everything
    else is compared."""

    def include(obj: object, name: str | None, type_: str, reflected: bool, _compare_to: object | None) -> bool:
        if type_ == "index" and not reflected and isinstance(obj, Index):
            return bool(obj.info.get("dialect", dialect) == dialect)
        # SQLite's FTS5 search table and its shadow tables: DDL the models make through events, not map.
        return not (type_ == "table" and reflected and name in FTS_TABLES)

    return include


def only_on(dialect: str, index: Index) -> Index:
    """``index`` created on databases of ``dialect`` only, and marked so for :func:`include_object_for`."""
    index.info["dialect"] = dialect
    return index.ddl_if(dialect=dialect)


# Search: one folded column (``search_text``) and a trigram index over it on each database, as
# ``leadhunter.db.search_text`` describes; ``leads_repo`` queries them (change them together). The SQLite side
# is an FTS5 table with triggers, which ``create_all`` makes through DDL events (migration 0005 runs the same
# statements); PostgreSQL's needs the ``pg_trgm`` extension.
only_on("postgresql", Index(PG_TRGM_INDEX, Company.search_text, postgresql_using="gin",
                            postgresql_ops={"search_text": "gin_trgm_ops"}))
# 1-2 character needles cannot use the trigram indexes: they scan a narrow copy of the column with the default
# order's keys instead of the wide rows ("ab" over 100,000 companies: 41 -> 15 ms SQLite, 41 -> 13 ms PostgreSQL).
only_on("sqlite", Index(SQLITE_SHORT_INDEX, Company.search_text, Company.category, Company.score, Company.domain))
only_on("postgresql", Index(PG_SHORT_INDEX, Company.id, postgresql_include=["search_text", "category", "score",
                                                                              "domain"]))


def _ddl(statement: str, dialect: str) -> DDL:
    """``statement`` as a DDL element run on databases of ``dialect`` only."""
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


event.listen(Base.metadata, "before_create", _ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm", "postgresql"))
for _statement in SQLITE_FTS_DDL:
    event.listen(Company.__table__, "after_create", _ddl(_statement, "sqlite"))
for _statement in SQLITE_FTS_DROP:
    event.listen(Company.__table__, "before_drop", _ddl(_statement, "sqlite"))


@event.listens_for(Company, "before_insert")
@event.listens_for(Company, "before_update")
def _fill_search_text(_mapper: object, _connection: object, company: Company) -> None:
    """Keep ``search_text`` in step with the domain and name when the unit of work flushes a company (assigned
    only when it changes, so a scan's update does not rewrite the search index). ORM bulk and criteria
    statements (``session.execute(update(Company)...)``) bypass this: they must set ``search_text``."""
    wanted = search_text(company.domain, company.domain_unicode, company.name)
    if company.search_text != wanted:
        company.search_text = wanted


class Scan(Base):
    """One finished scan of a company: the raw evidence (``facts``) and the full JSON report."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("scan_jobs.id", ondelete="SET NULL"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    report: Mapped[dict[str, Any]] = mapped_column(JsonType)


class RawLead(Base):
    """Append-only record of every ingest: where it came from and the payload as received."""

    __tablename__ = "raw_leads"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)  # manual / import / webhook / partnercenter
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)


class CompanyChange(Base):
    """Provider, DMARC and score-segment changes seen between two scans (history and the alert list)."""

    __tablename__ = "company_changes"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # provider_changed / dmarc_added / dmarc_tightened / ...
    old: Mapped[str | None] = mapped_column(String(64))
    new: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


class Tag(Base):
    """A tag on a company; ``auto`` tags are recomputed on every scan and removed when they no longer hold."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("company_id", "tag", name="uq_tags_company_tag"),)


class ScanJob(Base):
    """A batch scan: counters are recomputed from its items, so a retried chunk never double-counts."""

    __tablename__ = "scan_jobs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # manual / import / webhook / rescan / periodic
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # queued / running / done / cancelled / failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    partial: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)


class ScanJobItem(Base):
    """One domain of a job; ``chunk`` groups items into one task. ``state``: pending / ok / partial /
    failed / cancelled."""

    __tablename__ = "scan_job_items"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("scan_jobs.id", ondelete="CASCADE"))
    chunk: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")

    __table_args__ = (
        UniqueConstraint("job_id", "company_id", name="uq_scan_job_items_job_company"),
        Index("ix_scan_job_items_job_chunk", "job_id", "chunk"),
        Index("ix_scan_job_items_job_state", "job_id", "state"),
    )


class Import(Base):
    """One uploaded file: its counts and the per-row errors (line number and reason).

    Rows are stored in batches, each committed with ``stored_through_line`` (the file line up to which rows
    are stored) and ``updated_at``, so an import stopped part-way is seen as such (``status`` still
    ``importing``, no progress for minutes) and the same file uploaded again carries on after that line
    (found by ``content_sha256``) instead of storing its rows twice. ``status``: ``importing`` or ``done``.
    """

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    stored_through_line: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("scan_jobs.id", ondelete="SET NULL"))


class ApiKey(Base):
    """An API key: only a SHA-256 hash is stored; ``prefix`` (first 8 characters) identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    role: Mapped[str] = mapped_column(String(16), default="seller", server_default="admin")
    """viewer, seller or admin (keys made before roles existed could do everything: they are admin)."""
    owner: Mapped[str | None] = mapped_column(String(200))
    """Who answers for the key (the admin who created it, or the person it was made for)."""


class MetricCounter(Base):
    """A monotonically growing counter kept in the database so every worker process adds to the same one
    (e.g. ``name="dns_lookups"``, ``label="ok"``); the API copies them into Prometheus gauges."""

    __tablename__ = "metric_counters"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (UniqueConstraint("name", "label", name="uq_metric_counters_name_label"),)


class IntegrationPause(Base):
    """Until when sends to an external destination (a Dynamics 365 org URL) are paused after HTTP 429, shared
    by every worker process; read and written by ``leadhunter.db.pauses_repo``."""

    __tablename__ = "integration_pauses"

    destination: Mapped[str] = mapped_column(String(255), primary_key=True)
    paused_until: Mapped[datetime] = mapped_column(UtcDateTime())
