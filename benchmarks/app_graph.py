"""How long until the Graph page is usable in a browser, on the seeds and on the seeds plus a SIPRI import?

    python benchmarks/app_graph.py [--sipri trade-register.csv | --import-dir DIR | --synthetic 30000]
                                   [--repeat 3]

"Usable" is measured in a real browser (Debian chromium driven by Playwright), per open of the page:

1. ``drawn``: from ``page.goto`` of the Graph page (the default page, ``/``) to the st-link-analysis
   component holding its nodes with their positions, and a frame painted after that (two animation
   frames in its iframe);
2. ``click``: then a real mouse click on Poland where cytoscape drew it, until the page shows
   Poland's details (the click went back to Python, which reran the page and answered);
3. ``usable`` = the two together: from navigating to the page to the page answering a click.

Opens are timed in two states, each on a server whose dataset cache is already filled (the
dataset is read back, not rebuilt):

- ``first``: the first open after the server started (Streamlit's caches are cold: the dataset,
  the filter options and the graph are built in that run); one server per repeat;
- ``warm``: later opens of the page in new tabs (new sessions) of the same server.

Scenarios: ``seeds`` (the bundled seeds: the baseline measured in the same run); ``big``: the
seeds plus the SIPRI Trade Register import (``--sipri FILE`` or ``$ARMSGRAPH_SIPRI`` imports it,
``--import-dir`` reuses an import made with ``armsgraph import sipri``; without either, a synthetic
dataset (:mod:`benchmarks.synthetic`) stands in and the output says so), as the page opens (the
strongest country pairs drawn); ``big/all``: the same page with every country pair drawn
(``?pairs=all``, as the page drew before it had a limit).

CPU seconds are those of the benchmark's child processes (the Streamlit server, the Playwright
driver and chromium, read from ``/proc``), so the figure holds on a machine others share.
Each row is a median over ``--repeat`` opens.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.app_start import (  # noqa: E402  (after the path set-up above)
    CHROMIUM,
    CHROMIUM_ARGS,
    COMPONENT_TITLE,
    big_dataset,
    data_arguments,
    drawn_component,
    started_server,
)

CLICKED = "POL"
"""The node clicked: Poland is in the seeds and in every SIPRI export."""
CLICKED_NAME = "Poland"
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"
NODE_POINT = """(id) => {
  const cy = document.getElementById('cy')._cyreg.cy;
  const node = cy.getElementById(id);
  return node.empty() ? null : node.renderedPosition();
}"""
COUNTS = "() => { const cy = document.getElementById('cy')._cyreg.cy; return [cy.nodes().length, cy.edges().length]; }"


@dataclass(frozen=True)
class Open:
    """One open of the Graph page: seconds to drawn, to a click answered, CPU seconds, elements drawn."""

    drawn: float
    click: float
    cpu: float
    nodes: int
    edges: int

    @property
    def usable(self) -> float:
        return self.drawn + self.click


def children_cpu_seconds() -> float:
    """User + system CPU seconds of every live process descending from this one (server, driver, chromium)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    me, total = os.getpid(), 0.0
    for pid, cpu in times.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me):
            ancestor = parents.get(ancestor)  # type: ignore[arg-type]
        if ancestor == me:
            total += cpu
    return total


def open_graph_page(browser: Any, base: str, query: str = "", timeout: float = 300) -> Open:
    """Open the Graph page (with ``query``) in a new tab, wait until drawn, click Poland, wait for its details."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        cpu = children_cpu_seconds()
        started = time.perf_counter()
        page.goto(f"{base}/{query}")  # the Graph page is the default page: "/graph" is "not found"
        frame = drawn_component(page, timeout)
        frame.evaluate(PAINTED)
        drawn = time.perf_counter() - started
        nodes, edges = frame.evaluate(COUNTS)
        point = frame.evaluate(NODE_POINT, CLICKED)
        if point is None:
            raise RuntimeError(f"{CLICKED} is not drawn")
        clicked = time.perf_counter()
        page.frame_locator(f'iframe[title="{COMPONENT_TITLE}"]').locator("#cy").click(
            position={"x": point["x"], "y": point["y"]}, timeout=timeout * 1000
        )
        page.get_by_role("heading", name=CLICKED_NAME).first.wait_for(timeout=timeout * 1000)
        click = time.perf_counter() - clicked
        return Open(drawn, click, children_cpu_seconds() - cpu, int(nodes), int(edges))
    finally:
        page.close()


def measure(browser: Any, dirs: list[Path], cache: Path, query: str, repeat: int) -> dict[str, list[Open]]:
    """``repeat`` first opens (a new server each) and ``repeat`` warm opens (of the last server)."""
    found: dict[str, list[Open]] = {"first": [], "warm": []}
    for run in range(repeat):
        with started_server(dirs, cache) as base:
            found["first"].append(open_graph_page(browser, base, query))
            if run == repeat - 1:
                found["warm"] = [open_graph_page(browser, base, query) for _ in range(repeat)]
    return found


def fill_cache(dirs: list[Path], cache: Path) -> int:
    """Build and cache the dataset once (the app then reads it back); its number of transfers."""
    previous = os.environ.get("ARMSGRAPH_CACHE_DIR")
    os.environ["ARMSGRAPH_CACHE_DIR"] = str(cache)
    try:
        from graph import load_dataset

        return load_dataset(dirs).counts()["transfers"]
    finally:
        if previous is None:
            del os.environ["ARMSGRAPH_CACHE_DIR"]
        else:
            os.environ["ARMSGRAPH_CACHE_DIR"] = previous


def median_open(opens: list[Open]) -> Open:
    """Medians of each figure over several opens (elements from the first)."""
    return Open(
        statistics.median(o.drawn for o in opens),
        statistics.median(o.click for o in opens),
        statistics.median(o.cpu for o in opens),
        opens[0].nodes,
        opens[0].edges,
    )


def main() -> None:
    parser = data_arguments(__doc__.splitlines()[0], repeat=3)
    parser.add_argument("--import-dir", type=Path, help="an earlier `armsgraph import sipri` output to reuse")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="armsgraph-app-graph-"))
    try:
        if args.import_dir:
            extra, label = args.import_dir, f"seeds + {args.import_dir} (an earlier import)"
        else:
            extra, label = big_dataset(work, args.sipri, args.synthetic)
        big = [ROOT / "seeds", extra]
        scenarios = {"seeds": ([ROOT / "seeds"], ""), "big": (big, ""), "big/all": (big, "?pairs=all")}
        cache = work / "cache"
        sizes = {name: fill_cache(dirs, cache) for name, (dirs, _) in scenarios.items()}
        print(f"big scenario: {label}")
        from playwright.sync_api import sync_playwright

        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, (dirs, query) in scenarios.items():
                for state, opens in measure(browser, dirs, cache, query, args.repeat).items():
                    rows.append((name, state, sizes[name], opens))
            browser.close()
        print(f"Graph page usable = drawn + click answered; medians of {args.repeat}; CPU = server + browser")
        header = ("data", "open", "transfers", "nodes", "edges", "drawn s", "click s", "usable s", "CPU s", "each")
        print("{:7} {:6} {:>9} {:>6} {:>6} {:>8} {:>8} {:>9} {:>7}  {}".format(*header))
        for name, state, size, opens in rows:
            m = median_open(opens)
            each = " ".join(f"{o.usable:.2f}" for o in opens)
            print(f"{name:7} {state:6} {size:9,} {m.nodes:6} {m.edges:6} {m.drawn:8.2f} {m.click:8.2f}"
                  f" {m.usable:9.2f} {m.cpu:7.2f}  {each}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
