"""How long from starting the explorer to the graph drawn in a browser, on the seeds and after a 30k import?

    python benchmarks/app_start.py [--sipri trade-register.csv | --synthetic 30000] [--repeat 1]

Scenarios, each a fresh ``streamlit run app.py`` server (the flags the README and the browser
test use) driven by Playwright with Debian's chromium:

- ``seeds``: the bundled seeds (the baseline);
- ``30k``: the seeds plus an import of about 30,000 transfers. With ``--sipri FILE`` (or
  ``$ARMSGRAPH_SIPRI``) the SIPRI Trade Register export is imported with ``armsgraph import sipri``
  (29,515 deals in the March 2025 export); otherwise a synthetic dataset of ``--synthetic``
  transfers (:mod:`benchmarks.synthetic`) stands in. The output says which.

Each is measured cold (empty cache: the dataset is read and validated) and warm (a second server
with the cache the first one filled). Times: from launching the server to ``/_stcore/health``
answering, and to the graph component having drawn its nodes in a new page of a browser that is
already running. Ratios are against the seeds' cold start measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.endpoint import stop_process  # noqa: E402  (after the path set-up above)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMPONENT_TITLE = "st_link_analysis.component.component.st_link_analysis"
DRAWN = """() => {
  const cy = document.getElementById('cy');
  return !!(cy && cy._cyreg && cy._cyreg.cy && cy._cyreg.cy.nodes().length > 0);
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started_server(data_dirs: list[Path], cache: Path, timeout: float = 600) -> Iterator[str]:
    """A fresh ``streamlit run app.py`` on ``data_dirs`` (the flags the README documents), healthy; its URL."""
    port = free_port()
    env = {**os.environ, "ARMSGRAPH_DATA": os.pathsep.join(map(str, data_dirs)), "ARMSGRAPH_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            if time.perf_counter() - started > timeout:
                raise TimeoutError("the server did not become healthy")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        stop_process(server)


def drawn_component(page: Any, timeout: float) -> Any:
    """The frame of the page's graph component, once cytoscape in it holds the nodes."""
    page.wait_for_selector(f'iframe[title="{COMPONENT_TITLE}"]', timeout=timeout * 1000)
    frame = None
    while frame is None:
        frame = next((f for f in page.frames if "st_link_analysis" in f.url), None)
        if frame is None:
            page.wait_for_timeout(20)
    frame.wait_for_function(DRAWN, timeout=timeout * 1000, polling=20)
    return frame


def measure(browser: Any, data_dirs: list[Path], cache: Path, timeout: float = 600) -> tuple[float, float, int]:
    """Seconds from launching the server to health, and to the graph drawn; and the nodes drawn.

    The browser is already running (a user's browser is open): only a new page is timed.
    """
    started = time.perf_counter()
    with started_server(data_dirs, cache, timeout) as base:
        healthy = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        try:
            page.goto(base + "/")
            frame = drawn_component(page, timeout)
            drawn = time.perf_counter() - started
            nodes = int(frame.evaluate("() => document.getElementById('cy')._cyreg.cy.nodes().length"))
        finally:
            page.close()
        return healthy, drawn, nodes


def big_dataset(work: Path, sipri: str | None, synthetic: int) -> tuple[Path, str]:
    if sipri:
        out = work / "sipri-import"
        command = [sys.executable, "-m", "graph", "import", "sipri", sipri, "-o", str(out), "--curated",
                   str(ROOT / "seeds")]
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                       env={**os.environ, "ARMSGRAPH_CACHE_DIR": str(work / "import-cache")})
        return out, f"seeds + SIPRI Trade Register import ({Path(sipri).name})"
    from benchmarks.synthetic import write_synthetic

    return write_synthetic(work / "synthetic", synthetic), f"seeds + synthetic {synthetic:,} transfers (stand-in)"


def data_arguments(description: str, repeat: int) -> argparse.ArgumentParser:
    """The options the app benchmarks share: where the big dataset comes from, and repeats; chromium checked."""
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sipri", default=os.environ.get("ARMSGRAPH_SIPRI"), help="SIPRI export to import")
    parser.add_argument("--synthetic", type=int, default=30_000, help="synthetic transfers when no --sipri")
    parser.add_argument("--repeat", type=int, default=repeat, help="runs per measurement (median)")
    return parser


def main() -> None:
    args = data_arguments(__doc__.splitlines()[0], repeat=1).parse_args()
    work = Path(tempfile.mkdtemp(prefix="armsgraph-app-start-"))
    try:
        extra, label = big_dataset(work, args.sipri, args.synthetic)
        from graph import load_dataset

        scenarios = {"seeds": [ROOT / "seeds"], "30k": [ROOT / "seeds", extra]}
        sizes = {name: load_dataset(dirs, cache=False).counts()["transfers"] for name, dirs in scenarios.items()}
        print(f"30k scenario: {label}")
        rows = []
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, dirs in scenarios.items():
                for state in ("cold", "warm"):
                    runs = []
                    for run in range(args.repeat):
                        cache = work / f"cache-{name}-{run}"
                        if state == "cold":
                            shutil.rmtree(cache, ignore_errors=True)
                        elif not cache.exists():
                            measure(browser, dirs, cache)  # fill the cache first
                        runs.append(measure(browser, dirs, cache))
                    healthy = statistics.median(r[0] for r in runs)
                    drawn = statistics.median(r[1] for r in runs)
                    rows.append((name, state, sizes[name], healthy, drawn, runs[0][2]))
            browser.close()
        baseline = rows[0][4]
        header = ("data", "cache", "transfers", "health s", "drawn s", "nodes", "vs seeds cold")
        print("{:6} {:5} {:>9} {:>9} {:>8} {:>6} {:>14}".format(*header))
        for name, state, size, healthy, drawn, nodes in rows:
            print(f"{name:6} {state:5} {size:9,} {healthy:9.2f} {drawn:8.2f} {nodes:6} {drawn / baseline:13.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
