"""The dataset as a networkx graph: actors are nodes, every transfer is an edge.

:func:`build_network` gives a :class:`networkx.MultiDiGraph` with one edge per
transfer (keyed by the transfer id) and, optionally, one edge per deployment
(``relation="deployed_to"``: allied Patriots in Slovakia changed no hands, so
they are never counted as transfers). :func:`collapse` folds the parallel
transfer edges into one edge per (supplier, recipient) pair, which is what path
enumeration needs: parallel edges multiply the number of simple paths.

Node attributes (one node per actor, keyed by actor id):

``name``
    the actor's name (``"Poland"``)
``kind``
    ``state``, ``organisation``, ``company`` or ``non_state``

Edge attributes (:data:`EDGE_ATTRIBUTES` documents each one):
every edge has ``relation`` (``"transferred_to"`` or ``"deployed_to"``),
``record`` (the transfer or deployment id), ``system``, ``system_name``,
``category``, ``era``, ``status``, ``quantity``, ``quantity_text``, ``date``,
``year``, ``confidence`` and ``sources``; transfer edges add ``transfer``,
``kind``, ``condition``, ``financed_by``, ``consent_from``, ``part_of`` and ``same_as``.
Lists are stored as tuples so an edge's attributes are never mutated by accident.

>>> from graph.load import load_dataset
>>> from pathlib import Path
>>> data = Path(__file__).parent.parent / "tests" / "data" / "chains" / "two-hop"
>>> network = build_network(load_dataset([data], cache=False))
>>> network.edges["KOR", "POL", "kor-pol-k2-2022"]["system_name"]
'K2 Black Panther'
>>> collapse(network).edges["KOR", "POL"]["count"]
2
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from .dataset import Dataset
from .model import Deployment, PartialDate, Transfer

__all__ = [
    "DEPLOYED_TO",
    "EDGE_ATTRIBUTES",
    "NODE_ATTRIBUTES",
    "TRANSFERRED_TO",
    "build_network",
    "collapse",
    "deployment_edge",
    "deployment_start",
    "transfer_edge",
]

TRANSFERRED_TO = "transferred_to"
"""``relation`` of an edge for a transfer (ownership changes hands)."""
DEPLOYED_TO = "deployed_to"
"""``relation`` of an edge for a deployment (no change of ownership)."""

NODE_ATTRIBUTES: dict[str, str] = {
    "name": "The actor's name.",
    "kind": "What the actor is: state, organisation, company or non_state.",
}
"""Node attribute -> what it holds."""

EDGE_ATTRIBUTES: dict[str, str] = {
    "relation": "transferred_to for a transfer, deployed_to for a deployment.",
    "record": "Id of the transfer or deployment (also the edge key).",
    "transfer": "Transfer id (transfer edges only).",
    "system": "System id, or None for a deployment of troops only.",
    "system_name": "The system's name, or None.",
    "category": "The system's capability category value (main_battle_tank ...), or None.",
    "era": "The system's era value (soviet_legacy, cold_war_western, modern), or None.",
    "kind": "Transfer kind: sale, donation, loan, lease or licensed_production (transfer edges only).",
    "status": "Transfer status (offered ... delivered, cancelled) or deployment status (announced, active, ended).",
    "quantity": "Best single count as an int (delivered if known, else ordered), or None.",
    "quantity_text": 'The same count as written, with its qualifier ("at least 200"), or None.',
    "date": "ISO date (YYYY-MM-DD) of the earliest day the leg's first known date can mean, or None.",
    "year": "Year of that date, or None.",
    "confidence": "low, medium or high.",
    "condition": "new, second_hand or modernised, or None (transfer edges only).",
    "financed_by": "Tuple of actor ids paying for the leg (transfer edges only).",
    "consent_from": "Tuple of actor ids whose re-export consent the leg needed (transfer edges only).",
    "part_of": "Transfer id of the framework this contract executes, or None (transfer edges only).",
    "same_as": "Id of the curated transfer an imported leg duplicates, or None (transfer edges only).",
    "sources": "Tuple of source ids.",
}
"""Edge attribute -> what it holds (the documented contract of the projection)."""


def _first_day(date: PartialDate | None) -> str | None:
    return date.earliest().isoformat() if date is not None else None


def _system_attributes(dataset: Dataset, system_id: str | None) -> dict[str, Any]:
    system = dataset.systems.get(system_id) if system_id else None
    return {
        "system": system_id,
        "system_name": system.name if system else None,
        "category": system.category.value if system else None,
        "era": system.era.value if system and system.era else None,
    }


def transfer_edge(dataset: Dataset, transfer: Transfer) -> dict[str, Any]:
    """The attributes of the edge for one transfer (see :data:`EDGE_ATTRIBUTES`)."""
    quantity = transfer.quantity()
    start = transfer.start()
    return {
        "relation": TRANSFERRED_TO,
        "record": transfer.id,
        "transfer": transfer.id,
        **_system_attributes(dataset, transfer.system),
        "kind": transfer.kind.value,
        "status": transfer.status.value,
        "quantity": quantity.value if quantity else None,
        "quantity_text": str(quantity) if quantity else None,
        "date": _first_day(start),
        "year": start.year if start else None,
        "confidence": transfer.confidence.value,
        "condition": transfer.condition.value if transfer.condition else None,
        "financed_by": tuple(transfer.financed_by),
        "consent_from": tuple(transfer.consent_from),
        "part_of": transfer.part_of,
        "same_as": transfer.same_as,
        "sources": tuple(transfer.sources),
    }


def deployment_start(deployment: Deployment) -> PartialDate | None:
    """A deployment's date: when it started, else when it was announced."""
    return deployment.start or deployment.announced


