"""Sources and data page: searchable tables of transfers, actors, systems and sources."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import dataset, set_url, url_params
from graph.views.tables import TABLES, search_rows

data = dataset()
params = url_params()

st.title("Sources and data")
names = list(TABLES)
if "d_table" not in st.session_state:
    st.session_state["d_table"] = params.get("table") if params.get("table") in names else "transfers"
if "d_search" not in st.session_state:
    st.session_state["d_search"] = params.get("q", "")
table = st.segmented_control("Table", names, key="d_table", format_func=str.capitalize) or "transfers"
text = st.text_input("Search", key="d_search", placeholder="words that must all appear, e.g. poland k2")

rows = search_rows(TABLES[table](data), text)
st.caption(f"{len(rows)} of {len(TABLES[table](data))} {table}")
column_config = {"url": st.column_config.LinkColumn("url")} if table == "sources" else None
# st.dataframe draws every cell as text: titles or notes holding HTML stay inert.
st.dataframe(rows, hide_index=True, column_config=column_config, key="data_table",
             height=min(38 + 35 * len(rows), 700))
set_url({"table": table, **({"q": text} if text else {})})
