"""The Timeline page: a chain's legs on one time axis, and units delivered per year.

Each leg is a row: a bar from its first to its last known date, and a marker for each
milestone (announced, signed, first and last delivery, and each year's deliveries, drawn
at the end of that year), so the gap
between "old kit out" and "new kit in" shows at a glance.

>>> from graph import load_dataset
>>> from pathlib import Path  # the app test fixture, next to the package
>>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
>>> legs = [dataset.transfers["pol-ukr-t72-2022"], dataset.transfers["kor-pol-k2-exec1-2022"]]
>>> [(m.milestone, m.day.isoformat()) for m in leg_milestones(dataset, legs) if m.transfer.startswith("kor")][:3]
[('signed', '2022-08-26'), ('first delivery', '2022-12-01'), ('delivered in year', '2022-12-31')]
>>> deliveries_by_year(dataset, legs)[0]
{'year': 2022, 'category': 'main battle tank', 'units': 250}
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from ..dataset import Dataset
from ..model import Deployment, Transfer
from .elements import colour_of

__all__ = [
    "MILESTONE_SYMBOLS",
    "Milestone",
    "deliveries_by_year",
    "deliveries_figure",
    "leg_label",
    "leg_milestones",
    "legs_figure",
]

MILESTONE_SYMBOLS = {
    "announced": "diamond-open",
    "signed": "square",
    "first delivery": "triangle-right",
    "last delivery": "triangle-left",
    "start": "triangle-right",
    "end": "triangle-left",
    "delivered in year": "circle",
}
"""Milestone -> plotly marker symbol."""


@dataclass(frozen=True)
class Milestone:
    """One dated event of one leg: ``day`` is the earliest day its date can mean."""

    leg: str
    transfer: str
    milestone: str
    day: dt.date
    text: str


def leg_label(dataset: Dataset, transfer: Transfer | Deployment) -> str:
    """``Supplier → Recipient: System`` (for a deployment: ``Provider → Host: System (deployed)``)."""

    def name(actor_id: str) -> str:
        actor = dataset.actors.get(actor_id)
        return actor.name if actor is not None else actor_id

    if isinstance(transfer, Deployment):
        system = dataset.systems.get(transfer.system or "")
        what = system.name if system else (transfer.system or "forces")
        return f"{name(transfer.provider)} → {name(transfer.host)}: {what} (deployed)"
    system = dataset.systems.get(transfer.system)
    return f"{name(transfer.supplier)} → {name(transfer.recipient)}: {system.name if system else transfer.system}"


def _row_labels(dataset: Dataset, legs: Sequence[Transfer | Deployment]) -> list[str]:
    """One label per leg; legs that would share a label (two BMP-1 deliveries) get their id added."""
    labels = [leg_label(dataset, leg) for leg in legs]
    return [
        f"{label} [{leg.id}]" if labels.count(label) > 1 else label
        for label, leg in zip(labels, legs, strict=True)
    ]


def leg_milestones(dataset: Dataset, legs: Sequence[Transfer | Deployment]) -> list[Milestone]:
    """Every dated milestone of the legs, leg by leg in the order given, then by day.

    ``leg`` is the leg's row label: unique, even for two legs of the same system between the same actors.
    """
    found = []
    for transfer, label in zip(legs, _row_labels(dataset, legs), strict=True):
        events = [
            Milestone(label, transfer.id, name.replace("_", " "), date.earliest(), f"{name.replace('_', ' ')}: {date}")
            for name, date in transfer.dates().items()
        ]
        events += [
            Milestone(label, transfer.id, "delivered in year", dt.date(year, 12, 31), f"{count:,} delivered in {year}")
            for year, count in sorted(getattr(transfer, "deliveries", {}).items())
        ]
        found += sorted(events, key=lambda m: (m.day, m.milestone))
    return found


def legs_figure(dataset: Dataset, legs: Sequence[Transfer | Deployment], title: str = "") -> go.Figure:
    """One row per leg (first leg at the top): a bar over its known span and its milestones."""
    milestones = leg_milestones(dataset, legs)
    figure = go.Figure()
    labels = _row_labels(dataset, legs)
    for leg, label in zip(legs, labels, strict=True):
        days = [m.day for m in milestones if m.transfer == leg.id]
        ends = [date.latest() for date in leg.dates().values()]
        ends += [dt.date(y, 12, 31) for y in getattr(leg, "deliveries", {})]
        if not days:
            continue
        colour = "#778AAE" if isinstance(leg, Deployment) else colour_of(dataset, leg, "category")[1]
        figure.add_trace(
            go.Scatter(
                # A year's deliveries may have come any time that year: the bar starts on its first day.
                x=[min([*days, *(dt.date(y, 1, 1) for y in getattr(leg, "deliveries", {}))]), max([*days, *ends])],
                y=[html.escape(label)] * 2,
                mode="lines",
                line={"width": 10, "color": colour},
                opacity=0.35,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for milestone_name, symbol in MILESTONE_SYMBOLS.items():
        chosen = [m for m in milestones if m.milestone == milestone_name]
        if chosen:
            figure.add_trace(
                go.Scatter(
                    x=[m.day for m in chosen],
                    y=[html.escape(m.leg) for m in chosen],
                    mode="markers",
                    marker={"symbol": symbol, "size": 12, "line": {"width": 1.5}},
                    name=milestone_name,
                    text=[html.escape(m.text) for m in chosen],
                    hovertemplate="%{y}<br>%{text}<extra></extra>",
                )
            )
    figure.update_yaxes(categoryorder="array", categoryarray=[html.escape(label) for label in reversed(labels)])
    figure.update_layout(
        title=html.escape(title) if title else None,
        height=160 + 60 * len(legs),
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        xaxis_title=None,
    )
    return figure


def deliveries_by_year(dataset: Dataset, transfers: Sequence[Transfer]) -> list[dict[str, object]]:
    """Units delivered per year and category, from the legs' yearly deliveries (others have none)."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for transfer in transfers:
        system = dataset.systems.get(transfer.system)
        category = system.category.label if system else "unknown"
        for year, count in transfer.deliveries.items():
            totals[(year, category)] += count
    return [{"year": year, "category": category, "units": units} for (year, category), units in sorted(totals.items())]


def deliveries_figure(rows: Sequence[dict[str, object]]) -> go.Figure:
    """A stacked bar chart of :func:`deliveries_by_year` rows."""
    figure = go.Figure()
    for category in sorted({str(row["category"]) for row in rows}):
        chosen = [row for row in rows if row["category"] == category]
        figure.add_trace(
            go.Bar(x=[row["year"] for row in chosen], y=[row["units"] for row in chosen], name=html.escape(category))
        )
    figure.update_layout(barmode="stack", height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         xaxis={"dtick": 1}, yaxis_title="units delivered")
    return figure
