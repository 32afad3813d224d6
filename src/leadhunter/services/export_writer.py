"""Stream lead exports as CSV or XLSX with formula injection defanged (OWASP "CSV injection").

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (TAB and CR are
trimmed first by some), so such text gets a leading apostrophe: ``=HYPERLINK(…)`` is exported as
``'=HYPERLINK(…)``. Real numbers are not text anyone typed and are written as they are (a negative
number stays a number).

Both writers take an iterable of rows and yield ``bytes`` chunks of about 64 KB, ready for a streaming
HTTP response. CSV memory stays flat whatever the row count. XLSX rows go through openpyxl's write-only
workbook (rows spill to a temporary file, strings are written inline), so its memory stays flat as well;
the file is only complete once the last row is in, so the first XLSX chunk arrives after all rows were read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

__all__ = ["CHUNK_SIZE", "csv_chunks", "defang", "xlsx_chunks"]

CHUNK_SIZE = 64 * 1024  # bytes per yielded chunk (CSV chunks may run over by one row)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAX_TEXT = 32_767  # characters Excel allows in one cell; longer text makes it call the file corrupt


def defang(value: object) -> str:
    """``value`` as cell text, with a leading apostrophe when it starts with ``= + - @`` TAB or CR.

    ``None`` and non-finite floats become ``""``; ``int``, ``float`` and ``Decimal`` are written
    plainly (``-5`` stays ``-5``); ``bool`` becomes ``TRUE``/``FALSE``; anything else goes through
    ``str()`` and is checked like any text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(header: list[str], rows: Iterable[list[object]]) -> Iterator[bytes]:
    """The CSV file in chunks: UTF-8 with a BOM (so Excel reads Turkish letters right), CRLF line ends,
    every cell defanged, quoting only where needed. Rows are pulled one at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defang(cell) for cell in header])
    prefix = codecs.BOM_UTF8
    for row in rows:
        writer.writerow([defang(cell) for cell in row])
        if buffer.tell() >= CHUNK_SIZE:
            yield prefix + _drain(buffer)
            prefix = b""
    yield prefix + _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    # "replace": a lone surrogate in one cell must not abort an export of ten thousand rows.
    return text.encode("utf-8", errors="replace")


def xlsx_chunks(header: list[str], rows: Iterable[list[object]], *, sheet: str = "Leads") -> Iterator[bytes]:
    """The XLSX file in chunks: one sheet named ``sheet`` (at most 31 characters, no ``[]:*?/\\``),
    a bold header row, strings defanged, numbers, dates and booleans kept as typed cells.

    Timezone-aware datetimes are written in UTC (Excel has no time zones). The workbook is built in a
    temporary file that is deleted once the last chunk is read or the generator is closed.
    """
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet)
    saved = False
    try:
        bold = Font(bold=True)
        worksheet.append([_header_cell(worksheet, name, bold) for name in header])
        for row in rows:
            worksheet.append([_xlsx_value(value) for value in row])
        with tempfile.TemporaryFile() as handle:
            workbook.save(handle)
            saved = True
            handle.seek(0)
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk
    finally:
        if not saved:
            _discard(worksheet)


def _header_cell(worksheet: object, name: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=_xlsx_value(name))
    cell.font = font
    return cell


def _xlsx_value(value: object) -> object:
    """A cell value openpyxl writes safely: never a formula, never a character XML forbids."""
    if value is None or isinstance(value, bool | int | Decimal | date | time | timedelta):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, time) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    # openpyxl would store a string starting with "=" as a formula; defanged text never starts with one.
    text = ILLEGAL_CHARACTERS_RE.sub("", defang(value))
    return text[:_XLSX_MAX_TEXT]


def _discard(worksheet: object) -> None:
    """Delete the rows openpyxl already spilled to its temporary file when the export is abandoned
    before saving (rows iterable raised, or the client went away). openpyxl has no public call for it."""
    writer = getattr(worksheet, "_writer", None)
    if writer is None:
        return
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        rows = getattr(worksheet, "_rows", None)
        if rows is not None:
            rows.close()
        writer.xf.close()
        writer.cleanup()
