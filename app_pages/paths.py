"""Paths page: the shortest time-respecting routes by which kit moved between two actors."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import dataset, set_url, show_legs, url_params
from graph.chains import DEFAULT_WINDOW_DAYS
from graph.errors import ArmsgraphError
from graph.model import Category, Confidence, TransferKind
from graph.paths import DEFAULT_MAX_HOPS, find_paths
from graph.views.safety import markdown_text
from graph.views.state import id_from_params

data = dataset()
params = url_params()
actor_ids = sorted(data.actors, key=lambda a: data.actors[a].name)


def actor_name(actor_id: str) -> str:
    return data.actors[actor_id].name if actor_id in data.actors else actor_id


st.title("Paths")
st.caption("Routes from one actor to another, fewest hops first, where each leg comes no earlier than the one "
           "before it (and, with a window, soon enough after it).")
for key in ("source", "target"):
    if key not in st.session_state:
        st.session_state[key] = id_from_params(params, key, actor_ids)
left, right = st.columns(2)
source = left.selectbox("From", actor_ids, key="source", index=None, placeholder="pick an actor",
                        format_func=lambda a: f"{actor_name(a)} ({a})")
target = right.selectbox("To", actor_ids, key="target", index=None, placeholder="pick an actor",
                         format_func=lambda a: f"{actor_name(a)} ({a})")
with st.expander("Constraints", expanded=False):
    one, two, three = st.columns(3)
    k = one.number_input("How many paths", 1, 50, 5, key="p_k")
    max_hops = two.number_input("Most hops", 1, 8, DEFAULT_MAX_HOPS, key="p_hops")
    window = three.number_input("Window between legs (days; 0 = no limit)", 0, 3650, DEFAULT_WINDOW_DAYS, step=30,
                                key="p_window")
    category = one.selectbox("Category of every leg", [c.value for c in Category], index=None, placeholder="any",
                             key="p_cat", format_func=lambda c: Category(c).label)
    kinds = two.multiselect("Transfer kinds", [k.value for k in TransferKind], key="p_kinds", placeholder="any")
    confidence = three.select_slider("Minimum confidence", [c.value for c in Confidence], key="p_conf")

if not source or not target:
    st.info("Pick two actors.")
    set_url({})
    st.stop()
if source == target:
    st.warning("Pick two different actors.")
    st.stop()

try:
    with st.spinner("Searching paths..."):
        paths = find_paths(
            data, source, target, k=int(k), max_hops=int(max_hops), window_days=int(window) or None,
            category=category, kinds=kinds or None, min_confidence=confidence,
        )
except ArmsgraphError as exc:
    st.error(markdown_text(str(exc)))
    st.stop()

set_url({"source": source, "target": target})
if not paths:
    st.info(f"No time-respecting path from {markdown_text(actor_name(source))} to "
            f"{markdown_text(actor_name(target))} within these constraints.")
    st.stop()

st.dataframe(
    [
        {"#": n, "route": " → ".join(actor_name(a) for a in p.actors), "hops": p.hops,
         "first": p.legs[0].date, "last": p.legs[-1].date, "span (days)": p.span_days}
        for n, p in enumerate(paths, start=1)
    ],
    hide_index=True,
)
chosen = st.radio("Show path", list(range(1, len(paths) + 1)), horizontal=True, key="p_show")
number = int(chosen or 1)
path = paths[number - 1]
route = " → ".join(actor_name(a) for a in path.actors)
st.markdown(f"**Path {number}: {markdown_text(route)}** — {path.hops} hop(s) over {path.span_days} days")
show_legs(data, path.legs, key="path_component")
with st.expander("SPARQL query for this path"):
    st.code(path.sparql, language="sparql")
