"""The network the graph page draws: nodes, edges, styles, a legend, a layout, and details on click.

Output is in Cytoscape.js JSON (what st-link-analysis draws): ``{"nodes": [{"data": ...,
"position": ...}], "edges": [...]}``. Positions are computed here with networkx so the
browser does not run a force layout (that is what froze pages with thousands of edges).
Past ``aggregate_above`` transfers, edges are folded into one per country pair with counts;
:func:`strongest_pairs` then keeps the pairs with the most transfers for drawing (thousands of
edges keep the browser busy for seconds) and counts what it hid, for the page to say so.
:func:`graph_view_of` keeps a laid-out view in the dataset cache, so a restart does not lay it out again.
Text sent to the component goes through :func:`~graph.views.safety.component_text`:
its info panel writes element data with ``innerHTML``.

>>> from graph import load_dataset
>>> from pathlib import Path  # the app test fixture, next to the package
>>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
>>> view = graph_view(dataset, list(dataset.transfers.values()))
>>> sorted(node["data"]["id"] for node in view.elements["nodes"])
['KOR', 'POL', 'UKR']
>>> len(view.elements["edges"]), view.aggregated
(6, False)
>>> folded = graph_view(dataset, list(dataset.transfers.values()), aggregate=True)
>>> [(e["data"]["id"], e["data"]["count"]) for e in folded.elements["edges"]]
[('KOR→POL', 3), ('POL→UKR', 3)]
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from ..dataset import Dataset
from ..model import ActorKind, Category, Transfer, TransferKind, TransferStatus
from .filters import TransferFilter, filter_transfers
from .safety import component_text, safe_url
from .state import filter_to_params

__all__ = [
    "ACTOR_KIND_COLOURS",
    "COLOUR_SCHEMES",
    "PAIR_SEPARATOR",
    "UNFOLDED_LIMIT",
    "Details",
    "GraphView",
    "LegendEntry",
    "SourceLink",
    "colour_of",
    "element_details",
    "graph_view",
    "graph_view_of",
    "hidden_pairs_note",
    "layout_positions",
    "pair_id",
    "strongest_pairs",
]

ColourBy = Literal["category", "kind", "status", "confidence"]

# Dark24 from plotly's qualitative palettes: distinct on white, one colour per category.
_PALETTE = (
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86",
    "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE",
    "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038",
)  # fmt: skip

COLOUR_SCHEMES: dict[str, dict[str, str]] = {
    "category": {c.value: _PALETTE[i] for i, c in enumerate(Category)},
    "kind": {k.value: _PALETTE[i] for i, k in enumerate(TransferKind)},
    "status": {s.value: _PALETTE[i + 8] for i, s in enumerate(TransferStatus)},
    "confidence": {"low": "#E15F99", "medium": "#B68100", "high": "#1CA71C"},
}
"""What edges can be coloured by -> value -> colour."""

ACTOR_KIND_COLOURS = {
    ActorKind.state: "#0D2A63",
    ActorKind.organisation: "#00A08B",
    ActorKind.company: "#862A16",
    ActorKind.non_state: "#AF0038",
}

PAIR_SEPARATOR = "→"
"""Joins the two actor ids of an aggregated edge's id; never part of an id (ids are ASCII)."""

UNFOLDED_LIMIT = 3_000
"""The most transfers drawn one edge each: a browser stops responding for minutes on the 30,000 of a
SIPRI import drawn unfolded, and takes several seconds on 3,000 edges (``benchmarks/app_graph.py``)."""

