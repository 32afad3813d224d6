"""WHOIS answers (free text over port 43) → :class:`RegistrationFacts`; no I/O.

``.tr`` answers (TRABIS, formerly nic.tr) are parsed here: python-whois knows the dates but not the
registrar, the registrant block or "** Domain Servers:" as TRABIS writes them, nor dates such as
``2005-Mar-24.``. Every other TLD goes through python-whois (``whois.parser.WhoisEntry.load``), a
maintained parser with per-registry rules. Not-found and rate-limit answers are recognised first: a
"no match" is ``not_found``; a throttled or unparsable answer is ``unknown``, never "not registered".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from whois.exceptions import WhoisError
from whois.parser import WhoisEntry

from leadhunter.domain.registration import (
    RegistrationFacts,
    RegistrationOutcome,
    RegistrationSource,
    Withheld,
    not_found,
    unknown,
)

NOT_PUBLISHED = "not published by the registry"
_NOT_FOUND = re.compile(
    r"^\s*(no match( found)?( for)?\b|not found\b|no entries found|no data found|domain not found|"
    r"status:\s*(free|available)\b|%% no entries found|no object found|the queried object does not exist)",
    re.IGNORECASE | re.MULTILINE,
)
_TR_NOT_FOUND = re.compile(r"no match found|not found\.", re.IGNORECASE)
_THROTTLED = re.compile(
    r"(rate limit|limit exceeded|too many (requests|queries)|query quota|try again later|exceeded the maximum)",
    re.IGNORECASE,
)
_REDACTION_WORDS = ("redacted", "privacy", "withheld", "not disclosed", "hidden upon", "data protected",
                    "gizli")  # "gizli": Turkish for hidden
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
_TR_DATE = re.compile(r"(\d{4})-([A-Za-z]{3})-(\d{1,2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _looks_redacted(value: str) -> bool:
    lowered = value.lower()
    return any(word in lowered for word in _REDACTION_WORDS)


def parse_whois(domain: str, text: str) -> RegistrationFacts:
    """Facts from one WHOIS answer for ``domain`` (ASCII). Never raises for odd text."""
    if not text.strip():
        return unknown(domain, "empty WHOIS answer", source=RegistrationSource.WHOIS)
    if _THROTTLED.search(text) and len(text) < 2_000:
        return unknown(domain, f"WHOIS server rate limit: {_first_line(text)}", source=RegistrationSource.WHOIS)
    if domain.endswith(".tr") or domain == "tr":
        return parse_tr(domain, text)
    missing = _NOT_FOUND.search(text)
    if missing:
        line = text[missing.start():].strip().splitlines()[0]
        return not_found(domain, f"registry: {line[:160]}", source=RegistrationSource.WHOIS)
    return _parse_generic(domain, text)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(" %#\t")
        if line:
            return line[:160]
    return ""


# ---- .tr (TRABIS) -------------------------------------------------------------------------------

def _tr_blocks(text: str) -> dict[str, list[str]]:
    """Sections "** Title:" → their non-empty lines (text after the colon on the title line included)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("**"):
            title, _, rest = line.lstrip("* ").partition(":")
            current = blocks.setdefault(title.strip().lower(), [])
            if rest.strip():
                current.append(rest.strip())
        elif current is not None and line:
            current.append(line)
    return blocks


def _tr_field(lines: Iterable[str], name: str) -> str | None:
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip(" .\t").lower() == name.lower():
            return value.strip() or None
    return None


def parse_tr_date(value: str | None) -> datetime | None:
    """``2005-Mar-24.`` (TRABIS) or ``2005-03-24`` → midnight UTC; None when absent or unreadable."""
    if not value:
        return None
    match = _TR_DATE.search(value)
    try:
        if match and match.group(2).lower() in _MONTHS:
            year, month, day = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
            return datetime(year, month, day, tzinfo=UTC)
        match = _ISO_DATE.search(value)
        if match:
            return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError:
        return None
    return None


