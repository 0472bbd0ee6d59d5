"""Commands for SPARQL: ``query``, ``serve`` and ``push``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..endpoint import DEFAULT_GRAPH, Endpoint, push_graph, serve
from ..errors import UsageError
from ..sparql import (
    DEFAULT_LIMIT,
    DEFAULT_TIMEOUT,
    QueryResult,
    named_queries,
    named_query,
    run_query,
    term_text,
)
from .base import DataOption, command, err, open_dataset, out, print_json

__all__ = ["EndpointOption", "GraphOption", "endpoint_target", "push", "query", "serve_command"]


class ResultFormat(StrEnum):
    """How ``armsgraph query`` prints results."""

    table = "table"
    json = "json"
    csv = "csv"
    ttl = "ttl"
    nt = "nt"


EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        help="Run against this remote SPARQL endpoint (read-only) instead of the local data, "
        "e.g. http://127.0.0.1:7878/query. Credentials: $ARMSGRAPH_ENDPOINT_TOKEN, or "
        "$ARMSGRAPH_ENDPOINT_USER and $ARMSGRAPH_ENDPOINT_PASSWORD.",
        show_default=False,
    ),
]
GraphOption = Annotated[
    str,
    typer.Option("--graph", help="Named graph to read on the endpoint; 'default' for the server's default graph."),
]


def endpoint_target(url: str, graph: str = DEFAULT_GRAPH) -> Endpoint:
    """The remote endpoint a command should read, from ``--endpoint`` and ``--graph``."""
    return Endpoint(url, graph=None if graph == "default" else graph)


def _read_query_text(text: str) -> str:
    if not text.startswith("@"):
        return text
    name = text[1:]
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no query file {name!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read query file {name!r}: {exc}") from None


def _parse_params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--param must be KEY=VALUE (got {value!r})")
        params[key.strip()] = rest
    return params


def _print_result(result: QueryResult, format: ResultFormat) -> None:
    if result.form == "graph":
        if format in (ResultFormat.json, ResultFormat.csv):
            raise UsageError("CONSTRUCT and DESCRIBE queries return RDF; use --format ttl or nt")
        sys.stdout.write(result.to_rdf("nt" if format is ResultFormat.nt else "ttl"))
    elif format is ResultFormat.json:
        sys.stdout.write(result.to_json())
    elif format is ResultFormat.csv:
        sys.stdout.write(result.to_csv())
    elif format in (ResultFormat.ttl, ResultFormat.nt):
        raise UsageError("only CONSTRUCT and DESCRIBE queries return RDF; use --format table, json or csv")
    elif result.form == "ask":
        out.print("true" if result.boolean else "false")
    else:
        from rich.table import Table

        table = Table(show_lines=False)
        for column in result.columns:
            table.add_column(column, overflow="fold")  # fold long ids onto more lines, never cut them (users copy them)
        for row in result.rows:
            table.add_row(*(term_text(t) for t in row))
        out.print(table)
    if result.truncated:
        err.print(f"(first {result.limit:,} results shown; raise --limit to see more)", markup=False)
    if format is ResultFormat.table:
        answered = "answered" if result.form == "ask" else f"{len(result):,} result(s)"
        err.print(f"{answered} in {result.seconds * 1000:.0f} ms from {result.where}", markup=False)


def _print_list(format: ResultFormat) -> None:
    queries = named_queries()
    if format is ResultFormat.json:
        print_json([q.as_dict() for q in queries])
        return
    from rich.table import Table

    table = Table("name", "answers", "parameters", title="named queries (armsgraph query --name NAME)")
    for q in queries:
        params = ", ".join(f"{p.name}{'' if p.required else '?'}={p.example}" for p in q.parameters)
        table.add_row(q.name, q.title, params)
    out.print(table)


@command("query")
def query(
    text: Annotated[
        str | None,
        typer.Argument(help="SPARQL query text, or @FILE.rq, or @- to read standard input.", show_default=False),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Run a named query (see --list).", show_default=False)
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A named query's parameter as KEY=VALUE (repeatable).", show_default=False),
    ] = None,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
    format: Annotated[ResultFormat, typer.Option("--format", "-f", help="Output format.")] = ResultFormat.table,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Return at most this many rows.")] = DEFAULT_LIMIT,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.001, help="Stop the query after this many seconds.")
    ] = DEFAULT_TIMEOUT,
    endpoint: EndpointOption = None,
    graph: GraphOption = DEFAULT_GRAPH,
    data: DataOption = None,
) -> None:
    """Run a read-only SPARQL query (or a named one) and print the results.

    The prefixes ag:, agid:, agcat:, rdfs:, skos:, prov:, dct:, foaf:, xsd: ... need no PREFIX line.
    SPARQL Update is refused; a query is stopped after --timeout seconds and cut at --limit rows.

    Examples:

      armsgraph query "SELECT ?name WHERE { ?a a ag:State ; rdfs:label ?name }"

      armsgraph query --name transfers-by-actor --param actor=POL --format csv

      armsgraph query @my-query.rq --endpoint http://127.0.0.1:7878/query
    """
    if list_queries:
        _print_list(format)
        return
    if (text is None) == (name is None):
        raise UsageError("give a query (text or @FILE.rq) or --name NAME, not both; see --list for named queries")
    target: object
    target = endpoint_target(endpoint, graph) if endpoint else open_dataset(data)
    if name is not None:
        named = named_query(name)
        from ..dataset import Dataset

        bindings = named.bindings(_parse_params(param or []), target if isinstance(target, Dataset) else None)
        query_text = named.text
    else:
        if param:
            raise UsageError("--param only goes with --name (a named query)")
        bindings, query_text = {}, _read_query_text(text or "")
    result = run_query(target, query_text, bindings=bindings, timeout=timeout, limit=limit)
    _print_result(result, format)


@command("serve")
def serve_command(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port to listen on.")] = 7878,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Per-query time limit, in seconds.")] = 30.0,
    data: DataOption = None,
) -> None:
    """Serve the graph as a read-only SPARQL 1.1 endpoint (the oxigraph server) until Ctrl-C.

    Queries go to http://HOST:PORT/query; updates are refused. The data is also the named
    graph https://w3id.org/armsgraph/id/dataset.

    Example: armsgraph serve --port 7878
    """
    dataset = open_dataset(data)

    def ready(url: str) -> None:
        out.print(f"armsgraph SPARQL endpoint (read-only): {url}", markup=False, highlight=False)
        err.print("Press Ctrl-C to stop.", markup=False)
        sys.stdout.flush()

    code = serve(dataset, host=host, port=port, timeout=timeout, on_ready=ready)
    if code not in (0, -2, -15):  # stopped by Ctrl-C or a terminate signal
        raise typer.Exit(1)


@command("push")
def push(
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint",
            help="SPARQL 1.1 Graph Store Protocol URL: Oxigraph http://HOST:7878/store, Fuseki "
            "http://HOST:3030/DATASET/data, GraphDB http://HOST:7200/repositories/REPO/rdf-graphs/service.",
            show_default=False,
        ),
    ],
    graph: Annotated[str, typer.Option("--graph", help="Named graph to replace (atomically).")] = DEFAULT_GRAPH,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for the server.")] = 300.0,
    data: DataOption = None,
) -> None:
    """Upload the graph to a triple store, replacing one named graph in a single atomic PUT.

    Credentials come from $ARMSGRAPH_ENDPOINT_TOKEN (Bearer), or $ARMSGRAPH_ENDPOINT_USER and
    $ARMSGRAPH_ENDPOINT_PASSWORD (Basic); they are never printed.

    Example: armsgraph push --endpoint http://127.0.0.1:7878/store
    """
    dataset = open_dataset(data)
    with err.status("Uploading...", spinner="dots"):
        result = push_graph(dataset, endpoint, graph, timeout=timeout)
    out.print(
        f"pushed {result.triples:,} triples to graph <{result.graph}> at {result.url} (HTTP {result.status})",
        markup=False,
        highlight=False,
    )
