"""Path queries: the k shortest time-respecting routes between two actors."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from chain_data import ACTORS, dataset_from_rows, leg_rows, sparql_legs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.dataset import Dataset
from graph.errors import UsageError
from graph.load import load_dataset
from graph.paths import TransferPath, build_path_index, find_paths
from graph.rdf import build_store

DATA = Path(__file__).parent / "data" / "chains"


@pytest.fixture(scope="module")
def paths() -> Dataset:
    return load_dataset([DATA / "paths"], cache=False)


def routes(found: list[TransferPath]) -> list[tuple[str, ...]]:
    return [path.actors for path in found]


def test_the_shortest_time_respecting_routes_come_first(paths: Dataset) -> None:
    found = find_paths(paths, "XAA", "XDD", k=5)
    assert routes(found) == [("XAA", "XBB", "XDD"), ("XAA", "XBB", "XCC", "XDD")]
    assert [leg.transfer for leg in found[0].legs] == ["ab-2020", "bd-2020"]
    assert found[0].hops == 2 and found[0].span_days == 60
    assert all(leg.role == "path" for path in found for leg in path.legs)


def test_a_route_that_runs_backwards_in_time_is_not_a_path(paths: Dataset) -> None:
    # XAA -> XCC on 2020-05-01, but XCC -> XDD was on 2020-02-01
    assert ("XAA", "XCC", "XDD") not in routes(find_paths(paths, "XAA", "XDD", k=10, window_days=None))


def test_the_window_bounds_the_wait_between_legs(paths: Dataset) -> None:
    # XBB -> XEE came three and a half years after XAA -> XBB
    assert ("XAA", "XBB", "XEE", "XDD") not in routes(find_paths(paths, "XAA", "XDD", k=10))
    assert ("XAA", "XBB", "XEE", "XDD") in routes(find_paths(paths, "XAA", "XDD", k=10, window_days=None))
    assert routes(find_paths(paths, "XAA", "XDD", window_days=40)) == [("XAA", "XBB", "XCC", "XDD")]


def test_k_and_max_hops_limit_the_answer(paths: Dataset) -> None:
    assert routes(find_paths(paths, "XAA", "XDD", k=1)) == [("XAA", "XBB", "XDD")]
    assert routes(find_paths(paths, "XAA", "XDD", max_hops=2, window_days=None)) == [("XAA", "XBB", "XDD")]
    assert find_paths(paths, "XAA", "XDD", max_hops=1) == []


def test_filters_apply_to_every_leg(paths: Dataset) -> None:
    assert routes(find_paths(paths, "XAA", "XDD", category="main battle tank")) == [("XAA", "XBB", "XDD")]
    assert routes(find_paths(paths, "XAA", "XDD", statuses=["delivered"])) == [("XAA", "XBB", "XCC", "XDD")]
    assert routes(find_paths(paths, "XAA", "XDD", min_confidence="medium")) == [("XAA", "XBB", "XDD")]
    assert routes(find_paths(paths, "XAA", "XDD", kinds=["sale"])) == [("XAA", "XBB", "XDD")]
    assert find_paths(paths, "XAA", "XDD", since="2020-02") == []  # XAA -> XBB is January
    with pytest.raises(UsageError, match="--since 2020-03 is after --until 2020-02"):
        find_paths(paths, "XAA", "XDD", since="2020-03", until="2020-02")
    assert routes(find_paths(paths, "XAA", "XDD", until="2020-02", window_days=None)) == [
        ("XAA", "XBB", "XCC", "XDD")
    ]


def test_the_tightest_legs_of_a_route_are_chosen() -> None:
    # two legs A -> B (day 0 and day 100), one B -> C (day 120): the later A -> B leg is 20 days from it
    rows = [(0, 1, 0, 0, 3, False, 2, None), (0, 1, 0, 100, 3, False, 2, None), (1, 2, 0, 120, 3, False, 2, None)]
    (path,) = find_paths(dataset_from_rows(rows), "XAA", "XAC")
    assert [leg.transfer for leg in path.legs] == ["t1", "t2"] and path.span_days == 20


def test_unknown_actors_and_values_are_usage_errors_naming_close_matches(paths: Dataset) -> None:
    with pytest.raises(UsageError, match=r"did you mean .*XDD"):
        find_paths(paths, "XAA", "XDE")
    with pytest.raises(UsageError, match="did you mean delivered"):
        find_paths(paths, "XAA", "XDD", statuses=["delivred"])
    with pytest.raises(UsageError, match="two different actors"):
        find_paths(paths, "XAA", "xaa")
    with pytest.raises(UsageError, match="confidence"):
        find_paths(paths, "XAA", "XDD", min_confidence="certain")


def test_each_paths_sparql_returns_its_legs_in_order_from_the_rdf_export(paths: Dataset) -> None:
    store = build_store(paths, cache=False)
    found = find_paths(paths, "XAA", "XDD", k=5, window_days=None)
    assert len(found) == 3
    for path in found:
        want = [(g.transfer, g.role, g.supplier, g.recipient, g.system, g.category, g.date) for g in path.legs]
        assert sparql_legs(store, path.sparql) == want
    # the same legs fail the check with a window they do not fit in
    late = found[-1]
    assert late.actors == ("XAA", "XBB", "XEE", "XDD")
    strict = TransferPath(late.source, late.target, late.actors, late.legs, window_days=540)
    assert sparql_legs(store, strict.sparql) == []


# --------------------------------------------------------------------------- properties


def brute_force_routes(dataset: Dataset, source: str, target: str, max_hops: int, window: int) -> set[tuple]:
    """Every simple, time-respecting route by trying every sequence of legs (small data only)."""
    index = build_path_index(dataset)
    usable = [
        f for f in index.chains.facts.values() if f.day is not None and f.status not in ("offered", "cancelled")
    ]
    found: set[tuple] = set()

    def walk(actors: list[str], day: int | None) -> None:
        if actors[-1] == target:
            found.add(tuple(actors))
            return
        if len(actors) > max_hops:
            return
        for f in usable:
            fits = day is None or day <= f.day <= day + window  # type: ignore[operator]
            if f.supplier == actors[-1] and f.recipient not in actors and fits:
                walk([*actors, f.recipient], f.day)

    walk([source], None)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leg_rows(), st.integers(0, 900), st.integers(1, 4), st.sampled_from(ACTORS), st.sampled_from(ACTORS))
def test_paths_are_simple_time_respecting_and_none_is_missed(
    rows: list, window: int, max_hops: int, source: str, target: str
) -> None:
    if source == target:
        return
    dataset = dataset_from_rows(rows)
    found = find_paths(dataset, source, target, k=1000, max_hops=max_hops, window_days=window)
    for path in found:
        assert path.actors[0] == source and path.actors[-1] == target
        assert len(set(path.actors)) == len(path.actors) == path.hops + 1 <= max_hops + 1
        days = [dt.date.fromisoformat(leg.date).toordinal() for leg in path.legs]  # type: ignore[arg-type]
        assert all(0 <= later - earlier <= window for earlier, later in itertools.pairwise(days))
        for leg, (supplier, recipient) in zip(path.legs, itertools.pairwise(path.actors), strict=True):
            assert (leg.supplier, leg.recipient) == (supplier, recipient)
            assert leg.status not in ("offered", "cancelled")
    assert [p.hops for p in found] == sorted(p.hops for p in found)
    assert set(routes(found)) == brute_force_routes(dataset, source, target, max_hops, window)
