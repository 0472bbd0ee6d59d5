"""Streamlit glue the pages share: the cached dataset, the filter sidebar, URL state, safe rendering.

Only widgets and calls into ``graph`` live here; the logic is in :mod:`graph.views`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st
from st_link_analysis import st_link_analysis

from graph import ArmsgraphError, DataError, Dataset, load_dataset
from graph.model import Category, Confidence, TransferKind, TransferStatus
from graph.sparql import prefetch_store
from graph.views.chain_view import leg_rows, legs_elements
from graph.views.elements import Details, LegendEntry, graph_styles
from graph.views.filters import FilterOptions, TransferFilter, filter_options
from graph.views.safety import markdown_link, markdown_text
from graph.views.state import FILTER_KEYS, filter_from_params, filter_to_params

__all__ = [
    "CytoscapeStyle",
    "chain_label",
    "chains_for",
    "data_dirs",
    "dataset",
    "filter_sidebar",
    "graph_view_for",
    "set_url",
    "show_details",
    "show_legend",
    "show_legs",
    "show_sources",
    "url_params",
]

_LAST_FILTER = "_armsgraph_filter_params"  # survives page switches (widget state does not)


def data_dirs(argv: Sequence[str] | None = None) -> tuple[str, ...]:
    """Data directories: ``streamlit run app.py -- --data DIR`` (repeatable), else ``$ARMSGRAPH_DATA``,
    else the bundled seeds (resolved by :func:`graph.load_dataset`)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", action="append", default=[])
    known, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if known.data:
        return tuple(known.data)
    env = os.environ.get("ARMSGRAPH_DATA")
    return tuple(d for d in env.split(os.pathsep) if d) if env else ()


@st.cache_resource(show_spinner="Loading the data...")
def _load(dirs: tuple[str, ...]) -> Dataset:
    # Shared by every session: treat as read-only.
    data = load_dataset(list(dirs) or None)
    prefetch_store(data)  # the SPARQL page finds the store loaded (or loading) when first opened
    return data


def dataset() -> Dataset:
    """The dataset, loaded once per data directories; stops the page with a clear message on bad data."""
    try:
        return _load(data_dirs())
    except DataError as exc:
        st.error(f"The data has {len(exc.problems)} problem(s); nothing was loaded. Fix them and reload.")
        st.code("\n".join(str(p) for p in exc.problems[:50]), language=None)
        st.stop()
    except ArmsgraphError as exc:
        st.error(markdown_text(str(exc)))
        st.stop()
    raise AssertionError("unreachable")


@st.cache_resource(show_spinner=False)
def _options(_data: Dataset, fingerprint: str) -> FilterOptions:
    return filter_options(_data)


def url_params() -> dict[str, str]:
    """The page's query parameters as a plain dict."""
    return {key: st.query_params[key] for key in st.query_params}


def set_url(params: Mapping[str, str]) -> None:
    """Make the URL hold exactly ``params`` (only when it differs, to avoid needless reruns)."""
    wanted = {k: v for k, v in params.items() if v not in (None, "")}
    if url_params() != wanted:
        st.query_params.from_dict(wanted)


def filter_sidebar(data: Dataset, *, key: str = "f") -> TransferFilter:
    """The filter widgets in the sidebar, started from the URL (or the last filter used)."""
    options = _options(data, data.fingerprint)
    params = url_params()
    source = params if any(k in params for k in FILTER_KEYS) else st.session_state.get(_LAST_FILTER, {})
    decoded = filter_from_params(source, options.countries)
    start = decoded.view
    if decoded.ignored and not st.session_state.get(f"{key}_warned"):
        st.session_state[f"{key}_warned"] = True
        st.sidebar.warning("Ignored in the link: " + markdown_text(", ".join(decoded.ignored)))
    sidebar = st.sidebar
    sidebar.header("Filters")
    view_years: tuple[int | None, int | None] = (None, None)
    if options.year_min is not None and options.year_max is not None and options.year_min < options.year_max:
        if f"{key}_years" not in st.session_state:
            low = max(start.year_from or options.year_min, options.year_min)
            high = min(start.year_to or options.year_max, options.year_max)
            st.session_state[f"{key}_years"] = (min(low, high), max(low, high))
        chosen = sidebar.slider("Years active", options.year_min, options.year_max, key=f"{key}_years", step=1)
        low, high = int(chosen[0]), int(chosen[1])
        view_years = (low if low > options.year_min else None, high if high < options.year_max else None)

    def multiselect(label: str, name: str, values: Sequence[Any], chosen: Any, fmt: Any) -> list[Any]:
        widget_key = f"{key}_{name}"
        if widget_key not in st.session_state:
            st.session_state[widget_key] = [v for v in values if v in chosen]
        return sidebar.multiselect(label, list(values), key=widget_key, format_func=fmt, placeholder="any")

    categories = multiselect("Categories", "cat", options.categories, start.categories, lambda c: c.label)
    kinds = multiselect("Transfer kinds", "kind", options.kinds, start.kinds, lambda k: k.value.replace("_", " "))
    statuses = multiselect("Statuses", "status", options.statuses, start.statuses, lambda s: s.value.replace("_", " "))
    countries = multiselect(
        "Countries (either end)", "country", options.countries, start.countries,
        lambda a: data.actors[a].name if a in data.actors else a,
    )
    if f"{key}_conf" not in st.session_state:
        st.session_state[f"{key}_conf"] = start.min_confidence
    confidence = sidebar.select_slider(
        "Minimum confidence", list(Confidence), key=f"{key}_conf", format_func=lambda c: c.value
    )
    view = TransferFilter(
        year_from=view_years[0],
        year_to=view_years[1],
        categories=frozenset(Category(c) for c in categories),
        kinds=frozenset(TransferKind(k) for k in kinds),
        statuses=frozenset(TransferStatus(s) for s in statuses),
        countries=frozenset(countries),
        min_confidence=Confidence(confidence),
    )
    st.session_state[_LAST_FILTER] = filter_to_params(view)
    return view


