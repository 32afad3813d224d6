"""The text encoding of an uploaded CSV file, decided for the whole file or, when it mixes encodings, per line.

Order of preference:

1. a byte-order mark: UTF-8 (``utf-8-sig``) or UTF-16 (``utf-16``, which must then decode entirely, else the
   file is refused as damaged);
2. the whole file is valid UTF-8: ``utf-8``;
3. otherwise every line on its own: UTF-8 when that line is valid UTF-8, else Turkish Windows (cp1254, what
   Excel in Turkish saves as "CSV"). Turkish text in cp1254 is practically never valid UTF-8 (its letters are
   single bytes above 0x7F that UTF-8 allows only in fixed sequences), so a file whose lines were pasted
   together from both is read right line by line. Reported as ``cp1254`` when no line needed UTF-8, else
   ``utf-8+cp1254``.

A line that is neither (cp1254 leaves 0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D and 0x9E undefined) is never guessed
at: its line number is added to ``unreadable`` and the caller refuses the row with that number. Guessing
(latin-1, say) would store mojibake such as ``MÃ¼Å\\x9fteri`` for ``Müşteri``.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["MIXED", "PER_LINE_FALLBACK", "BorrowedStream", "CsvEncoding", "UndecodableFileError", "decode_sample",
           "detect_encoding", "text_lines"]

PER_LINE_FALLBACK = "cp1254"
"""The encoding tried for a line that is not UTF-8."""
MIXED = f"utf-8+{PER_LINE_FALLBACK}"
"""The reported encoding of a file whose lines are in UTF-8 and cp1254."""

_CHUNK = 1024 * 1024
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # a line end of its own (old Mac files), not the CR of a CRLF


class UndecodableFileError(ValueError):
    """The file declares an encoding (a UTF-16 byte-order mark) that its bytes do not follow."""


@dataclass(slots=True)
class CsvEncoding:
    """How to decode a file: ``name`` (reported), and ``per_line`` when each line is decoded on its own;
    ``unreadable`` collects, while the lines are read, the numbers of lines that decode as neither."""

    name: str
    per_line: bool = False
    bom: bytes = b""
    unreadable: set[int] = field(default_factory=set)


def detect_encoding(data: IO[bytes], start: int, head: bytes) -> CsvEncoding:
    """Decide how to decode the file in ``data`` from offset ``start`` (``head``: its first bytes). Reads the
    file through once or twice (about 10 ms per 20 MB of UTF-8); raises :class:`UndecodableFileError`."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if not _decodes(data, start, "utf-16"):
            raise UndecodableFileError("utf-16")
        return CsvEncoding("utf-16")
    bom = codecs.BOM_UTF8 if head.startswith(codecs.BOM_UTF8) else b""
    if _decodes(data, start, "utf-8"):
        return CsvEncoding("utf-8-sig" if bom else "utf-8")
    needs_utf8 = False
    for _, line in _byte_lines(data, start, bom):
        if not line.isascii() and _utf8(line) is not None:
            needs_utf8 = True
            break
    return CsvEncoding(MIXED if needs_utf8 else PER_LINE_FALLBACK, per_line=True, bom=bom)


def text_lines(data: IO[bytes], start: int, encoding: CsvEncoding) -> Generator[str, None, None]:
    """The file's lines as text, line ends kept (what ``csv.reader`` expects), for a ``per_line`` encoding.
    An unreadable line is yielded with U+FFFD in place of its bad bytes, and its number recorded."""
    for number, line in _byte_lines(data, start, encoding.bom):
        text = _decode_line(line)
        if text is None:
            encoding.unreadable.add(number)
            text = line.decode("utf-8", errors="replace")
        yield text


def decode_sample(head: bytes, encoding: CsvEncoding) -> str:
    """The first bytes as text for sniffing the delimiter (bad bytes replaced: only the layout matters)."""
    if not encoding.per_line:
        return head.decode(encoding.name, errors="replace")
    lines = _LONE_CR.split(head.removeprefix(encoding.bom))
    return "".join(_decode_line(part) or part.decode("utf-8", errors="replace")
                   for line in lines for part in line.splitlines(keepends=True))


def _decode_line(line: bytes) -> str | None:
    text = _utf8(line)
    if text is not None:
        return text
    try:
        return line.decode(PER_LINE_FALLBACK)
    except UnicodeDecodeError:
        return None


def _utf8(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _byte_lines(data: IO[bytes], start: int, bom: bytes) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` with line ends kept; LF, CRLF and a lone CR each end a line (as in a text
    editor and ``csv.reader``), so the numbers match the rows' line numbers."""
    data.seek(start)
    reader = io.BufferedReader(BorrowedStream(data), _CHUNK)
    number = 0
    for raw in reader:
        if number == 0 and bom:
            raw = raw.removeprefix(bom)
        for line in _LONE_CR.split(raw):
            if line:
                number += 1
                yield number, line


def _decodes(data: IO[bytes], start: int, encoding: str) -> bool:
    """True when the whole file decodes."""
    data.seek(start)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := data.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class BorrowedStream(io.RawIOBase):
    """A read-only view of a stream we do not own: closing a buffered reader or text wrapper on top leaves it
    open."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)
