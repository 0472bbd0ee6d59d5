"""A view's state as URL query parameters, so a view can be shared as a link.

Lists are comma-separated; values the data does not know are dropped and reported,
never raised: a stale link still opens.

>>> from graph.model import Category, Confidence
>>> view = TransferFilter(year_from=2022, categories=frozenset({Category.main_battle_tank}),
...                       min_confidence=Confidence.medium)
>>> params = filter_to_params(view)
>>> params
{'from': '2022', 'cat': 'main_battle_tank', 'conf': 'medium'}
>>> filter_from_params(params).view == view
True
>>> filter_from_params({"cat": "main_battle_tank,tanks", "from": "soon"}).ignored
['cat=tanks', 'from=soon']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from ..model import ID_PATTERN, Category, Confidence, TransferKind, TransferStatus
from .filters import TransferFilter

__all__ = [
    "FILTER_KEYS",
    "DecodedFilter",
    "filter_from_params",
    "filter_to_params",
    "id_from_params",
    "ids_from_params",
]

FILTER_KEYS = ("from", "to", "cat", "kind", "status", "country", "conf")
"""Query parameters that hold the filter; pages add their own (``chain``, ``source``, ``target``, ``sel``)."""

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class DecodedFilter:
    """The filter read from a URL, and the ``key=value`` parts that were not understood."""

    view: TransferFilter
    ignored: list[str] = field(default_factory=list)


def _join(values: Iterable[str]) -> str:
    return ",".join(sorted(values))


def filter_to_params(view: TransferFilter) -> dict[str, str]:
    """Query parameters for ``view``; parameters at their default are left out."""
    params: dict[str, str] = {}
    if view.year_from is not None:
        params["from"] = str(view.year_from)
    if view.year_to is not None:
        params["to"] = str(view.year_to)
    if view.categories:
        params["cat"] = _join(c.value for c in view.categories)
    if view.kinds:
        params["kind"] = _join(k.value for k in view.kinds)
    if view.statuses:
        params["status"] = _join(s.value for s in view.statuses)
    if view.countries:
        params["country"] = _join(view.countries)
    if view.min_confidence is not Confidence.low:
        params["conf"] = view.min_confidence.value
    return params


def _split(params: Mapping[str, str], key: str) -> list[str]:
    raw = params.get(key) or ""
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def _enums(params: Mapping[str, str], key: str, enum: type[E], ignored: list[str]) -> frozenset[E]:
    found: set[E] = set()
    for part in _split(params, key):
        try:
            found.add(enum(part))
        except ValueError:
            ignored.append(f"{key}={part}")
    return frozenset(found)


def _year(params: Mapping[str, str], key: str, ignored: list[str]) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if re.fullmatch(r"[12][0-9]{3}", text):  # not str.isdigit(): it accepts "²"
        return int(text)
    ignored.append(f"{key}={text}")
    return None


def filter_from_params(params: Mapping[str, str], known_countries: Iterable[str] | None = None) -> DecodedFilter:
    """Read a :class:`TransferFilter` back from query parameters (see :func:`filter_to_params`).

    With ``known_countries``, country ids not among them are ignored too.
    """
    ignored: list[str] = []
    year_from = _year(params, "from", ignored)
    year_to = _year(params, "to", ignored)
    if year_from is not None and year_to is not None and year_from > year_to:
        ignored.append(f"to={year_to}")
        year_to = None
    known = set(known_countries) if known_countries is not None else None
    countries = set()
    for part in _split(params, "country"):
        if (known is None and _is_id(part)) or (known is not None and part in known):
            countries.add(part)
        else:
            ignored.append(f"country={part}")
    confidence = Confidence.low
    if params.get("conf"):
        try:
            confidence = Confidence(str(params["conf"]))
        except ValueError:
            ignored.append(f"conf={params['conf']}")
    view = TransferFilter(
        year_from=year_from,
        year_to=year_to,
        categories=_enums(params, "cat", Category, ignored),
        kinds=_enums(params, "kind", TransferKind, ignored),
        statuses=_enums(params, "status", TransferStatus, ignored),
        countries=frozenset(countries),
        min_confidence=confidence,
    )
    return DecodedFilter(view, sorted(ignored))


def _is_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text) is not None


def id_from_params(params: Mapping[str, str], key: str, known: Iterable[str]) -> str | None:
    """The record id in ``params[key]`` when it is one of ``known``, else None.

    >>> id_from_params({"source": "POL"}, "source", ["POL", "UKR"]), id_from_params({}, "source", ["POL"])
    ('POL', None)
    """
    value = params.get(key)
    return value if value is not None and value in set(known) else None


def ids_from_params(params: Mapping[str, str], key: str, known: Iterable[str]) -> list[str]:
    """The known ids listed (comma-separated) in ``params[key]``, in the order given."""
    allowed = set(known)
    return [part for part in _split(params, key) if part in allowed]
