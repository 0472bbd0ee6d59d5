"""Timeline page: a chain's legs on one timeline (the backfill gap at a glance), and deliveries per year."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import chain_label, chains_for, dataset, filter_sidebar, set_url, url_params
from graph.views.chain_view import leg_records
from graph.views.filters import filter_transfers
from graph.views.state import filter_to_params
from graph.views.timeline import deliveries_by_year, deliveries_figure, legs_figure

data = dataset()
params = url_params()
view = filter_sidebar(data)

st.title("Timeline")
st.subheader("A chain's legs")
st.caption("Announced, signed, first and last delivery, and each year's deliveries (drawn at the year's end), "
           "one row per leg: the gap between kit going out and kit coming in shows at a glance.")
chains = chains_for(data, 200)
chain_id = None
if chains:
    by_id = {c.id: c for c in chains}
    if "t_chain" not in st.session_state:
        st.session_state["t_chain"] = params.get("chain") if params.get("chain") in by_id else chains[0].id
    chain_id = st.selectbox("Chain", list(by_id), key="t_chain", format_func=lambda i: chain_label(data, by_id[i]))
    chain = by_id[chain_id]
    st.plotly_chart(legs_figure(data, leg_records(data, chain.legs)), key="timeline_legs")
else:
    st.info("The data has no backfill chain.")

st.subheader("Units delivered per year")
transfers = filter_transfers(data, view)
rows = deliveries_by_year(data, transfers)
if rows:
    st.plotly_chart(deliveries_figure(rows), key="timeline_deliveries")
    st.caption(f"From the yearly deliveries recorded for {len(transfers)} transfer(s) in the filtered view.")
else:
    st.info("No yearly deliveries are recorded for the transfers in this view.")

set_url({**filter_to_params(view), **({"chain": chain_id} if chain_id else {})})
