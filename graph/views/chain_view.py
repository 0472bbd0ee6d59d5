"""A backfill chain (or a path) drawn as A -> B -> C with the systems on the edges, and its legs as rows.

Works on :class:`graph.chains.ChainLeg` objects, which chains and paths share.

>>> from graph import load_dataset
>>> from graph.chains import find_chains
>>> from pathlib import Path  # the app test fixture, next to the package
>>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
>>> chain = find_chains(dataset, curated_only=True)[0]
>>> [n["data"]["id"] for n in legs_elements(dataset, chain.legs)["nodes"]]
['KOR', 'POL', 'UKR']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..chains import ChainLeg
from ..dataset import Dataset
from ..model import Deployment, Transfer
from .elements import ACTOR_KIND_COLOURS, COLOUR_SCHEMES, NODE_SPACING
from .safety import component_text

__all__ = ["leg_records", "leg_rows", "legs_elements"]


def _name(dataset: Dataset, actor_id: str) -> str:
    actor = dataset.actors.get(actor_id)
    return actor.name if actor is not None else actor_id


def _columns(legs: Sequence[ChainLeg]) -> dict[str, int]:
    """Each actor's column, left to right along the flow of kit (longest path from a start)."""
    column: dict[str, int] = {}
    for leg in legs:
        column.setdefault(leg.supplier, 0)
    for _ in range(len(legs) + 1):  # relax until stable; chains are short
        changed = False
        for leg in legs:
            wanted = column.get(leg.supplier, 0) + 1
            if column.get(leg.recipient, -1) < wanted and wanted <= len(legs):
                column[leg.recipient] = wanted
                changed = True
        if not changed:
            break
    return column


def legs_elements(dataset: Dataset, legs: Sequence[ChainLeg]) -> dict[str, list[dict[str, Any]]]:
    """Nodes laid out left to right along the legs, one edge per leg captioned with its system."""
    column = _columns(legs)
    rows: dict[int, int] = defaultdict(int)
    nodes = []
    for actor_id in sorted(column, key=lambda a: (column[a], a)):
        actor = dataset.actors.get(actor_id)
        kind = actor.kind if actor is not None else None
        row = rows[column[actor_id]]
        rows[column[actor_id]] += 1
        nodes.append(
            {
                "data": {
                    "id": actor_id,
                    "label": kind.value.replace("_", " ").capitalize() if kind else "Actor",
                    "name": component_text(_name(dataset, actor_id)),
                    "colour": ACTOR_KIND_COLOURS[kind] if kind else "#778AAE",
                },
                "position": {"x": column[actor_id] * NODE_SPACING * 4, "y": row * NODE_SPACING * 2},
            }
        )
    edges = []
    for number, leg in enumerate(legs, start=1):
        colour = COLOUR_SCHEMES["category"].get(leg.category or "", "#778AAE")
        caption = f"{number}. {leg.system or leg.transfer}" + (f" ({leg.when})" if leg.when else "")
        edges.append(
            {
                "data": {
                    "id": f"leg{number}:{leg.transfer}",
                    "source": leg.supplier,
                    "target": leg.recipient,
                    "label": leg.role.capitalize(),
                    "caption": component_text(caption),
                    "transfer": leg.transfer,
                    "colour": colour,
                    "width": 3,
                }
            }
        )
    return {"nodes": nodes, "edges": edges}


def leg_rows(dataset: Dataset, legs: Sequence[ChainLeg]) -> list[dict[str, Any]]:
    """One table row per leg, in order."""
    return [
        {
            "#": number,
            "role": leg.role,
            "from": _name(dataset, leg.supplier),
            "to": _name(dataset, leg.recipient),
            "system": leg.system or "",
            "category": (leg.category or "").replace("_", " "),
            "date": leg.when or "",
            "quantity": leg.quantity or "",
            "record": leg.transfer,
        }
        for number, leg in enumerate(legs, start=1)
    ]


def leg_records(dataset: Dataset, legs: Sequence[ChainLeg]) -> list[Transfer | Deployment]:
    """The transfers and deployments behind the legs, in order (for the timeline)."""
    found: list[Transfer | Deployment] = []
    for leg in legs:
        record = dataset.transfers.get(leg.transfer) or dataset.deployments.get(leg.transfer)
        if record is not None and record not in found:
            found.append(record)
    return found
