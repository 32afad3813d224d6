"""Open an uploaded spreadsheet file as numbered rows of text cells: CSV or XLSX, told apart by content.

``PK\\x03\\x04`` is a workbook, read with openpyxl in read-only mode (first sheet holding data; the
values Excel last showed, never formulas, which are not evaluated here). Anything else that looks like
text is CSV separated by ``,``, ``;`` or TAB, in UTF-8 (BOM or not), UTF-16 with a BOM or Turkish Windows
cp1254, decided per line when a file mixes UTF-8 and cp1254 lines; a line in neither is refused by number,
never guessed at (:mod:`leadhunter.services.csv_encoding`); whatever the file is named, since many systems
save CSV or TSV as ``.xls``. Old ``.xls`` and ``.xlsb`` workbooks, password-protected ones, ODS, web pages
and binary junk are refused with a message a salesperson can act on.

Numbering: a CSV row is numbered by the physical line it starts on (what a text editor shows, so rows
after a quoted multi-line cell are numbered past it); a sheet row by its row number in Excel.
Memory is bounded: CSV is decoded and split as it is read, a sheet is parsed row by row, a
non-seekable upload is spooled (to disk past 8 MB) and never past ``max_bytes``, and a workbook that
unpacks to more than ten times ``max_bytes`` is refused (zip bomb).
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, BinaryIO
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from leadhunter.services.csv_encoding import (
    BorrowedStream,
    UndecodableFileError,
    decode_sample,
    detect_encoding,
    text_lines,
)

__all__ = ["HeaderScore", "ImportFileError", "Lines", "Table", "nonblank", "open_table"]

Lines = Iterator[tuple[int, list[str]]]  # (row number as the user sees it, cells as text), blank rows included
HeaderScore = Callable[[list[list[str]]], int]  # how many header names the caller recognises in these rows

_SAMPLE = 64 * 1024  # bytes sniffed for the type, the encoding and the delimiter
_CHUNK = 1024 * 1024
_SPOOL = 8 * 1024 * 1024  # a non-seekable upload is copied to memory up to this size, then to disk
_UNZIP_RATIO = 10  # a workbook may unpack to ten times the byte limit (zip-bomb guard; real ones: 5-8x)
_DELIMITERS = (",", ";", "\t")
_ZIP = b"PK\x03\x04"
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls, .doc, and also any password-protected .xlsx
# Control bytes never found in text files (TAB, LF, FF, CR and ESC are allowed).
_CONTROL = bytes([*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_SAVE_AS = "Open it in Excel and use “Save As” to save it as an Excel workbook (.xlsx) or CSV."
# What openpyxl and zipfile raise on a damaged workbook (KeyError: a part named in the manifest is missing).
_WORKBOOK_ERRORS = (InvalidFileException, zipfile.BadZipFile, zlib.error, ParseError, KeyError, ValueError, OSError,
                    EOFError, TypeError, IndexError)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; ``str(error)`` is one plain sentence for the user.

    ``code`` is stable for the API: ``too_large``, ``too_many_rows``, ``not_tabular``, ``old_excel``,
    ``damaged``, ``empty`` or ``no_column``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Table:
    """An opened file: its ``lines``, ``kind`` ("csv" or "xlsx"), what was detected, and ``close`` to
    release the file early (the caller's stream itself is never closed). ``unreadable`` gathers, as the lines
    are read, the numbers of CSV rows holding a line in no encoding it can be read in (to refuse, not guess)."""

    lines: Lines
    kind: str
    close: Callable[[], None]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    unreadable: set[int] = field(default_factory=set)


def open_table(stream: BinaryIO, filename: str, *, max_bytes: int, header_score: HeaderScore) -> Table:
    """Open ``stream`` from its current position; ``header_score`` picks the CSV delimiter.

    Raises :class:`ImportFileError` for a file over ``max_bytes``, empty, or not a CSV or workbook; a
    workbook damaged past its start raises it from ``lines``.
    """
    data, start, size, owned = _seekable(stream, max_bytes)
    try:
        table = _open(data, start, size, filename, max_bytes, header_score)
    except BaseException:
        if owned:
            data.close()
        raise
    if owned:
        close = table.close

        def close_both() -> None:
            close()
            data.close()

        table.close = close_both
    return table


def nonblank(cells: list[str]) -> bool:
    """True when some cell holds more than whitespace."""
    return any(cell.strip() for cell in cells)


def _open(data: IO[bytes], start: int, size: int, filename: str, max_bytes: int,
          header_score: HeaderScore) -> Table:
    if size > max_bytes:
        raise ImportFileError(f"The file is {_mb(size)}; the limit is {_mb(max_bytes)}. Split it into smaller "
                              "files.", "too_large")
    head = data.read(_SAMPLE)
    if not head.strip() and len(head) < _SAMPLE:
        raise ImportFileError("The file is empty.", "empty")
    if head.startswith(_ZIP):
        return _open_xlsx(data, start, max_bytes)
    if head.startswith(_OLE):
        raise ImportFileError(f"“{filename}” is an old-format Excel file (.xls) or a password-protected workbook. "
                              + _SAVE_AS.replace("(.xlsx)", "(.xlsx, no password)"), "old_excel")
    return _open_csv(data, start, head, header_score)


# --- getting a seekable file of known size --------------------------------------------------------------


def _seekable(stream: BinaryIO, max_bytes: int) -> tuple[IO[bytes], int, int, bool]:
    """``(file, start offset, size, we own the file)``; a non-seekable stream is spooled, at most
    ``max_bytes + 1`` bytes of it, so an endless upload costs no more than the limit."""
    if stream.seekable():
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END) - start
        stream.seek(start)
        return stream, start, size, False
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - closed with the rows
    size = 0
    while size <= max_bytes and (chunk := stream.read(min(_CHUNK, max_bytes + 1 - size))):
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return spool, 0, size, True


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


# --- CSV ----------------------------------------------------------------------------------------------


def _open_csv(data: IO[bytes], start: int, head: bytes, header_score: HeaderScore) -> Table:
    _refuse_non_text(head)
    try:
        encoding = detect_encoding(data, start, head)
    except UndecodableFileError:
        raise ImportFileError("The file says it is UTF-16 text but is damaged. " + _SAVE_AS, "damaged") from None
    sample = decode_sample(head, encoding)
    if len(head) == _SAMPLE:
        sample = sample[: sample.rfind("\n") + 1] or sample  # drop the line cut in half
    delimiter = _delimiter(sample, header_score)
    unreadable: set[int] = set()
    if encoding.per_line:
        lines = text_lines(data, start, encoding)
        table = Table(_csv_lines(lines, delimiter, encoding.unreadable, unreadable), "csv", lines.close,
                      encoding=encoding.name, delimiter=delimiter, unreadable=unreadable)
        return table
    data.seek(start)
    # newline="": the csv module sees line ends as written, so quoted line breaks survive and count. Strict:
    # the whole file was checked to decode.
    text = io.TextIOWrapper(io.BufferedReader(BorrowedStream(data), _CHUNK), encoding=encoding.name, newline="")
    return Table(_csv_lines(text, delimiter, encoding.unreadable, unreadable), "csv", text.close,
                 encoding=encoding.name, delimiter=delimiter, unreadable=unreadable)


def _refuse_non_text(head: bytes) -> None:
    lead = head.lstrip()[:16].lower()
    if lead.startswith((b"<?xml", b"<!doctype", b"<html", b"<table", b"{\\rtf")):
        raise ImportFileError("This is a web page, XML or RTF document, not a table. " + _SAVE_AS, "not_tabular")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 with a byte-order mark: every other byte of ASCII text is NUL
    controls = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or controls * 100 > len(head):
        raise ImportFileError("This is not a CSV or XLSX file (it holds binary data). " + _SAVE_AS, "not_tabular")


def _delimiter(sample: str, header_score: HeaderScore) -> str:
    """The delimiter under which most header names are recognised, else the one giving the steadiest
    row width (a list of bare domains has no delimiter at all: "," then)."""
    best, best_score = ",", (0, 0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            rows = [row for row in itertools.islice(reader, 200) if nonblank(row)][:20]
        except csv.Error:  # a huge cell: reading the file will say so with its line number
            rows = []
        width, steady = max(((w, n) for w, n in Counter(map(len, rows)).items()), key=lambda p: (p[1], p[0]),
                            default=(1, 0))
        score = (header_score(rows), steady if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_lines(text: Iterable[str], delimiter: str, bad_lines: set[int], bad_rows: set[int]) -> Lines:
    """Rows numbered by the physical line they start on; a row spanning a line in ``bad_lines`` (filled while
    ``text`` is read) gets its number added to ``bad_rows`` before it is yielded."""
    reader = csv.reader(text, delimiter=delimiter)
    done = 0
    try:
        for cells in reader:
            if bad_lines and any(n in bad_lines for n in range(done + 1, reader.line_num + 1)):
                bad_rows.add(done + 1)
            yield done + 1, cells  # the physical line the row starts on, even after multi-line cells
            done = reader.line_num
    except csv.Error as error:  # a cell over csv.field_size_limit(): an unclosed quote ate the file
        raise ImportFileError(f"Line {done + 1} is damaged ({error}); a quote is probably not closed.",
                              "damaged") from error


# --- XLSX ---------------------------------------------------------------------------------------------


def _open_xlsx(data: IO[bytes], start: int, max_bytes: int) -> Table:
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            mimetype = archive.read("mimetype")[:200] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
        raise ImportFileError("The file is a damaged Excel or ZIP file. " + _SAVE_AS, "damaged") from error
    if "xl/workbook.bin" in names:
        raise ImportFileError("This is a binary Excel workbook (.xlsb). " + _SAVE_AS, "old_excel")
    if b"opendocument" in mimetype:
        raise ImportFileError("This is an OpenDocument file (LibreOffice). " + _SAVE_AS, "not_tabular")
    if "xl/workbook.xml" not in names:
        raise ImportFileError("This is a ZIP file but not an Excel workbook. " + _SAVE_AS, "not_tabular")
    if unpacked > max_bytes * _UNZIP_RATIO:
        raise ImportFileError(f"The workbook unpacks to {_mb(unpacked)}, too much to import. Split it into "
                              "smaller files.", "too_large")
    data.seek(start)
    try:
        # data_only: the values Excel last showed, not formulas (and formulas are never evaluated here).
        workbook = load_workbook(data, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some writers store a wrong size, which would cut rows off
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            first = next(((n, c) for n, c in ((n, [_text(v) for v in r]) for n, r in rows) if nonblank(c)), None)
            if first is not None:
                return Table(_xlsx_lines(first, rows), "xlsx", workbook.close, sheet=str(sheet.title))
    except _WORKBOOK_ERRORS as error:
        raise ImportFileError("The Excel file is damaged and cannot be read. " + _SAVE_AS, "damaged") from error
    workbook.close()
    raise ImportFileError("The workbook has no data in any sheet.", "empty")


def _xlsx_lines(first: tuple[int, list[str]], rows: Iterator[tuple[int, tuple[object, ...]]]) -> Lines:
    yield first
    try:
        for number, values in rows:
            yield number, [_text(value) for value in values]
    except _WORKBOOK_ERRORS as error:
        raise ImportFileError("The Excel file is damaged past its start and cannot be read. " + _SAVE_AS,
                              "damaged") from error


def _text(value: object) -> str:
    """A cell as Excel shows it in a plain cell: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return "" if value != value else format(value, ".15g")  # NaN is blank; 15 digits as Excel does
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
