"""SPARQL page: read-only queries with a time and a row limit, named queries to start from."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import dataset, set_url, url_params
from graph.endpoint import Endpoint
from graph.errors import ArmsgraphError
from graph.sparql import DEFAULT_LIMIT, named_queries, run_query
from graph.views.safety import markdown_text

MAX_TIMEOUT = 60
MAX_ROWS = DEFAULT_LIMIT
OWN = "(write my own)"

data = dataset()
params = url_params()
queries = {q.name: q for q in named_queries()}

st.title("SPARQL")
st.caption("Read-only: updates are refused. The prefixes ag:, agid:, rdfs:, skos:, prov:, dct: ... need no "
           "declaration. A query stops after the time limit and returns at most the row limit.")


def load_named() -> None:
    chosen = queries.get(st.session_state["s_name"])
    if chosen is not None:
        st.session_state["s_text"] = chosen.text
    st.session_state.pop("s_result", None)


names = [OWN, *queries]
if "s_name" not in st.session_state:
    st.session_state["s_name"] = params.get("query") if params.get("query") in queries else (
        "transfers-by-actor" if "transfers-by-actor" in queries else names[-1])
    load_named()
name = st.selectbox("Start from a named query", names, key="s_name", on_change=load_named,
                    format_func=lambda n: n if n == OWN else f"{queries[n].title} ({n})")
named = queries.get(name)
if named is not None:
    st.markdown(markdown_text(named.description))
values: dict[str, str] = {}
if named is not None and named.parameters:
    columns = st.columns(len(named.parameters))
    for column, parameter in zip(columns, named.parameters, strict=True):
        key = f"s_param_{named.name}_{parameter.name}"
        if key not in st.session_state:
            st.session_state[key] = params.get(parameter.name, parameter.example)
        values[parameter.name] = column.text_input(
            f"?{parameter.name} ({parameter.type}{'' if parameter.required else ', optional'})", key=key,
            help=parameter.description,
        )
if "s_text" not in st.session_state:
    st.session_state["s_text"] = "SELECT ?transfer ?label WHERE {\n  ?transfer a ag:Transfer ; rdfs:label ?label\n}"
text = st.text_area("Query", key="s_text", height=260)
one, two, three = st.columns([1, 1, 2])
timeout = one.number_input("Time limit (s)", 1, MAX_TIMEOUT, 20, key="s_timeout")
limit = two.number_input("Row limit", 1, MAX_ROWS, 1000, step=100, key="s_limit")
with st.expander("Run against a remote SPARQL endpoint instead (read-only)"):
    remote = st.text_input(
        "Query endpoint URL", key="s_endpoint", placeholder="http://127.0.0.1:7878/query",
        help="A SPARQL 1.1 Protocol endpoint holding the graph (armsgraph push, then query it here). "
             "Leave empty to query the embedded store.",
    ).strip()
run = three.button("Run query", type="primary", key="s_run")

if run:
    try:
        bindings = named.bindings({k: v for k, v in values.items() if v.strip()}, data) if named is not None else {}
        target = Endpoint(remote) if remote else data
        with st.spinner("Running the query..."):
            st.session_state["s_result"] = run_query(target, text, bindings=bindings, timeout=float(timeout),
                                                     limit=int(limit))
    except ArmsgraphError as exc:
        st.session_state.pop("s_result", None)
        st.error(markdown_text(str(exc)))

result = st.session_state.get("s_result")
if result is not None:
    note = f"{len(result)} result(s) in {result.seconds:.2f} s"
    if result.truncated:
        note += f"; cut at the row limit of {result.limit}"
    st.caption(note)
    if result.form == "ask":
        st.markdown(f"**Answer:** {'yes' if result.boolean else 'no'}")
    elif result.form == "graph":
        turtle = result.to_rdf("ttl")
        st.code(turtle[:20_000], language="turtle")
        st.download_button("Download Turtle", turtle, "result.ttl", "text/turtle", key="s_dl_ttl")
    else:
        st.dataframe(result.records(), hide_index=True, key="s_table")
    if result.form != "graph":
        left, right = st.columns(2)
        left.download_button("Download CSV", result.to_csv(), "result.csv", "text/csv", key="s_dl_csv")
        right.download_button("Download JSON", result.to_json(), "result.json",
                              "application/sparql-results+json", key="s_dl_json")

set_url({"query": name, **values} if named is not None else {})
