"""The explorer in a real browser: every page renders, a node click shows details, a chain can be
picked, a SPARQL query runs, and nothing is requested from outside 127.0.0.1.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and Playwright; CI installs both. The test
fails, never skips, when chromium is missing. Screenshots go to a temporary folder (``--basetemp``
keeps them) and, with ``ARMSGRAPH_SCREENSHOTS=DIR``, to ``DIR`` too.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.synthetic import write_synthetic
from graph.endpoint import stop_process

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "app"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COMPONENT_FRAME = "st_link_analysis.component.component.st_link_analysis"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer {base}/_stcore/health within {timeout} s")


def start_server(port: int, data: Path, cache: Path) -> subprocess.Popen[bytes]:
    """``streamlit run app.py`` on 127.0.0.1 with the flags the README documents."""
    env = {**os.environ, "ARMSGRAPH_DATA": str(data), "ARMSGRAPH_CACHE_DIR": str(cache)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@contextmanager
def running_app(data: Path, cache: Path) -> Iterator[str]:
    """The explorer on ``data``, healthy: its base URL; stopped on leaving."""
    port = free_port()
    server = start_server(port, data, cache)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        yield base
    finally:
        stop_process(server)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(FIXTURE, tmp_path_factory.mktemp("cache")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (CI installs it)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser: object, app_url: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1700})  # type: ignore[attr-defined]
    opened = context.new_page()
    opened.requests_seen = []  # type: ignore[attr-defined]
    opened.on("request", lambda request: opened.requests_seen.append(request.url))  # type: ignore[attr-defined]
    # The fixture's hostile source holds <script>alert(...)</script>: no page may ever run it.
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    try:
        yield opened
        assert dialogs == [], f"data text ran as script: {dialogs}"
    finally:
        context.close()


def outside_requests(urls: list[str]) -> list[str]:
    """Requests to anything but 127.0.0.1 (data: and blob: URLs stay in the page)."""
    local = ("data", "blob", "about")
    return [u for u in urls if urlsplit(u).scheme not in local and urlsplit(u).hostname != "127.0.0.1"]


def settle(page: object, timeout: float = 60_000) -> None:
    """Wait until Streamlit has run the script and drawn its output (as Streamlit's own e2e tests do)."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stSkeleton\"], [data-stale=\"true\"]')", timeout=timeout
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def snap(page: object, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    extra = os.environ.get("ARMSGRAPH_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def heading(page: object, text: str) -> None:
    page.get_by_role("heading", name=text).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]


def component_frame(page: object, index: int = 0) -> object:
    frames = [f for f in page.frames if "st_link_analysis" in f.url]  # type: ignore[attr-defined]
    assert len(frames) > index, "the graph component did not load"
    return frames[index]


def click_node(page: object, node_id: str, index: int = 0) -> None:
    """Click a node where cytoscape drew it (cytoscape keeps its instance on the #cy container)."""
    point = component_frame(page, index).evaluate(  # type: ignore[attr-defined]
        "(id) => { const cy = document.getElementById('cy')._cyreg.cy;"
        " const node = cy.getElementById(id); return node.empty() ? null : node.renderedPosition(); }",
        node_id,
    )
    assert point is not None, f"node {node_id} is not drawn"
    # The top canvas layer takes the pointer events: click the container at the node's position.
    page.frame_locator(f'iframe[title="{COMPONENT_FRAME}"]').nth(index).locator("#cy").click(  # type: ignore[attr-defined]
        position={"x": point["x"], "y": point["y"]}
    )


def test_graph_page_draws_the_network_and_a_click_on_poland_shows_its_sources(page, app_url, shots):
    page.goto(f"{app_url}/")  # the Graph page is the default page
    heading(page, "Who arms whom")
    frame = page.frame_locator(f'iframe[title="{COMPONENT_FRAME}"]')
    canvas = frame.locator("canvas").last
    canvas.wait_for(timeout=60_000)
    settle(page)
    page.wait_for_timeout(1500)  # cytoscape draws after the frame loads
    snap(page, shots, "graph")
    click_node(page, "POL")
    page.get_by_role("heading", name="Poland").first.wait_for(timeout=30_000)
    settle(page)
    assert "sel=POL" in page.url
    assert page.get_by_role("link", name="Poland confirms that Ukraine receives hundreds of T-72 tanks").count() == 1
    snap(page, shots, "graph-details")
    assert outside_requests(page.requests_seen) == [], outside_requests(page.requests_seen)


@pytest.fixture(scope="module")
def large_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The explorer on 3,000 synthetic transfers among 100 states (about 2,600 country pairs)."""
    data = write_synthetic(tmp_path_factory.mktemp("synthetic"), 3_000)
    with running_app(data, tmp_path_factory.mktemp("large-cache")) as base:
        yield base


def test_a_large_dataset_opens_on_the_strongest_country_pairs_and_says_how_many_are_hidden(
    browser, large_app_url, shots
):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{large_app_url}/")
        heading(page, "Who arms whom")
        page.get_by_text("Drawn: the 500 country pairs with the most transfers").wait_for(timeout=120_000)
        summary = page.get_by_text("of 3000 transfers").first.inner_text()
        pairs = int(re.search(r"folded into (\d+) country pairs", summary).group(1))  # type: ignore[union-attr]
        actors = int(re.search(r"(\d+) actors", summary).group(1))  # type: ignore[union-attr]
        assert pairs > 500
        hidden = page.get_by_text("weaker pairs").first.inner_text()
        assert f"{pairs - 500:,} weaker pairs" in hidden
        page.frame_locator(f'iframe[title="{COMPONENT_FRAME}"]').locator("canvas").last.wait_for(timeout=60_000)
        frame = component_frame(page)
        frame.wait_for_function(  # type: ignore[attr-defined]
            "() => { const cy = document.getElementById('cy'); return !!(cy && cy._cyreg && cy._cyreg.cy"
            " && cy._cyreg.cy.nodes().length > 0); }", timeout=60_000,
        )
        drawn = frame.evaluate(  # type: ignore[attr-defined]
            "() => { const cy = document.getElementById('cy')._cyreg.cy;"
            " return [cy.nodes().length, cy.edges().length]; }"
        )
        assert drawn == [actors, 500]  # every actor, the 500 strongest pairs
        settle(page)
        snap(page, shots, "graph-large")
        assert outside_requests(requests) == [], outside_requests(requests)
    finally:
        context.close()


def choose(page: object, label: str, option_text: str) -> None:
    """Pick an option of a Streamlit selectbox by its label and the option's visible text."""
    page.get_by_label(label, exact=True).first.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option_text).first.click()  # type: ignore[attr-defined]
    settle(page)


