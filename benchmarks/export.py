"""Time the exports at 10k and 100k synthetic transfers, with rdflib's in-memory store as the baseline.

One command::

    python -m benchmarks.export                   # 10k and 100k transfers
    python -m benchmarks.export --sizes 10000     # just 10k

For each size it writes a synthetic dataset (:func:`benchmarks.synthetic.write_synthetic`), loads it,
then times every format of the export registry (:data:`graph.export.FORMATS`) as ``armsgraph export``
runs it on a loaded dataset: ``first`` with an empty cache (writing the sorted, canonical N-Triples
from the records and caching them), ``again`` the median of ``--repeat`` further runs (the sorted
N-Triples cache the first run wrote is reused), each with its CPU seconds (this process and the
children it forked). Both are what a user waits for; both flatter rdflib, whose graph is built before
its clock starts. ``--rdflib-max`` skips rdflib's baseline above that many transfers (it takes many
minutes).
The baseline, in the same run: the same triples in an rdflib memory ``Graph`` serialised as Turtle,
N-Triples and JSON-LD by rdflib itself (one run each: they are slow).

Target (issue #5): Turtle export of 100k transfers under 5 s.
"""

from __future__ import annotations

import argparse
import functools
import gc
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from benchmarks.synthetic import write_synthetic
from graph.export import FORMATS, export
from graph.load import load_dataset
from graph.rdf import build_store, memory_graph

TARGET_TURTLE_S = 5.0
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}


def _cpu() -> float:
    """CPU seconds of this process and of the child processes it has waited for (the Turtle writer forks)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        start, cpu = time.perf_counter(), _cpu()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run_size(n_transfers: int, repeat: int, rdflib_max: int, formats: list[str] | None = None) -> None:
    """Print one table of export timings for a synthetic dataset of ``n_transfers``."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as cache:
        os.environ["ARMSGRAPH_CACHE_DIR"] = cache  # an empty cache for each size and format
        data = write_synthetic(folder, n_transfers)
        dataset = load_dataset([data], cache=False)
        store = build_store(dataset, cache=False)
        print(f"\n{n_transfers:,} transfers, {len(store):,} triples")
        print(f"{'format':<10} {'first s':>9} {'cpu s':>7} {'again s':>9} {'cpu s':>7} {'MB':>8} {'rdflib s':>10} "
              f"{'ratio':>8}")
        baseline = memory_graph(store) if n_transfers <= rdflib_max else None
        for name in formats or FORMATS:
            for stale in os.listdir(cache):
                os.remove(os.path.join(cache, stale))
            sizes: list[int] = []

            def write(fmt_name: str = name, sizes: list[int] = sizes) -> None:
                buffer = io.BytesIO()
                export(dataset, fmt_name, buffer)
                sizes.append(buffer.tell())

            first, first_cpu = _timed(write, 1)
            again, again_cpu = _timed(write, repeat)
            rdflib_s = ratio = ""
            if baseline is not None and name in RDFLIB_FORMATS:
                serialize = functools.partial(baseline.serialize, format=RDFLIB_FORMATS[name], encoding="utf-8")
                theirs, _ = _timed(serialize, 1)
                rdflib_s, ratio = f"{theirs:10.2f}", f"{theirs / first:7.1f}x"
            print(f"{name:<10} {first:9.2f} {first_cpu:7.2f} {again:9.2f} {again_cpu:7.2f} {sizes[-1] / 1e6:8.1f} "
                  f"{rdflib_s:>10} {ratio:>8}")
            if name == "turtle":
                verdict = ", ".join(
                    f"{label} {'met' if seconds < TARGET_TURTLE_S else 'NOT met'}"
                    for label, seconds in (("first", first), ("again", again))
                )
                print(f"{'':<10} target: Turtle under {TARGET_TURTLE_S:.0f} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated transfer counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs with a warm cache per format (median)")
    parser.add_argument("--rdflib-max", type=int, default=10_000, help="largest size timed with rdflib too")
    parser.add_argument("--formats", default="", help="comma-separated format names (default: every format)")
    args = parser.parse_args()
    formats = [name.strip() for name in args.formats.split(",") if name.strip()] or None
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.repeat, args.rdflib_max, formats)


if __name__ == "__main__":
    main()
