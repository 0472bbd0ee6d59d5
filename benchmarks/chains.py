"""How fast are backfill chains and path queries, indexed against the naive pairwise scan?

    python benchmarks/chains.py [--sizes 10000,100000] [--queries 50] [--repeat 3] [--json]

For each size the synthetic dataset of :mod:`benchmarks.synthetic` (the same data the load
benchmark uses: about 100 states trading uniformly at random, 300 systems, dates 1990-2025) is
written as YAML once under ``benchmarks/out/chains/`` and loaded with :func:`graph.load.load_dataset`
(its pickle cache makes later runs start fast). Loading is not timed here. Then, in this run:

- **index**: building :class:`graph.chains.ChainIndex` (the per-leg facts and the
  (intermediary, family) -> legs-by-day index), then the same with its ``table`` (every leg's facts
  as numpy arrays, which the first chain search builds and path queries never need);
- **pair search**: every link the pair rules (R1, R3) accept, through the index (``indexed_links``)
  and by the **naive pairwise scan** (``naive_links``: every leg into an actor against every leg
  out of it); both must find the same links, and the ratio is printed;
- **all chains**: ``find_chains`` with every rule (curated, R1-R4): every chain found, scored and sorted
  by score (a :class:`graph.chains.RankedChains`, which builds each chain object when it is read), then,
  timed apart, reading every chain of that result (building each :class:`graph.chains.BackfillChain`
  with its legs: what a user pays who reads them all); the same search with the pair rules and
  financing only (R1-R3), with every rule but ``min_score=0.25`` (weaker chains are never
  built), counted by rule, and filtered as ``armsgraph chains --via X --since 2010`` filters them (X the
  actor that receives most transfers);
- **paths**: a batch of ``--queries`` random state pairs, ``find_paths(k=5, max_hops=3)`` each on a
  prebuilt :class:`graph.paths.PathIndex`. Two baselines, on the first few queries only because they
  are slow: the brute force (every simple path of up to three transfers on the multigraph, kept when
  time-respecting; stopped if one query runs past a minute), and route-first (networkx
  ``shortest_simple_paths`` on the collapsed actor graph, each route then checked for legs that fit in
  time, until five fit or routes exceed three hops).

Times are the median of ``--repeat`` runs, wall clock and CPU (the machine is shared, so CPU time is
the steadier figure), printed with the load average before and after the chain timings. Targets
(issue #3): all chains at 100k transfers under 1 s, a path query under 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from benchmarks.synthetic import write_synthetic  # noqa: E402
from graph.chains import (  # noqa: E402
    CHAIN_RULES,
    BackfillChain,
    ChainIndex,
    find_chains,
    indexed_links,
    naive_links,
)
from graph.dataset import Dataset  # noqa: E402
from graph.load import load_dataset  # noqa: E402
from graph.network import build_network, collapse  # noqa: E402
from graph.paths import DEFAULT_WINDOW_DAYS, PathIndex, find_paths  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "chains"
CHAINS_TARGET = 1.0
"""Seconds for all chains at 100k transfers."""
PATH_TARGET = 0.050
"""Seconds for one path query."""
BASELINE_PATH_QUERIES = 3
MIN_SCORE = 0.25
"""The floor for the ranked run: chains scoring below it are not built."""
BASELINE_BUDGET = 60.0
"""Seconds a brute-force path query may run before it is stopped and reported as out of time."""


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def dataset_of(size: int) -> Dataset:
    folder = OUT / f"synthetic-{size}"
    if not (folder / "actors.yaml").exists():
        print(f"writing {size:,} synthetic transfers to {folder} ...", file=sys.stderr)
        write_synthetic(folder, size)
    print(f"loading {folder} ...", file=sys.stderr)
    dataset = load_dataset([folder])
    # The dataset lives for the whole run: keep the collector from rescanning it at every pause.
    gc.collect()
    gc.freeze()
    return dataset


class OutOfTime(Exception):
    """A baseline query ran past its budget."""


def brute_force_paths(
    network: Any, source: str, target: str, k: int, max_hops: int, window: int, budget: float
) -> list[Any]:
    """The k fewest-hop time-respecting paths by listing every simple path of transfers (a baseline).

    Raises :class:`OutOfTime` after ``budget`` seconds.
    """
    found = []
    deadline = time.perf_counter() + budget
    for count, edges in enumerate(nx.all_simple_edge_paths(network, source, target, cutoff=max_hops)):
        if count % 10_000 == 0 and time.perf_counter() > deadline:
            raise OutOfTime
        attributes = [network.edges[edge] for edge in edges]
        if any(a["date"] is None or a["status"] in ("offered", "cancelled") for a in attributes):
            continue
        days = [dt.date.fromisoformat(a["date"]).toordinal() for a in attributes]
        if all(0 <= b - a <= window for a, b in itertools.pairwise(days)):
            found.append(edges)
    return sorted(found, key=len)[:k]


def route_first_paths(collapsed: Any, index: PathIndex, source: str, target: str, k: int, window: int) -> int:
    """Routes from networkx ``shortest_simple_paths`` on the collapsed graph, each checked for legs that fit
    in time (a baseline: the approach :mod:`graph.paths` replaced); returns how many fit."""
    fitting = 0

    def fits(route: list[str], position: int, day: int | None) -> bool:
        if position == len(route) - 1:
            return True
        _, legs = index.pairs[(route[position], route[position + 1])]
        for leg in legs:
            usable = leg.status not in ("offered", "cancelled")
            in_time = day is None or day <= leg.day <= day + window  # type: ignore[operator]
            if usable and in_time and fits(route, position + 1, leg.day):
                return True
        return False

    try:
        for route in nx.shortest_simple_paths(collapsed, source, target):
            if len(route) - 1 > 3:
                break
            if fits(route, 0, None):
                fitting += 1
                if fitting == k:
                    break
    except nx.NetworkXNoPath:
        pass
    return fitting


def run_size(size: int, queries: int, repeat: int) -> dict[str, Any]:
    dataset = dataset_of(size)
    report: dict[str, Any] = {"transfers": len(dataset.transfers), "claims": len(dataset.backfills)}

    report["load_average_before"] = os.getloadavg()
    wall, cpu, index = timed(lambda: ChainIndex(dataset), repeat)
    report["index"] = {"wall": wall, "cpu": cpu}
    wall, cpu, _ = timed(lambda: ChainIndex(dataset).table, repeat)
    report["index_with_table"] = {"wall": wall, "cpu": cpu}
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    window = DEFAULT_WINDOW_DAYS

    wall, cpu, indexed = timed(lambda: list(indexed_links(index, pair_rules, window)), repeat)
    report["pair_search_indexed"] = {"wall": wall, "cpu": cpu, "links": len(indexed)}
    print(f"  {size:,}: naive pairwise scan ...", file=sys.stderr)
    wall, cpu, naive = timed(lambda: list(naive_links(index, pair_rules, window)), 1)
    report["pair_search_naive"] = {"wall": wall, "cpu": cpu, "links": len(naive)}
    report["pair_search_same_links"] = set(indexed) == set(naive)
    del naive

    # find_chains uses the index (and its table) cached for this dataset: build it once outside the timing,
    # as the app does.
    find_chains(dataset, rules=[])
    found, built, counted = [], [], Counter[str]()
    for _ in range(repeat):  # each run finds every chain, then builds every chain object of what it found
        wall, cpu, ranked = timed(lambda: find_chains(dataset), 1)
        found.append((wall, cpu))
        wall, cpu, objects = timed(lambda r=ranked: list(r), 1)
        built.append((wall, cpu))
        assert len(objects) == len(ranked) and all(isinstance(chain, BackfillChain) for chain in objects)
        counted = Counter(chain.rule or "curated" for chain in objects)
        del ranked, objects
    report["all_chains"] = {
        "wall": statistics.median(w for w, _ in found),
        "cpu": statistics.median(c for _, c in found),
        "chains": sum(counted.values()),
        "by_rule": dict(counted),
    }
    report["all_chain_objects"] = {
        "wall": statistics.median(w for w, _ in built),
        "cpu": statistics.median(c for _, c in built),
    }
    wall, cpu, chains = timed(lambda: find_chains(dataset, rules=["R1", "R2", "R3"]), repeat)
    report["chains_without_multi_hop"] = {"wall": wall, "cpu": cpu, "chains": len(chains)}
    del chains
    wall, cpu, chains = timed(lambda: find_chains(dataset, min_score=MIN_SCORE), repeat)
    report["chains_above_min_score"] = {"wall": wall, "cpu": cpu, "chains": len(chains), "min_score": MIN_SCORE}
    del chains
    busiest = Counter(t.recipient for t in dataset.transfers.values()).most_common(1)[0][0]
    wall, cpu, chains = timed(lambda: find_chains(dataset, via=busiest, since="2010"), repeat)
    report["chains_filtered"] = {"wall": wall, "cpu": cpu, "chains": len(chains), "via": busiest, "since": "2010"}
    del chains
    report["load_average_after_chains"] = os.getloadavg()

    wall, cpu, path_index = timed(lambda: PathIndex(dataset), 1)
    report["path_index"] = {"wall": wall, "cpu": cpu}
    states = sorted(a.id for a in dataset.actors.values() if a.kind.value == "state")
    rng = random.Random(size)
    pairs = [tuple(rng.sample(states, 2)) for _ in range(queries)]
    walls, cpus, found = [], [], 0
    for source, target in pairs:
        w, c = time.perf_counter(), time.process_time()
        found += len(find_paths(dataset, source, target, k=5, max_hops=3, index=path_index))
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    report["path_query"] = {
        "queries": queries,
        "paths_found": found,
        "median_wall": statistics.median(walls),
        "p95_wall": sorted(walls)[int(0.95 * (len(walls) - 1))],
        "median_cpu": statistics.median(cpus),
        "same_queries_median_cpu": statistics.median(cpus[:BASELINE_PATH_QUERIES]),
    }
    network = build_network(dataset, deployments=False)
    collapsed = collapse(network)
    for name, baseline in (
        ("path_query_route_first", lambda s, t: route_first_paths(collapsed, path_index, s, t, 5, window)),
        ("path_query_brute_force", lambda s, t: brute_force_paths(network, s, t, 5, 3, window, BASELINE_BUDGET)),
    ):
        print(f"  {size:,}: {name} on {BASELINE_PATH_QUERIES} queries ...", file=sys.stderr)
        walls, cpus = [], []
        try:
            for source, target in pairs[:BASELINE_PATH_QUERIES]:
                w, c = time.perf_counter(), time.process_time()
                baseline(source, target)
                walls.append(time.perf_counter() - w)
                cpus.append(time.process_time() - c)
        except OutOfTime:
            report[name] = {"queries": len(walls), "out_of_time": BASELINE_BUDGET}
            continue
        report[name] = {
            "queries": len(walls),
            "median_wall": statistics.median(walls),
            "median_cpu": statistics.median(cpus),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of transfers")
    parser.add_argument("--queries", type=int, default=50, help="path queries per size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[size] = run_size(size, args.queries, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for size, r in results.items():
        indexed, naive = r["pair_search_indexed"], r["pair_search_naive"]
        chains, pairs_only = r["all_chains"], r["chains_without_multi_hop"]
        paths = r["path_query"]
        loads = [" ".join(f"{x:.2f}" for x in r[key]) for key in ("load_average_before", "load_average_after_chains")]
        print(f"== {size:,} transfers ({r['claims']:,} curated claims); load average {loads[0]} -> {loads[1]}")
        print(f"index build                  {r['index']['wall']:8.3f} s wall {r['index']['cpu']:8.3f} s cpu")
        table = r["index_with_table"]
        print(
            f"  with its leg arrays        {table['wall']:8.3f} s wall {table['cpu']:8.3f} s cpu"
            "  (the table the first chain search builds)"
        )
        print(
            f"pair search, indexed         {indexed['wall']:8.3f} s wall {indexed['cpu']:8.3f} s cpu"
            f"  {indexed['links']:,} links"
        )
        print(
            f"pair search, naive scan      {naive['wall']:8.3f} s wall {naive['cpu']:8.3f} s cpu"
            f"  {naive['links']:,} links; indexed is {naive['cpu'] / indexed['cpu']:.0f}x faster (cpu);"
            f" same links: {r['pair_search_same_links']}"
        )
        target = f" (target < {CHAINS_TARGET:.0f} s)" if size >= 100_000 else ""
        print(
            f"all chains (R1-R4, ranked)   {chains['wall']:8.3f} s wall {chains['cpu']:8.3f} s cpu"
            f"  {chains['chains']:,} chains found, scored, sorted {chains['by_rule']}{target}"
        )
        objects = r["all_chain_objects"]
        print(
            f"  + every chain object       {objects['wall']:8.3f} s wall {objects['cpu']:8.3f} s cpu"
            f"  reading all of them builds each BackfillChain with its legs (explanation, sources on demand)"
        )
        print(
            f"chains without R4            {pairs_only['wall']:8.3f} s wall {pairs_only['cpu']:8.3f} s cpu"
            f"  {pairs_only['chains']:,} chains"
        )
        ranked = r["chains_above_min_score"]
        print(
            f"chains scoring >= {ranked['min_score']:.2f}       {ranked['wall']:8.3f} s wall {ranked['cpu']:8.3f} s cpu"
            f"  {ranked['chains']:,} chains (all rules; weaker ones never built)"
        )
        filtered = r["chains_filtered"]
        print(
            f"{'chains via ' + filtered['via'] + ', since ' + filtered['since']:<29}{filtered['wall']:8.3f} s wall "
            f"{filtered['cpu']:8.3f} s cpu  {filtered['chains']:,} chains (the busiest recipient as intermediary)"
        )
        print(f"path index build             {r['path_index']['wall']:8.3f} s wall")
        print(
            f"path query (k=5, 3 hops)     {paths['median_wall'] * 1000:8.1f} ms median wall,"
            f" {paths['p95_wall'] * 1000:.1f} ms p95, {paths['median_cpu'] * 1000:.1f} ms median cpu"
            f" over {paths['queries']} queries ({paths['paths_found']} paths); target < {PATH_TARGET * 1000:.0f} ms"
        )
        for name, label in (("path_query_route_first", "route-first"), ("path_query_brute_force", "brute force")):
            base = r[name]
            if "out_of_time" in base:
                print(f"path query, {label:<17}stopped: one query ran past {base['out_of_time']:.0f} s")
                continue
            print(
                f"path query, {label:<17}{base['median_wall'] * 1000:8.1f} ms median wall,"
                f" {base['median_cpu'] * 1000:.1f} ms cpu over {base['queries']} queries;"
                f" the index is {base['median_cpu'] / paths['same_queries_median_cpu']:.1f}x faster"
                " (cpu, same queries)"
            )


if __name__ == "__main__":
    main()