def test_chains_page_lists_both_chains_and_picking_the_inferred_one_shows_its_legs(page, app_url, shots):
    page.goto(f"{app_url}/chains")
    heading(page, "Backfill chains")
    settle(page)
    choose(page, "Chain", "inferred")
    assert "chain=R1" in page.url
    frame_titles = [f for f in page.frames if "st_link_analysis" in f.url]
    assert frame_titles, "the chain drawing did not load"
    source = "Ukraine will receive 10 more MiG-29 fighters from Poland"
    page.get_by_role("link", name=source).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    snap(page, shots, "chains")
    assert outside_requests(page.requests_seen) == [], outside_requests(page.requests_seen)


def test_a_shared_paths_link_opens_with_its_two_actors_and_draws_the_route(page, app_url, shots):
    page.goto(f"{app_url}/paths?source=KOR&target=UKR")
    heading(page, "Paths")
    settle(page)
    page.get_by_text("Path 1: South Korea → Poland → Ukraine").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    snap(page, shots, "paths")
    assert outside_requests(page.requests_seen) == []


def test_timeline_shows_the_curated_chain_legs_from_a_link(page, app_url, shots):
    page.goto(f"{app_url}/timeline?chain=kor-pol-ukr-replacement")
    heading(page, "Timeline")
    settle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    text = page.locator(".js-plotly-plot").first.inner_text()
    assert "South Korea → Poland: K2 Black Panther" in text
    snap(page, shots, "timeline")
    assert outside_requests(page.requests_seen) == []


def test_map_draws_countries_from_the_bundled_world_file_not_the_cdn(page, app_url, shots):
    page.goto(f"{app_url}/map")
    heading(page, "Map")
    settle(page)
    # plotly draws the countries from the topojson it fetched: their paths prove the file arrived.
    page.locator(".js-plotly-plot .countries path").first.wait_for(state="attached", timeout=30_000)
    borders = page.locator(".js-plotly-plot .countries path").first.get_attribute("d") or ""
    assert len(borders) > 10_000, "the country borders were not drawn"
    page.wait_for_timeout(1000)
    snap(page, shots, "map")
    assert any(u.endswith("/app/static/topojson/world_110m.json") for u in page.requests_seen)
    page.goto(f"{app_url}/map?region=europe")
    heading(page, "Map")
    settle(page)
    page.locator(".js-plotly-plot .countries path").first.wait_for(state="attached", timeout=30_000)
    assert any(u.endswith("/app/static/topojson/europe_110m.json") for u in page.requests_seen)
    assert outside_requests(page.requests_seen) == []


def test_sources_table_searches_and_shows_hostile_titles_as_text(page, app_url, shots):
    page.goto(f"{app_url}/data?table=sources&q=hostile")
    heading(page, "Sources and data")
    settle(page)
    page.get_by_text("1 of 8 sources").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    snap(page, shots, "data")
    assert page.locator("script:text('alert')").count() == 0
    assert outside_requests(page.requests_seen) == []


def test_sparql_page_runs_a_named_query_and_offers_csv_and_json(page, app_url, shots):
    page.goto(f"{app_url}/sparql")
    heading(page, "SPARQL")
    settle(page)
    page.get_by_role("button", name="Run query").click()
    settle(page)
    page.get_by_role("button", name="Download CSV").wait_for(timeout=60_000)
    page.get_by_role("button", name="Download JSON").wait_for(timeout=10_000)
    page.get_by_text("result(s) in").first.wait_for(timeout=10_000)
    snap(page, shots, "sparql")
    assert outside_requests(page.requests_seen) == []


def test_export_page_offers_every_format_and_the_view_query(page, app_url, shots):
    page.goto(f"{app_url}/export?kind=donation")
    heading(page, "Export")
    settle(page)
    for name in ("turtle", "ntriples", "jsonld", "graphml", "csv"):
        assert page.get_by_role("button", name=name).count() >= 1, name
    assert page.get_by_text('FILTER(?kind IN ("donation"))').count() == 1
    with page.expect_download() as download:
        page.get_by_role("button", name="turtle").first.click()
    assert download.value.suggested_filename == "armsgraph.ttl"
    snap(page, shots, "export")
    assert outside_requests(page.requests_seen) == []
