"""Beyond one machine: push to a real Oxigraph server, query it back, serve the graph, fail cleanly.

Every server here listens on 127.0.0.1 on a free port and is stopped by the test that started it.
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from typer.testing import CliRunner

from graph.cli import app
from graph.dataset import Dataset
from graph.endpoint import DEFAULT_GRAPH, Endpoint, EndpointError, oxigraph_executable, push_graph, stop_process
from graph.load import load_dataset
from graph.sparql import named_queries, named_query, run_named_query, run_query, store_for

pytestmark = pytest.mark.server

DATA = Path(__file__).resolve().parent / "data"
DATA_ARGS = ["--data", str(DATA / "mini"), "--data", str(DATA / "sparql")]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=1)
            return
        except requests.exceptions.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def oxigraph_server() -> Iterator[str]:
    """A read-write ``oxigraph serve`` on a temporary directory; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="armsgraph-oxigraph-") as location:
        port = free_port()
        process = subprocess.Popen(
            [oxigraph_executable(), "serve", "--location", location, "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/query", process)
            yield base
        finally:
            stop_process(process)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset([DATA / "mini", DATA / "sparql"], cache=False)


@pytest.fixture(scope="module")
def pushed(oxigraph_server: str, dataset: Dataset) -> Endpoint:
    """The dataset pushed into the server's armsgraph graph; the endpoint to query it."""
    push_graph(dataset, oxigraph_server + "/store")
    return Endpoint(oxigraph_server + "/query")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- push and query back


def test_the_pushed_graph_has_as_many_triples_as_the_embedded_store(pushed: Endpoint, dataset: Dataset) -> None:
    remote = run_query(pushed, COUNT)
    assert int(remote.rows[0][0].value) == len(store_for(dataset))
    # it went into the named graph, not the server's default graph
    assert int(run_query(Endpoint(pushed.url, graph=None), COUNT).rows[0][0].value) == 0


@pytest.mark.parametrize("name", [q.name for q in named_queries()])
def test_every_named_query_gives_the_same_rows_remote_and_embedded(
    pushed: Endpoint, dataset: Dataset, name: str
) -> None:
    query = named_query(name)
    required = {p.name: p.example for p in query.parameters if p.required}
    for params in (query.examples(), required):
        embedded = run_named_query(dataset, name, params)
        remote = run_named_query(pushed, name, params)
        assert remote.columns == embedded.columns
        assert remote.rows == embedded.rows
        assert len(remote) >= 1


def test_the_backfill_chain_is_found_on_the_server_for_poland_only(pushed: Endpoint) -> None:
    poland = run_named_query(pushed, "backfill-chains", {"intermediary": "POL"}).records()
    assert [(r["replacing"], r["enabled"]) for r in poland] == [
        ("agid:transfer/kor-pol-k2-exec1-2022", "agid:transfer/pol-ukr-t72-2022")
    ]
    assert run_named_query(pushed, "backfill-chains", {"intermediary": "KOR"}).rows == ()


def test_pushing_again_replaces_the_graph_instead_of_adding_to_it(oxigraph_server: str, pushed: Endpoint) -> None:
    smaller = load_dataset([DATA / "mini"], cache=False)
    result = push_graph(smaller, oxigraph_server + "/store")
    try:
        assert result.graph == DEFAULT_GRAPH and result.status in (200, 201, 204)
        assert int(run_query(pushed, COUNT).rows[0][0].value) == len(store_for(smaller)) == result.triples
    finally:
        push_graph(load_dataset([DATA / "mini", DATA / "sparql"], cache=False), oxigraph_server + "/store")


def test_a_remote_parameter_stays_a_value(pushed: Endpoint) -> None:
    hostile = ox.Literal('Poland" } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #')
    before = run_query(pushed, COUNT).rows
    result = run_query(pushed, "SELECT ?a ?name WHERE { ?a rdfs:label ?name }", bindings={"name": hostile})
    assert result.rows == ()
    assert run_query(pushed, COUNT).rows == before
    poland = run_query(pushed, "SELECT ?a ?name WHERE { ?a rdfs:label ?name }", bindings={"name": ox.Literal("Poland")})
    assert [row[0].value for row in poland.rows] == ["https://w3id.org/armsgraph/id/actor/POL"]


def test_the_cli_queries_a_remote_endpoint(pushed: Endpoint) -> None:
    code, out, err = invoke("query", "--endpoint", pushed.url, "--name", "donations-by-year", "-f", "csv")
    assert code == 0, err
    assert out == "year,recipient,donations,quantity,donors\n2022,https://w3id.org/armsgraph/id/actor/UKR,3,342,1\n"


def test_the_cli_refuses_to_send_an_update_to_an_endpoint(pushed: Endpoint) -> None:
    code, _out, err = invoke("query", "--endpoint", pushed.url, "DROP ALL")
    assert code == 2 and "read-only" in err
    assert int(run_query(pushed, COUNT).rows[0][0].value) > 0


def test_the_cli_pushes_and_reports_the_triples(oxigraph_server: str, dataset: Dataset) -> None:
    code, out, err = invoke("push", "--endpoint", oxigraph_server + "/store", *DATA_ARGS)
    assert code == 0, err
    assert out.strip() == (
        f"pushed {len(store_for(dataset)):,} triples to graph <{DEFAULT_GRAPH}> at {oxigraph_server}/store (HTTP 204)"
    )


# --------------------------------------------------------------------------- failures


def test_a_server_that_is_down_gives_one_line_and_exit_code_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = invoke("query", "--endpoint", url + "/query", "ASK {}")
    assert code == 1
    assert err.strip() == (
        f"armsgraph: cannot reach the SPARQL endpoint {url}/query: connection refused (is the server running?)"
    )
    code, _out, err = invoke("push", "--endpoint", url + "/store", *DATA_ARGS)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "cannot reach" in err


def test_an_error_answer_gives_one_line_with_the_status(oxigraph_server: str) -> None:
    code, _out, err = invoke("query", "--endpoint", oxigraph_server + "/no-such-path", "ASK {}")
    assert code == 1
    assert err.startswith(f"armsgraph: the endpoint {oxigraph_server}/no-such-path answered HTTP 404")
    assert len(err.strip().splitlines()) == 1


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    """Answers 401 to everything and remembers the Authorization header it was sent."""

    seen: list[str | None] = []  # noqa: RUF012

    def do_PUT(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    _RecordingHandler.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_credentials_are_sent_from_the_environment_and_never_printed(
    refusing_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARMSGRAPH_ENDPOINT_USER", "alice")
    monkeypatch.setenv("ARMSGRAPH_ENDPOINT_PASSWORD", "s3cret-pw")
    code, out, err = invoke("push", "--endpoint", refusing_server.replace("//", "//bob:url-pw@") + "/store", *DATA_ARGS)
    assert code == 1
    assert err.strip() == f"armsgraph: the endpoint {refusing_server}/store answered HTTP 401 Unauthorized"
    assert "s3cret-pw" not in out + err and "url-pw" not in out + err
    assert _RecordingHandler.seen == ["Basic YWxpY2U6czNjcmV0LXB3"]  # alice:s3cret-pw


def test_a_token_is_sent_as_a_bearer_credential(refusing_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_ENDPOINT_TOKEN", "t0ken")
    with pytest.raises(EndpointError) as caught:
        push_graph(load_dataset([DATA / "mini"], cache=False), refusing_server + "/store")
    assert "t0ken" not in str(caught.value)
    assert _RecordingHandler.seen == ["Bearer t0ken"]


# --------------------------------------------------------------------------- armsgraph serve


def test_armsgraph_serve_answers_queries_refuses_updates_and_stops_on_ctrl_c(dataset: Dataset) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "graph", "serve", "--port", str(port), *DATA_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()  # printed once the server answers
        url = f"http://127.0.0.1:{port}/query"
        assert line.strip() == f"armsgraph SPARQL endpoint (read-only): {url}", line if line else process.stderr.read()

        served = Endpoint(url, graph=None)  # the data is the default graph too
        assert int(run_query(served, COUNT).rows[0][0].value) == len(store_for(dataset))
        assert int(run_query(Endpoint(url), COUNT).rows[0][0].value) == len(store_for(dataset))  # and the named graph
        chain = run_named_query(served, "backfill-chains", {"intermediary": "POL"})
        assert chain.rows == run_named_query(dataset, "backfill-chains", {"intermediary": "POL"}).rows

        update = requests.post(
            f"http://127.0.0.1:{port}/update",
            data="DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
            timeout=10,
        )
        assert update.status_code >= 400
        assert int(run_query(served, COUNT).rows[0][0].value) == len(store_for(dataset))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(15)
        finally:
            stop_process(process)
    assert code == 0
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2)


def test_serving_on_a_busy_port_gives_one_line_and_exit_code_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _out, err = invoke("serve", "--port", str(port), "--data", str(DATA / "mini"))
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"armsgraph: cannot serve on 127.0.0.1:{port}: Address already in use; choose another --port"
    )


def test_serving_on_a_port_another_sparql_server_holds_fails_instead_of_taking_its_answers(
    oxigraph_server: str,
) -> None:
    # the other server answers the readiness check: armsgraph must not announce it as its own
    port = int(oxigraph_server.rsplit(":", 1)[1])
    code, out, err = invoke("serve", "--port", str(port), "--data", str(DATA / "mini"))
    assert code == 1
    assert "SPARQL endpoint" not in out
    assert err.strip().splitlines()[-1] == (
        f"armsgraph: cannot serve on 127.0.0.1:{port}: Address already in use; choose another --port"
    )


@pytest.mark.parametrize(
    ("query", "form", "expected"),
    [
        ("PREFIX x: <http://e/#>\nSELECT ?a WHERE { ?a ?b ?c }", "select", "SELECT ?a WHERE {"),
        ("SELECT ?a # a comment with { braces }\nWHERE { ?a ?b '{' }", "select", "\nWHERE {"),
        ("CONSTRUCT { ?a <http://e/#p> '}' } WHERE { ?a ?b ?c }", "graph", "} WHERE {"),
        ("CONSTRUCT WHERE { ?a ?b ?c }", "graph", "CONSTRUCT WHERE {"),
        ('ASK { ?a ?b """x { y""" }', "ask", "ASK {"),
    ],
)
def test_remote_parameters_open_the_where_clause(query: str, form: str, expected: str) -> None:
    from graph.endpoint import _outer_group_start

    at = _outer_group_start(query, form)
    assert query[:at].endswith(expected)


def test_the_app_runs_a_named_query_against_a_remote_endpoint(
    pushed: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    # The app's own data lacks the Krab legs the server holds, so the rows show which store answered.
    monkeypatch.setenv("ARMSGRAPH_DATA", str(DATA / "mini"))
    page = AppTest.from_file(str(Path(__file__).parent.parent / "app.py"), default_timeout=120)
    page.switch_page("app_pages/sparql.py")
    page.query_params["query"] = "transfers-by-actor"
    page.query_params["actor"] = "POL"
    page.run()
    page.text_input(key="s_endpoint").set_value(pushed.url)
    page.button(key="s_run").click()
    page.run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    remote = page.dataframe[0].value
    served = run_named_query(pushed, "transfers-by-actor", {"actor": "POL"})
    embedded = run_named_query(load_dataset([DATA / "mini"], cache=False), "transfers-by-actor", {"actor": "POL"})
    assert len(remote) == len(served.rows) > len(embedded.rows)


def test_the_app_says_in_one_line_when_the_endpoint_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ARMSGRAPH_DATA", str(DATA / "mini"))
    page = AppTest.from_file(str(Path(__file__).parent.parent / "app.py"), default_timeout=120)
    page.switch_page("app_pages/sparql.py")
    page.run()
    page.text_input(key="s_endpoint").set_value(f"http://127.0.0.1:{free_port()}/query")
    page.button(key="s_run").click()
    page.run()
    assert not page.exception
    assert len(page.error) == 1 and "cannot reach the SPARQL endpoint" in page.error[0].value