NODE_SPACING = 60.0
"""Typical distance between nodes in layout units: st-link-analysis hides captions when farther apart."""


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a colour and what it means."""

    label: str
    colour: str
    count: int


@dataclass(frozen=True)
class GraphView:
    """Everything the graph component needs, plus what the page says about it."""

    elements: dict[str, list[dict[str, Any]]]
    styles: list[dict[str, Any]]
    legend: list[LegendEntry]
    aggregated: bool
    transfer_count: int
    hidden_pairs: int = 0
    """Country pairs of the folded view left undrawn by :func:`strongest_pairs` (they stay in the details)."""
    hidden_transfers: int = 0
    """Transfers behind the hidden pairs."""


@dataclass(frozen=True)
class SourceLink:
    """A source as the details panel lists it; ``url`` is None unless http(s)."""

    id: str
    title: str
    publisher: str
    date: str
    url: str | None
    notes: str


@dataclass(frozen=True)
class Details:
    """What clicking a node or an edge shows: a title, facts, the transfers behind it, every source."""

    kind: Literal["actor", "transfer", "pair"]
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    sources: list[SourceLink] = field(default_factory=list)


def pair_id(supplier: str, recipient: str) -> str:
    """Id of the aggregated edge from ``supplier`` to ``recipient``.

    >>> pair_id("POL", "UKR")
    'POL→UKR'
    """
    return f"{supplier}{PAIR_SEPARATOR}{recipient}"


def colour_of(dataset: Dataset, transfer: Transfer, colour_by: ColourBy) -> tuple[str, str]:
    """(value, colour) of a transfer under a colour scheme."""
    if colour_by == "category":
        system = dataset.systems.get(transfer.system)
        value = system.category.value if system else Category.other.value
    elif colour_by == "kind":
        value = transfer.kind.value
    elif colour_by == "status":
        value = transfer.status.value
    else:
        value = transfer.confidence.value
    return value, COLOUR_SCHEMES[colour_by].get(value, "#778AAE")


def _legend_label(colour_by: ColourBy, value: str) -> str:
    if colour_by == "category":
        return Category(value).label
    return value.replace("_", " ")


def _edge_width(quantity: int | None) -> float:
    """1.5 px for an unknown or single item, growing with the log of the count (5 px at 1,000)."""
    return round(1.5 + 1.2 * math.log10(1 + (quantity or 0)), 2)


def _node_for(dataset: Dataset, actor_id: str, fold_companies: bool) -> str:
    actor = dataset.actors.get(actor_id)
    if fold_companies and actor is not None and actor.kind is not ActorKind.state and actor.country:
        return actor.country
    return actor_id


def layout_positions(
    edges: Sequence[tuple[str, str]], nodes: Sequence[str], seed: int = 7
) -> dict[str, tuple[float, float]]:
    """A spring layout (networkx) per connected component, components packed in rows, biggest first.

    Neighbouring nodes sit about :data:`NODE_SPACING` apart. Laying out each component on its
    own keeps a small island (two states trading only with each other) from pushing the main
    network into a corner. Deterministic for a given seed.

    >>> positions = layout_positions([("A", "B"), ("B", "C"), ("X", "Y")], ["A", "B", "C", "X", "Y"])
    >>> sorted(positions), positions == layout_positions([("A", "B"), ("B", "C"), ("X", "Y")], list("ABCXY"))
    (['A', 'B', 'C', 'X', 'Y'], True)
    """
    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    for a, b in edges:
        if a != b:
            weight = graph.edges[a, b]["weight"] + 1 if graph.has_edge(a, b) else 1
            graph.add_edge(a, b, weight=weight)
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    placed: dict[str, tuple[float, float]] = {}
    row_width = NODE_SPACING * 6 * max(2.0, math.sqrt(graph.number_of_nodes()))
    x = y = row_height = 0.0
    for component in components:
        count = len(component)
        radius = NODE_SPACING * (1.0 + 1.4 * math.sqrt(count)) if count > 1 else NODE_SPACING / 2
        if count == 1:
            local = {component[0]: (0.0, 0.0)}
        else:
            sub = graph.subgraph(component)
            raw = nx.spring_layout(sub, seed=seed, iterations=100 if count < 500 else 50)
            local = {node: (float(px) * radius, float(py) * radius) for node, (px, py) in raw.items()}
        if x > 0 and x + 2 * radius > row_width:  # wrap to a new row
            x, y, row_height = 0.0, y + row_height + NODE_SPACING, 0.0
        for node, (px, py) in local.items():
            placed[node] = (round(x + radius + px, 1), round(y + radius + py, 1))
        x += 2 * radius + NODE_SPACING
        row_height = max(row_height, 2 * radius)
    return placed


def graph_view(
    dataset: Dataset,
    transfers: Sequence[Transfer],
    *,
    colour_by: ColourBy = "category",
    width_by_quantity: bool = True,
    aggregate: bool | None = None,
    aggregate_above: int = 300,
) -> GraphView:
    """The elements, styles and legend for ``transfers``.

    ``aggregate=None`` folds edges into one per country pair (companies folded into their
    state) only when there are more than ``aggregate_above`` transfers.
    """
    folded = len(transfers) > aggregate_above if aggregate is None else aggregate
    legend_counts: Counter[str] = Counter()
    edges: list[dict[str, Any]] = []
    if folded:
        groups: dict[tuple[str, str], list[Transfer]] = defaultdict(list)
        for transfer in transfers:
            key = (_node_for(dataset, transfer.supplier, True), _node_for(dataset, transfer.recipient, True))
            groups[key].append(transfer)
        for (source, target), legs in sorted(groups.items()):
            values = Counter(colour_of(dataset, leg, colour_by) for leg in legs)
            (value, colour), _ = values.most_common(1)[0]
            legend_counts[value] += len(legs)
            total = sum(quantity.value for leg in legs if (quantity := leg.quantity()) is not None)
            edges.append(
                {
                    "data": {
                        "id": pair_id(source, target),
                        "source": source,
                        "target": target,
                        "label": "Transfers",
                        "caption": (
                            f"{len(legs)} transfers"
                            if len(legs) > 1
                            else component_text(_system_name(dataset, legs[0]))
                        ),
                        "count": len(legs),
                        "units": total,
                        "colour": colour,
                        "width": round(1.5 + 2.0 * math.log10(1 + len(legs)), 2),
                    }
                }
            )
    else:
        for transfer in sorted(transfers, key=lambda t: t.id):
            value, colour = colour_of(dataset, transfer, colour_by)
            legend_counts[value] += 1
            quantity = transfer.quantity()
            edges.append(
                {
                    "data": {
                        "id": transfer.id,
                        "source": transfer.supplier,
                        "target": transfer.recipient,
                        "label": "Transfer",
                        "caption": component_text(_system_name(dataset, transfer)),
                        "quantity": component_text(quantity) if quantity else "",
                        "status": transfer.status.value,
                        "year": (start.year if (start := transfer.start()) else ""),
                        "colour": colour,
                        "width": _edge_width(quantity.value if quantity else None) if width_by_quantity else 2.0,
                    }
                }
            )
    node_ids = sorted({e["data"]["source"] for e in edges} | {e["data"]["target"] for e in edges})
    positions = layout_positions([(e["data"]["source"], e["data"]["target"]) for e in edges], node_ids)
    nodes = []
    for node_id in node_ids:
        actor = dataset.actors.get(node_id)
        kind = actor.kind if actor is not None else ActorKind.state
        x, y = positions.get(node_id, (0.0, 0.0))
        nodes.append(
            {
                "data": {
                    "id": node_id,
                    "label": kind.value.replace("_", " ").capitalize(),
                    "name": component_text(actor.name if actor is not None else node_id),
                    "colour": ACTOR_KIND_COLOURS[kind],
                },
                "position": {"x": x, "y": y},
            }
        )
    legend = [
        LegendEntry(_legend_label(colour_by, value), COLOUR_SCHEMES[colour_by].get(value, "#778AAE"), count)
        for value, count in sorted(legend_counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return GraphView({"nodes": nodes, "edges": edges}, graph_styles(), legend, folded, len(transfers))


# What a cached view depends on besides the dataset (whose fingerprint covers the data and the loader).
_CODE_VERSION = hashlib.sha256(
    b"".join((Path(__file__).parent / name).read_bytes() for name in ("elements.py", "filters.py", "safety.py"))
).hexdigest()[:16]


def graph_view_of(
    dataset: Dataset,
    view: TransferFilter,
    *,
    colour_by: ColourBy = "category",
    width_by_quantity: bool = True,
    aggregate: bool | None = None,
    cache: bool = True,
) -> GraphView:
    """:func:`graph_view` of the transfers ``view`` keeps, kept in the dataset cache.

    The layout is the costly part (about a second for 250 countries): with ``cache=True`` a view
    built before on the same data, code, filter and settings is read back, so restarting the
    explorer does not lay the graph out again. Same result as building it (tested).
    """

    def build() -> GraphView:
        return graph_view(dataset, filter_transfers(dataset, view), colour_by=colour_by,
                          width_by_quantity=width_by_quantity, aggregate=aggregate)

    if not cache:
        return build()
    from ..load import cached_projection

    settings = [filter_to_params(view), colour_by, width_by_quantity, aggregate]
    return cached_projection(dataset, "graph-view", f"{_CODE_VERSION}:{json.dumps(settings, sort_keys=True)}", build)


def strongest_pairs(view: GraphView, limit: int | None) -> GraphView:
    """``view`` with only the ``limit`` country pairs with the most transfers drawn; ``None``: all.

    Drawing every pair of a large import (3,000 after the SIPRI Trade Register) keeps the
    browser busy for seconds; the strongest few hundred carry most transfers. Ties at the
    cut go to the pair id, so the choice is deterministic. Every node stays, where the
    whole network placed it (positions do not move with ``limit``), so any actor can
    still be clicked, and the hidden pairs and their transfers are counted for the page
    to say so. A view with one edge per transfer is returned unchanged.

    >>> from graph import load_dataset
    >>> from pathlib import Path  # the app test fixture, next to the package
    >>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
    >>> folded = graph_view(dataset, list(dataset.transfers.values()), aggregate=True)
    >>> drawn = strongest_pairs(folded, 1)
    >>> [e["data"]["id"] for e in drawn.elements["edges"]], drawn.hidden_pairs, drawn.hidden_transfers
    (['KOR→POL'], 1, 3)
    >>> len(drawn.elements["nodes"]), strongest_pairs(folded, None) == folded
    (3, True)
    """
    edges = view.elements["edges"]
    if not view.aggregated or limit is None or len(edges) <= limit:
        return view
    ranked = sorted(range(len(edges)), key=lambda i: (-edges[i]["data"]["count"], edges[i]["data"]["id"]))
    kept = set(ranked[: max(limit, 0)])
    hidden = [edge for i, edge in enumerate(edges) if i not in kept]
    return replace(
        view,
        elements={"nodes": view.elements["nodes"], "edges": [edge for i, edge in enumerate(edges) if i in kept]},
        hidden_pairs=len(hidden),
        hidden_transfers=sum(edge["data"]["count"] for edge in hidden),
    )


def hidden_pairs_note(view: GraphView) -> str | None:
    """What :func:`strongest_pairs` left out, in words for the page; None when every pair is drawn.

    >>> hidden_pairs_note(GraphView({"nodes": [], "edges": [{}] * 500}, [], [], True, 29_587, 2_619, 7_613))
    'Drawn: the 500 country pairs with the most transfers; 2,619 weaker pairs (7,613 transfers) are hidden.'
    """
    if not view.hidden_pairs:
        return None
    drawn = len(view.elements["edges"])
    return (
        f"Drawn: the {drawn:,} country pairs with the most transfers; {view.hidden_pairs:,} weaker pairs "
        f"({view.hidden_transfers:,} transfers) are hidden."
    )


def graph_styles() -> list[dict[str, Any]]:
    """Cytoscape styles that read colour, width and caption from each element's data."""
    return [
        {
            "selector": "node",
            "style": {
                "background-color": "data(colour)",
                "label": "data(name)",
                "font-size": 10,
                "width": 22,
                "height": 22,
            },
        },
        {
            "selector": "edge",
            "style": {
                "line-color": "data(colour)",
                "target-arrow-color": "data(colour)",
                "target-arrow-shape": "triangle",
                "curve-style": "bezier",
                "control-point-step-size": 12,  # parallel transfers fan out tightly, not in wide loops
                "width": "data(width)",
                "label": "data(caption)",
                "font-size": 7,
                "text-rotation": "autorotate",
                "text-background-opacity": 0,
                "color": "#333333",
            },
        },
    ]


