"""Evaluate SPARQL on a pyoxigraph store under a time limit that really stops the query.

pyoxigraph has no per-query timeout or cancellation, and a thread cannot be killed, so a
runaway query (a cross join, an unbounded property path) would keep a core busy long after
its caller gave up. Here the query runs in a *forked* child process that shares the store
copy-on-write: nothing is copied or reloaded, and on timeout the child is killed and the
next query forks a fresh one. The child is kept between queries, so the fork is paid once
per store and each query costs a pipe round trip on top of the engine. The child hands SELECT
rows back as SPARQL TSV that pyoxigraph writes (and the parent reads) in Rust, so only the
parent makes Python terms for them. Measured here
(``benchmarks/queries.py``): the fork plus a first trivial query took 20-35 ms in a 0.26 GB
process holding 0.2 M triples and 65-97 ms in a 1.9 GB process holding 2 M triples; after that a
trivial query costs about 1 ms through the worker against 0.3 ms in process.

Where ``fork`` is not available (Windows, or macOS by choice), the query runs in a thread:
the caller still gets :class:`QueryTimeout` on time, but the abandoned query keeps running
until it ends.

Stores are treated as read-only: a worker sees the store as it was when it was forked.
"""

from __future__ import annotations

import atexit
import gc
import io
import itertools
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import pyoxigraph as ox

from .errors import ArmsgraphError

__all__ = ["Evaluation", "QueryTimeout", "QueryWorker", "evaluate", "evaluate_with_timeout", "take"]

T = TypeVar("T")


class QueryTimeout(ArmsgraphError):
    """The query did not finish within its time limit (and was stopped)."""


@dataclass(frozen=True)
class Evaluation:
    """What the engine returned, cut at the row limit: plain data that pickles."""

    form: str  # "select", "ask" or "graph"
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False


def evaluate(
    store: ox.Store,
    text: str,
    substitutions: dict[str, Any] | None,
    limit: int | None,
    prefixes: dict[str, str] | None = None,
) -> Evaluation:
    """Run ``text`` on ``store`` and read at most ``limit`` rows (or triples).

    Results are read lazily, so a query without its own ``LIMIT`` stops working after
    ``limit + 1`` rows instead of computing them all (ORDER BY and aggregates still do).

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("1")))
    >>> evaluate(store, "SELECT ?s WHERE { ?s ?p ?o }", None, 10).rows
    ((<NamedNode value=http://e/a>,),)
    """
    return _evaluation(_query(store, text, substitutions, prefixes), limit)


