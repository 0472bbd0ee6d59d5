"""What must be true of chains on the bundled seed data (issue #3), asked as users ask it."""

from __future__ import annotations

import pytest
from chain_data import sparql_legs

from graph.chains import BackfillChain, find_chains, impact
from graph.dataset import Dataset
from graph.load import load_dataset
from graph.paths import find_paths
from graph.rdf import build_store


@pytest.fixture(scope="module")
def seeds() -> Dataset:
    return load_dataset(cache=False)


@pytest.fixture(scope="module")
def chains(seeds: Dataset) -> list[BackfillChain]:
    return find_chains(seeds)


def systems(chain: BackfillChain, role: str) -> set[str]:
    return {leg.system or "" for leg in chain.legs if leg.role == role}


def curated_links(chains: list[BackfillChain], replacing: str, enabled: str) -> list[BackfillChain]:
    """Curated chains whose replacing side includes a system named like ``replacing`` and enabled side ``enabled``."""
    return [
        chain
        for chain in chains
        if chain.kind == "curated"
        and any(replacing in name for name in systems(chain, "replacing"))
        and any(enabled in name for name in systems(chain, "enabled"))
    ]


@pytest.mark.parametrize(
    ("replacing", "enabled"),
    [("K2", "T-72"), ("K2", "PT-91"), ("K9", "Krab"), ("FA-50", "MiG-29")],
)
def test_korean_contracts_with_poland_backfill_polish_donations_to_ukraine(
    seeds: Dataset, replacing: str, enabled: str
) -> None:
    found = curated_links(find_chains(seeds, from_="KOR", via="POL", to="UKR"), replacing, enabled)
    assert found, f"no curated chain KOR -> POL -> UKR from {replacing} to {enabled}"
    for chain in found:
        assert chain.link_sources, chain.id  # on whose word
        assert all(leg.supplier == "KOR" and leg.recipient == "POL" for leg in chain.legs if leg.role == "replacing")
        assert all(leg.supplier == "POL" and leg.recipient == "UKR" for leg in chain.legs if leg.role == "enabled")


def test_the_k9_to_krab_link_is_not_reported_again_as_inferred(seeds: Dataset) -> None:
    inferred = find_chains(seeds, from_="KOR", via="POL", to="UKR", inferred_only=True)
    krab = [c for c in inferred if "AHS Krab" in systems(c, "enabled")]
    assert not [c for c in krab if systems(c, "replacing") == {"K9 Thunder"}]


@pytest.mark.parametrize("partner", ["CZE", "SVK", "SVN", "GRC"])
def test_germanys_ring_exchanges_have_systems_on_both_legs(seeds: Dataset, partner: str) -> None:
    found = [
        chain
        for chain in find_chains(seeds, from_="DEU", via=partner, to="UKR", curated_only=True)
        if chain.backfill_kind == "ring_exchange"
    ]
    assert found, f"no ring exchange DEU -> {partner} -> UKR"
    for chain in found:
        into = [leg for leg in chain.legs if leg.role == "replacing"]
        out_of = [leg for leg in chain.legs if leg.role == "enabled"]
        assert into and all((leg.supplier, leg.recipient) == ("DEU", partner) and leg.system for leg in into)
        assert out_of and all((leg.supplier, leg.recipient) == (partner, "UKR") and leg.system for leg in out_of)


def test_slovakias_s300_is_backfilled_by_patriot_deployments_not_transfers(chains: list[BackfillChain]) -> None:
    found = [c for c in chains if any("S-300" in name for name in systems(c, "enabled"))]
    assert found, "no chain ends in Slovakia's S-300 donation"
    for chain in found:
        patriots = [leg for leg in chain.legs if leg.role == "replacing" and "Patriot" in (leg.system or "")]
        assert patriots, chain.id
        assert all(leg.relation == "deployed_to" and leg.kind == "deployment" for leg in patriots)
        assert all(leg.recipient == "SVK" for leg in patriots)
    # and no Patriot ever shows up as a transfer into Slovakia, curated or inferred
    for chain in chains:
        for leg in chain.legs:
            if "Patriot" in (leg.system or "") and leg.recipient == "SVK":
                assert leg.relation == "deployed_to", chain.id


def test_the_us_ah1z_offer_is_never_a_completed_backfill(seeds: Dataset, chains: list[BackfillChain]) -> None:
    with_offer = [c for c in chains if any("AH-1Z" in (leg.system or "") for leg in c.legs)]
    assert with_offer, "the AH-1Z offer is in no chain"
    for chain in with_offer:
        assert chain.status == "offer only", chain.id
        assert chain.kind == "curated"
        assert any("offer" in flag for flag in chain.flags)
        assert "offer only" in chain.explanation
        assert all(leg.status == "offered" for leg in chain.legs if "AH-1Z" in (leg.system or ""))
    completed = [c for c in chains if c.status == "completed"]
    assert not [c for c in completed if any("AH-1Z" in (leg.system or "") for leg in c.legs)]


def test_every_seed_chains_sparql_returns_its_legs_from_the_export(seeds: Dataset) -> None:
    store = build_store(seeds, cache=False)
    for chain in find_chains(seeds):
        want = sorted(
            ((g.transfer, g.role, g.supplier, g.recipient, g.system, g.category, g.date) for g in chain.legs), key=str
        )
        assert sorted(sparql_legs(store, chain.sparql), key=str) == want, chain.id


def test_korean_kit_reaches_ukraine_through_poland_in_time(seeds: Dataset) -> None:
    found = find_paths(seeds, "KOR", "UKR", k=3)
    assert found and found[0].actors == ("KOR", "POL", "UKR")
    first, second = found[0].legs
    assert first.date <= second.date  # type: ignore[operator]


def test_if_the_k2_contract_slips_polish_tank_donations_lose_their_backfill(seeds: Dataset) -> None:
    found = impact(seeds, "kor-pol-k2-framework-2022")
    assert "kor-pol-k2-exec1-2022" in found.includes
    downstream = {d.leg.system for d in found.dependents if d.kind == "curated"}
    assert {"T-72M1", "PT-91 Twardy"} <= downstream