def _system_name(dataset: Dataset, transfer: Transfer) -> str:
    system = dataset.systems.get(transfer.system)
    return system.name if system is not None else transfer.system


def _source_links(dataset: Dataset, ids: Sequence[str]) -> list[SourceLink]:
    links = []
    for source_id in dict.fromkeys(ids):
        source = dataset.sources.get(source_id)
        if source is None:
            continue
        links.append(
            SourceLink(
                id=source.id,
                title=source.title,
                publisher=source.publisher,
                date=str(source.date or ""),
                url=safe_url(source.url),
                notes=source.notes or "",
            )
        )
    return links


def _transfer_sources(transfer: Transfer) -> list[str]:
    return [*transfer.sources, *(figure.source for figure in transfer.reported)]


def _actor_name(dataset: Dataset, actor_id: str) -> str:
    actor = dataset.actors.get(actor_id)
    return actor.name if actor is not None else actor_id


def _transfer_facts(dataset: Dataset, transfer: Transfer) -> list[tuple[str, str]]:
    system = dataset.systems.get(transfer.system)
    facts = [
        ("Supplier", _actor_name(dataset, transfer.supplier)),
        ("Recipient", _actor_name(dataset, transfer.recipient)),
        ("System", system.name if system else transfer.system),
        ("Category", system.category.label if system else ""),
        ("Kind", transfer.kind.value.replace("_", " ")),
        ("Status", transfer.status.value.replace("_", " ")),
        ("Ordered", str(transfer.quantity_ordered or "")),
        ("Delivered", str(transfer.quantity_delivered or "")),
        *((name.replace("_", " ").capitalize(), str(date)) for name, date in transfer.dates().items()),
        ("Deliveries by year", ", ".join(f"{year}: {count}" for year, count in sorted(transfer.deliveries.items()))),
        ("Condition", transfer.condition.value.replace("_", " ") if transfer.condition else ""),
        ("Value", str(transfer.value or "")),
        ("Financed by", ", ".join(_actor_name(dataset, a) for a in transfer.financed_by)),
        ("Re-export consent from", ", ".join(_actor_name(dataset, a) for a in transfer.consent_from)),
        ("Part of", transfer.part_of or ""),
        ("Confidence", transfer.confidence.value),
        *(
            (
                f"Reported ({figure.measure.value}) by {figure.source}",
                f"{figure.quantity}" + (f": {figure.note}" if figure.note else ""),
            )
            for figure in transfer.reported
        ),
        ("Notes", transfer.notes or ""),
    ]
    return [(name, value) for name, value in facts if value]


