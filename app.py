"""armsgraph explorer: ``streamlit run app.py`` (``-- --data DIR`` or ``$ARMSGRAPH_DATA`` for other data).

This file only builds the navigation; each page in ``app_pages/`` lays out widgets and
calls :mod:`graph`, where all the logic lives.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"

# A local favicon and no page icons: Streamlit fetches a material icon used as favicon from Google Fonts.
st.set_page_config(page_title="armsgraph explorer", page_icon=str(FAVICON), layout="wide")

PAGES = [
    st.Page("app_pages/graph.py", title="Graph", url_path="graph", default=True),
    st.Page("app_pages/chains.py", title="Backfill chains", url_path="chains"),
    st.Page("app_pages/paths.py", title="Paths", url_path="paths"),
    st.Page("app_pages/timeline.py", title="Timeline", url_path="timeline"),
    st.Page("app_pages/map.py", title="Map", url_path="map"),
    st.Page("app_pages/data.py", title="Sources and data", url_path="data"),
    st.Page("app_pages/sparql.py", title="SPARQL", url_path="sparql"),
    st.Page("app_pages/export.py", title="Export", url_path="export"),
]

st.navigation(PAGES).run()
