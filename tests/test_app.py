"""The explorer's pages, run headless with Streamlit's AppTest on the app fixture (tests/data/app).

A click in the graph component is simulated by setting the component's key in session state,
which is where Streamlit keeps a component's return value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.synthetic import write_synthetic
from graph.model import Category

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "app"
PAGES = ["graph", "chains", "paths", "timeline", "map", "data", "sparql", "export"]

# Markdown (or HTML) that would render markup from the data: a raw tag, an image, a non-http link.
UNESCAPED_MARKUP = re.compile(r"(?<!\\)<[a-zA-Z/!]|!\[|\]\((?!https?://)")


@pytest.fixture(autouse=True)
def app_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_DATA", str(FIXTURE))


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.switch_page(f"app_pages/{page}.py")
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    return "\n".join(m.value for m in [*app.markdown, *app.caption, *app.subheader, *app.info, *app.error])


def data_markdown(app: AppTest) -> list[str]:
    """Markdown blocks other than the legend (the one block allowed our own coloured spans)."""
    return [m.value for m in app.markdown if "&#9632;" not in m.value]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_the_fixture_without_an_error(page: str) -> None:
    app = open_page(page)
    assert not app.error, [e.value for e in app.error]
    assert app.title, "every page has a title"


def test_clicking_poland_in_the_graph_lists_its_transfers_sources_as_links() -> None:
    app = open_page("graph")
    app.session_state["graph_component"] = {"action": "clicked_node", "data": {"target_id": "POL"}}
    app.run()
    assert app.subheader[0].value == "Poland"
    shown = texts(app)
    assert "**Supplied \\(in view\\):** 3" in shown
    assert "[Poland confirms that Ukraine receives hundreds of T\\-72 tanks](https://defence-blog.com/" in shown
    assert app.query_params["sel"] == "POL"


def test_clicking_the_t72_edge_shows_its_delivered_count_and_its_source() -> None:
    app = open_page("graph")
    app.session_state["graph_component"] = {"action": "clicked_edge", "data": {"target_id": "pol-ukr-t72-2022"}}
    app.run()
    assert app.subheader[0].value == "Poland → Ukraine\\: T\\-72M1"
    shown = texts(app)
    assert "**Delivered:** 270" in shown
    assert "**Deliveries by year:** 2022\\: 240\\, 2023\\: 30" in shown
    assert "https://defence-blog.com/poland-confirms-that-ukraine-receives-hundreds-t-72-tanks/" in shown


def test_a_hostile_source_title_and_notes_show_as_text_not_markup() -> None:
    app = open_page("graph")
    app.session_state["graph_component"] = {"action": "clicked_edge", "data": {"target_id": "pol-ukr-2s1-2022"}}
    app.run()
    shown = texts(app)
    assert '\\<script\\>alert\\(\\"title\\"\\)\\<\\/script\\>' in shown
    assert "*(no address)*" in shown
    for block in [*data_markdown(app), *(c.value for c in app.caption)]:
        assert not UNESCAPED_MARKUP.search(block), block
        assert "http://203" not in block  # addresses in notes are broken up, never auto-linked


def test_filtering_by_category_narrows_the_graph_and_lands_in_the_url() -> None:
    app = open_page("graph")
    app.sidebar.multiselect(key="f_cat").select(Category.main_battle_tank).run()
    assert "2 of 6 transfers" in app.caption[0].value
    assert app.query_params["cat"] == "main_battle_tank"


def test_a_shared_link_reopens_the_same_filtered_view() -> None:
    app = open_page("graph", {"cat": "main_battle_tank", "conf": "high"})
    assert app.caption[0].value.startswith("1 of 6 transfers")
    assert [c.value for c in app.sidebar.multiselect(key="f_cat").value] == ["main_battle_tank"]


def test_a_link_with_unknown_values_opens_and_says_what_it_ignored() -> None:
    app = open_page("graph", {"cat": "tanks", "from": "soon"})
    assert "6 of 6 transfers" in app.caption[0].value
    assert "cat\\=tanks" in app.sidebar.warning[0].value


def test_many_transfers_fold_into_one_edge_per_country_pair_when_asked() -> None:
    app = open_page("graph")
    app.sidebar.radio(key="g_aggregate").set_value("always").run()
    assert "folded into 2 country pairs" in app.caption[0].value
    app.session_state["graph_component"] = {"action": "clicked_edge", "data": {"target_id": "KOR→POL"}}
    app.run()
    assert app.subheader[0].value == "South Korea → Poland"
    assert "**Transfers:** 3" in texts(app)


def test_chains_page_lists_the_curated_chain_first_and_shows_the_inferred_one_on_request() -> None:
    app = open_page("chains")
    table = app.dataframe[0].value
    assert list(table["chain"]) == ["kor-pol-ukr-replacement", "R1:kor-pol-fa50-block10-2022>pol-ukr-mig29-2023"]
    app.selectbox(key="chain").select("R1:kor-pol-fa50-block10-2022>pol-ukr-mig29-2023").run()
    assert "Rule R1" in texts(app)
    assert app.query_params["chain"] == "R1:kor-pol-fa50-block10-2022>pol-ukr-mig29-2023"
    assert app.code[0].value.startswith("PREFIX")
    legs = app.dataframe[1].value
    assert list(legs["system"]) == ["FA-50", "MiG-29"]


def test_chains_filters_curated_only() -> None:
    app = open_page("chains")
    app.sidebar.radio(key="which").set_value("curated only").run()
    assert list(app.dataframe[0].value["chain"]) == ["kor-pol-ukr-replacement"]


def test_a_mistyped_date_in_the_chain_filters_is_one_clear_line() -> None:
    app = open_page("chains")
    app.sidebar.text_input(key="since").input("last spring").run()
    assert not app.exception
    assert "last spring" in app.error[0].value


def test_a_chain_link_opens_that_chain() -> None:
    app = open_page("chains", {"chain": "R1:kor-pol-fa50-block10-2022>pol-ukr-mig29-2023"})
    assert app.selectbox(key="chain").value == "R1:kor-pol-fa50-block10-2022>pol-ukr-mig29-2023"


def test_paths_from_korea_to_ukraine_go_through_poland_in_time_order() -> None:
    app = open_page("paths")
    assert "Pick two actors." in texts(app)
    app.selectbox(key="source").select("KOR")
    app.selectbox(key="target").select("UKR").run()
    assert not app.exception
    route = app.dataframe[0].value
    assert list(route["route"]) == ["South Korea → Poland → Ukraine"]
    assert list(app.dataframe[1].value["record"]) == ["kor-pol-fa50-block10-2022", "pol-ukr-mig29-2023"]
    assert app.query_params["source"] == "KOR" and app.query_params["target"] == "UKR"


def test_paths_say_so_when_no_route_fits_the_constraints() -> None:
    app = open_page("paths", {"source": "UKR", "target": "KOR"})
    assert "No time-respecting path from Ukraine to South Korea" in texts(app)


def figure_text(chart: object) -> str:
    """A Plotly chart's spec as compact JSON text with non-ASCII kept, whichever JSON engine plotly used."""
    spec = json.loads(chart.proto.spec)  # type: ignore[attr-defined]
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def test_timeline_draws_the_chain_from_the_link_and_deliveries_per_year() -> None:
    app = open_page("timeline", {"chain": "kor-pol-ukr-replacement"})
    charts = app.get("plotly_chart")
    assert len(charts) == 2
    assert "South Korea → Poland: K2 Black Panther" in figure_text(charts[0])
    assert app.query_params["chain"] == "kor-pol-ukr-replacement"