def _query(
    store: ox.Store, text: str, substitutions: dict[str, Any] | None, prefixes: dict[str, str] | None
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    subs = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
    return store.query(text, prefixes=prefixes, substitutions=subs or None)


def _evaluation(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, limit: int | None) -> Evaluation:
    """A query's answer read into an :class:`Evaluation`, at most ``limit`` rows or triples."""
    if isinstance(result, ox.QueryBoolean):
        return Evaluation(form="ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        columns = tuple(v.value for v in result.variables)
        with _collector_paused():
            rows, truncated = take((tuple(solution) for solution in result), limit)
        return Evaluation(form="select", columns=columns, rows=rows, truncated=truncated)
    triples, truncated = take(result, limit)
    return Evaluation(form="graph", triples=triples, truncated=truncated)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the garbage collector while rows are read: they are new tuples of terms holding no
    cycles, yet each few hundred of them start a collection, and in a process that holds a dataset
    (millions of objects) those collections cost a quarter of the time spent reading rows."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def take(items: Iterable[T], limit: int | None) -> tuple[tuple[T, ...], bool]:
    """The first ``limit`` items (all of them when ``limit`` is None), and whether any were left over.

    >>> take(iter("abc"), 2), take("abc", 3), take("abc", None)
    ((('a', 'b'), True), (('a', 'b', 'c'), False), (('a', 'b', 'c'), False))
    """
    iterator = iter(items)
    if limit is None:
        return tuple(iterator), False
    taken = tuple(itertools.islice(iterator, limit))
    return taken, next(iterator, _NOTHING) is not _NOTHING


_NOTHING = object()


# --------------------------------------------------------------------------- the worker


class _Enough(Exception):
    """Raised by :class:`_RowSink` to stop the serializer once it holds enough rows."""


class _RowSink(io.BytesIO):
    """A binary file for ``QuerySolutions.serialize`` that keeps the SPARQL TSV it is given and
    stops the serializer (and with it the engine) once it holds the header and ``limit + 1`` rows.

    TSV escapes line breaks inside values, so each line is one row. pyoxigraph writes in chunks
    of about 8 KB: a few rows past the limit may be computed, never the whole result.
    """

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.lines = 0
        self.enough = None if limit is None else limit + 2  # the header, the rows, one more

    def write(self, data: Any) -> int:
        """Keep ``data``; raise :class:`_Enough` once enough lines are kept."""
        written = super().write(data)
        self.lines += bytes(data).count(b"\n")
        if self.enough is not None and self.lines >= self.enough:
            raise _Enough
        return written


def solutions_tsv(solutions: ox.QuerySolutions, limit: int | None) -> tuple[bytes, bool]:
    """At most ``limit`` solutions as SPARQL TSV (a header line, then a line a row), and whether more were left.

    pyoxigraph writes the TSV in Rust, so no Python term is made for a row: in the worker this
    costs about as much as only counting the rows, where making terms and their text cost the
    child more than evaluating the query (transfers of a hub actor at 100k transfers).

    >>> store = ox.Store()
    >>> for n in range(3):
    ...     store.add(ox.Quad(ox.NamedNode(f"http://e/{n}"), ox.NamedNode("http://e/p"), ox.Literal("a\\tb")))
    >>> solutions_tsv(store.query("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"), 2)
    (b'?s\\t?o\\n<http://e/0>\\t"a\\\\tb"\\n<http://e/1>\\t"a\\\\tb"\\n', True)
    """
    sink = _RowSink(limit)
    with suppress(_Enough):
        solutions.serialize(sink, format=ox.QueryResultsFormat.TSV)
    data = sink.getvalue()
    if limit is None or sink.lines <= limit + 1:
        return data, False
    end = -1
    for _ in range(limit + 1):  # past the header and ``limit`` rows
        end = data.index(b"\n", end + 1)
    return data[: end + 1], True


def _evaluate_packed(
    store: ox.Store,
    text: str,
    substitutions: dict[str, Any] | None,
    limit: int | None,
    prefixes: dict[str, str] | None = None,
) -> tuple[Any, ...]:
    """What the child sends back: SELECT rows as SPARQL TSV written by pyoxigraph (which the parent
    reads back in Rust), anything else as a plain :class:`Evaluation`."""
    result = _query(store, text, substitutions, prefixes)
    if isinstance(result, ox.QuerySolutions) and result.variables:
        columns = tuple(v.value for v in result.variables)
        data, truncated = solutions_tsv(result, limit)
        return ("tsv", columns, data, truncated)
    return ("plain", _evaluation(result, limit))


def _unpack(packed: tuple[Any, ...]) -> Evaluation:
    if packed[0] == "plain":
        return packed[1]
    _, columns, data, truncated = packed
    solutions = ox.parse_query_results(data, ox.QueryResultsFormat.TSV)
    assert isinstance(solutions, ox.QuerySolutions)  # a TSV document always holds solutions
    with _collector_paused():
        rows = tuple(tuple(solution) for solution in solutions)
    return Evaluation(form="select", columns=columns, rows=rows, truncated=truncated)


def _serve(store: ox.Store, connection: Any, parent_end: Any) -> None:
    """The child's loop: evaluate each request, answer ("ok", Evaluation) or ("error", kind, text)."""
    # Close the parent's end inherited through fork, so the child sees EOF (and exits) when
    # the parent goes away, even if it dies without stopping us.
    parent_end.close()
    # The collector would walk every object inherited from the parent (an rdflib graph can hold
    # millions), touching their pages and so copying them: freeze them out of its reach.
    gc.freeze()
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            answer: tuple[Any, ...] = ("ok", _evaluate_packed(store, *request))
        except SyntaxError as exc:
            answer = ("error", "syntax", str(exc))
        except Exception as exc:
            answer = ("error", type(exc).__name__, str(exc))
        try:
            connection.send(answer)
        except Exception as exc:
            connection.send(("error", type(exc).__name__, str(exc)))


class QueryWorker:
    """A child process, forked from this one, that evaluates queries on one store.

    Thread-safe: queries from several threads take turns (the time a query waits for its
    turn counts against its limit).
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._process: Any = None
        self._connection: Any = None

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve, args=(self.store, child_end, parent_end), daemon=True, name="armsgraph-query"
        )
        process.start()
        child_end.close()
        self._process, self._connection = process, parent_end

    def close(self) -> None:
        """Stop the child process (it is started again by the next query)."""
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._connection.close()
        self._process = self._connection = None

    def run(
        self,
        text: str,
        substitutions: dict[str, Any] | None,
        limit: int | None,
        timeout: float,
        prefixes: dict[str, str] | None = None,
    ) -> Evaluation:
        """Evaluate in the child; kill it and raise :class:`QueryTimeout` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=max(timeout, 0)):
            raise QueryTimeout(f"the query did not start within {timeout:g} s (another query was running)")
        try:
            if self._process is None or not self._process.is_alive():
                self.close()
                self._start()
            self._connection.send((text, substitutions, limit, prefixes))
            if not self._connection.poll(max(deadline - time.monotonic(), 0)):
                self.close()
                raise QueryTimeout(f"the query took longer than {timeout:g} s and was stopped")
            answer = self._connection.recv()
        except (EOFError, OSError) as exc:
            self.close()
            raise ArmsgraphError(f"the query process ended unexpectedly ({exc or type(exc).__name__})") from None
        finally:
            self._lock.release()
        if answer[0] == "ok":
            return _unpack(answer[1])
        _, kind, message = answer
        if kind == "syntax":
            raise SyntaxError(message)
        raise ArmsgraphError(f"the query failed: {message}")


_WORKERS: OrderedDict[int, QueryWorker] = OrderedDict()
_WORKERS_LOCK = threading.Lock()
_MAX_WORKERS = 2  # one per live store; the app and the CLI hold one


def _worker_for(store: ox.Store) -> QueryWorker:
    with _WORKERS_LOCK:
        worker = _WORKERS.get(id(store))
        if worker is None or worker.store is not store:
            worker = _WORKERS[id(store)] = QueryWorker(store)
        _WORKERS.move_to_end(id(store))
        while len(_WORKERS) > _MAX_WORKERS:
            _, evicted = _WORKERS.popitem(last=False)
            evicted.close()
        return worker


@atexit.register
def _close_workers() -> None:
    for worker in list(_WORKERS.values()):
        worker.close()


def _evaluate_in_thread(
    store: ox.Store, text: str, substitutions: Any, limit: int | None, timeout: float, prefixes: Any
) -> Evaluation:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = evaluate(store, text, substitutions, limit, prefixes)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="armsgraph-query")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise QueryTimeout(f"the query took longer than {timeout:g} s (it was abandoned)")
    if "error" in box:
        raise box["error"]
    return box["result"]


def evaluate_with_timeout(
    store: ox.Store,
    text: str,
    substitutions: dict[str, Any] | None,
    limit: int | None,
    timeout: float | None,
    prefixes: dict[str, str] | None = None,
) -> Evaluation:
    """:func:`evaluate`, stopped after ``timeout`` seconds (``None``: no limit, run here).

    Raises :class:`QueryTimeout` when the limit is reached, :class:`SyntaxError` for a
    malformed query, :class:`~graph.errors.ArmsgraphError` for other engine errors.
    """
    if timeout is None:
        return evaluate(store, text, substitutions, limit, prefixes)
    if "fork" in multiprocessing.get_all_start_methods():
        return _worker_for(store).run(text, substitutions, limit, timeout, prefixes)
    return _evaluate_in_thread(store, text, substitutions, limit, timeout, prefixes)
