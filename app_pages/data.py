"""Sources and data page: searchable tables of transfers, actors, systems and sources."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages.shared import dataset, set_url, url_params
from graph import Dataset
from graph.views.tables import TABLES, row_text, text_matches


@st.cache_resource(show_spinner="Building the table...", max_entries=8)
def table(_data: Dataset, fingerprint: str, name: str) -> tuple[Any, list[str]]:
    """The table as a DataFrame and each row's search text, built once per dataset (read-only)."""
    rows = TABLES[name](_data)
    return pd.DataFrame(rows), [row_text(row) for row in rows]


data = dataset()
params = url_params()

st.title("Sources and data")
names = list(TABLES)
if "d_table" not in st.session_state:
    st.session_state["d_table"] = params.get("table") if params.get("table") in names else "transfers"
if "d_search" not in st.session_state:
    st.session_state["d_search"] = params.get("q", "")
chosen = st.segmented_control("Table", names, key="d_table", format_func=str.capitalize) or "transfers"
text = st.text_input("Search", key="d_search", placeholder="words that must all appear, e.g. poland k2")

frame, texts = table(data, data.fingerprint, chosen)
shown = frame[text_matches(texts, text)] if text.strip() else frame
st.caption(f"{len(shown)} of {len(frame)} {chosen}")
column_config = {"url": st.column_config.LinkColumn("url")} if chosen == "sources" else None
# st.dataframe draws every cell as text: titles or notes holding HTML stay inert.
st.dataframe(shown, hide_index=True, column_config=column_config, key="data_table",
             height=min(38 + 35 * len(shown), 700))
set_url({"table": chosen, **({"q": text} if text else {})})
