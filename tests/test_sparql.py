"""Running SPARQL safely: read-only, time and row limits, clear syntax errors, engine-bound parameters."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from typer.testing import CliRunner

from graph.cli import app
from graph.dataset import Dataset
from graph.errors import UsageError
from graph.load import load_dataset
from graph.query_worker import QueryTimeout, _worker_for
from graph.sparql import (
    QueryResult,
    QuerySyntaxError,
    ReadOnlyError,
    check_query,
    run_named_query,
    run_query,
    store_for,
)
from graph.vocab import record_iri

DATA = Path(__file__).resolve().parent / "data"
DATA_ARGS = ["--data", str(DATA / "mini"), "--data", str(DATA / "sparql")]
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """tests/data/mini plus the Krab legs of tests/data/sparql."""
    return load_dataset([DATA / "mini", DATA / "sparql"], cache=False)


@pytest.fixture(scope="module")
def store(dataset: Dataset) -> ox.Store:
    return store_for(dataset)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- read-only


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://e/>\nDROP ALL",
        "CLEAR DEFAULT",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "DELETE { ?s rdfs:label ?o } INSERT { ?s rdfs:label 'x' } WHERE { ?s rdfs:label ?o }",
    ],
)
def test_sparql_update_is_refused_and_the_store_is_unchanged(store: ox.Store, update: str) -> None:
    before = len(store)
    with pytest.raises(ReadOnlyError, match="read-only"):
        run_query(store, update)
    assert len(store) == before


def test_the_cli_refuses_an_update_with_one_line_and_exit_code_2() -> None:
    code, _out, err = invoke("query", "DELETE WHERE { ?s ?p ?o }", *DATA_ARGS)
    assert code == 2
    assert err.strip().splitlines() == [
        "armsgraph: SPARQL Update is refused: armsgraph queries are read-only (use SELECT, ASK, CONSTRUCT or DESCRIBE)"
    ]


# --------------------------------------------------------------------------- syntax errors


def test_a_syntax_error_names_its_line_and_column_in_one_line() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        check_query("SELECT ?s\nWHERE { ?s ?p ?o }\nLIMIT ten")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("SPARQL syntax error at line 3, column 7:")
    assert message.endswith("(near 'ten')")


def test_an_unknown_prefix_is_named() -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+: unknown prefix foo:"):
        check_query("SELECT * WHERE {\n  ?s foo:bar ?o }")


def test_the_cli_prints_a_syntax_error_without_a_traceback() -> None:
    code, out, err = invoke("query", "SELECT * WHERE { ?s ?p", *DATA_ARGS)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "line 1, column" in err and "Traceback" not in err + out


# --------------------------------------------------------------------------- limits


def test_a_runaway_query_is_stopped_at_its_time_limit(store: ox.Store) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 s"):
        run_query(store, CROSS_JOIN, timeout=0.5)
    assert time.monotonic() - started < 5
    # The child evaluating it was killed, not left running; the next query gets a fresh one.
    assert _worker_for(store)._process is None
    assert run_query(store, "ASK { ?s a ag:Transfer }", timeout=5).boolean is True


def test_the_cli_reports_a_timeout_in_one_line_with_exit_code_1() -> None:
    code, _out, err = invoke("query", CROSS_JOIN, "--timeout", "0.5", *DATA_ARGS)
    assert code == 1
    assert err.strip() == "armsgraph: the query took longer than 0.5 s and was stopped"


def test_the_row_limit_cuts_the_result_and_says_so(store: ox.Store) -> None:
    everything = run_query(store, "SELECT ?t WHERE { ?t a ag:Transfer }")
    assert len(everything) == 5 and not everything.truncated
    cut = run_query(store, "SELECT ?t WHERE { ?t a ag:Transfer } ORDER BY ?t", limit=2)
    assert len(cut) == 2 and cut.truncated
    exact = run_query(store, "SELECT ?t WHERE { ?t a ag:Transfer }", limit=5)
    assert len(exact) == 5 and not exact.truncated


def test_the_cli_warns_when_rows_were_cut() -> None:
    code, out, err = invoke("query", "SELECT ?t WHERE { ?t a ag:Transfer }", "--limit", "1", "-f", "csv", *DATA_ARGS)
    assert code == 0
    assert len(out.strip().splitlines()) == 2  # header + one row
    assert "first 1 results shown" in err


def _awkward_store() -> ox.Store:
    """Terms whose text form is easy to get wrong: line breaks, tabs, quotes, language tags, blank
    nodes, a non-canonical integer, and a subject with no value for ?x (an unbound cell)."""
    store = ox.Store()
    e = "http://example.com/"
    objects = [
        ox.Literal('two\nlines\tand a "quote" \\ end'),
        ox.Literal("hé", language="fr"),
        ox.BlankNode("b1"),
        ox.Literal("042", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("1.0E0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
        ox.NamedNode(e + "o"),
    ]
    for number, term in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"{e}s{number}"), ox.NamedNode(e + "p"), term))
    store.add(ox.Quad(ox.NamedNode(e + "s0"), ox.NamedNode(e + "x"), ox.Literal("x")))
    return store


AWKWARD_QUERIES = [
    "SELECT ?s ?o ?x WHERE { ?s <http://example.com/p> ?o OPTIONAL { ?s <http://example.com/x> ?x } } ORDER BY ?s",
    "SELECT ?x WHERE { ?s <http://example.com/p> ?o OPTIONAL { ?s <http://example.com/x> ?x } } ORDER BY ?s",
    "SELECT ?s WHERE { ?s <http://example.com/nothing> ?o }",
    "SELECT * WHERE {}",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("text", AWKWARD_QUERIES)
@pytest.mark.parametrize("limit", [None, 0, 1, 3, 100])
def test_the_time_limited_worker_answers_exactly_as_this_process(text: str, limit: int | None) -> None:
    # the worker sends rows as SPARQL TSV written by pyoxigraph and read back: nothing may change
    store = _awkward_store()
    here = run_query(store, text, timeout=None, limit=limit)
    there = run_query(store, text, timeout=10, limit=limit)
    assert (there.form, there.columns, there.rows, there.boolean, there.truncated) == (
        here.form, here.columns, here.rows, here.boolean, here.truncated
    )
    assert sorted(map(str, there.triples)) == sorted(map(str, here.triples))


def test_the_worker_stops_the_engine_at_the_row_limit(store: ox.Store) -> None:
    # about 10^11 rows: only stopping at the limit (not at the time limit) gives an answer
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    result = run_query(store, endless, timeout=20, limit=3)
    assert len(result) == 3 and result.truncated


def test_without_a_time_limit_the_query_runs_in_this_process(store: ox.Store) -> None:
    result = run_query(store, "SELECT ?t WHERE { ?t a ag:Transfer }", timeout=None)
    assert len(result) == 5


# --------------------------------------------------------------------------- parameters


def test_a_binding_is_a_value_not_query_text(store: ox.Store) -> None:
    hostile = 'Poland" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    before = len(store)
    result = run_query(
        store, "SELECT ?actor ?name WHERE { ?actor rdfs:label ?name }", bindings={"name": ox.Literal(hostile)}
    )
    assert result.rows == ()
    assert len(store) == before
    poland = run_query(
        store, "SELECT ?actor ?name WHERE { ?actor rdfs:label ?name }", bindings={"name": Literal("Poland")}
    )
    assert poland.values("actor") == [ox.NamedNode(str(record_iri("actors", "POL")))]


def test_an_actor_parameter_cannot_smuggle_query_text(dataset: Dataset) -> None:
    with pytest.raises(UsageError, match=r"parameter actor: .* is not a valid actor id"):
        run_named_query(dataset, "transfers-by-actor", {"actor": "POL> } ; DROP ALL ; #"})
    code, _out, err = invoke("query", "--name", "transfers-by-actor", "--param", "actor=POL> } DROP ALL", *DATA_ARGS)
    assert code == 2 and "not a valid actor id" in err


def test_an_unknown_actor_is_a_usage_error_naming_close_matches(dataset: Dataset) -> None:
    with pytest.raises(UsageError, match="unknown actor 'POLL'; did you mean POL"):
        run_named_query(dataset, "transfers-by-actor", {"actor": "POLL"})


def test_a_bound_variable_must_be_selected(store: ox.Store) -> None:
    with pytest.raises(UsageError, match=r"cannot bind \?actor: the query must SELECT it"):
        run_query(
            store, "SELECT ?name WHERE { ?actor rdfs:label ?name }", bindings={"actor": record_iri("actors", "POL")}
        )


def test_an_actor_id_becomes_the_actor_iri(dataset: Dataset) -> None:
    result = run_named_query(dataset, "transfers-by-actor", {"actor": "UKR"})
    assert set(result.values("actor")) == {ox.NamedNode(str(record_iri("actors", "UKR")))}


def test_rdflib_terms_are_accepted_as_bindings(store: ox.Store) -> None:
    result = run_query(
        store,
        "SELECT ?actor ?name WHERE { ?actor rdfs:label ?name }",
        bindings={"actor": URIRef(record_iri("actors", "KOR"))},
    )
    assert [t.value for t in result.values("name")] == ["South Korea"]


# --------------------------------------------------------------------------- formats


def test_results_as_sparql_json(store: ox.Store) -> None:
    result = run_query(
        store,
        "SELECT ?actor ?name ?none WHERE { ?actor rdfs:label ?name OPTIONAL { ?actor ag:nothing ?none } }",
        bindings={"actor": record_iri("actors", "POL")},
    )
    document = json.loads(result.to_json())
    assert document == {
        "head": {"vars": ["actor", "name", "none"]},
        "results": {
            "bindings": [
                {
                    "actor": {"type": "uri", "value": "https://w3id.org/armsgraph/id/actor/POL"},
                    "name": {"type": "literal", "value": "Poland"},
                }
            ]
        },
    }
    # pyoxigraph reads it back as the same solutions
    parsed = list(ox.parse_query_results(result.to_json(), ox.QueryResultsFormat.JSON))
    assert [s["name"] for s in parsed] == [ox.Literal("Poland")]


def test_typed_and_language_literals_keep_their_type_in_json() -> None:
    result = QueryResult(
        form="select",
        columns=("n", "l"),
        rows=((ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
               ox.Literal("Polska", language="pl")),),
    )
    binding = result.to_json_dict()["results"]["bindings"][0]
    assert binding["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert binding["l"]["xml:lang"] == "pl"


def test_results_as_csv_quote_commas() -> None:
    result = QueryResult(form="select", columns=("a", "b"), rows=((ox.Literal("x, y"), None),))
    assert result.to_csv() == 'a,b\n"x, y",\n'


def test_ask_results(store: ox.Store) -> None:
    result = run_query(store, "ASK { ?s a ag:BackfillClaim }")
    assert result.boolean is True
    assert json.loads(result.to_json()) == {"head": {}, "boolean": True}


def test_construct_results_as_turtle(store: ox.Store) -> None:
    result = run_query(store, "CONSTRUCT { ?a rdfs:label ?n } WHERE { ?a a ag:State ; rdfs:label ?n }")
    assert result.form == "graph" and len(result) == 5
    graph = ox.Store()
    graph.load(result.to_rdf("ttl").encode(), format=ox.RdfFormat.TURTLE)
    assert len(graph) == 5
    with pytest.raises(UsageError, match="use --format ttl or nt"):
        result.to_csv()


def test_the_cli_prints_json_for_scripts() -> None:
    code, out, _err = invoke(
        "query", "SELECT ?name WHERE { ?a a ag:State ; rdfs:label ?name } ORDER BY ?name", "-f", "json", *DATA_ARGS
    )
    assert code == 0
    names = [b["name"]["value"] for b in json.loads(out)["results"]["bindings"]]
    assert names == ["Germany", "Poland", "Slovakia", "South Korea", "Ukraine"]


def test_the_cli_reads_a_query_from_a_file(tmp_path: Path) -> None:
    query = tmp_path / "count.rq"
    query.write_text("# how many legs?\nSELECT (COUNT(*) AS ?legs) WHERE { ?t a ag:Transfer }\n")
    code, out, err = invoke("query", f"@{query}", "-f", "csv", *DATA_ARGS)
    assert (code, out) == (0, "legs\n5\n")
    code, out, err = invoke("query", f"@{tmp_path / 'missing.rq'}", *DATA_ARGS)
    assert code == 2 and "no query file" in err


def test_the_cli_needs_a_query_or_a_name() -> None:
    code, _out, err = invoke("query", *DATA_ARGS)
    assert code == 2 and "give a query" in err


def test_an_rdflib_graph_over_oxigraph_is_queried_on_its_store(dataset: Dataset) -> None:
    from graph.rdf import rdf_graph

    graph = rdf_graph(dataset)
    assert store_for(graph) is graph.store._inner  # type: ignore[attr-defined]
    result = run_query(graph, "SELECT (COUNT(*) AS ?legs) WHERE { ?t a ag:Transfer }")
    assert result.rows[0][0].value == "5"


def test_the_time_a_query_reports_leaves_out_building_the_store_on_first_use(
    dataset: Dataset, store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "1 result(s) in 3000 ms" for an ASK on a large import was the store being built, not the query
    import graph.sparql

    def slow_store_for(target: object) -> ox.Store:
        time.sleep(0.5)
        return store

    monkeypatch.setattr(graph.sparql, "store_for", slow_store_for)
    result = run_query(dataset, "ASK { ?s ?p ?o }", timeout=None)
    assert result.boolean is True
    assert result.seconds < 0.4


def test_an_ask_query_says_it_was_answered_not_that_it_found_no_results() -> None:
    code, out, err = invoke("query", "ASK { ?s a ag:State }", *DATA_ARGS)
    assert code == 0 and out.strip() == "true"
    assert "answered in" in err and "0 result(s)" not in err


def test_a_narrow_terminal_folds_long_ids_in_the_results_table_instead_of_cutting_them() -> None:
    result = CliRunner().invoke(
        app,
        ["query", "--name", "transfers-by-actor", "--param", "actor=POL", *DATA_ARGS],
        terminal_width=80,
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    lines = [line.split("│") for line in result.stdout.splitlines() if line.startswith("│")]
    transfer_column = "".join(cells[2].strip() for cells in lines)  # the second column, read down
    assert "agid:transfer/kor-pol-k2-framework-2022" in transfer_column


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_an_empty_query_is_called_empty_not_an_update(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="the query is empty"):
        check_query(text)


def test_an_id_copied_from_a_results_table_gets_a_hint_on_how_to_write_it() -> None:
    # tables show agid:actor/POL, which SPARQL cannot parse as a prefixed name
    code, out, err = invoke("query", "DESCRIBE agid:actor/POL", "--format", "nt", *DATA_ARGS)
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "a prefixed name cannot hold a bare /: write agid:actor\\/POL or <https://w3id.org/armsgraph/id/actor/POL>"
    )
    code, out, _ = invoke("query", "DESCRIBE agid:actor\\/POL", "--format", "nt", *DATA_ARGS)
    assert code == 0 and "<https://w3id.org/armsgraph/id/actor/POL>" in out


# --------------------------------------------------------------------------- the store behind a dataset


def test_a_cached_store_loads_in_the_background_and_store_for_waits_for_that_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import graph.rdf
    import graph.sparql

    dataset = load_dataset([DATA / "mini"])  # with a fingerprint: its store can be cached
    graph.rdf.build_store(dataset)  # fills the cache
    assert graph.rdf.store_cached(dataset)
    started, release, builds = threading.Event(), threading.Event(), []
    build_store = graph.rdf.build_store

    def held_build(target: Dataset) -> ox.Store:
        builds.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return build_store(target)

    monkeypatch.setattr(graph.rdf, "build_store", held_build)
    assert graph.sparql.prefetch_store(dataset) is True
    assert started.wait(10)
    assert graph.sparql.prefetch_store(dataset) is False  # one load per dataset
    waiting: list[ox.Store] = []
    caller = threading.Thread(target=lambda: waiting.append(store_for(dataset)))
    caller.start()
    caller.join(0.3)
    assert caller.is_alive() and not waiting  # store_for waits for the load under way ...
    release.set()
    caller.join(10)
    assert builds == ["armsgraph-store"]  # ... instead of building a second store
    assert waiting[0] is store_for(dataset) and len(waiting[0]) == len(build_store(dataset, cache=False))


def test_without_a_cached_store_nothing_is_loaded_in_the_background(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import graph.rdf
    import graph.sparql

    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))  # an empty cache

    def unexpected_build(target: Dataset) -> ox.Store:
        raise AssertionError("generating the triples in the background would hold the interpreter lock")

    monkeypatch.setattr(graph.rdf, "build_store", unexpected_build)
    fresh = load_dataset([DATA / "mini", DATA / "sparql"], cache=False)
    assert not graph.rdf.store_cached(fresh)
    assert graph.sparql.prefetch_store(fresh) is False


def test_a_store_that_failed_to_build_is_built_again_on_the_next_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.rdf

    fresh = load_dataset([DATA / "mini"], cache=False)
    build_store = graph.rdf.build_store
    calls: list[int] = []

    def failing_once(target: Dataset) -> ox.Store:
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("out of memory")
        return build_store(target)

    monkeypatch.setattr(graph.rdf, "build_store", failing_once)
    with pytest.raises(MemoryError):
        store_for(fresh)
    assert len(store_for(fresh)) > 100 and len(calls) == 2
