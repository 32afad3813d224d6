"""`$batch` bodies (spec §9): build a multipart/mixed request of change sets, read the multipart response.

Pure: no I/O. A request holds change sets; each change set is atomic on the server (all or nothing).
Every operation carries a `Content-ID` (unique within the batch) so a response part can be matched to
its operation even when the server answers a failed change set with the single failing part.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from .payloads import JsonDict

__all__ = ["BatchOperation", "BatchPart", "build_batch", "parse_batch_response"]

CRLF = b"\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class BatchOperation:
    """One write inside a change set: `url` absolute or relative to the host (`/api/data/v9.2/leads(…)`)."""

    content_id: str
    method: str
    url: str
    body: JsonDict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchPart:
    """One response part: HTTP status, headers (lower-case names), body bytes, and the `Content-ID` it
    answers (None when the server did not echo one); `changeset` is the index of the change set whose
    nested response holds it (None for a top-level part, e.g. a failed change set's single answer)."""

    status: int
    headers: dict[str, str]
    body: bytes
    content_id: str | None
    changeset: int | None

    def json(self) -> JsonDict:
        """The body as a JSON object ({} when empty or not an object)."""
        try:
            value = json.loads(self.body) if self.body.strip() else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def _operation_bytes(operation: BatchOperation) -> bytes:
    body = b"" if operation.body is None else json.dumps(operation.body, separators=(",", ":")).encode()
    lines = [
        b"Content-Type: application/http",
        b"Content-Transfer-Encoding: binary",
        f"Content-ID: {operation.content_id}".encode(),
        b"",
        f"{operation.method} {operation.url} HTTP/1.1".encode(),
    ]
    headers = dict(operation.headers)
    if operation.body is not None:
        headers.setdefault("Content-Type", "application/json; type=entry")
        headers["Content-Length"] = str(len(body))  # Dataverse rejects inner writes without it (0x80048d19)
    lines += [f"{name}: {value}".encode() for name, value in headers.items()]
    return CRLF.join([*lines, b"", body])


def build_batch(changesets: Sequence[Sequence[BatchOperation]], *, batch_id: str | None = None) -> tuple[str, bytes]:
    """Return `(content_type, body)` of a `$batch` request holding `changesets` in order."""
    boundary = f"batch_{batch_id or uuid.uuid4()}"
    out: list[bytes] = []
    for operations in changesets:
        changeset = f"changeset_{uuid.uuid4()}"
        out += [f"--{boundary}".encode(), f"Content-Type: multipart/mixed; boundary={changeset}".encode(), b""]
        for operation in operations:
            out += [f"--{changeset}".encode(), _operation_bytes(operation)]
        out.append(f"--{changeset}--".encode())
    out += [f"--{boundary}--".encode(), b""]
    return f"multipart/mixed; boundary={boundary}", CRLF.join(out)


def _boundary(content_type: str) -> str | None:
    match = _BOUNDARY.search(content_type)
    return match.group(1) if match else None


def _split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The parts between `--boundary` delimiters (preamble and epilogue dropped)."""
    delimiter = b"--" + boundary.encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        parts.append(chunk.removeprefix(b"\r\n").removeprefix(b"\n").removesuffix(b"\r\n").removesuffix(b"\n"))
    return parts


def _split_head(blob: bytes) -> tuple[list[str], bytes]:
    """Header lines and the rest, split at the first blank line (CRLF or bare LF tolerated)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = blob.partition(separator)
        if found:
            return head.decode("latin-1").splitlines(), rest
    return blob.decode("latin-1").splitlines(), b""


def _headers(lines: list[str]) -> dict[str, str]:
    headers = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers


def _http_part(blob: bytes, mime: dict[str, str], changeset: int | None) -> BatchPart:
    lines, body = _split_head(blob)
    status_line = lines[0] if lines else ""
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[1].isdigit():
        raise ValueError(f"not an HTTP status line in a $batch response: {status_line[:80]!r}")
    headers = _headers(lines[1:])
    content_id = mime.get("content-id") or headers.get("content-id")
    return BatchPart(int(fields[1]), headers, body, content_id, changeset)


def parse_batch_response(content_type: str, body: bytes) -> list[BatchPart]:
    """Read a `multipart/mixed` `$batch` response into its parts, change-set responses flattened in order.

    Raises ValueError when the body is not a readable multipart response.
    """
    boundary = _boundary(content_type)
    if boundary is None:
        raise ValueError(f"$batch response without a multipart boundary: {content_type!r}")
    parts: list[BatchPart] = []
    changeset_index = 0
    for blob in _split_multipart(body, boundary):
        lines, content = _split_head(blob)
        mime = _headers(lines)
        nested = _boundary(mime.get("content-type", ""))
        if mime.get("content-type", "").lower().startswith("multipart/mixed") and nested:
            for sub in _split_multipart(content, nested):
                sub_lines, sub_content = _split_head(sub)
                parts.append(_http_part(sub_content, _headers(sub_lines), changeset_index))
            changeset_index += 1
        else:
            parts.append(_http_part(content, mime, None))
    return parts
