"""The lead search's folded text: one column both databases search, and the indexes that serve it.

A salesperson types ``muller`` for *Müller GmbH*, ``gida`` for *Örnek Gıda* and ``İSTANBUL`` for
*istanbul-lojistik.com.tr*. Neither database folds that way by itself (SQLite's LIKE ignores ASCII case
only; PostgreSQL's ``lower()`` keeps accents and maps ``İ`` to ``i̇``), so the folding happens in Python,
once per write: ``companies.search_text`` holds :func:`fold` of the Unicode domain, the ASCII domain when it
differs, and the name, and the search compares :func:`fold` of the needle against it.

A substring cannot seek a B-tree, so each database gets a trigram index over that one column:

- SQLite: an FTS5 table with the ``trigram`` tokenizer (:data:`SQLITE_FTS_DDL`), kept current by triggers
  on ``companies``. A needle of three or more characters is a phrase query over it (consecutive trigrams,
  i.e. an exact substring); a shorter one scans the column.
- PostgreSQL: a GIN ``gin_trgm_ops`` index (extension ``pg_trgm``), which serves ``LIKE '%…%'`` directly.
  Without the extension (a managed database that refuses it) the migration skips the index and the same
  query scans the table: correct, slower.

Measured over 100,000 companies, ``bench/api_bench.py``: see the README's API table.
"""

from __future__ import annotations

import re
import unicodedata

SEPARATOR = "\n"
"""Between the domain and the name in ``search_text``: no needle spans it (:func:`fold_needle` reads control
characters in a needle as spaces)."""

FTS_TABLE = "companies_search"
"""SQLite's FTS5 table over ``companies.search_text`` (external content: it stores only the trigram index)."""

FTS_TABLES = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "docsize", "config"))})
"""The FTS5 table and the shadow tables SQLite makes for it: tables the models do not map."""

SQLITE_MIN_VERSION = (3, 35, 0)
"""Oldest SQLite Hunter's schema runs on: FTS5's ``trigram`` tokenizer needs 3.34, ``DROP COLUMN`` 3.35."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

MIN_TRIGRAM_NEEDLE = 3
"""Folded needles shorter than this (characters) cannot use a trigram index and scan ``search_text``."""

PG_TRGM_INDEX = "ix_companies_search_trgm"
"""PostgreSQL's GIN trigram index on ``companies.search_text``."""

SQLITE_SHORT_INDEX = "ix_companies_search_text"
"""SQLite's B-tree on ``search_text`` and the default order's keys, which needles too short for the trigram
table scan instead of the table."""

PG_SHORT_INDEX = "ix_companies_search_covering"
"""PostgreSQL's B-tree keyed on ``id`` carrying ``search_text`` and the default order's keys: needles too short
for trigrams scan it index-only instead of the wide rows ("ab" over 100,000 companies: 41 -> 13 ms). ``id``
leads so new companies append at its right edge and its pages stay full."""

# Exactly as ``create_all`` (``leadhunter.db.models``) and migration 0005 run them; tests compare the catalogues.
# Written out (not formatted from FTS_TABLE) so that each statement reads as the SQL it is.
SQLITE_FTS_DDL: tuple[str, ...] = (
    # Already folded: the tokenizer need not fold again (case_sensitive 1 skips that work).
    "CREATE VIRTUAL TABLE companies_search USING fts5(search_text, content='companies', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER companies_search_insert AFTER INSERT ON companies BEGIN "
    "INSERT INTO companies_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER companies_search_delete AFTER DELETE ON companies BEGIN "
    "INSERT INTO companies_search(companies_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    # Only when the text changes: a scan rewrites the score columns, never the search index.
    "CREATE TRIGGER companies_search_update AFTER UPDATE OF search_text ON companies BEGIN "
    "INSERT INTO companies_search(companies_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO companies_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_FTS_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS companies_search_insert",
    "DROP TRIGGER IF EXISTS companies_search_delete",
    "DROP TRIGGER IF EXISTS companies_search_update",
    "DROP TABLE IF EXISTS companies_search",
)


def fold(text: str) -> str:
    """``text`` as the search compares it: accents dropped (NFKD without combining marks), Turkish dotless
    ``ı`` read as ``i``, case-folded (``ß`` → ``ss``), then recomposed (NFC, so a Hangul syllable stays one
    character instead of its jamo). Plain ASCII only goes through ``lower()``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare.casefold())


def fold_needle(needle: str) -> str:
    """A search box entry as the search compares it: :func:`fold` of it with control characters (line breaks,
    tabs) read as spaces, so that no needle spans :data:`SEPARATOR`, and surrounding blanks dropped. An
    empty result means "no search"."""
    return fold(_CONTROL.sub(" ", needle)).strip()


def search_text(domain: str, domain_unicode: str | None, name: str | None) -> str:
    """The value of ``companies.search_text`` for a company: the folded Unicode domain, the ASCII
    (punycode) domain when it differs, and the name when there is one, joined by :data:`SEPARATOR`."""
    shown = domain_unicode or domain
    parts = [shown] if shown == domain else [shown, domain]
    if name:
        parts.append(name)
    return fold(SEPARATOR.join(parts))


def fts_phrase(needle: str) -> str:
    """An FTS5 query matching ``needle`` (already folded) as one phrase: every character literal."""
    return '"' + needle.replace('"', '""') + '"'


PG_GRAMS_FUNCTION = "hunter_short_grams"
"""PostgreSQL function: the distinct one- and two-character substrings of a text, as an array."""

PG_GRAMS_INDEX = "ix_companies_search_grams"
"""PostgreSQL's GIN index over :data:`PG_GRAMS_FUNCTION` of ``search_text``: needles of one or two characters
(too short for trigrams) find their companies in it instead of scanning a million rows."""

PG_GRAMS_DDL = (  # the name is a constant above
    "CREATE OR REPLACE FUNCTION hunter_short_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT g), '{}') FROM ("
    "SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i UNION ALL "
    "SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i) AS grams $$"
)
