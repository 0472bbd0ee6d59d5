"""Backfill chains page: curated and inferred chains with their explanation, legs, gaps, sources and score."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import chain_label, chains_for, dataset, set_url, show_legs, show_sources, url_params
from graph.chains import CHAIN_RULES, DEFAULT_WINDOW_DAYS
from graph.errors import ArmsgraphError
from graph.model import Category
from graph.views.chain_view import leg_records
from graph.views.safety import markdown_text
from graph.views.state import id_from_params
from graph.views.timeline import legs_figure

data = dataset()
params = url_params()
actor_ids = sorted(data.actors, key=lambda a: data.actors[a].name)


def actor_picker(label: str, key: str) -> str | None:
    if key not in st.session_state:
        st.session_state[key] = id_from_params(params, key, actor_ids)
    return st.sidebar.selectbox(
        label, actor_ids, key=key, index=None, placeholder="any",
        format_func=lambda a: f"{data.actors[a].name} ({a})",
    )


st.title("Backfill chains")
st.sidebar.header("Chains")
origin = actor_picker("From (origin)", "from")
via = actor_picker("Via (intermediary)", "via")
destination = actor_picker("To (destination)", "to")
if "cat" not in st.session_state:
    st.session_state["cat"] = params.get("cat") if params.get("cat") in {c.value for c in Category} else None
category = st.sidebar.selectbox("Category", [c.value for c in Category], key="cat", index=None, placeholder="any",
                                format_func=lambda c: Category(c).label)
which = st.sidebar.radio("Which", ["all", "curated only", "inferred only"], key="which", horizontal=True)
rules = st.sidebar.multiselect("Inference rules", list(CHAIN_RULES), key="rules", placeholder="all",
                               format_func=lambda code: f"{code}: {CHAIN_RULES[code].name}")
since = st.sidebar.text_input("Some leg dated on or after", key="since", placeholder="YYYY, YYYY-MM or YYYY-MM-DD")
until = st.sidebar.text_input("Some leg dated on or before", key="until", placeholder="YYYY, YYYY-MM or YYYY-MM-DD")
window = st.sidebar.number_input("Window (days between legs)", 0, 3650, DEFAULT_WINDOW_DAYS, step=30, key="window")
limit = st.sidebar.number_input("Show at most", 1, 1000, 100, step=10, key="limit")

filters = {
    "from_": origin, "via": via, "to": destination, "category": category,
    "curated_only": which == "curated only", "inferred_only": which == "inferred only",
    "rules": rules or None, "window_days": int(window), "since": since.strip() or None, "until": until.strip() or None,
}
try:
    chains = chains_for(data, int(limit), **filters)
except ArmsgraphError as exc:  # a mistyped date, say: one line, as the CLI would say it
    st.error(markdown_text(str(exc)))
    st.stop()
st.caption(f"{len(chains)} chain(s), best first. Curated chains come from sourced backfill claims; "
           "inferred ones from the rules, and always score lower.")
if not chains:
    st.info("No chain matches these filters.")
    set_url({k: v for k, v in {"from": origin, "via": via, "to": destination, "cat": category}.items() if v})
    st.stop()

st.dataframe(
    [
        {
            "chain": c.id, "kind": c.kind, "score": round(c.score, 2), "status": c.status,
            "from": ", ".join(sorted(c.origins)), "via": ", ".join(sorted(c.intermediaries)),
            "to": ", ".join(sorted(c.destinations)), "gap (days)": c.gap_days, "legs": len(c.legs),
            "explanation": c.explanation,
        }
        for c in chains
    ],
    hide_index=True,
    height=min(38 + 35 * len(chains), 300),
)

by_id = {c.id: c for c in chains}
if "chain" not in st.session_state:
    st.session_state["chain"] = params.get("chain") if params.get("chain") in by_id else chains[0].id
elif st.session_state["chain"] not in by_id:
    st.session_state["chain"] = chains[0].id
chosen = st.selectbox("Chain", list(by_id), key="chain", format_func=lambda i: chain_label(data, by_id[i]))
chain = by_id[chosen]

st.subheader(markdown_text(chain_label(data, chain)))
st.markdown(markdown_text(chain.explanation))
facts = [("Kind", chain.kind), ("Rule", chain.rule or "curated claim"), ("Backfill kind", chain.backfill_kind),
         ("Status", chain.status), ("Score", f"{chain.score:.2f}"), ("Confidence", chain.confidence),
         ("Gaps (days, replacement after the leg it replaced)",
          ", ".join("?" if g is None else str(g) for g in chain.gaps)),
         ("Flags", ", ".join(chain.flags))]
st.markdown("  \n".join(f"**{markdown_text(k)}:** {markdown_text(v)}" for k, v in facts if v))

show_legs(data, chain.legs, key="chain_component")

st.plotly_chart(legs_figure(data, leg_records(data, chain.legs)), key="chain_timeline")
st.markdown(f"**Sources ({len(chain.sources)})**")
show_sources(data, chain.sources)
with st.expander("SPARQL query for this chain's legs"):
    st.code(chain.sparql, language="sparql")

state = {"from": origin, "via": via, "to": destination, "cat": category, "chain": chain.id}
set_url({k: v for k, v in state.items() if v})
