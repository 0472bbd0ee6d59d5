"""What the explorer shows, without a browser: filters, URL state, escaping, layout, map, timeline, export."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import Dataset, load_dataset
from graph.export import export_bytes
from graph.model import Actor, Category, Confidence, Transfer, TransferKind, TransferStatus
from graph.sparql import run_query
from graph.views import elements
from graph.views.elements import (
    PAIR_SEPARATOR,
    GraphView,
    element_details,
    graph_view,
    graph_view_of,
    hidden_pairs_note,
    layout_positions,
    strongest_pairs,
)
from graph.views.filters import TransferFilter, filter_options, filter_transfers, view_dataset
from graph.views.geo import REGIONS, TOPOJSON_DIR, country_centroids, map_view
from graph.views.query import view_query
from graph.views.safety import component_text, markdown_link, markdown_text, safe_url
from graph.views.state import filter_from_params, filter_to_params
from graph.views.tables import TABLES, search_rows, source_rows
from graph.views.timeline import deliveries_by_year, leg_milestones

FIXTURE = Path(__file__).resolve().parent / "data" / "app"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset([FIXTURE], cache=False)


def ids(transfers: list[Transfer]) -> list[str]:
    return [t.id for t in transfers]


# --------------------------------------------------------------------------- filters


def test_donations_from_poland_are_the_old_kit_sent_to_ukraine(dataset: Dataset) -> None:
    view = TransferFilter(kinds=frozenset({TransferKind.donation}), countries=frozenset({"POL"}))
    assert ids(filter_transfers(dataset, view)) == ["pol-ukr-2s1-2022", "pol-ukr-mig29-2023", "pol-ukr-t72-2022"]


def test_a_year_range_keeps_legs_active_in_it_even_if_they_started_earlier(dataset: Dataset) -> None:
    # The K2 contract was signed in 2022 and delivered into 2024: it is active in 2024.
    assert ids(filter_transfers(dataset, TransferFilter(year_from=2024))) == ["kor-pol-k2-exec1-2022"]


def test_a_company_counts_as_its_country(dataset: Dataset) -> None:
    rotem = dataclasses.replace(
        dataset, transfers={**dataset.transfers, "x": dataset.transfers["kor-pol-k2-exec1-2022"].model_copy(
            update={"id": "x", "supplier": "hyundai-rotem"})}
    )
    assert "x" in ids(filter_transfers(rotem, TransferFilter(countries=frozenset({"KOR"}))))


def test_minimum_confidence_is_ordered_low_medium_high(dataset: Dataset) -> None:
    high = filter_transfers(dataset, TransferFilter(min_confidence=Confidence.high))
    assert all(t.confidence is Confidence.high for t in high)
    assert len(filter_transfers(dataset, TransferFilter(min_confidence=Confidence.medium))) == 5


def test_filter_options_offer_only_values_in_the_data(dataset: Dataset) -> None:
    options = filter_options(dataset)
    assert (options.year_min, options.year_max) == (2022, 2024)
    assert set(options.categories) == {Category.main_battle_tank, Category.self_propelled_howitzer,
                                       Category.combat_aircraft}
    assert options.countries == ("POL", "KOR", "UKR")  # by name: Poland, South Korea, Ukraine


# --------------------------------------------------------------------------- URL state

filters = st.builds(
    TransferFilter,
    year_from=st.none() | st.integers(1990, 2030),
    year_to=st.none(),
    categories=st.frozensets(st.sampled_from(list(Category)), max_size=3),
    kinds=st.frozensets(st.sampled_from(list(TransferKind)), max_size=3),
    statuses=st.frozensets(st.sampled_from(list(TransferStatus)), max_size=3),
    countries=st.frozensets(st.sampled_from(["POL", "UKR", "KOR", "hyundai-rotem"]), max_size=3),
    min_confidence=st.sampled_from(list(Confidence)),
)


@given(filters)
def test_every_filter_survives_the_trip_through_the_url(view: TransferFilter) -> None:
    decoded = filter_from_params(filter_to_params(view))
    assert decoded.view == view and decoded.ignored == []


@given(st.dictionaries(st.sampled_from(["from", "to", "cat", "kind", "status", "country", "conf", "x"]), st.text()))
def test_any_url_opens_without_raising(params: dict[str, str]) -> None:
    decoded = filter_from_params(params, known_countries=["POL"])
    assert decoded.view.countries <= {"POL"}


def test_a_reversed_year_range_drops_the_end(dataset: Dataset) -> None:
    decoded = filter_from_params({"from": "2024", "to": "2022"})
    assert (decoded.view.year_from, decoded.view.year_to, decoded.ignored) == (2024, None, ["to=2022"])


# --------------------------------------------------------------------------- SPARQL behind a view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters.map(lambda v: dataclasses.replace(v, year_to=v.year_from + 1 if v.year_from else None)))
def test_the_view_query_selects_exactly_the_transfers_the_view_shows(dataset: Dataset, view: TransferFilter) -> None:
    result = run_query(dataset, view_query(view), timeout=None, limit=None)
    from_sparql = sorted(str(term.value).rsplit("/", 1)[1] for term in result.values("transfer"))
    assert from_sparql == ids(filter_transfers(dataset, view))


# --------------------------------------------------------------------------- escaping


@given(st.text())
def test_markdown_text_never_lets_markup_through(text: str) -> None:
    shown = markdown_text(text)
    assert not re.search(r"(?<!\\)[<>\[\]()!*_`$:|#~]", shown)
    assert "\n" not in shown


@given(st.text())
def test_component_text_has_no_html_special_characters(text: str) -> None:
    assert not set(component_text(text)) & set("<>&\"'`")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.org", "http://", "//x.org", "http://x.org/a b",
            'http://x.org/"onmouseover=1', "vbscript:x"],
)
def test_only_http_addresses_become_links(url: str) -> None:
    assert safe_url(url) is None
    assert "](" not in markdown_link("title", url)


def test_hostile_source_rows_keep_the_text_and_drop_nothing_but_bad_addresses(dataset: Dataset) -> None:
    hostile = next(row for row in source_rows(dataset) if row["id"] == "hostile-fixture")
    assert hostile["title"].startswith("<script>")  # shown as text by the table widget
    assert hostile["url"] == ""


# --------------------------------------------------------------------------- graph


def test_every_transfer_is_one_edge_or_counted_in_one_folded_edge(dataset: Dataset) -> None:
    transfers = list(dataset.transfers.values())
    plain = graph_view(dataset, transfers, aggregate=False)
    folded = graph_view(dataset, transfers, aggregate=True)
    assert sorted(e["data"]["id"] for e in plain.elements["edges"]) == sorted(dataset.transfers)
    assert sum(e["data"]["count"] for e in folded.elements["edges"]) == len(transfers)
    assert sum(entry.count for entry in folded.legend) == len(transfers)


def test_large_views_fold_automatically(dataset: Dataset) -> None:
    transfers = list(dataset.transfers.values())
    assert graph_view(dataset, transfers, aggregate_above=5).aggregated
    assert not graph_view(dataset, transfers, aggregate_above=6).aggregated


def test_component_data_carries_no_markup(dataset: Dataset) -> None:
    hostile = dataclasses.replace(dataset, actors={**dataset.actors, "POL": Actor(
        id="POL", name="<img src=x onerror=alert(1)>", kind="state")})
    view = graph_view(hostile, list(hostile.transfers.values()))
    for element in [*view.elements["nodes"], *view.elements["edges"]]:
        for value in element["data"].values():
            assert "<" not in str(value), value


@pytest.mark.parametrize("aggregate", [False, True], ids=["one edge per transfer", "folded per country pair"])
def test_component_data_carries_no_markup_from_system_names_either(dataset: Dataset, aggregate: bool) -> None:
    # a folded edge of a single transfer is captioned with its system's name, straight from the data
    hostile = dataclasses.replace(dataset, systems={
        key: system.model_copy(update={"name": f"<img src=x onerror=alert('{key}')>"})
        for key, system in dataset.systems.items()
    })
    one_leg = [next(iter(hostile.transfers.values()))]
    view = graph_view(hostile, one_leg, aggregate=aggregate)
    captions = [str(edge["data"]["caption"]) for edge in view.elements["edges"]]
    assert any("onerror" in caption for caption in captions)  # the names are there, as look-alikes
    for element in [*view.elements["nodes"], *view.elements["edges"]]:
        for value in element["data"].values():
            assert "<" not in str(value), value


def test_layout_is_deterministic_and_keeps_nodes_apart() -> None:
    edges = [(f"N{i}", f"N{(i * 7) % 40}") for i in range(40)]
    nodes = [f"N{i}" for i in range(40)]
    first, second = layout_positions(edges, nodes), layout_positions(edges, nodes)
    assert first == second
    assert len(set(first.values())) == 40


def folded_view(counts: list[int]) -> GraphView:
    """A folded view by hand: pair ``i`` (ids in a shuffled order) carries ``counts[i]`` transfers."""
    edges = [
        {"data": {"id": f"S{(i * 7) % 97:02d}{PAIR_SEPARATOR}T{i:02d}", "count": count}}
        for i, count in enumerate(counts)
    ]
    return GraphView({"nodes": [{"data": {"id": "S"}}], "edges": edges}, [], [], True, sum(counts))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 30), max_size=40), st.integers(0, 45))
def test_the_strongest_pairs_are_drawn_and_the_rest_counted(counts: list[int], limit: int) -> None:
    view = folded_view(counts)
    drawn = strongest_pairs(view, limit)
    edges = view.elements["edges"]
    # the naive way: rank every pair by transfers (most first), then by id, and keep the first ``limit``
    ranked = sorted(edges, key=lambda e: (-e["data"]["count"], e["data"]["id"]))
    kept_ids = {e["data"]["id"] for e in ranked[:limit]}
    assert drawn.elements["edges"] == [e for e in edges if e["data"]["id"] in kept_ids]  # in the original order
    assert drawn.hidden_pairs == len(edges) - len(kept_ids)
    assert drawn.hidden_transfers == sum(e["data"]["count"] for e in edges if e["data"]["id"] not in kept_ids)
    assert drawn.elements["nodes"] == view.elements["nodes"]
    assert (hidden_pairs_note(drawn) is None) == (drawn.hidden_pairs == 0)


def test_drawing_every_pair_or_every_transfer_hides_nothing(dataset: Dataset) -> None:
    transfers = list(dataset.transfers.values())
    folded = graph_view(dataset, transfers, aggregate=True)
    assert strongest_pairs(folded, None) == folded
    assert strongest_pairs(folded, len(folded.elements["edges"])) == folded
    plain = graph_view(dataset, transfers, aggregate=False)
    assert strongest_pairs(plain, 1) == plain  # one edge per transfer: the limit is for country pairs
    assert hidden_pairs_note(folded) is None


def test_hiding_pairs_moves_no_node(dataset: Dataset) -> None:
    folded = graph_view(dataset, list(dataset.transfers.values()), aggregate=True)
    assert strongest_pairs(folded, 1).elements["nodes"] == folded.elements["nodes"]


@pytest.mark.parametrize("view", [TransferFilter(), TransferFilter(categories=frozenset({Category.main_battle_tank}))],
                         ids=["everything", "tanks"])
@pytest.mark.parametrize("aggregate", [None, True])
def test_a_cached_graph_view_is_the_view_built_afresh(
    dataset: Dataset, view: TransferFilter, aggregate: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = graph_view(dataset, filter_transfers(dataset, view), colour_by="kind", aggregate=aggregate)
    assert graph_view_of(dataset, view, colour_by="kind", aggregate=aggregate, cache=False) == built
    assert graph_view_of(dataset, view, colour_by="kind", aggregate=aggregate) == built  # written to the cache

    def no_layout(*args: object, **kwargs: object) -> GraphView:
        raise AssertionError("laid out again instead of read back from the cache")

    monkeypatch.setattr(elements, "graph_view", no_layout)
    assert graph_view_of(dataset, view, colour_by="kind", aggregate=aggregate) == built
    with pytest.raises(AssertionError, match="laid out again"):  # other settings are another view
        graph_view_of(dataset, view, colour_by="status", aggregate=aggregate)


def test_clicking_an_unknown_id_shows_nothing(dataset: Dataset) -> None:
    assert element_details(dataset, list(dataset.transfers.values()), "nowhere") is None
    assert element_details(dataset, [], f"POL{PAIR_SEPARATOR}UKR") is None


def test_a_folded_edge_lists_every_source_of_its_transfers_once(dataset: Dataset) -> None:
    details = element_details(dataset, list(dataset.transfers.values()), f"KOR{PAIR_SEPARATOR}POL")
    assert details is not None
    assert sorted(s.id for s in details.sources) == ["shephard-2022-09-20", "visiontimes-2022-08-27",
                                                     "warsawpoint-2022-12-06"]


# --------------------------------------------------------------------------- map, timeline, tables, export


def test_every_state_in_the_fixture_has_a_centroid_on_the_bundled_map(dataset: Dataset) -> None:
    centroids = country_centroids()
    assert len(centroids) > 150
    assert all(a.id in centroids for a in dataset.actors.values() if a.kind.value == "state")


@pytest.mark.parametrize("region", REGIONS)
def test_every_map_region_has_its_world_file_in_the_static_folder(region: str) -> None:
    assert (TOPOJSON_DIR / f"{region.replace(' ', '-')}_110m.json").stat().st_size > 10_000


def test_an_organisation_without_a_country_is_listed_as_not_on_the_map(dataset: Dataset) -> None:
    eu = Actor(id="EU", name="European Union", kind="organisation")
    leg = dataset.transfers["pol-ukr-t72-2022"].model_copy(update={"id": "eu-leg", "supplier": "EU"})
    data = dataclasses.replace(
        dataset, actors={**dataset.actors, "EU": eu}, transfers={**dataset.transfers, "eu-leg": leg}
    )
    view = map_view(data, list(data.transfers.values()))
    assert view.not_drawn == ["EU"]
    assert view.pairs == 2


def test_two_legs_with_the_same_system_and_actors_get_a_row_each(dataset: Dataset) -> None:
    first = dataset.transfers["pol-ukr-t72-2022"]
    second = first.model_copy(update={"id": "pol-ukr-t72-second"})
    rows = {m.leg for m in leg_milestones(dataset, [first, second])}
    assert rows == {"Poland → Ukraine: T-72M1 [pol-ukr-t72-2022]", "Poland → Ukraine: T-72M1 [pol-ukr-t72-second]"}


def test_deliveries_per_year_add_up_what_each_leg_recorded(dataset: Dataset) -> None:
    rows = deliveries_by_year(dataset, list(dataset.transfers.values()))
    assert {(r["year"], r["category"]): r["units"] for r in rows} == {
        (2022, "main battle tank"): 250, (2023, "main battle tank"): 48, (2024, "main battle tank"): 56,
        (2023, "combat aircraft"): 26,
    }


def test_the_k2_contract_was_signed_before_its_first_delivery(dataset: Dataset) -> None:
    milestones = [m.milestone for m in leg_milestones(dataset, [dataset.transfers["kor-pol-k2-exec1-2022"]])]
    assert milestones[:2] == ["signed", "first delivery"]


def test_every_table_has_one_row_per_record_and_search_finds_by_any_column(dataset: Dataset) -> None:
    for name, rows in ((name, build(dataset)) for name, build in TABLES.items()):
        assert len(rows) == len(getattr(dataset, name)), name
    assert [r["id"] for r in search_rows(TABLES["actors"](dataset), "KOR")] == ["hyundai-rotem", "KOR"]


def test_exporting_a_view_keeps_only_its_transfers_and_what_they_cite(dataset: Dataset) -> None:
    donations = filter_transfers(dataset, TransferFilter(kinds=frozenset({TransferKind.donation})))
    small = view_dataset(dataset, donations)
    assert sorted(small.transfers) == ids(donations)
    assert small.fingerprint != dataset.fingerprint
    text = export_bytes(small, "nt").decode()
    assert "kor-pol-k2-exec1-2022" not in text and "pol-ukr-t72-2022" in text
