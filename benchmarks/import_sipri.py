"""How long do the full SIPRI Trade Register import, the cold build and the warm start take?

    python benchmarks/import_sipri.py [--file TRADE_REGISTER.csv] [--repeat 3] [--json]

The file defaults to ``$ARMSGRAPH_SIPRI_DIR/trade-register-2025-03.csv`` (about 30k deals; SIPRI's
exports are never part of the repository). Each step runs in a fresh Python process:

- import: ``import_sipri`` beside the bundled seeds (read, map, validate each record, write YAML);
- cold: with an empty cache, ``load_dataset`` of seeds + import (read + validate + rules),
  ``build_store`` (RDF in Oxigraph) and ``build_network`` (networkx);
- warm: the same again, with the cache the cold run filled. Printed three times: all three parts
  one after the other; the dataset + network only (what the app's pages, ``chains`` and ``paths``
  wait for; the RDF store is built when SPARQL, ``stats`` or an RDF export first needs it); and
  all three as the app does it, in a fresh process: the store bulk-loads in a background thread
  (:func:`graph.sparql.prefetch_store`, outside the interpreter lock) while the network is built.

CPU seconds are this process's; the loader may fork helpers on a machine with two cores (one
parses half of the YAML files, one writes the dataset cache), and their CPU is printed apart.

Beside each, the floor measured in this same run: reading the CSV with the csv module (import);
libyaml's ``CSafeLoader`` parse of the same YAML files plus Oxigraph's bulk load of the same
triples from N-Triples (cold). Targets (issue #6): import under 10 s, cold under 10 s, warm
start under 1 s. Times are medians of wall-clock seconds, CPU seconds beside them (the machine
is shared and noisy).
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "seeds"
IMPORT_TARGET = 10.0
COLD_TARGET = 10.0
WARM_TARGET = 1.0
T = TypeVar("T")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _child_import(file: str, out: str) -> None:
    start = _clock()
    from graph.importers.sipri import import_sipri

    imported = _clock()
    result = import_sipri(file, out, curated_dirs=[SEEDS])
    wall, cpu = _since(imported)
    print(json.dumps({"imports": _since(start)[0] - wall, "wall": wall, "cpu": cpu,
                      "transfers": result.counts["transfers"], "rejected": result.rows_rejected}))


def _child_build(folders: list[str]) -> None:
    start = _clock()
    from graph.load import load_dataset
    from graph.network import build_network
    from graph.rdf import build_store

    imports = _since(start)[0]
    dataset, load = _step(load_dataset, folders)
    store, rdf = _step(build_store, dataset)
    network, net = _step(build_network, dataset)
    _finish_helpers()
    helpers = os.times()
    print(json.dumps({
        "imports": imports, "load": load[0], "store": rdf[0], "network": net[0],
        "wall": load[0] + rdf[0] + net[0], "cpu": load[1] + rdf[1] + net[1],
        "load_cpu": load[1], "store_cpu": rdf[1], "network_cpu": net[1],
        "helper_cpu": helpers.children_user + helpers.children_system,
        "triples": len(store), "transfers": len(dataset.transfers), "edges": network.number_of_edges(),
    }))


def _child_overlapped(folders: list[str]) -> None:
    """The warm start as the app makes it: the store loads in the background while the network is built."""
    from graph.load import load_dataset
    from graph.network import build_network
    from graph.sparql import prefetch_store, store_for

    dataset, load = _step(load_dataset, folders)
    (started, network), net = _step(lambda: (prefetch_store(dataset), build_network(dataset)))
    store, wait = _step(store_for, dataset)
    _finish_helpers()
    print(json.dumps({
        "load": load[0], "network": net[0], "store_wait": wait[0],
        "wall": load[0] + net[0] + wait[0], "cpu": load[1] + net[1] + wait[1],
        "prefetched": started, "triples": len(store), "edges": network.number_of_edges(),
    }))


def _step(function: Callable[..., T], *args: Any) -> tuple[T, tuple[float, float]]:
    """What ``function(*args)`` returns, and its wall and CPU seconds."""
    begin = _clock()
    result = function(*args)
    return result, _since(begin)


def _finish_helpers() -> None:
    """Wait for the child processes the loader forks (one parses half the files, one writes the cache),
    so that their CPU time is counted too; the process would wait for them at exit anyway."""
    import graph.load

    graph.load._finish_all_writing()


def _run(args: list[str], cache: Path) -> dict[str, Any]:
    env = {**os.environ, "ARMSGRAPH_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the benchmark child failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout)
    figures["process"] = time.perf_counter() - started
    return figures


def _csv_floor(file: Path) -> tuple[float, float]:
    """Reading the export with the csv module: decode, then every row as a list of fields."""
    start = _clock()
    text = file.read_bytes().decode("latin-1")
    rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    assert rows > 0
    return _since(start)


def _yaml_floor(folders: list[Path]) -> tuple[float, float]:
    import yaml

    files = sorted(p for folder in folders for p in folder.rglob("*.yaml"))
    gc.disable()  # as the loader does
    try:
        start = _clock()
        for path in files:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        return _since(start)
    finally:
        gc.enable()


def _oxigraph_floor(ntriples: Path) -> tuple[float, float]:
    import pyoxigraph as ox

    start = _clock()
    store = ox.Store()
    store.bulk_load(path=ntriples, format=ox.RdfFormat.N_TRIPLES)
    elapsed = _since(start)
    del store
    return elapsed


def measure(file: Path, workdir: Path, repeat: int) -> dict[str, Any]:
    """Every figure, medians of ``repeat`` runs; floors interleaved with the runs."""
    imports, colds, warms, overlaps, csv_floors, yaml_floors, ox_floors = [], [], [], [], [], [], []
    out = workdir / "sipri"
    ntriples = workdir / "all.nt"
    for attempt in range(repeat):
        csv_floors.append(_csv_floor(file))
        imports.append(_run(["--child-import", str(file), str(out)], workdir / "unused-cache"))
        if attempt == 0:
            from graph.load import load_dataset
            from graph.rdf import sorted_ntriples

            ntriples.write_bytes(sorted_ntriples(load_dataset([SEEDS, out], cache=False)))
        yaml_floors.append(_yaml_floor([SEEDS, out]))
        ox_floors.append(_oxigraph_floor(ntriples))
        cache = workdir / f"cache-{attempt}"
        colds.append(_run(["--child-build", str(SEEDS), str(out)], cache))
        warms.append(_run(["--child-build", str(SEEDS), str(out)], cache))
        overlaps.append(_run(["--child-overlapped", str(SEEDS), str(out)], cache))

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    def pair(floors: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(w for w, _ in floors), statistics.median(c for _, c in floors)

    keys = ("imports", "load", "store", "network", "wall", "cpu", "process", "load_cpu", "store_cpu", "network_cpu",
            "helper_cpu")
    return {
        "file": str(file),
        "repeat": repeat,
        "transfers_imported": imports[0]["transfers"],
        "rejected": imports[0]["rejected"],
        "transfers_loaded": colds[0]["transfers"],
        "triples": colds[0]["triples"],
        "yaml_megabytes": sum(p.stat().st_size for p in out.rglob("*.yaml")) / 1e6,
        "import": {key: median(imports, key) for key in ("imports", "wall", "cpu", "process")},
        "cold": {key: median(colds, key) for key in keys},
        "warm": {key: median(warms, key) for key in keys},
        "warm_overlapped": {key: median(overlaps, key) for key in ("load", "network", "store_wait", "wall", "cpu")},
        "store_prefetched": all(run["prefetched"] for run in overlaps),
        "csv_floor": pair(csv_floors),
        "yaml_floor": pair(yaml_floors),
        "oxigraph_floor": pair(ox_floors),
    }


def _verdict(value: float, target: float) -> str:
    return f"target < {target:g} s: {'met' if value < target else 'NOT met'}"


def report(r: dict[str, Any]) -> str:
    """The figures as text."""
    imp, cold, warm, over = r["import"], r["cold"], r["warm"], r["warm_overlapped"]
    csv_wall, csv_cpu = r["csv_floor"]
    floor_wall = r["yaml_floor"][0] + r["oxigraph_floor"][0]
    floor_cpu = r["yaml_floor"][1] + r["oxigraph_floor"][1]
    return "\n".join([
        f"== {Path(r['file']).name}: {r['transfers_imported']:,} transfers imported ({r['rejected']} rejected), "
        f"{r['yaml_megabytes']:.1f} MB of YAML; with the seeds {r['transfers_loaded']:,} transfers, "
        f"{r['triples']:,} triples (median of {r['repeat']})",
        f"   import  {imp['wall']:6.2f} s wall, {imp['cpu']:5.2f} s CPU  vs csv-module read {csv_wall:.2f} s "
        f"({imp['wall'] / csv_wall:.0f}x)   {_verdict(imp['wall'], IMPORT_TARGET)}",
        f"   cold    {cold['wall']:6.2f} s wall, {cold['cpu']:5.2f} s CPU (+ {cold['helper_cpu']:.2f} s CPU in forked "
        f"helpers)  = load+validate {cold['load']:.2f} "
        f"+ RDF store {cold['store']:.2f} + network {cold['network']:.2f}   vs floor {floor_wall:.2f} s "
        f"(CSafeLoader {r['yaml_floor'][0]:.2f} + Oxigraph bulk load {r['oxigraph_floor'][0]:.2f}; "
        f"{cold['wall'] / floor_wall:.1f}x)   {_verdict(cold['wall'], COLD_TARGET)}",
        f"   warm    {warm['wall']:6.2f} s wall, {warm['cpu']:5.2f} s CPU  = load {warm['load']:.2f} "
        f"+ RDF store {warm['store']:.2f} + network {warm['network']:.2f}   all three: "
        f"{_verdict(warm['wall'], WARM_TARGET)}",
        f"           {warm['load'] + warm['network']:6.2f} s wall, {warm['load_cpu'] + warm['network_cpu']:5.2f} s CPU"
        f"  = load + network (what the app, chains and paths wait for; the store waits for the first "
        f"SPARQL use)   {_verdict(warm['load'] + warm['network'], WARM_TARGET)}",
        f"           {over['wall']:6.2f} s wall, {over['cpu']:5.2f} s CPU  = load {over['load']:.2f} + network "
        f"{over['network']:.2f} while the store loads in the background (prefetch_store"
        f"{'' if r['store_prefetched'] else ': NOT started'}), then {over['store_wait']:.2f} waiting for it   "
        f"all three: {_verdict(over['wall'], WARM_TARGET)}",
        f"   CPU floors: csv {csv_cpu:.2f} s, YAML+Oxigraph {floor_cpu:.2f} s; module imports: "
        f"import step {imp['imports']:.2f} s, build {warm['imports']:.2f} s; "
        f"whole warm process {warm['process']:.2f} s",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_dir = os.environ.get("ARMSGRAPH_SIPRI_DIR") or str(ROOT.parent / "shared" / "data" / "sipri")
    parser.add_argument("--file", default=str(Path(default_dir) / "trade-register-2025-03.csv"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    parser.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-build", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child-overlapped", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        _child_import(*args.child_import)
        return 0
    if args.child_build:
        _child_build(args.child_build)
        return 0
    if args.child_overlapped:
        _child_overlapped(args.child_overlapped)
        return 0
    file = Path(args.file)
    if not file.is_file():
        print(f"no SIPRI Trade Register at {file}: set ARMSGRAPH_SIPRI_DIR or pass --file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="armsgraph-import-bench-") as workdir:
        result = measure(file, Path(workdir), args.repeat)
    print(report(result), flush=True)
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
