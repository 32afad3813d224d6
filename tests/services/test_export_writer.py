"""Streaming CSV and XLSX exports with formula injection defanged."""

from __future__ import annotations

import csv
import io
import itertools
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.worksheet import _writer as openpyxl_writer

from leadhunter.services.export_writer import CHUNK_SIZE, csv_chunks, defang, xlsx_chunks


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("acme.com", "acme.com"),
        ("Robert'); DROP TABLE companies;--", "Robert'); DROP TABLE companies;--"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, "-5"),  # a number is data, never a formula
        (2.5, "2.5"),
        (Decimal("-1.10"), "-1.10"),
        (float("nan"), ""),
        (True, "TRUE"),
        (date(2024, 5, 1), "2024-05-01"),
    ],
)
def test_defang(value: object, expected: str) -> None:
    assert defang(value) == expected


ROWS: list[list[object]] = [
    ["Çağdaş Yazılım A.Ş.", "çağdaş.com.tr", 87, None],
    ['Acme, "The" Company', "acme.com", -3, "line one\nline two"],
    ['=HYPERLINK("http://evil.example","x")', "+1", 0.5, "@SUM(A1)"],
    ["-2", "\tx", None, "\rx"],
]


def test_csv_round_trips_through_csv_reader() -> None:
    data = b"".join(csv_chunks(["Company", "Domain", "Score", "Note"], ROWS))
    assert data.startswith(b"\xef\xbb\xbfCompany,Domain,Score,Note\r\n")
    assert data.endswith(b"\r\n") and data.count(b"\xef\xbb\xbf") == 1
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert back == [
        ["Company", "Domain", "Score", "Note"],
        ["Çağdaş Yazılım A.Ş.", "çağdaş.com.tr", "87", ""],
        ['Acme, "The" Company', "acme.com", "-3", "line one\nline two"],
        ['\'=HYPERLINK("http://evil.example","x")', "'+1", "0.5", "'@SUM(A1)"],
        ["'-2", "'\tx", "", "'\rx"],
    ]


def test_csv_header_is_defanged_and_empty_export_has_header_only() -> None:
    chunks = list(csv_chunks(["=Name", "Domain"], []))
    assert chunks == [b"\xef\xbb\xbf'=Name,Domain\r\n"]


def test_csv_streams_in_bounded_chunks() -> None:
    endless = ([f"Company {i}", f"company{i}.com", i] for i in itertools.count())
    stream = csv_chunks(["Company", "Domain", "Score"], endless)
    first, second = next(stream), next(stream)  # an endless row source still gives chunks
    assert first.startswith(b"\xef\xbb\xbf") and not second.startswith(b"\xef\xbb\xbf")
    assert CHUNK_SIZE <= len(first) < CHUNK_SIZE + 200 and CHUNK_SIZE <= len(second) < CHUNK_SIZE + 200


def test_csv_memory_is_flat_in_the_row_count() -> None:
    def peak(count: int) -> int:
        rows = ([f"Company {i}", f"company{i}.com.tr", i, "x" * 40] for i in range(count))
        tracemalloc.start()
        total = sum(len(chunk) for chunk in csv_chunks(["a", "b", "c", "d"], rows))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert total > count * 50
        return top

    small, large = peak(2_000), peak(40_000)
    assert large < 1_000_000 and large < small * 2


def test_xlsx_read_back_with_openpyxl() -> None:
    rows: list[list[object]] = [
        *ROWS,
        [datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=3))), date(2024, 5, 2), True, "bell\x07"],
        [Decimal("1.25"), 10**12, float("inf"), ""],
    ]
    data = b"".join(xlsx_chunks(["Company", "Domain", "Score", "=Note"], rows, sheet="Liste"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Liste"]
    sheet = book["Liste"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Company", "Domain", "Score", "'=Note"]
    assert sheet["A1"].font.bold
    assert values[1:5] == [
        ["Çağdaş Yazılım A.Ş.", "çağdaş.com.tr", 87, None],
        ['Acme, "The" Company', "acme.com", -3, "line one\nline two"],
        ['\'=HYPERLINK("http://evil.example","x")', "'+1", 0.5, "'@SUM(A1)"],
        ["'-2", "'\tx", None, "'\nx"],  # XML parsers read a bare CR in text as LF; still defanged
    ]
    assert values[5] == [datetime(2024, 5, 1, 9, 0), datetime(2024, 5, 2, 0, 0), True, "bell"]
    assert values[6] == [1.25, 10**12, None, None]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_streams_in_chunks_and_keeps_many_rows() -> None:
    rows = ([f"Company {i}", f"company{i}.com", i] for i in range(20_000))
    chunks = list(xlsx_chunks(["Company", "Domain", "Score"], rows))
    assert len(chunks) > 1 and all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
    last = list(book.active.iter_rows(min_row=20_001, values_only=True))
    assert last == [("Company 19999", "company19999.com", 19999)]


def test_xlsx_temporary_file_removed_when_rows_fail() -> None:
    def failing() -> Iterator[list[object]]:
        yield ["Acme", "acme.com", 1]
        raise RuntimeError("database went away")

    before = list(openpyxl_writer.ALL_TEMP_FILES)
    with pytest.raises(RuntimeError, match="database went away"):
        list(xlsx_chunks(["Company", "Domain", "Score"], failing()))
    assert before == openpyxl_writer.ALL_TEMP_FILES


def test_xlsx_aware_datetime_in_utc() -> None:
    moment = datetime(2024, 1, 1, 0, 30, tzinfo=UTC)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx_chunks(["When"], [[moment]]))))
    assert book.active["A2"].value == datetime(2024, 1, 1, 0, 30)
