"""Writing seed YAML as text, fast and safely quoted, in a stable layout that diffs well.

Importers write tens of thousands of records; emitting text directly is several times faster
than a general YAML dumper and lets the layout stay fixed: records as block mappings in schema
field order, small value objects (quantities, money, deliveries) and id lists in flow style.

Quoting is conservative: only identifier-like text (``POL``, ``k2``, ``main_battle_tank``) is
written plain; everything else is double-quoted with JSON escapes, which YAML reads back
unchanged. Words YAML 1.1 would turn into booleans or nulls (``no``, ``on``, ``null``) and
anything that looks like a number or a date are quoted too.

>>> print(dump_document({"transfers": [{"id": "sipri-1", "notes": "Second-hand; aid: yes", "quantity": 3,
...                                     "value": {"millions": 855.0, "currency": "TIV"}, "ids": ["POL", "no"]}]}))
transfers:
  - id: sipri-1
    notes: "Second-hand; aid: yes"
    quantity: 3
    value: {millions: 855.0, currency: TIV}
    ids: [POL, "no"]
<BLANKLINE>
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from enum import Enum
from functools import lru_cache
from typing import Any

from ..model import PartialDate

__all__ = ["dump_document", "scalar"]

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_RESERVED = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"]
)
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def scalar(value: Any) -> str:
    """One scalar as YAML text.

    >>> [scalar(v) for v in ("POL", "NO", "K2 Black Panther", 2022, 4.75, 1e-05, True, None, "2022-08")]
    ['POL', '"NO"', '"K2 Black Panther"', '2022', '4.75', '1.0e-05', 'true', 'null', '"2022-08"']
    """
    writer = _WRITERS.get(type(value))
    if writer is not None:
        return writer(value)
    if isinstance(value, Enum) and isinstance(value, str):  # a StrEnum type seen for the first time
        writer = _WRITERS[type(value)] = _enum_writer(type(value))
        return writer(value)
    if isinstance(value, int):
        return str(int(value))
    return _text_or_date(value)


def _text_or_date(value: Any) -> str:
    """Any other value (a :class:`~graph.model.PartialDate`) by its text: bare when it reads as a date."""
    text = str(value)
    return text if _DATE.match(text) else _string(text)


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} as seed data")
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:  # YAML 1.1 wants a dot in an exponent float: 1e-05 -> 1.0e-05
        text = f"{mantissa}.0e{exponent}"
    return text


def _enum_writer(kind: type[Enum]) -> Callable[[Any], str]:
    """The text of each member of a string enum, worked out once: a look-up per value from then on."""
    return {member: _string(str(member.value)) for member in kind}.__getitem__


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _null(value: None) -> str:
    return "null"


@lru_cache(maxsize=1 << 16)
def _string(value: str) -> str:
    if _PLAIN.match(value) and value.casefold() not in _RESERVED:
        return value
    text = json.dumps(value, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


# Exact type -> writer; string enums are added as they are met (see scalar).
_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _string, int: str, float: _float, bool: _bool, type(None): _null, PartialDate: _text_or_date
}


def _key(key: Any) -> str:
    if type(key) is str:
        return _string(key)
    return str(key) if type(key) is int else scalar(key)


_CONTAINERS = (dict, list, tuple)


def _flow(value: Any) -> str:
    kind = type(value)
    writer = _WRITERS.get(kind)
    if writer is not None:
        return writer(value)
    if kind is dict:
        return "{" + ", ".join([f"{_key(k)}: {_flow(v)}" for k, v in value.items()]) + "}"
    if kind is list or kind is tuple:
        return "[" + ", ".join([_flow(v) for v in value]) + "]"
    return scalar(value)


def _is_flat(value: Any) -> bool:
    items = value.values() if type(value) is dict else value
    return all(type(item) not in _CONTAINERS for item in items)


def _mapping(record: dict[str, Any], indent: str, out: list[str], first_prefix: str | None = None) -> None:
    prefix = first_prefix if first_prefix is not None else indent
    append, writers = out.append, _WRITERS
    for key, value in record.items():
        name = _string(key) if type(key) is str else _key(key)
        writer = writers.get(type(value))
        if writer is not None:  # a scalar: most values, written without the detour through _flow
            append(f"{prefix}{name}: {writer(value)}")
        elif type(value) in _CONTAINERS and not _is_flat(value):
            append(f"{prefix}{name}:")
            _block(value, indent + "  ", out)
        else:
            append(f"{prefix}{name}: {_flow(value)}")
        prefix = indent


def _block(value: Any, indent: str, out: list[str]) -> None:
    if type(value) is dict:
        _mapping(value, indent, out)
        return
    for item in value:
        if type(item) is dict and item:
            _mapping(item, indent + "  ", out, first_prefix=indent + "- ")
        else:
            out.append(f"{indent}- {_flow(item)}")


def dump_document(document: dict[str, Any], *, header: Sequence[str] = ()) -> str:
    """A whole seed file: optional ``#`` header lines, then the top-level keys in order.

    Containers must be plain ``dict``, ``list`` or ``tuple`` (as ``model_dump`` gives them).
    """
    out = [f"# {line}" if line else "#" for line in header]
    for key, value in document.items():
        kind = type(value)
        if (kind is list or kind is tuple) and value and not _is_flat(value):
            out.append(f"{_key(key)}:")
            _block(value, "  ", out)
        elif kind is dict and value:
            out.append(f"{_key(key)}:")
            _mapping(value, "  ", out)
        else:
            out.append(f"{_key(key)}: {_flow(value)}")
    return "\n".join(out) + "\n"
