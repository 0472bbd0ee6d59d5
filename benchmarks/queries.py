"""Time every named query at 10k and 100k synthetic transfers: Oxigraph vs rdflib's in-memory store.

One command::

    python -m benchmarks.queries                  # 10k and 100k transfers
    python -m benchmarks.queries --sizes 10000    # just 10k

For each size it writes a synthetic dataset (:func:`benchmarks.synthetic.write_synthetic`), loads
it, builds the Oxigraph store, and parses the same triples into an rdflib ``Graph`` (the
baseline). Each named query runs with parameters picked from the data (the busiest supplier,
a category, a transfer with reported figures ...) and is timed:

- ``oxigraph``: :func:`graph.sparql.run_named_query` without a time limit, in this process (the
  check, the binding, the engine and the terms of every row), median of ``--repeat`` runs, wall
  and CPU (``time.process_time``);
- ``+limit``: the same with a time limit, i.e. through the forked query worker, median wall of
  ``--repeat`` runs (the one-off fork, paid by the first query on a store, is printed
  separately); its CPU is this process's plus the worker's (read from ``/proc``, in 10 ms
  ticks, so averaged over the runs);
- ``rdflib``: ``Graph.query`` with ``initBindings`` on rdflib's memory store, one run in a forked
  child killed after ``--rdflib-budget`` seconds (default 30; shown as ``>N``).

Target (issue #5): every named query under 200 ms at 100k transfers.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from benchmarks.synthetic import write_synthetic
from graph.dataset import Dataset
from graph.load import load_dataset
from graph.query_worker import QueryTimeout, _worker_for
from graph.rdf import build_store
from graph.sparql import named_queries, run_named_query, run_query
from graph.vocab import PREFIXES

TARGET_MS = 200.0


def _parameters(dataset: Dataset) -> dict[str, str]:
    """Parameter values that make each query do real work on the synthetic data."""
    suppliers = Counter(t.supplier for t in dataset.transfers.values())
    recipients = Counter(t.recipient for t in dataset.transfers.values() if t.kind.value == "donation")
    intermediaries = Counter(dataset.transfers[c.enabled[0]].supplier for c in dataset.backfills.values())
    categories = Counter(dataset.systems[t.system].category.value for t in dataset.transfers.values())
    reported = next((t.id for t in dataset.transfers.values() if t.reported), next(iter(dataset.transfers)))
    return {
        "actor": suppliers.most_common(1)[0][0],
        "supplier": suppliers.most_common(1)[0][0],
        "recipient": recipients.most_common(1)[0][0],
        "intermediary": intermediaries.most_common(1)[0][0],
        "category": categories.most_common(1)[0][0],
        "transfer": reported,
    }


def _median_ms(function: Any, runs: int = 5) -> tuple[float, int]:
    """Median wall milliseconds of ``runs`` calls, and the rows the last one returned."""
    wall, _cpu, rows = _timed(function, runs)
    return wall, rows


def _timed(function: Any, runs: int) -> tuple[float, float, int]:
    """Median wall and median CPU milliseconds (this process) of ``runs`` calls, and the rows returned."""
    walls, cpus, rows = [], [], 0
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = len(function())
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
    return statistics.median(walls), statistics.median(cpus), rows


def _process_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) another process has used so far; None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_timed(worker: Any, function: Any, runs: int) -> tuple[float, float | None]:
    """Median wall milliseconds through the query worker, and mean CPU milliseconds a run cost
    this process and the worker together (the worker's CPU is only readable in clock ticks)."""
    function()  # make sure the worker is running before its CPU is read
    pid = worker._process.pid if worker._process is not None else None
    child_before = _process_cpu_seconds(pid) if pid else None
    cpu_started = time.process_time()
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        walls.append((time.perf_counter() - started) * 1000)
    parent_cpu = time.process_time() - cpu_started
    child_after = _process_cpu_seconds(pid) if pid else None
    if child_before is None or child_after is None or worker._process is None or worker._process.pid != pid:
        return statistics.median(walls), None
    return statistics.median(walls), (parent_cpu + child_after - child_before) * 1000 / runs


def _rdflib_child(graph: Any, text: str, bindings: dict[str, Any], connection: Any) -> None:
    started = time.perf_counter()
    rows = len(list(graph.query(text, initNs=PREFIXES, initBindings=bindings)))
    connection.send(((time.perf_counter() - started) * 1000, rows))


def _rdflib_ms(graph: Any, text: str, bindings: dict[str, Any], budget: float) -> tuple[float | None, int | None]:
    """One rdflib run in a forked child (so a slow one can be stopped); None when over budget."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_rdflib_child, args=(graph, text, bindings, child), daemon=True)
    process.start()
    child.close()
    try:
        if parent.poll(budget):
            ms, rows = parent.recv()
            return ms, rows
        return None, None
    finally:
        process.kill()
        process.join()


def _rdflib_terms(bindings: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Literal, URIRef

    found: dict[str, Any] = {}
    for name, term in bindings.items():
        if isinstance(term, ox.NamedNode):
            found[name] = URIRef(term.value)
        else:
            found[name] = Literal(term.value, datatype=term.datatype.value if term.datatype else None)
    return found


def run_size(n_transfers: int, budget: float, repeat: int = 5) -> list[dict[str, Any]]:
    """Build ``n_transfers`` synthetic transfers and time every named query on them (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="armsgraph-bench-") as folder:
        started = time.perf_counter()
        write_synthetic(folder, n_transfers)
        gc.disable()
        try:
            dataset = load_dataset([folder], cache=False)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            store = build_store(dataset, cache=False)
            oxigraph_build_s = time.perf_counter() - started
            from rdflib import Graph

            started = time.perf_counter()
            graph = Graph()
            graph.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
            rdflib_build_s = time.perf_counter() - started
        finally:
            gc.enable()
        print(
            f"\n{n_transfers:,} transfers: {len(store):,} triples; YAML + validation {load_s:.1f} s, "
            f"Oxigraph build {oxigraph_build_s:.1f} s, rdflib parse {rdflib_build_s:.1f} s"
        )
        values = _parameters(dataset)
        worker = _worker_for(store)
        worker.close()
        started = time.perf_counter()
        run_query(store, "ASK {}", timeout=30)
        fork_ms = (time.perf_counter() - started) * 1000
        trivial_ms, _ = _median_ms(lambda: run_query(store, "SELECT * WHERE {}", timeout=30))
        inline_ms, _ = _median_ms(lambda: run_query(store, "SELECT * WHERE {}", timeout=None))
        print(
            f"time-limit worker: fork + first trivial query {fork_ms:.0f} ms; then a trivial query takes "
            f"{trivial_ms:.2f} ms through the worker vs {inline_ms:.2f} ms in this process"
        )
        results = []
        for query in named_queries():
            variants = [("", {p.name: values[p.name] for p in query.parameters})]
            if any(not p.required for p in query.parameters):  # also as run with optional parameters left out
                variants.append((" (required)", {p.name: values[p.name] for p in query.parameters if p.required}))
            for suffix, params in variants:
                bindings = query.bindings(params, dataset)
                try:  # a probe under a time limit, so one runaway formulation cannot stall the run
                    run_named_query(store, query.name, params, timeout=budget)
                except QueryTimeout:
                    print(f"  {query.name}{suffix}: over {budget:g} s on Oxigraph")
                    continue
                engine_ms, engine_cpu, rows = _timed(
                    lambda q=query, p=params: run_named_query(store, q.name, p, timeout=None), repeat
                )
                worker_ms, worker_cpu = _worker_timed(
                    worker, lambda q=query, p=params: run_named_query(store, q.name, p, timeout=budget), repeat
                )
                rdflib_ms, rdflib_rows = _rdflib_ms(graph, query.text, _rdflib_terms(bindings), budget)
                if rdflib_rows is not None and rdflib_rows != rows:
                    print(f"  note: {query.name}{suffix}: rdflib returned {rdflib_rows} rows, Oxigraph {rows}")
                results.append(
                    {"query": query.name + suffix, "n": n_transfers, "rows": rows, "oxigraph": engine_ms,
                     "oxigraph_cpu": engine_cpu, "worker": worker_ms, "worker_cpu": worker_cpu,
                     "rdflib": rdflib_ms, "params": params}
                )
        worker.close()
        del graph
        gc.collect()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rdflib-budget", type=float, default=30.0, help="seconds before an rdflib run is stopped")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query and way (medians are shown)")
    args = parser.parse_args()
    all_results = []
    for size in args.sizes:
        all_results += run_size(size, args.rdflib_budget, args.repeat)
    print()
    header = (
        f"{'query':<36}{'transfers':>10}{'rows':>7}{'oxigraph ms':>13}{'cpu':>7}{'+limit ms':>11}{'cpu':>7}"
        f"{'rdflib ms':>12}{'rdflib/ox':>11}  target <{TARGET_MS:.0f} ms"
    )
    print(header)
    print("-" * len(header))
    budget_ms = args.rdflib_budget * 1000
    for r in all_results:
        rdflib = f"{r['rdflib']:.0f}" if r["rdflib"] is not None else f">{budget_ms:.0f}"
        ratio = f"{(r['rdflib'] or budget_ms) / r['oxigraph']:.0f}x"
        ratio = ratio if r["rdflib"] is not None else ">" + ratio
        target = ("ok" if r["worker"] < TARGET_MS else "OVER") if r["n"] >= 100_000 else ""
        worker_cpu = f"{r['worker_cpu']:.1f}" if r["worker_cpu"] is not None else "?"
        print(
            f"{r['query']:<36}{r['n']:>10,}{r['rows']:>7}{r['oxigraph']:>13.1f}{r['oxigraph_cpu']:>7.1f}"
            f"{r['worker']:>11.1f}{worker_cpu:>7}{rdflib:>12}{ratio:>11}  {target}"
        )
    print("\nparameters:", {r["query"]: r["params"] for r in all_results if r["n"] == args.sizes[-1]})
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end (others may share it)")

if __name__ == "__main__":
    main()
