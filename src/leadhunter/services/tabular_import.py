"""Turn an uploaded lead file (CSV or XLSX, up to 100,000 rows) into rows with a company domain, streaming.

Reading the file itself (type by content, size limits, encodings, delimiters, sheets) is
:mod:`leadhunter.services.tabular_files`; this module finds the columns and judges each row.

Up to ten title rows may sit above the header; header names are matched in English and Turkish,
ignoring case, spaces, hyphens and diacritics (:data:`ROLE_NAMES`). A row's domain comes from the first
usable of its domain, website and e-mail cells, in that order, so a blank or broken domain cell falls
back to the website, and a website beats a personal mailbox such as gmail.com. A file without a header
whose first column holds domains is read as a bare list.

Whole-file problems raise :class:`ImportFileError` from :func:`read_rows`, before any row is produced.
Two are only found while reading: more than ``max_rows`` data rows, and a workbook damaged past its
start. Those raise from the iterator; :func:`check_rows` reads the file once without judging rows to
find them first, so a caller storing rows in several transactions never half-imports a list cut off at
row 100,000.

Cells are kept as typed, only spaces at the edges trimmed: formula-like text such as ``=HYPERLINK(…)``
is data here, never evaluated, and is defanged on export (:mod:`leadhunter.services.export_writer`).
Blank cells, and the fillers tools write into them (``nan``, ``NULL``, ``#N/A``, ``-``), are dropped.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from leadhunter.domain.manual_tags import TagNameError, split_cell
from leadhunter.domain.normalize import NormalizedDomain, normalize_domain
from leadhunter.services.tabular_files import ImportFileError, Lines, Table, nonblank, open_table

__all__ = ["ROLE_NAMES", "UNREADABLE", "ImportFileError", "ImportRow", "ImportSummary", "TabularRows", "check_rows",
           "import_rows", "read_rows"]

# Header names per role, compared after folding (see _fold): lowercase ASCII letters and digits only.
# Within a role the earlier name wins, so "Company Name" beats a plain "Name" column.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "name": (
        "companyname", "company", "firmaadi", "firmaismi", "firma", "firmaunvani", "sirketadi", "sirketunvani",
        "sirket", "ticariunvan", "unvan", "musteriadi", "musteri", "accountname", "account", "organization",
        "organisation", "businessname", "name",
    ),
    "domain": ("domain", "domains", "domainname", "alanadi", "etkialani"),
    "website": (
        "website", "websitesi", "web", "webadresi", "websiteurl", "url", "site", "siteadresi", "internetsitesi",
        "homepage",
    ),
    "email": ("email", "eposta", "mail", "emailaddress", "epostaadresi", "emailadresi", "mailadresi"),
    # Manual tags for the lead: several in one cell, separated by , ; or | (domain.manual_tags.split_cell).
    "tags": ("tags", "tag", "etiket", "etiketler", "labels", "label"),
}
_DOMAIN_ROLES = ("domain", "website", "email")  # by precedence for the row's domain
_HEADER_ROWS = 11  # ten title rows, then the header (non-blank rows)
# What spreadsheets, pandas and SQL dumps write into empty cells; read as blank.
_NULL_TEXT = frozenset(
    {"nan", "none", "null", "n/a", "#n/a", "-", "#ref!", "#value!", "#div/0!", "#name?", "#num!", "#null!"}
)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data row. ``line`` is the CSV line the row starts on (as in a text editor) or the sheet's row
    number; ``domain`` is the ASCII registrable domain and is ``None`` whenever ``error`` is set;
    ``raw`` maps every header to its non-blank cell text."""

    line: int
    domain: str | None
    domain_unicode: str | None
    name: str | None
    email: str | None
    raw: dict[str, str]
    error: str | None = None
    tags: tuple[str, ...] = ()  # manual tags from the tags / etiket column, cleaned


@dataclass(slots=True)
class ImportSummary:
    """Counts for one import; ``rows == accepted + duplicates + len(errors)``."""

    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    errors: list[dict[str, int | str]] = field(default_factory=list)  # {"line": 7, "reason": "…"}
    columns: dict[str, str] = field(default_factory=dict)  # role ("name", "domain", …) → header text


