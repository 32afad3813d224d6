"""National-scale data generator: ``--rows`` (default 1,000,000) scored companies with realistic distributions,
deterministic for ``--seed``, streamed into a database in batches (memory flat in the row count).

Usage::

    .venv/bin/python bench/scale_data.py --url postgresql+psycopg://postgres@127.0.0.1:5432/DB [--rows 1000000]
                                         [--seed 42] [--batch 20000]

Each company is a row of :func:`leads_query_bench.company_rows`'s shape (scored by the real scoring rules; ~10%
never scanned, ~30% without a name, ~3% IDN domains) plus the footprint columns (web and DNS host, mail and web
country); ~10% carry a plain tag, ~25% of M365 companies a white-space play tag and ~15% a SaaS tag; 0.5% have a
Partner Center referral (every type and status) and 2% a Dynamics 365 push state (every state). The database must
be migrated to head first; ``seed`` does not ANALYZE (the caller does, once, after every load).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from leadhunter.domain.scoring_rules import default_scoring_rules  # noqa: E402
from leads_query_bench import TAGS, WORDS, scanned_row  # noqa: E402

WEB_HOSTS = {"": 30, "Natro": 14, "AWS": 12, "Cloudflare": 12, "Azure": 6, "Google Cloud": 5, "Hetzner": 6,
             "OVH": 5, "Turhost": 5, "DigitalOcean": 5}
DNS_HOSTS = {"": 25, "Cloudflare": 25, "Natro": 12, "Azure DNS": 6, "AWS Route 53": 8, "GoDaddy": 10,
             "Turhost": 8, "Google Cloud DNS": 6}
COUNTRIES = {"": 20, "TR": 40, "DE": 12, "US": 12, "NL": 5, "IE": 5, "FR": 3, "GB": 3}
PLAYS = ("intune", "mail_migration", "teams_phone", "defender_for_office", "azure_migration")
SAAS = ("atlassian", "zoom", "salesforce", "hubspot", "docusign")
REFERRAL_TYPES = ("co-sell", "marketplace", "solution-provider")
REFERRAL_STATUSES = ("New", "Active", "Closed")
D365_STATES = {"queued": 10, "in_progress": 5, "synced": 70, "error": 10, "not_synced": 5}


POOL = 4096
"""Distinct scored verdicts drawn in Python (the real scoring rules) and picked at random per company in SQL."""


def _weighted(weights: dict[str, int]) -> str:
    """A SQL array literal with each key repeated by its weight ('' as NULL): ``arr[1 + floor(random() * n)]``
    then draws a key with those weights."""
    items = [("NULL" if key == "" else "'" + key.replace("'", "''") + "'") for key, w in weights.items()
             for _ in range(w)]
    return f"(ARRAY[{', '.join(items)}]::text[])[1 + floor(random() * {len(items)})::int]"


def _verdicts(seed_value: int) -> list[dict[str, Any]]:
    """:data:`POOL` scanned verdicts (the verdict columns of ``scanned_row``), deterministic for ``seed_value``."""
    rng, rules, now = random.Random(seed_value), default_scoring_rules(), datetime.now(UTC)
    keep = ("scan_status", "provider", "gateway", "hosting_label", "confidence", "dmarc_policy", "score",
            "segment", "priority", "category", "breakdown", "evidence")
    return [{"k": k, **{c: row[c] for c in keep}}
            for k, row in enumerate((scanned_row(rng, rules, now) for _ in range(POOL)), start=1)]


_COMPANIES_SQL = """
INSERT INTO companies (domain, domain_unicode, name, created_at, updated_at, search_text, scan_status, scanned_at,
    provider, gateway, hosting_label, confidence, tenant_id, dmarc_policy, score, segment, priority, category,
    breakdown, evidence, web_host, dns_host, mail_country, web_country)
SELECT d.domain, d.shown, d.name, d.created, d.created,
       lower(translate(d.shown, 'üşæ', 'usæ')) || CASE WHEN d.domain <> d.shown THEN E'\\n' || d.domain ELSE '' END
         || coalesce(E'\\n' || lower(translate(d.name, 'üşÜŞ', 'usus')), ''),
       v.scan_status, CASE WHEN v.k IS NOT NULL THEN now() - random() * interval '30 days' END,
       v.provider, v.gateway, v.hosting_label, v.confidence,
       CASE WHEN v.provider = 'M365' THEN md5(random()::text) END, v.dmarc_policy, v.score, v.segment, v.priority,
       v.category, v.breakdown, v.evidence,
       CASE WHEN v.k IS NOT NULL THEN {web_host} END, CASE WHEN v.k IS NOT NULL THEN {dns_host} END,
       CASE WHEN v.k IS NOT NULL THEN {country} END, CASE WHEN v.k IS NOT NULL THEN {country} END
