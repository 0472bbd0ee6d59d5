"""The networkx projection: actors as nodes, one edge per transfer, deployments apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.dataset import Dataset
from graph.load import load_dataset
from graph.network import DEPLOYED_TO, EDGE_ATTRIBUTES, TRANSFERRED_TO, build_network, collapse

DATA = Path(__file__).parent / "data" / "chains"
DOCS = Path(__file__).parent.parent / "docs" / "chains.md"

TRANSFER_ONLY = {"transfer", "kind", "condition", "financed_by", "consent_from", "part_of", "same_as"}


@pytest.fixture(scope="module")
def two_hop() -> Dataset:
    return load_dataset([DATA / "two-hop"], cache=False)


@pytest.fixture(scope="module")
def curated() -> Dataset:
    return load_dataset([DATA / "curated"], cache=False)


def test_every_actor_is_a_node_with_its_name_and_kind(two_hop: Dataset) -> None:
    network = build_network(two_hop)
    assert dict(network.nodes(data=True)) == {
        "KOR": {"name": "South Korea", "kind": "state"},
        "POL": {"name": "Poland", "kind": "state"},
        "UKR": {"name": "Ukraine", "kind": "state"},
    }


def test_each_transfer_is_one_edge_keyed_by_its_id(two_hop: Dataset) -> None:
    network = build_network(two_hop)
    assert sorted(network.edges(keys=True)) == [
        ("KOR", "POL", "kor-pol-k2-2022"),
        ("KOR", "POL", "kor-pol-k9-2022"),
        ("POL", "UKR", "pol-ukr-krab-2022"),
        ("POL", "UKR", "pol-ukr-t72-2022"),
    ]
    t72 = network.edges["POL", "UKR", "pol-ukr-t72-2022"]
    assert t72 == {
        "relation": TRANSFERRED_TO,
        "record": "pol-ukr-t72-2022",
        "transfer": "pol-ukr-t72-2022",
        "system": "T-72",
        "system_name": "T-72",
        "category": "main_battle_tank",
        "era": "soviet_legacy",
        "kind": "donation",
        "status": "delivered",
        "quantity": 200,
        "quantity_text": "at least 200",
        "date": "2022-04-29",
        "year": 2022,
        "confidence": "medium",
        "condition": "second_hand",
        "financed_by": (),
        "consent_from": (),
        "part_of": None,
        "same_as": None,
        "sources": ("defenceblog-2022-04-29",),
    }
    krab = network.edges["POL", "UKR", "pol-ukr-krab-2022"]
    assert (krab["date"], krab["quantity"], krab["quantity_text"]) == ("2022-05-01", 18, "18")


def test_every_edge_attribute_is_documented(curated: Dataset) -> None:
    network = build_network(curated)
    text = DOCS.read_text(encoding="utf-8")
    for name in EDGE_ATTRIBUTES:
        assert f"| `{name}` |" in text, name
    for _, _, attributes in network.edges(data=True):
        assert set(attributes) <= set(EDGE_ATTRIBUTES)
        if attributes["relation"] == TRANSFERRED_TO:
            assert set(attributes) == set(EDGE_ATTRIBUTES)
        else:
            assert set(attributes) == set(EDGE_ATTRIBUTES) - TRANSFER_ONLY


def test_a_deployment_is_a_deployed_to_edge_not_a_transfer(curated: Dataset) -> None:
    network = build_network(curated)
    patriot_like = network.edges["XAA", "XBB", "xaa-in-xbb-sam"]
    assert patriot_like["relation"] == DEPLOYED_TO and "transfer" not in patriot_like
    assert (patriot_like["date"], patriot_like["status"]) == ("2020-03-01", "active")
    assert not build_network(curated, deployments=False).has_edge("XAA", "XBB", "xaa-in-xbb-sam")


def test_collapsing_gives_one_edge_per_pair_with_counts(curated: Dataset) -> None:
    collapsed = collapse(build_network(curated))
    assert sorted(collapsed.edges) == [("XAA", "XBB"), ("XBB", "XCC")]
    xaa_xbb = collapsed.edges["XAA", "XBB"]
    # the deployment is not counted; the three transfers are, by date
    assert xaa_xbb["count"] == 3
    assert xaa_xbb["transfers"] == ["xaa-xbb-tank-framework", "xaa-xbb-tank-exec", "xaa-xbb-heli-offer"]
    assert xaa_xbb["categories"] == ["attack_helicopter", "main_battle_tank"]
    assert (xaa_xbb["first"], xaa_xbb["last"]) == ("2019-12-01", "2020-05-01")
    assert collapsed.nodes["XCC"]["name"] == "Charlie (fictional)"


def test_collapsing_can_keep_only_some_transfers(curated: Dataset) -> None:
    collapsed = collapse(build_network(curated), keep=lambda edge: edge["status"] != "offered")
    assert collapsed.edges["XAA", "XBB"]["count"] == 2