def element_details(dataset: Dataset, transfers: Sequence[Transfer], element_id: str) -> Details | None:
    """Details of a clicked node (an actor), edge (a transfer) or aggregated edge (a pair), else None.

    Only ``transfers`` (the view's) are listed for an actor or a pair.

    >>> from graph import load_dataset
    >>> from pathlib import Path  # the app test fixture, next to the package
    >>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
    >>> details = element_details(dataset, list(dataset.transfers.values()), "pol-ukr-t72-2022")
    >>> details.title, [s.url for s in details.sources]
    ('Poland → Ukraine: T-72M1', ['https://defence-blog.com/poland-confirms-that-ukraine-receives-hundreds-t-72-tanks/'])
    """
    if element_id in dataset.transfers:
        transfer = dataset.transfers[element_id]
        title = (
            f"{_actor_name(dataset, transfer.supplier)} → {_actor_name(dataset, transfer.recipient)}: "
            f"{_system_name(dataset, transfer)}"
        )
        return Details("transfer", title, _transfer_facts(dataset, transfer), [transfer.id],
                       _source_links(dataset, _transfer_sources(transfer)))
    if PAIR_SEPARATOR in element_id:
        source, _, target = element_id.partition(PAIR_SEPARATOR)
        legs = [
            t for t in transfers
            if _node_for(dataset, t.supplier, True) == source and _node_for(dataset, t.recipient, True) == target
        ]
        if not legs:
            return None
        title = f"{_actor_name(dataset, source)} → {_actor_name(dataset, target)}"
        facts = [("Transfers", str(len(legs)))]
        sources = [s for leg in legs for s in _transfer_sources(leg)]
        return Details("pair", title, facts, [t.id for t in legs], _source_links(dataset, sources))
    actor = dataset.actors.get(element_id)
    if actor is None:
        return None
    legs = [
        t for t in transfers
        if element_id in (t.supplier, t.recipient) or element_id in (
            _node_for(dataset, t.supplier, True), _node_for(dataset, t.recipient, True))
    ]
    facts = [
        ("Kind", actor.kind.value.replace("_", " ")),
        ("Country", _actor_name(dataset, actor.country) if actor.country else ""),
        ("Also known as", "; ".join(actor.aliases)),
        ("Wikidata", actor.wikidata or ""),
        ("Supplied (in view)", str(sum(1 for t in legs if element_id == t.supplier))),
        ("Received (in view)", str(sum(1 for t in legs if element_id == t.recipient))),
        ("Notes", actor.notes or ""),
    ]
    sources = [s for leg in legs for s in _transfer_sources(leg)]
    return Details("actor", actor.name, [(k, v) for k, v in facts if v], [t.id for t in legs],
                   _source_links(dataset, sources))