def test_map_reads_the_world_from_the_apps_static_files() -> None:
    app = open_page("map")
    chart = app.get("plotly_chart")[0]
    assert '"topojsonURL": "/app/static/topojson/"' in chart.proto.config
    assert "Poland → Ukraine: 3 transfers" in figure_text(chart)
    assert (ROOT / "static" / "topojson" / "world_110m.json").stat().st_size > 100_000


def test_the_map_region_comes_from_the_link() -> None:
    app = open_page("map", {"region": "europe"})
    assert '"scope":"europe"' in figure_text(app.get("plotly_chart")[0])


def test_data_tables_search_every_word() -> None:
    app = open_page("data")
    app.text_input(key="d_search").input("poland k2").run()
    assert list(app.dataframe[0].value["id"]) == ["kor-pol-k2-exec1-2022"]
    assert app.query_params["q"] == "poland k2"


def test_sources_table_links_only_http_addresses() -> None:
    app = open_page("data", {"table": "sources"})
    table = app.dataframe[0].value
    urls = dict(zip(table["id"], table["url"], strict=True))
    assert urls["hostile-fixture"] == ""
    assert all(u.startswith(("http://", "https://")) for k, u in urls.items() if k != "hostile-fixture")


def test_sparql_runs_the_named_query_and_offers_csv_and_json() -> None:
    app = open_page("sparql")
    app.button(key="s_run").click().run()
    assert not app.error, [e.value for e in app.error]
    assert len(app.dataframe[0].value) > 0
    assert {b.proto.label for b in app.get("download_button")} == {"Download CSV", "Download JSON"}


def test_sparql_refuses_updates_with_a_clear_message() -> None:
    app = open_page("sparql")
    app.selectbox(key="s_name").select("(write my own)").run()
    app.text_area(key="s_text").input("DELETE WHERE { ?s ?p ?o }").run()
    app.button(key="s_run").click().run()
    assert "read\\-only" in app.error[0].value


def test_sparql_syntax_errors_name_the_line() -> None:
    app = open_page("sparql")
    app.text_area(key="s_text").input("SELECT ?x WHERE {\n  ?x ag:nope \n").run()
    app.button(key="s_run").click().run()
    assert "line" in app.error[0].value


