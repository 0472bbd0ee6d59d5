"""Map page: arrows between countries, drawn offline over the bundled world map."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import dataset, filter_sidebar, set_url, url_params
from graph.views.filters import filter_transfers
from graph.views.geo import REGIONS, TOPOJSON_URL, map_view
from graph.views.safety import markdown_text
from graph.views.state import filter_to_params

data = dataset()
view = filter_sidebar(data)
if "m_region" not in st.session_state:
    st.session_state["m_region"] = url_params().get("region") if url_params().get("region") in REGIONS else "world"
transfers = filter_transfers(data, view)

st.title("Map")
region = st.segmented_control("Region", REGIONS, key="m_region", format_func=str.title) or "world"
with st.spinner("Drawing the map..."):
    drawn = map_view(data, transfers, region=region)
caption = f"{len(transfers)} transfer(s) between {drawn.pairs_total} country pair(s)"
if drawn.pairs < drawn.pairs_total:
    caption += f"; the {drawn.pairs} pairs with most transfers are drawn"
st.caption(caption + ". Arrows point from supplier to recipient; colour is the commonest category.")
# topojsonURL: plotly reads the world map from Streamlit's static files, never from its CDN.
st.plotly_chart(drawn.figure, config={"topojsonURL": TOPOJSON_URL, "displaylogo": False}, key="map")
if drawn.not_drawn:
    names = [data.actors[a].name if a in data.actors else a for a in drawn.not_drawn]
    st.caption("Not on the map (no country to place them): " + markdown_text(", ".join(names)))
set_url({**filter_to_params(view), **({"region": region} if region != "world" else {})})