class TabularRows(Iterator[ImportRow]):
    """The rows of one file, plus what was detected: ``kind`` ("csv"/"xlsx"), ``columns`` (role → header),
    and ``encoding`` and ``delimiter`` (CSV) or ``sheet`` (XLSX)."""

    def __init__(self, rows: Generator[ImportRow, None, None], table: Table, columns: dict[str, str]) -> None:
        self._rows = rows
        self.kind = table.kind
        self.columns = columns
        self.encoding = table.encoding
        self.delimiter = table.delimiter
        self.sheet = table.sheet

    def __next__(self) -> ImportRow:
        return next(self._rows)

    def close(self) -> None:
        """Release the file early (also done when the rows run out)."""
        self._rows.close()


def read_rows(stream: BinaryIO, filename: str, *, max_bytes: int = 20 * 1024 * 1024,
              max_rows: int = 100_000) -> TabularRows:
    """Detect the type, encoding and columns of ``stream`` (from its current position) and return its rows.

    ``filename`` only sharpens messages. ``max_bytes`` bounds the upload; ``max_rows`` the data rows (blank
    rows are skipped and not counted). The stream is not closed and must stay open while rows are read.
    Raises :class:`ImportFileError` (see the module docstring for the two raised while iterating).
    """
    table = open_table(stream, filename, max_bytes=max_bytes, header_score=_header_score)
    try:
        roles, headers, rows = _layout(table.lines)
    except BaseException:
        table.close()
        raise
    columns = {role: headers[index] for role, index in roles.items()}
    return TabularRows(_rows(rows, roles, headers, max_rows, table), table, columns)


def check_rows(stream: BinaryIO, filename: str, *, max_bytes: int = 20 * 1024 * 1024,
               max_rows: int = 100_000) -> int:
    """Read the whole file as :func:`read_rows` would, without judging its rows, and return how many data rows
    it has; raises every :class:`ImportFileError` that :func:`read_rows` and its rows would raise. The stream is
    left where it was (it must be seekable)."""
    start = stream.tell()
    table = open_table(stream, filename, max_bytes=max_bytes, header_score=_header_score)
    try:
        _, _, rows = _layout(table.lines)
        count = 0
        for count, _row in enumerate(rows, start=1):
            if count > max_rows:
                raise _too_many(max_rows)
        return count
    finally:
        table.close()
        stream.seek(start)


def _too_many(max_rows: int) -> ImportFileError:
    return ImportFileError(f"The file has more than {max_rows:,} rows. Split it into smaller files.", "too_many_rows")


def import_rows(rows: Iterable[ImportRow], summary: ImportSummary, seen: set[str]) -> Iterator[ImportRow]:
    """Yield the rows worth importing: no error, and a domain not in ``seen`` (which this adds to).

    Fills ``summary`` as rows pass: every row is counted, errors are recorded with their line, repeated
    domains (within the file, or already in ``seen``) are counted as duplicates and dropped.
    """
    if isinstance(rows, TabularRows):
        summary.columns.update(rows.columns)
    return _accept(rows, summary, seen)


def _accept(rows: Iterable[ImportRow], summary: ImportSummary, seen: set[str]) -> Iterator[ImportRow]:
    for row in rows:
        summary.rows += 1
        if row.error is not None or row.domain is None:
            reason = (row.error or "no domain").removeprefix(f"line {row.line}: ")
            summary.errors.append({"line": row.line, "reason": reason})
        elif row.domain in seen:
            summary.duplicates += 1
        else:
            seen.add(row.domain)
            summary.accepted += 1
            yield row


# --- header, columns and rows --------------------------------------------------------------------------


def _layout(lines: Lines) -> tuple[dict[str, int], list[str], Lines]:
    """``(role → column, header names, data rows)``, after reading just enough rows to decide."""
    filled = ((n, cells) for n, cells in lines if nonblank(cells))
    head = list(itertools.islice(filled, _HEADER_ROWS))
    if not head:
        raise ImportFileError("The file is empty.", "empty")
    found = _find_header([cells for _, cells in head])
    if found is not None:
        index, roles = found
        headers = _header_names(head[index][1])
        rest = head[index + 1 :]
    elif _looks_like_domains([cells[0] for _, cells in head[:10]]):
        roles, headers, rest = {"domain": 0}, [], head
    else:
        named = any(_roles(cells) for _, cells in head)
        raise ImportFileError(
            ("There is a header row but no domain, website or e-mail column. " if named else "No header row found. ")
            + "Name a column Domain, Website or E-mail (Alan Adı, Web Sitesi or E-posta).",
            "no_column",
        )
    rows = itertools.chain(rest, filled)
    first = next(rows, None)
    if first is None:
        raise ImportFileError("The file has a header row but no rows under it.", "empty")
    while len(headers) <= max(roles.values()):
        headers.append(f"column {len(headers) + 1}")
    return roles, headers, itertools.chain([first], rows)