def test_export_offers_every_registered_format_and_the_query_behind_the_view() -> None:
    from graph.export import FORMATS

    app = open_page("export", {"kind": "donation"})
    labels = {b.proto.label for b in app.get("download_button")}
    assert {f"{f.name} (.{f.extension})" for f in FORMATS.values()} <= labels
    assert {"turtle (.ttl)", "ntriples (.nt)", "jsonld (.jsonld)", "graphml (.graphml)", "csv (.zip)"} <= labels
    assert 'FILTER(?kind IN ("donation"))' in app.code[0].value
    app.radio(key="e_scope").set_value("the current view").run()
    assert "3 transfers" in app.caption[0].value


def test_bad_data_shows_every_problem_instead_of_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_DATA", str(ROOT / "tests" / "data" / "bad" / "date-wrong-format.yaml"))
    app = open_page("graph")
    assert "nothing was loaded" in app.error[0].value
    assert "date-wrong-format.yaml" in app.code[0].value


def test_the_app_reads_data_from_the_command_line_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from app_pages.shared import data_dirs

    assert data_dirs(["--data", "a", "--data", "b"]) == ("a", "b")
    monkeypatch.setenv("ARMSGRAPH_DATA", "x:y")
    assert data_dirs([]) == ("x", "y")
    monkeypatch.delenv("ARMSGRAPH_DATA")
    assert data_dirs([]) == ()  # graph.load_dataset then reads the bundled seeds


@pytest.fixture(scope="module")
def many_pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,200 synthetic transfers among 100 states: more country pairs than the page draws at first, and more
    transfers than it draws one edge each."""
    return write_synthetic(tmp_path_factory.mktemp("synthetic"), 3_200)


def test_a_large_view_draws_the_strongest_pairs_and_says_how_many_are_hidden(
    monkeypatch: pytest.MonkeyPatch, many_pairs: Path
) -> None:
    from graph import load_dataset
    from graph.views.elements import graph_view_of, hidden_pairs_note, strongest_pairs
    from graph.views.filters import TransferFilter

    monkeypatch.setenv("ARMSGRAPH_DATA", str(many_pairs))
    whole = graph_view_of(load_dataset([many_pairs]), TransferFilter())
    assert len(whole.elements["edges"]) > 1_000
    app = open_page("graph")
    assert f"folded into {len(whole.elements['edges'])} country pairs" in app.caption[0].value
    note = hidden_pairs_note(strongest_pairs(whole, 500))
    assert note is not None and note.startswith("Drawn: the 500 country pairs with the most transfers")
    assert app.caption[1].value.startswith(note)
    assert "pairs" not in app.query_params  # the default is left out of the link
    app.sidebar.select_slider(key="g_pairs").set_value("all").run()
    assert not any("are hidden" in c.value for c in app.caption)
    assert app.query_params["pairs"] == "all"


def test_too_many_transfers_to_draw_one_edge_each_are_folded_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, many_pairs: Path
) -> None:
    from graph.views.elements import UNFOLDED_LIMIT

    monkeypatch.setenv("ARMSGRAPH_DATA", str(many_pairs))
    app = open_page("graph")
    app.sidebar.radio(key="g_aggregate").set_value("never").run()
    assert app.caption[0].value.startswith("3200 of 3200 transfers") and "folded into" in app.caption[0].value
    assert app.warning[0].value.startswith("3,200 transfers are too many to draw one edge each")
    assert UNFOLDED_LIMIT < 3_200
    narrower = open_page("graph", {"cat": "main_battle_tank"})  # a narrower view is drawn one edge each
    narrower.sidebar.radio(key="g_aggregate").set_value("never").run()
    assert "folded into" not in narrower.caption[0].value and not narrower.warning


def test_an_actor_lists_its_transfers_in_hidden_pairs_too(monkeypatch: pytest.MonkeyPatch, many_pairs: Path) -> None:
    from graph import load_dataset
    from graph.views.elements import PAIR_SEPARATOR, graph_view_of, strongest_pairs
    from graph.views.filters import TransferFilter, transfer_countries

    monkeypatch.setenv("ARMSGRAPH_DATA", str(many_pairs))
    data = load_dataset([many_pairs])
    drawn = strongest_pairs(graph_view_of(data, TransferFilter()), 100)
    involved = sum(1 for t in data.transfers.values() if "AAA" in transfer_countries(data, t))  # companies folded
    in_drawn_pairs = sum(
        e["data"]["count"] for e in drawn.elements["edges"] if "AAA" in e["data"]["id"].split(PAIR_SEPARATOR)
    )
    assert in_drawn_pairs < involved  # some of its pairs are hidden
    app = open_page("graph", {"pairs": "100"})
    assert app.caption[1].value.startswith("Drawn: the 100 country pairs")
    app.session_state["graph_component"] = {"action": "clicked_node", "data": {"target_id": "AAA"}}
    app.run()
    assert app.subheader[0].value == "State AAA"
    assert any(c.value.startswith(f"{involved} transfer(s) in this view") for c in app.caption)
