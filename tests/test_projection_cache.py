"""A second start reuses what the first one built: the networkx projection comes from the cache, safely."""

from __future__ import annotations

import gc
import os
import pickle
import shutil
from pathlib import Path

import networkx as nx
import pytest

import graph.load
import graph.network
from graph.dataset import Dataset
from graph.load import cached_projection, load_dataset
from graph.network import build_network

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the mini dataset that a test may change."""
    return Path(shutil.copytree(MINI, tmp_path / "mini"))


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return dict(a.nodes(data=True)) == dict(b.nodes(data=True)) and sorted(
        a.edges(keys=True, data=True), key=lambda e: e[2]
    ) == sorted(b.edges(keys=True, data=True), key=lambda e: e[2])


def _never_built(*args: object) -> nx.MultiDiGraph:
    raise AssertionError("the cached projection should have been used")


def test_a_second_start_reads_the_network_back_instead_of_building_it(
    cache: Path, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_network(load_dataset([mini]))
    assert len(list(cache.glob("network-*.pickle"))) == 1
    monkeypatch.setattr(graph.network, "_project", _never_built)
    second = build_network(load_dataset([mini]))
    assert _same(first, second)
    assert second is not first  # a new graph each time: a caller may change it


def test_the_cached_network_is_the_network_built_without_cache(cache: Path, mini: Path) -> None:
    dataset = load_dataset([mini])
    build_network(dataset)
    assert _same(build_network(dataset), build_network(dataset, cache=False))
    assert _same(build_network(dataset, deployments=False), build_network(dataset, deployments=False, cache=False))


def test_changed_data_gets_its_own_network(cache: Path, mini: Path) -> None:
    before = build_network(load_dataset([mini]))
    text = (mini / "kor-pol.yaml").read_text()
    (mini / "kor-pol.yaml").write_text(text + "\n# a comment changes the bytes, so the fingerprint\n")
    after = build_network(load_dataset([mini]))
    assert len(list(cache.glob("network-*.pickle"))) == 2
    assert _same(before, after)


def test_a_dataset_built_by_hand_is_never_cached(cache: Path) -> None:
    by_hand = Dataset({}, {}, {}, {}, {}, {})
    assert build_network(by_hand).number_of_nodes() == 0
    assert not cache.exists() or not list(cache.iterdir())


def test_a_corrupt_cached_network_is_rebuilt_never_trusted(cache: Path, mini: Path) -> None:
    dataset = load_dataset([mini])
    expected = build_network(dataset)
    (cached,) = cache.glob("network-*.pickle")
    cached.write_bytes(b"\x80\x05 not a pickle")
    assert _same(build_network(dataset), expected)
    assert _same(pickle.loads(cached.read_bytes()), expected)  # rewritten whole


def test_a_cached_network_others_could_have_written_is_never_unpickled(cache: Path, mini: Path) -> None:
    dataset = load_dataset([mini])
    expected = build_network(dataset)
    (cached,) = cache.glob("network-*.pickle")
    cached.write_bytes(pickle.dumps(nx.MultiDiGraph(name="planted")))
    cached.chmod(0o666)  # world-writable: anyone could have put this here
    assert _same(build_network(dataset), expected)
    assert cached.stat().st_mode & 0o022 == 0  # replaced by a fresh file of our own


def test_only_the_newest_projections_are_kept(cache: Path) -> None:
    for number in range(graph.load._PROJECTIONS_KEPT + 3):
        dataset = Dataset({}, {}, {}, {}, {}, {}, fingerprint=f"view-{number}")
        assert cached_projection(dataset, "demo", "1", lambda number=number: number) == number
    assert len(list(cache.glob("demo-*.pickle"))) == graph.load._PROJECTIONS_KEPT


def test_only_the_most_recently_used_datasets_are_kept(cache: Path, mini: Path) -> None:
    load_dataset([mini])
    (in_use,) = cache.glob("dataset-*.pickle")
    older = [cache / f"dataset-{number:032x}.pickle" for number in range(graph.load._DATASETS_KEPT + 2)]
    for age, path in enumerate(older):
        path.write_bytes(b"a dataset of other files")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    os.utime(in_use, (0, 0))  # built long ago ...
    load_dataset([mini])  # ... but read just now

    (mini / "actors.yaml").write_text((mini / "actors.yaml").read_text() + "\n")  # other bytes: a new dataset
    load_dataset([mini])

    kept = set(cache.glob("dataset-*.pickle"))
    assert len(kept) == graph.load._DATASETS_KEPT
    assert in_use in kept
    assert kept - {in_use} - set(older)  # the new one
    assert set(older[-(graph.load._DATASETS_KEPT - 2):]) <= kept  # then the newest of the others


def test_loading_leaves_the_garbage_collector_running(cache: Path, mini: Path) -> None:
    assert gc.isenabled()
    load_dataset([mini])  # built
    assert gc.isenabled()
    load_dataset([mini])  # read back
    assert gc.isenabled()
    build_network(load_dataset([mini]))
    assert gc.isenabled()


def test_a_dataset_read_back_from_the_cache_is_the_dataset_that_was_built(cache: Path) -> None:
    built = load_dataset()  # the bundled seeds: every kind of record and value object
    assert list(cache.glob("dataset-*.pickle"))
    read_back = load_dataset()
    assert read_back is not built
    assert read_back == built
    for again, original in zip(read_back.records(), built.records(), strict=True):
        assert type(again) is type(original)
        assert again.model_fields_set == original.model_fields_set  # what the user wrote, not the defaults
        assert again.model_dump() == original.model_dump()
        assert again.model_copy(update={"notes": "changed"}).notes == "changed"  # still a working model
