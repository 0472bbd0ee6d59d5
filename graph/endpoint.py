"""armsgraph beyond one machine: remote SPARQL endpoints, pushing the graph, serving it.

- :class:`Endpoint` runs read-only queries against any SPARQL 1.1 Protocol endpoint
  (Oxigraph ``/query``, Fuseki ``/ds/sparql``, GraphDB ``/repositories/ID``).
- :func:`push_graph` replaces one named graph on a SPARQL 1.1 Graph Store Protocol endpoint
  (Oxigraph ``/store``, Fuseki ``/ds/data``, GraphDB ``/repositories/ID/rdf-graphs/service``)
  with one HTTP ``PUT``, which the protocol makes atomic.
- :func:`serve` puts the graph on 127.0.0.1 with the ``oxigraph`` server in read-only mode.

Credentials come from the environment and are never printed: ``ARMSGRAPH_ENDPOINT_TOKEN``
(sent as ``Authorization: Bearer``), else ``ARMSGRAPH_ENDPOINT_USER`` and
``ARMSGRAPH_ENDPOINT_PASSWORD`` (HTTP Basic). Errors are one line with the address stripped
of any user name or password.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from .errors import ArmsgraphError, UsageError
from .query_worker import take
from .vocab import ID, PREFIXES

if TYPE_CHECKING:
    import requests

    from .sparql import QueryResult

__all__ = [
    "DEFAULT_GRAPH",
    "Endpoint",
    "EndpointError",
    "PushResult",
    "credentials_from_env",
    "oxigraph_executable",
    "push_graph",
    "serve",
    "stop_process",
]

DEFAULT_GRAPH = str(ID["dataset"])
"""The named graph armsgraph pushes to (and serves), the IRI of the dataset description."""

TOKEN_VARIABLE = "ARMSGRAPH_ENDPOINT_TOKEN"
USER_VARIABLE = "ARMSGRAPH_ENDPOINT_USER"
PASSWORD_VARIABLE = "ARMSGRAPH_ENDPOINT_PASSWORD"


class EndpointError(ArmsgraphError):
    """A remote endpoint could not be reached or answered with an error."""


def redact(url: str) -> str:
    """The URL without user name or password, fit to print.

    >>> redact("https://alice:secret@db.example.org/query")
    'https://db.example.org/query'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"endpoint must be an http(s) URL such as http://127.0.0.1:7878/query (got {redact(url)!r})")
    return url


def credentials_from_env(environ: Mapping[str, str] | None = None) -> tuple[dict[str, str], Any]:
    """(headers, auth) for requests, from ``ARMSGRAPH_ENDPOINT_TOKEN`` or ``..._USER``/``..._PASSWORD``."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_VARIABLE)
    if token:
        return {"Authorization": f"Bearer {token}"}, None
    user = env.get(USER_VARIABLE)
    if user:
        return {}, (user, env.get(PASSWORD_VARIABLE, ""))
    return {}, None


def _describe_failure(exc: Exception, url: str) -> str:
    import requests

    where = redact(url)
    if isinstance(exc, requests.exceptions.Timeout):
        return f"the SPARQL endpoint {where} did not answer in time"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = "connection refused"
        text = str(exc)
        if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
            reason = "unknown host"
        elif "refused" not in text.lower():
            reason = "connection failed"
        return f"cannot reach the SPARQL endpoint {where}: {reason} (is the server running?)"
    return f"request to {where} failed: {type(exc).__name__}"


def _answer_error(response: requests.Response, url: str) -> EndpointError:
    body = " ".join(response.text.split())[:200] if response.text else ""
    detail = f": {body}" if body else ""
    return EndpointError(f"the endpoint {redact(url)} answered HTTP {response.status_code} {response.reason}{detail}")


def _request(method: str, url: str, *, timeout: float | None, **kwargs: Any) -> requests.Response:
    import requests

    headers, auth = credentials_from_env()
    headers.update(kwargs.pop("headers", {}))
    try:
        response = requests.request(method, url, headers=headers, auth=auth, timeout=(10, timeout), **kwargs)
    except requests.exceptions.RequestException as exc:
        raise EndpointError(_describe_failure(exc, url)) from None
    if response.status_code >= 400:
        raise _answer_error(response, url)
    return response


def _values_block(bindings: Mapping[str, Any]) -> str:
    # str() of a pyoxigraph term is its N-Triples form, whose escaping is valid SPARQL: a value
    # cannot close the block or the query (IRIs with '>' or spaces are refused when built).
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(term) for term in bindings.values())
    return f" VALUES ({names}) {{ ({values}) }} "


def _outer_group_start(text: str, form: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE clause (skipping comments, IRIs, strings)."""
    i, depth, braces_closed, n = 0, 0, 0, len(text)
    skip_template = form == "graph" and not _is_construct_where(text)
    while i < n:
        char = text[i]
        if char == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
            continue
        if char == "<":  # an IRI (before the WHERE clause '<' is never an operator)
            close = text.find(">", i)
            if close > 0 and not any(c in text[i + 1 : close] for c in " \n\t"):
                i = close + 1
                continue
        if char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            end = i + len(quote)
            while end < n and text[end : end + len(quote)] != quote:
                end += 2 if text[end] == "\\" else 1
            i = end + len(quote)
            continue
        if char == "{":
            if depth == 0 and not (skip_template and braces_closed == 0):
                return i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                braces_closed += 1
        i += 1
    raise UsageError("cannot find the query's WHERE clause to bind parameters for a remote endpoint")