class CytoscapeStyle:
    """A Cytoscape style rule for st-link-analysis (it calls ``dump()`` on each style)."""

    def __init__(self, rule: dict[str, Any]) -> None:
        self.rule = rule

    def dump(self) -> dict[str, Any]:
        return self.rule


def show_legend(entries: Sequence[LegendEntry], title: str) -> None:
    """Coloured squares with their meaning and counts.

    The only HTML here is a span whose colour comes from our own palette; labels are
    schema values (categories, kinds), escaped all the same.
    """
    lines = [f"**{markdown_text(title)}**"]
    for entry in entries:
        square = f'<span style="color:{entry.colour}">&#9632;</span>'
        lines.append(f"{square} {markdown_text(entry.label)} ({entry.count})")
    st.markdown("  \n".join(lines), unsafe_allow_html=True)


def show_details(details: Details) -> None:
    """A clicked element's facts, transfers and every source as a link (all data text escaped)."""
    st.subheader(markdown_text(details.title))
    if details.facts:
        st.markdown("  \n".join(f"**{markdown_text(k)}:** {markdown_text(v)}" for k, v in details.facts))
    if details.kind != "transfer" and details.transfers:
        listed = markdown_text(", ".join(details.transfers[:12]))
        more = f" and {len(details.transfers) - 12} more" if len(details.transfers) > 12 else ""
        st.caption(f"{len(details.transfers)} transfer(s) in this view: {listed}{more}")
    st.markdown(f"**Sources ({len(details.sources)})**")
    for source in details.sources:
        when = f", {markdown_text(source.date)}" if source.date else ""
        line = f"- {markdown_link(source.title, source.url)} — {markdown_text(source.publisher)}{when}"
        if source.url is None:
            line += " *(no address)*"
        st.markdown(line)
        if source.notes:
            st.caption(markdown_text(source.notes))


@st.cache_resource(show_spinner="Finding backfill chains...", max_entries=32)
def _chains(_data: Dataset, fingerprint: str, limit: int, filters: tuple[tuple[str, Any], ...]) -> list[Any]:
    from graph.chains import find_chains

    return find_chains(_data, limit=limit, **dict(filters))


def chains_for(data: Dataset, limit: int = 200, **filters: Any) -> list[Any]:
    """The best ``limit`` backfill chains for these filters (cached per dataset and filters; read-only)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items() if v not in (None, "")))
    return _chains(data, data.fingerprint, limit, key)


def chain_label(data: Dataset, chain: Any) -> str:
    """A short line naming a chain for a picker: its path of actors and its score."""
    names = [leg.supplier for leg in chain.legs[:1]] + [leg.recipient for leg in chain.legs]
    path = " → ".join(dict.fromkeys(data.actors[a].name if a in data.actors else a for a in names))
    return f"{path} · {chain.kind} · score {chain.score:.2f} · {chain.id}"


def show_sources(data: Dataset, source_ids: Sequence[str]) -> None:
    """Every source as a link (only http(s) addresses are linked), with publisher and date."""
    for source_id in dict.fromkeys(source_ids):
        source = data.sources.get(source_id)
        if source is None:
            st.markdown(f"- {markdown_text(source_id)} *(unknown source)*")
            continue
        from graph.views.safety import safe_url

        when = f", {markdown_text(source.date)}" if source.date else ""
        line = f"- {markdown_link(source.title, safe_url(source.url))} — {markdown_text(source.publisher)}{when}"
        st.markdown(line + ("" if safe_url(source.url) else " *(no address)*"))


@st.cache_resource(show_spinner="Laying out the graph...", max_entries=16)
def _graph_view(_data: Dataset, fingerprint: str, view: TransferFilter, colour_by: str, width: bool,
                aggregate: bool | None) -> Any:
    from graph.views.elements import graph_view_of

    return graph_view_of(_data, view, colour_by=colour_by, width_by_quantity=width,  # type: ignore[arg-type]
                         aggregate=aggregate)


def graph_view_for(data: Dataset, view: TransferFilter, colour_by: str, width: bool, aggregate: bool | None) -> Any:
    """The graph of a view, laid out once per dataset and settings (a click reruns the page; the layout stays;
    a restart reads it back from the dataset cache)."""
    return _graph_view(data, data.fingerprint, view, colour_by, width, aggregate)


def show_legs(data: Dataset, legs: Sequence[Any], key: str) -> None:
    """The legs of a chain or path: drawn as a small graph beside their table."""
    drawing, table = st.columns([2, 3])
    with drawing:
        st_link_analysis(
            legs_elements(data, legs),
            layout={"name": "preset", "fit": True, "padding": 40, "animate": False},
            node_styles=[CytoscapeStyle(rule) for rule in graph_styles()],
            height=300,
            key=key,
        )
    with table:
        st.dataframe(leg_rows(data, legs), hide_index=True)