def parse_tr(domain: str, text: str) -> RegistrationFacts:
    """A TRABIS answer: "** Domain Name:", "** Registrant:", "** Registrar:", "** Domain Servers:",
    "** Additional Info:" with "Created on....: 2005-Mar-24." and "Expires on....: 2026-Mar-23."."""
    if _TR_NOT_FOUND.search(text) and "** domain servers" not in text.lower():
        return not_found(domain, f"registry: {_first_line(text)}", source=RegistrationSource.WHOIS)
    blocks = _tr_blocks(text)
    if "domain name" not in blocks and "additional info" not in blocks:
        return unknown(domain, f"unrecognised .tr WHOIS answer: {_first_line(text)}",
                       source=RegistrationSource.WHOIS)
    info = blocks.get("additional info", [])
    registrar_block = blocks.get("registrar", [])
    registrar = _tr_field(registrar_block, "Organization Name") or _tr_field(registrar_block, "Name")
    withheld: list[Withheld] = []
    registrant_lines = blocks.get("registrant", [])
    organization: str | None = registrant_lines[0] if registrant_lines else None
    if organization is None:
        withheld.append(Withheld("registrant_organization", NOT_PUBLISHED))
    elif _looks_redacted(organization):
        withheld.append(Withheld("registrant_organization", organization))
        organization = None
    nameservers = tuple(dict.fromkeys(
        line.split()[0].lower().rstrip(".") for line in blocks.get("domain servers", []) if line.split()
    ))
    statuses = tuple(
        f"{label}: {value}" for label in ("Frozen Status", "Transfer Status")
        if (value := _tr_field(blocks.get("domain name", []), label)) and value != "-"
    )
    return RegistrationFacts(
        domain=domain,
        outcome=RegistrationOutcome.OK,
        source=RegistrationSource.WHOIS,
        registrar=registrar if registrar and not _looks_redacted(registrar) else None,
        created=parse_tr_date(_tr_field(info, "Created on")),
        expires=parse_tr_date(_tr_field(info, "Expires on")),
        statuses=statuses,
        nameservers=nameservers,
        registrant_organization=organization,
        withheld=tuple(withheld),
    )


# ---- everything else: python-whois ---------------------------------------------------------------

def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _date(value: Any) -> datetime | None:
    candidates = value if isinstance(value, list) else [value]
    dates = [d for d in candidates if isinstance(d, datetime)]
    if not dates:
        return None
    first = min(dates)
    return first.astimezone(UTC) if first.tzinfo else first.replace(tzinfo=UTC)


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(v).strip() for v in items if isinstance(v, str) and v.strip())


def _parse_generic(domain: str, text: str) -> RegistrationFacts:
    try:
        entry: dict[str, Any] = WhoisEntry.load(domain, text)
    except WhoisError as exc:  # the library's own not-found and date errors
        if "NotFound" in type(exc).__name__:
            return not_found(domain, f"registry: {_first_line(text)}", source=RegistrationSource.WHOIS)
        return unknown(domain, f"unparsable WHOIS answer: {type(exc).__name__}", source=RegistrationSource.WHOIS)
    except (ValueError, TypeError, OverflowError, IndexError, AttributeError) as exc:  # library quirks on odd text
        return unknown(domain, f"unparsable WHOIS answer: {type(exc).__name__}", source=RegistrationSource.WHOIS)
    if not any(entry.get(k) for k in ("creation_date", "expiration_date", "registrar", "name_servers")):
        return unknown(domain, f"WHOIS answer without registration data: {_first_line(text)}",
                       source=RegistrationSource.WHOIS)
    registrar = _first(entry.get("registrar"))
    org = _first(entry.get("org"))
    withheld: list[Withheld] = []
    if not isinstance(org, str) or not org.strip():
        org = None
        withheld.append(Withheld("registrant_organization", NOT_PUBLISHED))
    elif _looks_redacted(org):
        withheld.append(Withheld("registrant_organization", org.strip()))
        org = None
    return RegistrationFacts(
        domain=domain,
        outcome=RegistrationOutcome.OK,
        source=RegistrationSource.WHOIS,
        registrar=str(registrar).strip() if isinstance(registrar, str) and registrar.strip() else None,
        created=_date(entry.get("creation_date")),
        expires=_date(entry.get("expiration_date")),
        last_changed=_date(entry.get("updated_date")),
        statuses=tuple(dict.fromkeys(s.split()[0] for s in _strings(entry.get("status")))),
        nameservers=tuple(dict.fromkeys(s.lower().rstrip(".") for s in _strings(entry.get("name_servers")))),
        registrant_organization=org.strip() if isinstance(org, str) else None,
        withheld=tuple(withheld),
    )