FROM (
    SELECT w.w1 || w.w2 || '-' || lpad(w.i::text, 7, '0') || '.' || w.tld AS raw,
           w.i, w.w1, w.w2, w.tld, w.idn, w.named, w.suffix, w.created, w.verdict
    FROM (
        SELECT i, words[1 + a] AS w1, words[1 + (a + 1 + b) % 22] AS w2,
               (ARRAY['com','de','com.tr','co.uk','net','org','eu','io','fr','nl'])[1 + floor(random() * 10)::int]
                 AS tld,
               random() < 0.03 AS idn, random() < 0.7 AS named,
               (ARRAY['GmbH','Ltd','A.Ş.','SAS','BV','AG','Group','Holding',''])[1 + floor(random() * 9)::int]
                 AS suffix,
               now() - random() * interval '365 days' AS created,
               CASE WHEN random() < 0.9 THEN 1 + floor(random() * {pool})::int END AS verdict
        FROM (SELECT i, floor(random() * 22)::int AS a, floor(random() * 21)::int AS b,
                     ARRAY[{words}] AS words
              FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS i) AS r
    ) AS w
) AS x
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.idn THEN x.raw ELSE translate(x.raw, 'üşæ', 'usa') END AS shown,
           CASE WHEN x.idn AND x.raw ~ '[üşæ]' THEN 'xn--' || translate(x.raw, 'üşæ', 'usa') || '-' || x.i
                ELSE translate(x.raw, 'üşæ', 'usa') END AS domain,
           CASE WHEN x.named THEN trim(initcap(x.w1) || ' ' || initcap(x.w2) || ' ' || x.suffix) END AS name,
           x.created
) AS d
LEFT JOIN bench_verdicts AS v ON v.k = x.verdict
"""

_SIDE_SQL = (
    "INSERT INTO tags (company_id, tag, auto) SELECT id, {tag}, false FROM companies "
    "WHERE id BETWEEN :lo AND :hi AND random() < 0.1",
    "INSERT INTO tags (company_id, tag, auto) SELECT id, 'play:' || {play}, true FROM companies "
    "WHERE id BETWEEN :lo AND :hi AND provider = 'M365' AND random() < 0.25",
    "INSERT INTO tags (company_id, tag, auto) SELECT id, 'saas:' || {saas}, true FROM companies "
    "WHERE id BETWEEN :lo AND :hi AND provider IS NOT NULL AND random() < 0.15",
    "INSERT INTO partner_center_referrals (referral_id, type, status, lead_type, link_status, company_id, "
    "payload_hash, raw, pc_updated_at, first_seen_at, synced_at, updated_at, domain_reason, contacts, team, "
    "lead_type_reason, link_reason) "
    "SELECT 'ref-' || id, 'Shared', {ref_status}, {ref_type}, 'linked', id, md5(id::text), '{{}}', now(), now(), "
    "now(), now(), '', '[]', '[]', '', '' FROM companies WHERE id BETWEEN :lo AND :hi AND random() < 0.005",
    "INSERT INTO d365_lead_sync (company_id, status, attempts, updated_at) SELECT id, {d365}, 0, now() "
    "FROM companies WHERE id BETWEEN :lo AND :hi AND random() < 0.02",
)


def seed(engine: Engine, rows: int, seed_value: int = 42, batch: int = 100_000) -> dict[str, Any]:
    """Insert ``rows`` companies (and their tags, referrals and D365 states) generated inside the database, in
    batches of ``batch`` (one transaction each; ``setseed`` per batch keeps the data deterministic for
    ``seed_value``). Returns seconds spent and the row counts."""
    started = time.perf_counter()
    words = ", ".join("'" + w + "'" for w in WORDS)
    companies_sql = text(_COMPANIES_SQL.format(
        web_host=_weighted(WEB_HOSTS), dns_host=_weighted(DNS_HOSTS), country=_weighted(COUNTRIES), pool=POOL,
        words=words))
    side = [text(sql.format(tag=_weighted(TAGS), play=_weighted({p: 1 for p in PLAYS}),
                            saas=_weighted({s: 1 for s in SAAS}),
                            ref_status=_weighted({s: 1 for s in REFERRAL_STATUSES}),
                            ref_type=_weighted({t: 1 for t in REFERRAL_TYPES}), d365=_weighted(D365_STATES)))
            for sql in _SIDE_SQL]
    with engine.begin() as conn:
        conn.execute(text("CREATE UNLOGGED TABLE IF NOT EXISTS bench_verdicts (k int PRIMARY KEY, scan_status text, "
                          "provider text, gateway text, hosting_label text, confidence text, dmarc_policy text, "
                          "score int, segment text, priority int, category text, breakdown jsonb, evidence jsonb)"))
        conn.execute(text("TRUNCATE bench_verdicts"))
        pool = _verdicts(seed_value)
        for row in pool:
            row["breakdown"], row["evidence"] = json.dumps(row["breakdown"]), json.dumps(row["evidence"])
        conn.execute(text("INSERT INTO bench_verdicts VALUES (:k, :scan_status, :provider, :gateway, :hosting_label, "
                          ":confidence, :dmarc_policy, :score, :segment, :priority, :category, "
                          "CAST(:breakdown AS jsonb), CAST(:evidence AS jsonb))"), pool)
    for first in range(0, rows, batch):
        last = min(rows, first + batch) - 1
        with engine.begin() as conn:
            conn.execute(text("SELECT setseed(:s)"), {"s": ((seed_value * 7919 + first // batch) % 10_000) / 10_000})
            lo = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM companies")).scalar_one()
            conn.execute(companies_sql, {"first": first, "last": last})
            hi = conn.execute(text("SELECT max(id) FROM companies")).scalar_one()
            for stmt in side:
                conn.execute(stmt, {"lo": lo, "hi": hi})
        print(f"  {last + 1:,} companies after {time.perf_counter() - started:.0f} s", flush=True)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_verdicts"))
        counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("companies", "tags", "partner_center_referrals", "d365_lead_sync")}
    return {"insert_s": round(time.perf_counter() - started, 1), **counts}


def analyze(engine: Engine) -> None:
    """``VACUUM ANALYZE`` (PostgreSQL: also sets the visibility map index-only scans need) or ``ANALYZE``."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def main(argv: list[str] | None = None) -> int:
    """Migrate ``--url`` to head and seed it."""
    from leadhunter.db.engine import make_engine
    from leadhunter.db.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch", type=int, default=100_000)
    args = parser.parse_args(argv)
    upgrade(args.url)
    engine = make_engine(args.url)
    try:
        print(seed(engine, args.rows, args.seed, args.batch))
        analyze(engine)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