def _is_construct_where(text: str) -> bool:
    import re

    return re.search(r"CONSTRUCT\s+WHERE", text, re.I) is not None


@dataclass(frozen=True)
class Endpoint:
    """A remote SPARQL 1.1 Protocol query endpoint, used read-only.

    ``graph`` is sent as ``default-graph-uri`` (the named graph :func:`push_graph` wrote);
    None queries the server's own default graph.
    """

    url: str
    graph: str | None = DEFAULT_GRAPH

    def __post_init__(self) -> None:
        _check_url(self.url)

    def query(
        self,
        text: str,
        *,
        form: str | None = None,
        bindings: Mapping[str, Any] | None = None,
        timeout: float | None = 30.0,
        limit: int | None = None,
    ) -> QueryResult:
        """Send a query (checked read-only first) and read the answer into a :class:`~graph.sparql.QueryResult`.

        Parameters are sent as a ``VALUES`` block opening the WHERE clause, written from RDF
        terms (never from raw text), since the protocol has no way to bind variables.
        """
        from .sparql import QueryResult, check_query

        if form is None:
            form = check_query(text, bindings)
        if bindings:
            at = _outer_group_start(text, form)
            text = text[:at] + _values_block(bindings) + text[at:]
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        accept = "application/n-triples" if form == "graph" else "application/sparql-results+json"
        data = {"query": prologue + text}
        if self.graph:
            data["default-graph-uri"] = self.graph
        started = time.perf_counter()
        response = _request("POST", self.url, timeout=timeout, data=data, headers={"Accept": accept})
        try:
            if form == "graph":
                parsed_triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
                triples, truncated = take(
                    (quad.triple if isinstance(quad, ox.Quad) else quad for quad in parsed_triples), limit
                )
                return QueryResult(
                    form="graph", triples=triples,
                    truncated=truncated, seconds=time.perf_counter() - started, limit=limit, where=redact(self.url),
                )
            parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"the endpoint {redact(self.url)} sent results armsgraph cannot read: {exc}") from None
        if isinstance(parsed, ox.QueryBoolean):
            return QueryResult(form="ask", boolean=bool(parsed), seconds=time.perf_counter() - started,
                               where=redact(self.url))
        columns = tuple(v.value for v in parsed.variables)
        rows, truncated = take((tuple(solution) for solution in parsed), limit)
        return QueryResult(
            form="select", columns=columns, rows=rows, truncated=truncated,
            seconds=time.perf_counter() - started, limit=limit, where=redact(self.url),
        )


# --------------------------------------------------------------------------- push


@dataclass(frozen=True)
class PushResult:
    """What :func:`push_graph` sent and how the server answered."""

    triples: int
    graph: str
    status: int
    url: str


def _triples_bytes(store: ox.Store) -> tuple[bytes, int]:
    """Every triple of the store (all its graphs merged) as N-Triples, and their number."""
    if not list(store.named_graphs()):
        return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"", len(store)
    triples = {quad.triple for quad in store}
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", len(triples)


