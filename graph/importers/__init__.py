"""Importers: real-world datasets turned into seed YAML that loads beside the curated seeds.

Every importer is registered here by name, so the CLI (``armsgraph import NAME FILE``),
the docs and the tests loop over one registry. Modules are imported only when an importer
runs, so importing :mod:`graph` stays cheap.

>>> sorted(IMPORTERS)
['kiel', 'sipri']
>>> IMPORTERS["sipri"].credit
'Source: SIPRI Arms Transfers Database'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

__all__ = ["IMPORTERS", "Importer", "get_importer"]


@dataclass(frozen=True)
class Importer:
    """A registered importer: its name, what it reads, the credit line its output carries,
    and the dotted path of the function that runs it (``module:function``)."""

    name: str
    summary: str
    credit: str
    target: str
    default_output: str

    def load(self) -> Callable[..., Any]:
        """The import function, imported on first use."""
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module, __name__), function)  # type: ignore[no-any-return]


IMPORTERS: dict[str, Importer] = {
    importer.name: importer
    for importer in (
        Importer(
            "sipri",
            "SIPRI Arms Transfers Database: the Trade Register (deal level) or the transfers export "
            "(deal x delivery year), found by its header.",
            "Source: SIPRI Arms Transfers Database",
            ".sipri:import_sipri",
            "imports/sipri",
        ),
        Importer(
            "kiel",
            "Kiel Institute Ukraine Support Tracker: heavy weapons by donor and category, as aggregated facts.",
            "Source: Kiel Institute for the World Economy, Ukraine Support Tracker",
            ".kiel:import_kiel",
            "imports/kiel",
        ),
    )
}
"""Importer name -> :class:`Importer`."""


def get_importer(name: str) -> Importer:
    """The importer registered under ``name``; :class:`UsageError` naming the known ones otherwise."""
    try:
        return IMPORTERS[name]
    except KeyError:
        raise UsageError(f"unknown importer {name!r}; known: {', '.join(sorted(IMPORTERS))}") from None
