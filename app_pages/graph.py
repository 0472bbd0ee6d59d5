"""Graph page: actors and transfers as an interactive network; click a node or an edge for details."""

from __future__ import annotations

import streamlit as st
from st_link_analysis import Event, st_link_analysis

from app_pages.shared import (
    CytoscapeStyle,
    dataset,
    filter_sidebar,
    graph_view_for,
    set_url,
    show_details,
    show_legend,
    url_params,
)
from graph.views.elements import (
    COLOUR_SCHEMES,
    UNFOLDED_LIMIT,
    element_details,
    hidden_pairs_note,
    strongest_pairs,
)
from graph.views.filters import filter_transfers
from graph.views.safety import markdown_text
from graph.views.state import filter_to_params

COMPONENT_KEY = "graph_component"
# How many country pairs the folded view draws: the browser takes seconds to draw the 3,000 of a SIPRI import.
PAIR_LIMITS = ["100", "250", "500", "1000", "2000", "all"]
DEFAULT_PAIR_LIMIT = "500"
EVENTS = [Event("clicked_node", "click tap", "node"), Event("clicked_edge", "click tap", "edge")]

data = dataset()
view = filter_sidebar(data)
params = url_params()

st.title("Who arms whom")
with st.sidebar:
    st.header("Drawing")
    colour_by = st.selectbox("Colour edges by", list(COLOUR_SCHEMES), key="g_colour", format_func=str.capitalize)
    width_by_quantity = st.toggle("Edge width by quantity", value=True, key="g_width")
    aggregate_mode = st.radio(
        "One edge per country pair", ["automatic", "always", "never"], key="g_aggregate", horizontal=True,
        help="Automatic folds the edges when more than 300 transfers are shown.",
    )

transfers = filter_transfers(data, view)
aggregate = {"automatic": None, "always": True, "never": False}[aggregate_mode]
if aggregate is False and len(transfers) > UNFOLDED_LIMIT:
    st.warning(
        f"{len(transfers):,} transfers are too many to draw one edge each (a browser stops responding past "
        f"about {UNFOLDED_LIMIT:,}), so they are folded into country pairs. Narrow the filters to "
        f"{UNFOLDED_LIMIT:,} transfers or fewer to draw each one."
    )
    aggregate = True
whole = graph_view_for(data, view, colour_by, width_by_quantity, aggregate)
pair_limit = None
extra_params: dict[str, str] = {}
if whole.aggregated:
    with st.sidebar:
        if "g_pairs" not in st.session_state:  # a shared link may ask for more (or fewer) pairs
            st.session_state["g_pairs"] = params["pairs"] if params.get("pairs") in PAIR_LIMITS else DEFAULT_PAIR_LIMIT
        chosen = st.select_slider(
            "Country pairs drawn", PAIR_LIMITS, key="g_pairs",
            help="The pairs with the most transfers are drawn; every actor is, and its details list "
                 "all its transfers. Drawing thousands of pairs takes the browser several seconds.",
        )
        pair_limit = None if chosen == "all" else int(chosen)
        if chosen != DEFAULT_PAIR_LIMIT:
            extra_params["pairs"] = chosen
drawn = strongest_pairs(whole, pair_limit)

summary = f"{len(transfers)} of {len(data.transfers)} transfers, {len(drawn.elements['nodes'])} actors"
if drawn.aggregated:
    pairs = len(drawn.elements["edges"]) + drawn.hidden_pairs
    summary += f", folded into {pairs} country pairs (edge width: number of transfers)"
st.caption(summary + ". Click an actor or a transfer for its details and sources.")
if (note := hidden_pairs_note(drawn)) is not None:
    st.caption(note + " Raise “Country pairs drawn” in the sidebar to draw them; an actor's details list "
               "all its transfers in this view, drawn or not.")

graph_column, details_column = st.columns([3, 2])
with graph_column:
    if transfers:
        st_link_analysis(
            drawn.elements,
            layout={"name": "preset", "fit": True, "padding": 30, "animate": False},
            node_styles=[CytoscapeStyle(rule) for rule in drawn.styles],
            height=620,
            key=COMPONENT_KEY,
            events=EVENTS,
        )
    else:
        st.info("No transfer matches these filters.")
    show_legend(drawn.legend, f"Edge colour: {colour_by}")

event = st.session_state.get(COMPONENT_KEY)
selected = params.get("sel")
if isinstance(event, dict) and isinstance(event.get("data"), dict):
    selected = str(event["data"].get("target_id") or "") or selected

with details_column:
    details = element_details(data, transfers, selected) if selected else None
    if details is not None:
        show_details(details)
    elif selected:
        st.info(f"{markdown_text(selected)} is not in this view.")
    else:
        st.info("Click an actor or a transfer in the graph to see its details and every source.")

set_url({**filter_to_params(view), **extra_params, **({"sel": selected} if details is not None and selected else {})})
