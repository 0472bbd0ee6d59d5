"""Export page: the whole graph or the current view in every export format, and the view's SPARQL query."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import dataset, filter_sidebar, set_url
from graph.export import FORMATS, export_bytes
from graph.views.filters import filter_transfers, view_dataset
from graph.views.query import view_query
from graph.views.safety import markdown_text
from graph.views.state import filter_to_params

data = dataset()
view = filter_sidebar(data)
transfers = filter_transfers(data, view)

st.title("Export")
scope = st.radio("What to export", ["the whole dataset", "the current view"], key="e_scope", horizontal=True,
                 help="The current view: the filtered transfers with their actors, systems, sources and the "
                      "backfill claims whose legs are all in view.")
chosen = data if scope == "the whole dataset" or view.is_empty() else view_dataset(data, transfers)
counts = chosen.counts()
st.caption(", ".join(f"{n} {section}" for section, n in counts.items()))
stem = "armsgraph" if chosen is data else "armsgraph-view"

for fmt in FORMATS.values():
    left, right = st.columns([1, 3])
    # The bytes are made only when the button is clicked (a deferred callable).
    left.download_button(
        f"{fmt.name} (.{fmt.extension})",
        data=lambda fmt=fmt: export_bytes(chosen, fmt),
        file_name=f"{stem}.{fmt.extension}",
        mime=fmt.media_type,
        key=f"e_{fmt.name}",
        on_click="ignore",
    )
    right.caption(markdown_text(fmt.description))

st.subheader("The SPARQL query behind this view")
st.caption(f"Selects the {len(transfers)} transfer(s) of the current filters from the exported graph.")
query = view_query(view)
st.code(query, language="sparql")
st.download_button("Download the query (.rq)", query, "armsgraph-view.rq", "application/sparql-query", key="e_query")
set_url(filter_to_params(view))
