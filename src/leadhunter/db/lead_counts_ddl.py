"""The DDL of PostgreSQL's materialised facet counts (``lead_value_counts``; see :mod:`leadhunter.db.lead_counts`),
alone so that migration 0016 takes them without importing the readers."""

# ruff: noqa: S608  (every statement here is built from the constants of this module, never from input)
from __future__ import annotations

TABLE = "lead_value_counts"
FACET_COLUMNS = ("segment", "category", "provider", "gateway", "confidence", "scan_status", "dmarc_policy",
                 "web_host", "dns_host", "mail_country", "web_country", "size")
"""Columns of ``companies`` counted per value (every column ``leads_repo.COUNTABLE`` groups by)."""
TAG_FACET = "tag"
"""Facet name of the ``tags`` rows' counts (plain tags, ``play:`` and ``saas:`` tags alike)."""

_PAIRS = ", ".join(f"('{c}', r.{c})" for c in FACET_COLUMNS)


def _trigger_function(name: str, table: str, pairs: str) -> str:
    """A trigger function appending the net per-value change of one statement on ``table`` (``pairs``: a
    ``VALUES`` list of ``(facet, value)`` over the row alias ``r``)."""
    def side(rows: str, sign: int) -> str:
        return (f"SELECT p.facet, p.value, {sign} AS n FROM {rows} r "
                f"CROSS JOIN LATERAL (VALUES {pairs}) p(facet, value)")

    def insert(parts: list[str]) -> str:
        return (f"INSERT INTO {TABLE} (facet, value, n) SELECT f.facet, f.value, sum(f.n) FROM ("
                + " UNION ALL ".join(parts) + ") f GROUP BY f.facet, f.value HAVING sum(f.n) <> 0;")

    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {insert([side('new_rows', 1)])} "
            f"ELSIF TG_OP = 'DELETE' THEN {insert([side('old_rows', -1)])} "
            f"ELSE {insert([side('new_rows', 1), side('old_rows', -1)])} END IF; RETURN NULL; END $$")


def _triggers(table: str, function: str) -> list[str]:
    """The three statement-level triggers (a trigger with transition tables serves one event)."""
    return [
        f"CREATE TRIGGER {table}_counts_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_counts_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_counts_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _tags_trigger_function() -> str:
    """The trigger function of ``tags``: counts leads per tag name, not rows. A lead may carry one name twice
    (a manual and an automatic tag), so a statement changes a name's count by the (lead, name) pairs it makes
    appear or disappear: before = a row of the pair outside the statement's new rows, or one of its old rows;
    after = a row of the pair now (the trigger runs after the statement)."""
    def now(alias: str, excluding_new: bool = False) -> str:
        outside = " AND t.id NOT IN (SELECT id FROM new_rows)" if excluding_new else ""
        return (f"EXISTS (SELECT 1 FROM tags t WHERE t.company_id = {alias}.company_id AND t.tag = {alias}.tag"
                f"{outside})")

    def insert(pairs: str, delta: str) -> str:
        return (f"INSERT INTO {TABLE} (facet, value, n) SELECT '{TAG_FACET}', p.tag, sum(p.n) FROM ("
                f"SELECT q.tag, {delta} AS n FROM ({pairs}) q) p GROUP BY p.tag HAVING sum(p.n) <> 0;")

    old_pair = "EXISTS (SELECT 1 FROM old_rows o WHERE o.company_id = q.company_id AND o.tag = q.tag)"
    on_insert = insert("SELECT DISTINCT company_id, tag FROM new_rows",
                       f"CASE WHEN {now('q', excluding_new=True)} THEN 0 ELSE 1 END")
    on_delete = insert("SELECT DISTINCT company_id, tag FROM old_rows", f"CASE WHEN {now('q')} THEN 0 ELSE -1 END")
    on_update = insert("SELECT company_id, tag FROM new_rows UNION SELECT company_id, tag FROM old_rows",
                       f"(CASE WHEN {now('q')} THEN 1 ELSE 0 END) - "
                       f"(CASE WHEN {now('q', excluding_new=True)} OR {old_pair} THEN 1 ELSE 0 END)")
    return ("CREATE FUNCTION hunter_count_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {on_insert} ELSIF TG_OP = 'DELETE' THEN {on_delete} "
            f"ELSE {on_update} END IF; RETURN NULL; END $$")


# The table itself is a model (``models.LeadValueCount``); these statements come from migration 0016 only.
PG_DDL: tuple[str, ...] = (
    _trigger_function("hunter_count_companies", "companies", _PAIRS),
    _tags_trigger_function(),
    *_triggers("companies", "hunter_count_companies"),
    *_triggers("tags", "hunter_count_tags"),
)
"""Trigger functions and triggers (migration 0016)."""

PG_BACKFILL = (
    # Run under a SHARE lock on both tables (no writer between the fill and the triggers taking over).
    f"INSERT INTO {TABLE} (facet, value, n) SELECT p.facet, p.value, count(*) FROM companies r "
    f"CROSS JOIN LATERAL (VALUES {_PAIRS}) p(facet, value) GROUP BY p.facet, p.value",
    f"INSERT INTO {TABLE} (facet, value, n) SELECT '{TAG_FACET}', tag, count(DISTINCT company_id) FROM tags "
    "GROUP BY tag",
)
"""The counts of the rows already there (migration 0016)."""

PG_DROP = (
    *(f"DROP TRIGGER IF EXISTS {t}_counts_{e} ON {t}" for t in ("companies", "tags")
      for e in ("insert", "update", "delete")),
    "DROP FUNCTION IF EXISTS hunter_count_companies()",
    "DROP FUNCTION IF EXISTS hunter_count_tags()",
)

COMPACT_SQL = (f"WITH gone AS (DELETE FROM {TABLE} RETURNING facet, value, n) "
            f"INSERT INTO {TABLE} (facet, value, n) SELECT facet, value, sum(n) FROM gone "
            "GROUP BY facet, value HAVING sum(n) <> 0")