def push_graph(target: Any, url: str, graph: str = DEFAULT_GRAPH, *, timeout: float | None = 300.0) -> PushResult:
    """Replace the named graph ``graph`` at the Graph Store Protocol endpoint ``url`` with the dataset's triples.

    One ``PUT url?graph=IRI`` with the whole graph as N-Triples: the protocol makes it atomic,
    so readers see the old graph or the new one, never a mix.
    """
    from .sparql import store_for

    _check_url(url)
    try:
        graph = ox.NamedNode(graph).value
    except ValueError:
        raise UsageError(f"--graph must be an absolute IRI (got {graph!r})") from None
    body, count = _triples_bytes(store_for(target))
    response = _request(
        "PUT", url, timeout=timeout, params={"graph": graph}, data=body,
        headers={"Content-Type": "application/n-triples"},
    )
    return PushResult(triples=count, graph=graph, status=response.status_code, url=redact(url))


# --------------------------------------------------------------------------- serve


def oxigraph_executable() -> str:
    """Path of the ``oxigraph`` server installed with the ``oxigraph`` Python package."""
    beside_python = Path(sys.executable).with_name("oxigraph")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ArmsgraphError("the oxigraph server is not installed; install it with: pip install oxigraph")


def _oxigraph_error(stderr: bytes, returncode: int) -> str:
    """The ``Error: ...`` line of oxigraph's output (it follows it with a backtrace)."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Error:"):
            return line[len("Error:") :].strip()
    return lines[0] if lines else f"exit code {returncode}"


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, deadline: float) -> None:
    import requests

    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = _oxigraph_error(process.stderr.read() if process.stderr else b"", process.returncode)
            hint = "; choose another --port" if "in use" in error else ""
            raise ArmsgraphError(f"the oxigraph server did not start: {error}{hint}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=1)
        except requests.exceptions.RequestException:
            time.sleep(0.05)
            continue
        if process.poll() is None:  # the answer came from our server, not from one already on the port
            return
    process.kill()
    raise ArmsgraphError("the oxigraph server did not answer within 30 s")


def _check_port_free(host: str, port: int) -> None:
    """Fail early, in one line, when something already listens on ``host:port``.

    Another SPARQL server on the port would answer the readiness check in our server's place.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            hint = "; choose another --port" if exc.errno == errno.EADDRINUSE else ""
            raise ArmsgraphError(f"cannot serve on {host}:{port}: {reason}{hint}") from None


def serve(
    target: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: float = 30.0,
    on_ready: Callable[[str], None] | None = None,
) -> int:
    """Serve the dataset read-only over the SPARQL 1.1 Protocol until interrupted; returns the exit code.

    The graph is bulk-loaded into a temporary Oxigraph directory (as the named graph
    :data:`DEFAULT_GRAPH`, and visible as the default graph too), then ``oxigraph
    serve-read-only`` answers queries at ``http://HOST:PORT/query`` with a per-query time limit.
    ``on_ready`` is called with that URL once the server answers.
    """
    from .sparql import store_for

    executable = oxigraph_executable()
    _check_port_free(host, port)
    store = store_for(target)
    with tempfile.TemporaryDirectory(prefix="armsgraph-serve-") as folder:
        dump = Path(folder) / "graph.nq"
        graph = ox.NamedNode(DEFAULT_GRAPH)
        quads = (ox.Quad(q.subject, q.predicate, q.object, graph) for q in store)
        ox.serialize(quads, output=str(dump), format=ox.RdfFormat.N_QUADS)
        location = Path(folder) / "store"
        loaded = subprocess.run(
            [executable, "load", "--location", str(location), "--file", str(dump)],
            capture_output=True, check=False,
        )
        if loaded.returncode != 0:
            raise ArmsgraphError(
                f"oxigraph could not load the graph: {_oxigraph_error(loaded.stderr, loaded.returncode)}"
            )
        dump.unlink()
        command = [
            executable, "serve-read-only", "--location", str(location), "--bind", f"{host}:{port}",
            "--union-default-graph", "--timeout-s", str(max(1, round(timeout))),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url_host = f"[{host}]" if ":" in host else host
        url = f"http://{url_host}:{port}/query"
        try:
            _wait_until_ready(process, url, time.monotonic() + 30)
            if on_ready is not None:
                on_ready(url)
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen[Any]) -> None:
    """Stop a server we started: terminate, give it 10 s, then kill."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