def _header_score(rows: list[list[str]]) -> int:
    found = _find_header(rows)
    return len(found[1]) if found else 0


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, cells in enumerate(rows[:_HEADER_ROWS]):
        roles = _roles(cells)
        if any(role in roles for role in _DOMAIN_ROLES):
            return index, roles
    return None


def _roles(cells: list[str]) -> dict[str, int]:
    keys = [_fold(cell) for cell in cells]
    roles: dict[str, int] = {}
    for role, names in ROLE_NAMES.items():
        index = next((keys.index(name) for name in names if name in keys), None)
        if index is not None:
            roles[role] = index
    return roles


def _fold(text: str) -> str:
    """"Şirket Adı" → "sirketadi", "E-Posta" → "eposta": no case, diacritics, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("İ", "I")).casefold()
    return "".join(char for char in text if char.isalnum() and char.isascii())


def _looks_like_domains(cells: list[str]) -> bool:
    hits = sum(1 for cell in cells if normalize_domain(cell).domain is not None)
    return hits * 2 >= len(cells) and hits > 0


def _header_names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = cell.strip() or f"column {index + 1}"
        base, copy = name, 1
        while name in names:
            copy += 1
            name = f"{base} ({copy})"
        names.append(name)
    return names


def _rows(lines: Lines, roles: dict[str, int], headers: list[str], max_rows: int,
          table: Table) -> Generator[ImportRow, None, None]:
    try:
        for count, (line, cells) in enumerate(lines, start=1):
            if count > max_rows:
                raise _too_many(max_rows)
            if line in table.unreadable:  # refused, not guessed: a guess stores mojibake
                yield ImportRow(line, None, None, None, None, {}, f"line {line}: {UNREADABLE}")
                continue
            yield _make_row(line, [_clean(cell) for cell in cells], roles, headers)
    finally:
        table.close()


UNREADABLE = ("the line is neither UTF-8 nor Turkish Windows (cp1254) text; save the file as "
              "“CSV UTF-8” and import it again")
"""Why a CSV row with undecodable bytes is refused."""


def _make_row(line: int, values: list[str], roles: dict[str, int], headers: list[str]) -> ImportRow:
    while len(headers) < len(values):
        headers.append(f"column {len(headers) + 1}")
    raw = {headers[i]: value for i, value in enumerate(values) if value}

    def cell(role: str) -> str:
        index = roles.get(role)
        return values[index] if index is not None and index < len(values) else ""

    email_text = cell("email")
    email_result = normalize_domain(email_text) if email_text else None
    email = email_result.email if email_result is not None else None
    chosen: NormalizedDomain | None = None
    refused: NormalizedDomain | None = None
    for role in _DOMAIN_ROLES:
        text = cell(role)
        if not text:
            continue
        result = email_result if role == "email" and email_result is not None else normalize_domain(text)
        if result.ok:
            chosen = result
            break
        refused = refused or result
    name = cell("name")[:NAME_MAX_CHARS] or None  # the column's width; the raw payload keeps the whole cell
    if chosen is None:
        reason = refused.message if refused is not None else "no domain, website or e-mail"
        return ImportRow(line, None, None, name, email, raw, f"line {line}: {reason}")
    try:
        tags = tuple(split_cell(cell("tags")))
    except TagNameError as exc:  # refused whole, like a bad domain: a half-tagged lead would go unnoticed
        return ImportRow(line, None, None, name, email, raw, f"line {line}: tags: {exc}")
    return ImportRow(line, chosen.domain, chosen.unicode, name, email or chosen.email, raw, tags=tags)


NAME_MAX_CHARS = 300
"""Longest company name stored (characters; ``companies.name`` is VARCHAR(300))."""


def _clean(cell: str) -> str:
    """Blank, or the cell with spaces trimmed (tabs and line breaks kept: they matter on export). NUL
    characters are dropped: PostgreSQL text and JSONB cannot hold them, and no real name contains one."""
    cell = cell.replace("\x00", "")
    if not cell.strip() or cell.strip().casefold() in _NULL_TEXT:
        return ""
    return cell.strip(" \u00a0")
