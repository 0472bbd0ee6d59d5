"""Rows for the searchable tables of actors, systems, transfers and sources.

Rows are plain dicts of text and numbers (the app hands them to ``st.dataframe``, which
draws text, never markup). Source addresses are kept only when they are http(s).

>>> from graph import load_dataset
>>> from pathlib import Path  # the app test fixture, next to the package
>>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
>>> [row["id"] for row in search_rows(transfer_rows(dataset), "t-72")]
['pol-ukr-t72-2022']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..dataset import Dataset
from ..model import PartialDate, Transfer
from .safety import safe_url

__all__ = [
    "TABLES",
    "actor_rows",
    "row_text",
    "search_rows",
    "source_rows",
    "system_rows",
    "text_matches",
    "transfer_rows",
]

Row = dict[str, Any]
_FAR_FUTURE = PartialDate(9999)  # undated transfers sort last


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _name(dataset: Dataset, section: str, record_id: str | None) -> str:
    if record_id is None:
        return ""
    record = getattr(dataset, section).get(record_id)
    return getattr(record, "name", record_id) if record is not None else record_id


def actor_rows(dataset: Dataset) -> list[Row]:
    """One row per actor, with how many transfers it supplied and received."""
    supplied: dict[str, int] = {}
    received: dict[str, int] = {}
    for transfer in dataset.transfers.values():
        supplied[transfer.supplier] = supplied.get(transfer.supplier, 0) + 1
        received[transfer.recipient] = received.get(transfer.recipient, 0) + 1
    return [
        {
            "id": actor.id,
            "name": actor.name,
            "kind": actor.kind.value,
            "country": _name(dataset, "actors", actor.country),
            "aliases": "; ".join(actor.aliases),
            "supplied": supplied.get(actor.id, 0),
            "received": received.get(actor.id, 0),
            "wikidata": _text(actor.wikidata),
            "notes": _text(actor.notes),
        }
        for actor in sorted(dataset.actors.values(), key=lambda a: a.name)
    ]


def system_rows(dataset: Dataset) -> list[Row]:
    """One row per system."""
    return [
        {
            "id": system.id,
            "name": system.name,
            "category": system.category.label,
            "era": system.era.value if system.era else "",
            "origin": _name(dataset, "actors", system.origin),
            "manufacturer": _name(dataset, "actors", system.manufacturer),
            "based on": _name(dataset, "systems", system.based_on),
            "aliases": "; ".join(system.aliases),
            "notes": _text(system.notes),
        }
        for system in sorted(dataset.systems.values(), key=lambda s: s.name)
    ]


def transfer_rows(dataset: Dataset, transfers: Iterable[Transfer] | None = None) -> list[Row]:
    """One row per transfer (all, or those given), earliest first."""
    chosen = list(dataset.transfers.values()) if transfers is None else list(transfers)
    chosen.sort(key=lambda t: (t.start() or _FAR_FUTURE, t.id))
    rows = []
    for transfer in chosen:
        system = dataset.systems.get(transfer.system)
        rows.append(
            {
                "id": transfer.id,
                "supplier": _name(dataset, "actors", transfer.supplier),
                "recipient": _name(dataset, "actors", transfer.recipient),
                "system": system.name if system else transfer.system,
                "category": system.category.label if system else "",
                "kind": transfer.kind.value,
                "status": transfer.status.value,
                "ordered": _text(transfer.quantity_ordered),
                "delivered": _text(transfer.quantity_delivered),
                "announced": _text(transfer.announced),
                "signed": _text(transfer.signed),
                "first delivery": _text(transfer.first_delivery),
                "last delivery": _text(transfer.last_delivery),
                "value": _text(transfer.value),
                "confidence": transfer.confidence.value,
                "sources": ", ".join(transfer.sources),
                "notes": _text(transfer.notes),
            }
        )
    return rows


def source_rows(dataset: Dataset) -> list[Row]:
    """One row per source, with how many records cite it; ``url`` is empty unless http(s)."""
    cited: dict[str, int] = {}
    for record in dataset.records():
        for source_id in getattr(record, "sources", ()):
            cited[source_id] = cited.get(source_id, 0) + 1
    return [
        {
            "id": source.id,
            "title": source.title,
            "publisher": source.publisher,
            "date": _text(source.date),
            "kind": source.kind.value,
            "language": _text(source.language),
            "url": safe_url(source.url) or "",
            "cited by": cited.get(source.id, 0),
            "notes": _text(source.notes),
        }
        for source in sorted(dataset.sources.values(), key=lambda s: (str(s.date or ""), s.id), reverse=True)
    ]


TABLES = {"transfers": transfer_rows, "actors": actor_rows, "systems": system_rows, "sources": source_rows}
"""Table name -> the function that builds its rows from a dataset."""


def row_text(row: Row) -> str:
    """Every cell of a row as one case-folded string, to search in (compute once, search often)."""
    return " ".join(str(value) for value in row.values()).casefold()


def text_matches(texts: Sequence[str], text: str) -> list[bool]:
    """For each of :func:`row_text`'s strings, whether every word of ``text`` is in it.

    >>> text_matches(["south korea", "poland"], "Korea")
    [True, False]
    """
    words = text.casefold().split()
    return [all(word in haystack for word in words) for haystack in texts]


def search_rows(rows: Sequence[Row], text: str) -> list[Row]:
    """Rows where every word of ``text`` appears in some cell (case-insensitive); all rows for no text.

    >>> search_rows([{"a": "South Korea"}, {"a": "Poland"}], "korea south")
    [{'a': 'South Korea'}]
    """
    keep = text_matches([row_text(row) for row in rows], text)
    return [row for row, kept in zip(rows, keep, strict=True) if kept]
