"""Evaluate SPARQL on a pyoxigraph store under a time limit that really stops the query.

pyoxigraph has no per-query timeout or cancellation, and a thread cannot be killed, so a
runaway query (a cross join, an unbounded property path) would keep a core busy long after
its caller gave up. Here the query runs in a *forked* child process that shares the store
copy-on-write: nothing is copied or reloaded, and on timeout the child is killed and the
next query forks a fresh one. The child is kept between queries, so the fork is paid once
per store and each query costs a pipe round trip on top of the engine. Measured here
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
import itertools
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
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
    subs = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
    result = store.query(text, prefixes=prefixes, substitutions=subs or None)
    if isinstance(result, ox.QueryBoolean):
        return Evaluation(form="ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        columns = tuple(v.value for v in result.variables)
        # iterating a solution is several times faster than indexing it
        rows, truncated = take((tuple(solution) for solution in result), limit)
        return Evaluation(form="select", columns=columns, rows=rows, truncated=truncated)
    triples, truncated = take(result, limit)
    return Evaluation(form="graph", triples=triples, truncated=truncated)


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


def _pack(evaluation: Evaluation) -> tuple[Any, ...]:
    """An evaluation as the child sends it: rows as SPARQL TSV text, which pyoxigraph reads back in
    Rust (pickling thousands of term objects cost the parent several times more)."""
    if evaluation.form != "select" or not evaluation.columns:
        return ("plain", evaluation)
    lines = ["\t".join(f"?{c}" for c in evaluation.columns)]
    lines += ["\t".join("" if term is None else str(term) for term in row) for row in evaluation.rows]
    return ("tsv", evaluation.columns, ("\n".join(lines) + "\n").encode(), evaluation.truncated)


def _unpack(packed: tuple[Any, ...]) -> Evaluation:
    if packed[0] == "plain":
        return packed[1]
    _, columns, data, truncated = packed
    solutions = ox.parse_query_results(data, ox.QueryResultsFormat.TSV)
    assert isinstance(solutions, ox.QuerySolutions)  # a TSV document always holds solutions
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
            answer: tuple[Any, ...] = ("ok", _pack(evaluate(store, *request)))
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
