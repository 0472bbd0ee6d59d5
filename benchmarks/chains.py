"""How fast are backfill chains and path queries, indexed against the naive pairwise scan?

    python benchmarks/chains.py [--sizes 10000,100000] [--queries 50] [--repeat 3] [--json]

For each size the synthetic dataset of :mod:`benchmarks.synthetic` (the same data the load
benchmark uses: about 100 states trading uniformly at random, 300 systems, dates 1990-2025) is
written as YAML once under ``benchmarks/out/chains/`` and loaded with :func:`graph.load.load_dataset`
(its pickle cache makes later runs start fast). Loading is not timed here. Then, in this run:

- **index**: building :class:`graph.chains.ChainIndex` (the per-leg facts and the
  (intermediary, family) -> legs-by-day index);
- **pair search**: every link the pair rules (R1, R3) accept, through the index (``indexed_links``)
  and by the **naive pairwise scan** (``naive_links``: every leg into an actor against every leg
  out of it); both must find the same links, and the ratio is printed;
- **all chains**: ``find_chains`` with every rule (curated, R1-R4; sorted by score), and the same
  with the pair rules and financing only (R1-R3), counted by rule;
- **paths**: a batch of ``--queries`` random state pairs, ``find_paths(k=5, max_hops=3)`` each on a
  prebuilt :class:`graph.paths.PathIndex`; the baseline is the brute force the index replaces
  (every simple path of up to three transfers on the multigraph, kept when time-respecting), run on
  the first few queries only because it is slow.

Times are the median of ``--repeat`` runs, wall clock and CPU (the machine is shared, so CPU time is
the steadier figure). Targets (issue #3): all chains at 100k transfers under 1 s, a path query
under 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
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

from benchmarks.synthetic import write_synthetic  # noqa: E402
from graph.chains import CHAIN_RULES, ChainIndex, find_chains, indexed_links, naive_links  # noqa: E402
from graph.dataset import Dataset  # noqa: E402
from graph.load import load_dataset  # noqa: E402
from graph.network import build_network  # noqa: E402
from graph.paths import DEFAULT_WINDOW_DAYS, PathIndex, find_paths  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "chains"
CHAINS_TARGET = 1.0
"""Seconds for all chains at 100k transfers."""
PATH_TARGET = 0.050
"""Seconds for one path query."""
BASELINE_PATH_QUERIES = 3


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


def brute_force_paths(network: Any, source: str, target: str, k: int, max_hops: int, window: int) -> list[Any]:
    """The k fewest-hop time-respecting paths by listing every simple path of transfers (the baseline)."""
    found = []
    for edges in __import__("networkx").all_simple_edge_paths(network, source, target, cutoff=max_hops):
        dates = [network.edges[edge]["date"] for edge in edges]
        statuses = [network.edges[edge]["status"] for edge in edges]
        if None in dates or any(s in ("offered", "cancelled") for s in statuses):
            continue
        days = [time.strptime(d, "%Y-%m-%d").tm_yday + 366 * int(d[:4]) for d in dates]  # a monotone day count
        if all(0 <= b - a <= window for a, b in itertools.pairwise(days)):
            found.append(edges)
    return sorted(found, key=len)[:k]


def run_size(size: int, queries: int, repeat: int) -> dict[str, Any]:
    dataset = dataset_of(size)
    report: dict[str, Any] = {"transfers": len(dataset.transfers), "claims": len(dataset.backfills)}

    wall, cpu, index = timed(lambda: ChainIndex(dataset), repeat)
    report["index"] = {"wall": wall, "cpu": cpu}
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    window = DEFAULT_WINDOW_DAYS

    wall, cpu, indexed = timed(lambda: set(indexed_links(index, pair_rules, window)), repeat)
    report["pair_search_indexed"] = {"wall": wall, "cpu": cpu, "links": len(indexed)}
    print(f"  {size:,}: naive pairwise scan ...", file=sys.stderr)
    wall, cpu, naive = timed(lambda: set(naive_links(index, pair_rules, window)), 1)
    report["pair_search_naive"] = {"wall": wall, "cpu": cpu, "links": len(naive)}
    report["pair_search_same_links"] = indexed == naive
    del naive

    # find_chains uses the index cached for this dataset: build it once outside the timing, as the app does.
    find_chains(dataset, rules=[])
    wall, cpu, chains = timed(lambda: find_chains(dataset), repeat)
    report["all_chains"] = {
        "wall": wall,
        "cpu": cpu,
        "chains": len(chains),
        "by_rule": dict(Counter(chain.rule or "curated" for chain in chains)),
    }
    del chains
    wall, cpu, chains = timed(lambda: find_chains(dataset, rules=["R1", "R2", "R3"]), repeat)
    report["chains_without_multi_hop"] = {"wall": wall, "cpu": cpu, "chains": len(chains)}
    del chains

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
    }
    network = build_network(dataset, deployments=False)
    print(f"  {size:,}: brute-force paths on {BASELINE_PATH_QUERIES} queries ...", file=sys.stderr)
    walls = []
    for source, target in pairs[:BASELINE_PATH_QUERIES]:
        w = time.perf_counter()
        brute_force_paths(network, source, target, 5, 3, window)
        walls.append(time.perf_counter() - w)
    report["path_query_brute_force"] = {"queries": len(walls), "median_wall": statistics.median(walls)}
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
        paths, brute = r["path_query"], r["path_query_brute_force"]
        print(f"== {size:,} transfers ({r['claims']:,} curated claims)")
        print(f"index build                  {r['index']['wall']:8.3f} s wall {r['index']['cpu']:8.3f} s cpu")
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
            f"all chains (R1-R4, sorted)   {chains['wall']:8.3f} s wall {chains['cpu']:8.3f} s cpu"
            f"  {chains['chains']:,} chains {chains['by_rule']}{target}"
        )
        print(
            f"chains without R4            {pairs_only['wall']:8.3f} s wall {pairs_only['cpu']:8.3f} s cpu"
            f"  {pairs_only['chains']:,} chains"
        )
        print(f"path index build             {r['path_index']['wall']:8.3f} s wall")
        print(
            f"path query (k=5, 3 hops)     {paths['median_wall'] * 1000:8.1f} ms median wall,"
            f" {paths['p95_wall'] * 1000:.1f} ms p95, {paths['median_cpu'] * 1000:.1f} ms median cpu"
            f" over {paths['queries']} queries ({paths['paths_found']} paths); target < {PATH_TARGET * 1000:.0f} ms"
        )
        print(
            f"path query, brute force      {brute['median_wall'] * 1000:8.1f} ms median wall over"
            f" {brute['queries']} queries; index is {brute['median_wall'] / paths['median_wall']:.0f}x faster"
        )


if __name__ == "__main__":
    main()
