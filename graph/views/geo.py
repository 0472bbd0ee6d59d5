"""The Map page: country centroids from the bundled world map, and arrows between countries.

The map is plotly ``Scattergeo`` over ``static/topojson/world_110m.json`` (or a region's file;
served by Streamlit, never fetched from a CDN). Centroids are read from the same file (``properties.ct``), so no
coordinate is typed in by hand or fetched at runtime. Companies sit at their state's centroid;
actors with neither (an organisation, a state too small for the 1:110m map) are listed as
not drawn.

>>> centroids = country_centroids()
>>> centroids["POL"]
(19.41, 52.13)
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from ..dataset import Dataset
from ..model import Transfer
from .elements import colour_of

__all__ = ["REGIONS", "TOPOJSON_DIR", "TOPOJSON_URL", "MapView", "country_centroids", "map_view"]

TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "static" / "topojson"
"""Where the world topojson is kept (served as ``/app/static/topojson/``)."""

TOPOJSON_URL = "/app/static/topojson/"
"""The ``topojsonURL`` plotly is given: Streamlit's static file route."""


REGIONS = ("world", "europe", "asia", "africa", "north america", "south america")
"""Plotly geo scopes the map offers; each has its file in ``static/topojson/`` (``europe_110m.json``)."""


@lru_cache(maxsize=4)
def country_centroids(path: Path | None = None) -> dict[str, tuple[float, float]]:
    """ISO 3166-1 alpha-3 id -> (longitude, latitude) of each country in the world topojson."""
    world = json.loads((path or TOPOJSON_DIR / "world_110m.json").read_text(encoding="utf-8"))
    found = {}
    for geometry in world["objects"]["countries"]["geometries"]:
        centre = (geometry.get("properties") or {}).get("ct")
        if geometry.get("id") and centre:
            found[str(geometry["id"])] = (float(centre[0]), float(centre[1]))
    return found


@dataclass(frozen=True)
class MapView:
    """The figure, how many country pairs it draws, and the actors it could not place."""

    figure: go.Figure
    pairs: int
    pairs_total: int
    not_drawn: list[str]


def _place(dataset: Dataset, actor_id: str, centroids: dict[str, tuple[float, float]]) -> str | None:
    if actor_id in centroids:
        return actor_id
    actor = dataset.actors.get(actor_id)
    if actor is not None and actor.country in centroids:
        return actor.country
    return None


def _name(dataset: Dataset, actor_id: str) -> str:
    actor = dataset.actors.get(actor_id)
    return actor.name if actor is not None else actor_id


def map_view(
    dataset: Dataset, transfers: Sequence[Transfer], *, max_pairs: int = 400, region: str = "world"
) -> MapView:
    """Arrows from supplier to recipient, one per country pair, coloured by the commonest category.

    Only the ``max_pairs`` pairs with most transfers are drawn, so a 30k-transfer import stays fast.

    >>> from graph import load_dataset
    >>> from pathlib import Path  # the app test fixture, next to the package
    >>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
    >>> view = map_view(dataset, list(dataset.transfers.values()))
    >>> view.pairs, view.not_drawn
    (2, [])
    """
    centroids = country_centroids()
    groups: dict[tuple[str, str], list[Transfer]] = defaultdict(list)
    missing: set[str] = set()
    for transfer in transfers:
        ends = [_place(dataset, actor_id, centroids) for actor_id in (transfer.supplier, transfer.recipient)]
        for actor_id, end in zip((transfer.supplier, transfer.recipient), ends, strict=True):
            if end is None:
                missing.add(actor_id)
        if ends[0] and ends[1] and ends[0] != ends[1]:
            groups[(ends[0], ends[1])].append(transfer)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:max_pairs]

    figure = go.Figure()
    traces: dict[tuple[str, int], dict[str, list]] = defaultdict(
        lambda: {"lon": [], "lat": [], "text": [], "symbol": []}
    )
    legend_names: dict[str, str] = {}
    for (source, target), legs in ranked:
        (value, colour), _ = Counter(colour_of(dataset, leg, "category") for leg in legs).most_common(1)[0]
        legend_names[colour] = value.replace("_", " ")
        width = 1 if len(legs) == 1 else 2 if len(legs) < 5 else 3 if len(legs) < 20 else 4
        systems = Counter(leg.system for leg in legs)
        listed = ", ".join(
            html.escape(dataset.systems[s].name if s in dataset.systems else s) for s, _ in systems.most_common(5)
        )
        label = (
            f"{html.escape(_name(dataset, source))} → {html.escape(_name(dataset, target))}: "
            f"{len(legs)} transfer{'s' if len(legs) != 1 else ''}<br>{listed}"
        )
        trace = traces[(colour, width)]
        for lon_lat, symbol in ((centroids[source], "circle"), (centroids[target], "arrow")):
            trace["lon"].append(lon_lat[0])
            trace["lat"].append(lon_lat[1])
            trace["text"].append(label)
            trace["symbol"].append(symbol)
        for key in ("lon", "lat", "text"):
            trace[key].append(None)
        trace["symbol"].append("circle")
    shown_in_legend: set[str] = set()
    for (colour, width), points in sorted(traces.items()):
        figure.add_trace(
            go.Scattergeo(
                lon=points["lon"],
                lat=points["lat"],
                text=points["text"],
                hoverinfo="text",
                mode="lines+markers",
                line={"width": width, "color": colour},
                marker={"symbol": points["symbol"], "angleref": "previous", "size": 4 + 3 * width, "color": colour},
                name=legend_names[colour],
                legendgroup=colour,
                showlegend=colour not in shown_in_legend,
            )
        )
        shown_in_legend.add(colour)
    countries = sorted({end for pair, _ in ranked for end in pair})
    if countries:
        figure.add_trace(
            go.Scattergeo(
                lon=[centroids[c][0] for c in countries],
                lat=[centroids[c][1] for c in countries],
                text=[html.escape(_name(dataset, c)) for c in countries],
                mode="text",
                textfont={"size": 10, "color": "#222222"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; choose one of {', '.join(REGIONS)}")
    figure.update_geos(
        scope=region,
        projection_type="natural earth" if region == "world" else "mercator",
        showcountries=True,
        countrycolor="#bbbbbb",
        showland=True,
        landcolor="#f4f1ea",
        showocean=True,
        oceancolor="#e3eef7",
        resolution=110,
    )
    figure.update_layout(height=560, margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend_title_text="category")
    return MapView(figure, len(ranked), len(groups), sorted(missing))