def deployment_edge(dataset: Dataset, deployment: Deployment) -> dict[str, Any]:
    """The attributes of the edge for one deployment (``relation="deployed_to"``)."""
    start = deployment_start(deployment)
    return {
        "relation": DEPLOYED_TO,
        "record": deployment.id,
        **_system_attributes(dataset, deployment.system),
        "status": deployment.status.value,
        "quantity": deployment.quantity.value if deployment.quantity else None,
        "quantity_text": str(deployment.quantity) if deployment.quantity else None,
        "date": _first_day(start),
        "year": start.year if start else None,
        "confidence": deployment.confidence.value,
        "sources": tuple(deployment.sources),
    }


# The projection's code is part of its cache key (the dataset's fingerprint covers the schema and data).
_CACHE_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def build_network(dataset: Dataset, *, deployments: bool = True, cache: bool = True) -> nx.MultiDiGraph:
    """Project the dataset onto a MultiDiGraph: actor nodes, one edge per transfer (and deployment).

    Edges are keyed by record id, so ``network.edges[supplier, recipient, transfer_id]``
    finds a transfer's attributes. With ``deployments=False`` only transfers are drawn.
    With ``cache=True`` the projection of a dataset built before (same fingerprint, same
    code) is read back from :func:`graph.load.cache_dir`; each call returns a new graph.
    """
    if cache:
        from .load import cached_projection

        name = "network" if deployments else "network-transfers"
        return cached_projection(dataset, name, _CACHE_VERSION, lambda: _project(dataset, deployments))
    return _project(dataset, deployments)


def _project(dataset: Dataset, deployments: bool) -> nx.MultiDiGraph:
    network = nx.MultiDiGraph(name="armsgraph")
    for actor in dataset.actors.values():
        network.add_node(actor.id, name=actor.name, kind=actor.kind.value)
    network.add_edges_from(
        (t.supplier, t.recipient, t.id, transfer_edge(dataset, t)) for t in dataset.transfers.values()
    )
    if deployments:
        network.add_edges_from(
            (d.provider, d.host, d.id, deployment_edge(dataset, d)) for d in dataset.deployments.values()
        )
    return network


def collapse(
    network: nx.MultiDiGraph,
    *,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> nx.DiGraph:
    """One edge per (supplier, recipient) pair, for the transfers that ``keep`` accepts.

    Deployments are left out. Each collapsed edge has ``count`` (transfers),
    ``transfers`` (their ids, by date), ``categories`` (sorted category values),
    ``first`` and ``last`` (ISO dates, None when no transfer is dated).
    Every actor node is kept, with its attributes.

    >>> network = nx.MultiDiGraph()
    >>> network.add_edge("A", "B", "t1", relation="transferred_to", category="mlrs", date="2022-01-01")
    't1'
    >>> network.add_edge("A", "B", "t2", relation="transferred_to", category="uav", date=None)
    't2'
    >>> dict(collapse(network).edges["A", "B"])  # doctest: +NORMALIZE_WHITESPACE
    {'count': 2, 'transfers': ['t1', 't2'], 'categories': ['mlrs', 'uav'],
     'first': '2022-01-01', 'last': '2022-01-01'}
    """
    collapsed = nx.DiGraph(name=network.graph.get("name", ""))
    collapsed.add_nodes_from(network.nodes(data=True))
    grouped: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for supplier, recipient, key, attributes in network.edges(keys=True, data=True):
        if attributes.get("relation") != TRANSFERRED_TO or (keep is not None and not keep(attributes)):
            continue
        grouped.setdefault((supplier, recipient), []).append((key, attributes))
    for (supplier, recipient), edges in grouped.items():
        edges.sort(key=lambda item: (item[1].get("date") is None, item[1].get("date") or "", item[0]))
        dates = [a["date"] for _, a in edges if a.get("date")]
        collapsed.add_edge(
            supplier,
            recipient,
            count=len(edges),
            transfers=[key for key, _ in edges],
            categories=sorted({a["category"] for _, a in edges if a.get("category")}),
            first=min(dates) if dates else None,
            last=max(dates) if dates else None,
        )
    return collapsed
