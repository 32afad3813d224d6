"""The `$batch` wire format for the fake Dataverse (spec §9): read a multipart request, write the answer.

Parsing uses the standard library's MIME parser (independent of the product's own hand-written parser,
so a shared misunderstanding cannot hide). A request is a list of entries, each a single request or a
change set (a list of requests); the answer is `multipart/mixed; boundary=batchresponse_<uuid>` with a
nested `changesetresponse_<uuid>` per successful change set and a single part for a failed one.
"""

from __future__ import annotations

import email.parser
import email.policy  # compat32: the modern policies parse headers far more slowly (1 ms per part)
import uuid
from dataclasses import dataclass, field
from email.message import Message
from typing import cast

CRLF = "\r\n"


@dataclass
class InnerRequest:
    """One request inside a batch: method, URL as written, headers (lower-case), body, Content-ID."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None


@dataclass
class InnerResponse:
    """One answer inside a batch."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_id: str | None = None


def _inner_request(part: Message) -> InnerRequest:
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else str(payload).encode()
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    method, url, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return InnerRequest(method, url, headers, body.strip(), part.get("Content-ID"))


def parse_batch(content_type: str, body: bytes) -> list[InnerRequest | list[InnerRequest]]:
    """The batch's entries in order; ValueError when the body is not a multipart batch."""
    if "boundary=" not in content_type:
        raise ValueError("missing boundary")
    document = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(document)
    if not message.is_multipart():
        raise ValueError("not multipart")
    entries: list[InnerRequest | list[InnerRequest]] = []
    for part in cast(list[Message], message.get_payload()):
        if part.is_multipart():
            entries.append([_inner_request(sub) for sub in cast(list[Message], part.get_payload())])
        elif part.get_content_type() == "application/http":
            entries.append(_inner_request(part))
        else:
            raise ValueError(f"unexpected part type {part.get_content_type()}")
    return entries


def _response_text(response: InnerResponse) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if response.content_id is not None:
        lines.append(f"Content-ID: {response.content_id}")
    lines += ["", f"HTTP/1.1 {response.status} {response.reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return CRLF.join([*lines, "", response.body.decode("utf-8")])


def write_batch(entries: list[InnerResponse | list[InnerResponse]]) -> tuple[str, bytes]:
    """`(content_type, body)` of a batch answer; a list entry is a successful change set's answers."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    out: list[str] = []
    for entry in entries:
        out.append(f"--{boundary}")
        if isinstance(entry, list):
            nested = f"changesetresponse_{uuid.uuid4()}"
            out += [f"Content-Type: multipart/mixed; boundary={nested}", ""]
            for response in entry:
                out += [f"--{nested}", _response_text(response)]
            out.append(f"--{nested}--")
        else:
            out.append(_response_text(entry))
    out += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", CRLF.join(out).encode("utf-8")
