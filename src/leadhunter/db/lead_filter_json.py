"""A :class:`~leadhunter.db.leads_repo.LeadFilter` as JSON and back, for filters that are stored (alert targets).

Generic over the dataclass's fields, so a field added to ``LeadFilter`` later (``watched``…) is stored and read
back without touching this module: tuples become lists, datetimes ISO 8601 strings, everything else is kept
as it is. Keys that are no longer fields are ignored when reading, so an old stored filter still loads.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from leadhunter.db.leads_repo import LeadFilter


def filter_to_json(flt: LeadFilter) -> dict[str, Any]:
    """The fields of ``flt`` that narrow the list (empty tuples and ``None`` are left out)."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(flt):
        value = getattr(flt, field.name)
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[field.name] = value
    return out


def filter_from_json(data: dict[str, Any]) -> LeadFilter:
    """The filter :func:`filter_to_json` wrote (an empty dict: no filter)."""
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(LeadFilter):
        if field.name not in data:
            continue
        value = data[field.name]
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, str) and "datetime" in str(field.type):  # the annotation is a string here
            value = datetime.fromisoformat(value)
        kwargs[field.name] = value
    return LeadFilter(**kwargs)


def is_empty(data: dict[str, Any]) -> bool:
    """True when the stored filter keeps every lead."""
    return not data
