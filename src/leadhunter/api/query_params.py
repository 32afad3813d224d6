"""Repeated query parameters: a parameter that takes one value (``q``, ``page``, ``sort`` …) given twice is a
422 naming it, instead of one of the values being used silently. List parameters (``segment``, ``tag`` …)
may repeat as before. Installed once for the whole app (``FastAPI(dependencies=...)``)."""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from leadhunter.api.errors import ApiError

_SEQUENCES = (list, tuple, set, frozenset, Sequence)


def _is_sequence(annotation: Any) -> bool:
    """Whether a parameter of this type takes several values (``list[str] | None`` does)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_sequence(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_sequence(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin in _SEQUENCES or annotation in _SEQUENCES


def _query_fields(dependant: Dependant) -> list[Any]:
    """The query parameter fields of ``dependant`` and its sub-dependencies."""
    fields = list(dependant.query_params)
    for sub in dependant.dependencies:
        fields += _query_fields(sub)
    return fields


_CACHE_ATTR = "_hunter_single_valued_query"


def single_valued(route: APIRoute) -> frozenset[str]:
    """Names of ``route``'s query parameters that take one value (fields of a query model included); worked
    out once per route and kept on it (routes are not hashable, and live as long as their app)."""
    cached = getattr(route, _CACHE_ATTR, None)
    if isinstance(cached, frozenset):
        return cached
    names: set[str] = set()
    for field in _query_fields(route.dependant):
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(info.alias or name for name, info in annotation.model_fields.items()
                         if not _is_sequence(info.annotation))
        elif not _is_sequence(annotation):
            names.add(field.alias)
    found = frozenset(names)
    setattr(route, _CACHE_ATTR, found)
    return found


async def reject_repeated_query(request: Request) -> None:
    """422 when a single-valued query parameter of the matched route is given more than once."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, n in counts.items() if n > 1 and name in single_valued(route))
    if repeated:
        details = [{"field": f"query.{name}", "reason": f"given {counts[name]} times; give it once"}
                   for name in repeated]
        raise ApiError(422, "validation_error", f"query.{repeated[0]}: given {counts[repeated[0]]} times; "
                       "give it once", details)
