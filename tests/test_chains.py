"""Backfill chains on tiny datasets whose answers are plain by inspection, and their invariants."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chain_data import dataset_from_rows, leg_rows, random_rows, sparql_legs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.chains import (
    _CHAIN_FIELDS,
    CHAIN_RULES,
    BackfillChain,
    ChainRule,
    RankedChains,
    _built,
    _curated_links,
    _first_token,
    _id_order,
    _inferred_chain,
    _parts,
    _Records,
    _round4,
    build_index,
    category_family,
    find_chains,
    impact,
    indexed_links,
    iter_chains,
    naive_links,
    parse_day,
)
from graph.dataset import Dataset
from graph.errors import UsageError
from graph.load import load_dataset
from graph.model import Category
from graph.rdf import build_store

DATA = Path(__file__).parent / "data" / "chains"
DOCS = Path(__file__).parent.parent / "docs" / "chains.md"


@pytest.fixture(scope="module")
def two_hop() -> Dataset:
    return load_dataset([DATA / "two-hop"], cache=False)


@pytest.fixture(scope="module")
def rules() -> Dataset:
    return load_dataset([DATA / "rules"], cache=False)


@pytest.fixture(scope="module")
def curated() -> Dataset:
    return load_dataset([DATA / "curated"], cache=False)


def by_id(chains: list[BackfillChain]) -> dict[str, BackfillChain]:
    return {chain.id: chain for chain in chains}


def test_korea_k2_contract_backfills_poland_t72_donation_as_a_curated_chain(two_hop: Dataset) -> None:
    chain = by_id(find_chains(two_hop))["kor-pol-ukr-tanks"]
    assert chain.kind == "curated" and chain.rule is None
    assert [(leg.role, leg.supplier, leg.recipient, leg.system) for leg in chain.legs] == [
        ("replacing", "KOR", "POL", "K2 Black Panther"),
        ("enabled", "POL", "UKR", "T-72"),
    ]
    assert chain.gap_days == 119  # 2022-04-29 -> 2022-08-26
    assert chain.link_sources == ("oodaloop-2022-07-27",)
    assert chain.sources[0] == "oodaloop-2022-07-27" and "defenceblog-2022-04-29" in chain.sources
    assert chain.legs[1].quantity == "at least 200"
    assert "KOR -> POL" in chain.explanation and "119 days after" in chain.explanation


def test_k9_to_krab_is_inferred_by_lineage_and_says_why(two_hop: Dataset) -> None:
    inferred = [c for c in find_chains(two_hop) if c.kind == "inferred"]
    assert [c.id for c in inferred] == ["R1:kor-pol-k9-2022>pol-ukr-krab-2022"]
    chain = inferred[0]
    assert chain.links[0].reason == "lineage"
    assert "same lineage as K9 Thunder" in chain.explanation and "Rule R1" in chain.explanation
    assert chain.score < 0.5


def test_a_curated_chain_is_never_reported_again_as_inferred(two_hop: Dataset, curated: Dataset) -> None:
    assert all(c.kind == "curated" for c in find_chains(two_hop) if "k2" in c.id)
    # xaa-xbb-tank-framework and its executive contract both tie to xbb-xcc-tank-old: tanks-claim covers both
    assert [c.id for c in find_chains(curated)] == ["sam-claim", "tanks-claim", "heli-claim"]


def test_inferred_chains_score_below_curated_ones(two_hop: Dataset, curated: Dataset, rules: Dataset) -> None:
    chains = find_chains(two_hop) + find_chains(curated) + find_chains(rules)
    lowest_curated = min(c.score for c in chains if c.kind == "curated")
    assert max(c.score for c in chains if c.kind == "inferred") < 0.5 <= lowest_curated


def test_rule_r1_finds_older_second_hand_substitute_and_lineage_links(rules: Dataset) -> None:
    found = {c.id: c.links[0].reason for c in iter_chains(rules, rules=["R1"])}
    assert found == {
        "R1:xaa-xbb-tank-new>xbb-xcc-tank-old": "older",
        "R1:xaa-xbb-tank-new>xbb-xdd-tank-new-b-used": "second_hand",
        "R1:xaa-xbb-tank-new>xbb-xee-ifv-old": "older+substitute",
        "R1:xaa-xbb-gun>xbb-xee-gun-derived": "lineage",
        "R1:xaa-xbb-gun>xbb-xee-rocket-old": "older+substitute",
        "R1:xbb-xcc-tank-old>xcc-xdd-ifv-used": "second_hand+substitute",
        "R1:xbb-xdd-tank-new-b-used>xdd-xcc-tank-old-financed": "older",
    }


def test_legs_outside_the_window_newer_kit_other_families_and_round_trips_do_not_match(rules: Dataset) -> None:
    legs_out = {c.legs[-1].transfer for c in iter_chains(rules, inferred_only=True)}
    assert "xbb-xdd-tank-old-late" not in legs_out  # 776 days after the new tanks
    assert "xbb-xee-tank-new-b" not in legs_out  # new kit of the same era
    assert "xbb-xaa-tank-old" not in legs_out  # back to the supplier
    assert "xbb-xee-tank-old-late" not in legs_out


def test_a_wider_window_reaches_the_late_donation(rules: Dataset) -> None:
    ids = {c.id for c in iter_chains(rules, rules=["R1"], window_days=800)}
    assert "R1:xaa-xbb-tank-new>xbb-xdd-tank-old-late" in ids
    narrow = {c.id for c in iter_chains(rules, rules=["R1"], window_days=30)}
    assert narrow == {"R1:xaa-xbb-tank-new>xbb-xee-ifv-old"}  # 17 days apart


def test_offers_are_never_used_to_infer_a_chain(rules: Dataset) -> None:
    for chain in iter_chains(rules, inferred_only=True):
        assert all(leg.status not in ("offered", "cancelled") for leg in chain.legs), chain.id


def test_rule_r3_links_shells_in_to_shells_out(rules: Dataset) -> None:
    assert [c.id for c in iter_chains(rules, rules=["R3"])] == ["R3:xaa-xbb-shells>xbb-xcc-shells"]


def test_rule_r2_makes_the_financier_the_origin_of_a_chain(rules: Dataset) -> None:
    chains = list(iter_chains(rules, rules=["R2"]))
    assert [c.id for c in chains] == ["R2:XEE>xdd-xcc-tank-old-financed"]
    assert chains[0].financier == "XEE" and chains[0].origins == {"XEE"}
    assert chains[0].intermediaries == {"XDD"} and chains[0].destinations == {"XCC"}
    assert [c.id for c in iter_chains(rules, from_="XEE")] == ["R2:XEE>xdd-xcc-tank-old-financed"]


def test_rule_r4_composes_links_into_three_hop_chains(rules: Dataset) -> None:
    chains = {c.id: c for c in iter_chains(rules, rules=["R1", "R4"]) if c.rule == "R4"}
    assert set(chains) == {
        "R4:xaa-xbb-tank-new>xbb-xcc-tank-old>xcc-xdd-ifv-used",
        "R4:xaa-xbb-tank-new>xbb-xdd-tank-new-b-used>xdd-xcc-tank-old-financed",
    }
    chain = chains["R4:xaa-xbb-tank-new>xbb-xcc-tank-old>xcc-xdd-ifv-used"]
    assert [leg.role for leg in chain.legs] == ["replacing", "relay", "enabled"]
    assert chain.origins == {"XAA"} and chain.intermediaries == {"XBB", "XCC"} and chain.destinations == {"XDD"}
    assert chain.gaps == (-138, -92)
    assert not [c for c in iter_chains(rules, rules=["R1", "R4"], max_legs=2) if c.rule == "R4"]


def test_a_multi_hop_chain_through_a_curated_link_comes_once_and_names_the_claim() -> None:
    # XAA -> XAB new tanks (day 0), XAB -> XAC old tanks (day 10), XAC -> XAD second-hand IFVs (day 20);
    # a claim says the first leg replaced the second
    rows = [
        (0, 1, 0, 0, 3, False, 2, None),
        (1, 2, 1, 10, 3, False, 2, None),
        (2, 3, 2, 20, 3, True, 2, None),
    ]
    dataset = dataset_from_rows(rows, claims=[(0, 1, 2)])
    chains = list(iter_chains(dataset))
    assert [c.id for c in chains] == ["c0", "R1:t1>t2", "R4:t0>t1>t2"]
    multi_hop = chains[-1]
    assert [link.rule for link in multi_hop.links] == ["curated", "R1"]
    assert "curated claim" in multi_hop.explanation


def test_filters_pick_chains_by_actor_category_and_date(rules: Dataset) -> None:
    via_xcc = {c.id for c in iter_chains(rules, via="XCC")}
    assert "R1:xbb-xcc-tank-old>xcc-xdd-ifv-used" in via_xcc
    assert "R4:xaa-xbb-tank-new>xbb-xcc-tank-old>xcc-xdd-ifv-used" in via_xcc
    assert all("XCC" in c.intermediaries for c in iter_chains(rules, via="XCC"))
    assert {c.id for c in iter_chains(rules, category="artillery ammunition")} == {"R3:xaa-xbb-shells>xbb-xcc-shells"}
    assert {c.id for c in iter_chains(rules, to="XEE", since="2021-06")} == {
        "R1:xaa-xbb-gun>xbb-xee-gun-derived",
        "R1:xaa-xbb-gun>xbb-xee-rocket-old",
    }
    assert list(iter_chains(rules, until="2019")) == []


def test_curated_only_and_inferred_only(curated: Dataset, rules: Dataset) -> None:
    assert all(c.kind == "curated" for c in iter_chains(curated, curated_only=True))
    assert list(iter_chains(rules, curated_only=True)) == []
    assert list(iter_chains(curated, inferred_only=True)) == []
    with pytest.raises(UsageError, match="not both"):
        list(iter_chains(curated, curated_only=True, inferred_only=True))


def test_a_deployment_backfill_stays_a_deployment(curated: Dataset) -> None:
    chain = by_id(find_chains(curated))["sam-claim"]
    replacing = chain.legs[0]
    assert (replacing.transfer, replacing.relation, replacing.kind) == ("xaa-in-xbb-sam", "deployed_to", "deployment")
    assert chain.status == "completed"
    assert any("deployment" in flag for flag in chain.flags)
    assert "deployed to" in chain.explanation


def test_an_offer_is_flagged_and_never_a_completed_backfill(curated: Dataset) -> None:
    chains = by_id(find_chains(curated))
    offer = chains["heli-claim"]
    assert offer.status == "offer only"
    assert offer.flags == ("xaa-xbb-heli-offer is an offer, not a completed transfer",)
    assert "offer only" in offer.explanation
    assert offer.score < chains["tanks-claim"].score  # same confidence, lower for being an offer


def test_unknown_actor_category_or_rule_is_a_usage_error_naming_close_matches(rules: Dataset) -> None:
    with pytest.raises(UsageError, match="did you mean XBB"):
        list(iter_chains(rules, via="XBX"))
    with pytest.raises(UsageError, match="main_battle_tank"):
        list(iter_chains(rules, category="main_battle_tnk"))
    with pytest.raises(UsageError, match="rules are R1"):
        list(iter_chains(rules, rules=["R9"]))
    with pytest.raises(UsageError, match="date"):
        list(iter_chains(rules, since="last year"))
    with pytest.raises(UsageError, match="--since 2023 is after --until 2022"):
        list(iter_chains(rules, since="2023", until="2022"))


def test_impact_follows_chains_downstream_transitively(rules: Dataset) -> None:
    found = impact(rules, "xaa-xbb-tank-new")
    depths = {d.leg.transfer: (d.depth, d.because_of) for d in found.dependents}
    assert depths == {
        "xbb-xcc-tank-old": (1, "xaa-xbb-tank-new"),
        "xbb-xdd-tank-new-b-used": (1, "xaa-xbb-tank-new"),
        "xbb-xee-ifv-old": (1, "xaa-xbb-tank-new"),
        "xcc-xdd-ifv-used": (2, "xbb-xcc-tank-old"),
        "xdd-xcc-tank-old-financed": (2, "xbb-xdd-tank-new-b-used"),
    }
    assert impact(rules, "xbb-xee-ifv-old").dependents == ()


def test_impact_of_a_framework_includes_its_contracts(curated: Dataset) -> None:
    found = impact(curated, "xaa-xbb-tank-framework")
    assert found.includes == ("xaa-xbb-tank-exec",)
    assert [(d.leg.transfer, d.kind, d.chains) for d in found.dependents] == [
        ("xbb-xcc-tank-old", "curated", ("tanks-claim",))
    ]
    with pytest.raises(UsageError, match="did you mean xaa-xbb-tank-exec"):
        impact(curated, "xaa-xbb-tank-exc")


def test_every_rule_is_documented_with_its_code_and_name() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for rule in CHAIN_RULES.values():
        assert f"{rule.code}" in text and rule.name in text, rule.code
        assert rule.description, rule.code


# --------------------------------------------------------------------------- the SPARQL behind each chain


def chain_legs(chain: BackfillChain) -> list[tuple]:
    return [(g.transfer, g.role, g.supplier, g.recipient, g.system, g.category, g.date) for g in chain.legs]


@pytest.mark.parametrize("name", ["two-hop", "rules", "curated"])
def test_each_chains_sparql_returns_its_legs_from_the_rdf_export(name: str) -> None:
    dataset = load_dataset([DATA / name], cache=False)
    store = build_store(dataset, cache=False)
    chains = find_chains(dataset)
    assert chains
    for chain in chains:
        got = sparql_legs(store, chain.sparql)
        if chain.kind == "curated":  # read through the claim: same legs, order within a role may differ
            assert sorted(got, key=str) == sorted(chain_legs(chain), key=str), chain.id
        else:
            assert got == chain_legs(chain), chain.id


def test_an_inferred_chains_sparql_returns_nothing_once_its_link_no_longer_holds(rules: Dataset) -> None:
    chain = by_id(find_chains(rules))["R1:xaa-xbb-tank-new>xbb-xcc-tank-old"]
    narrower = chain.sparql.replace('"P540D"', '"P100D"')  # the legs are 138 days apart
    store = build_store(rules, cache=False)
    assert len(sparql_legs(store, chain.sparql)) == 2
    assert sparql_legs(store, narrower) == []


# --------------------------------------------------------------------------- properties


def test_the_indexed_search_equals_the_naive_scan_on_two_thousand_random_legs() -> None:
    index = build_index(dataset_from_rows(random_rows(2000, seed=7)))
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    indexed = set(indexed_links(index, pair_rules, 540))
    assert len(indexed) > 1000  # enough links for the comparison to mean something
    assert indexed == set(naive_links(index, pair_rules, 540))
    assert {link.rule for link in indexed} == {"R1", "R3"}


windows = st.integers(0, 900)
relaxed = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(leg_rows(), windows)
def test_the_indexed_search_finds_exactly_the_pairs_of_the_naive_scan(rows: list, window: int) -> None:
    index = build_index(dataset_from_rows(rows))
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    assert set(indexed_links(index, pair_rules, window)) == set(naive_links(index, pair_rules, window))


@relaxed
@given(leg_rows(), windows, st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 2)), max_size=3))
def test_inferred_links_are_within_the_window_in_one_family_and_score_below_curated(
    rows: list, window: int, claims: list
) -> None:
    dataset = dataset_from_rows(rows, claims)
    index = build_index(dataset)
    claimed = [frozenset((*c.replacing, *c.enabled)) for c in dataset.backfills.values()]
    chains = list(iter_chains(dataset, window_days=window))
    assert len({chain.id for chain in chains}) == len(chains)  # no chain twice
    for chain in chains:
        if chain.kind == "curated":
            assert chain.score >= 0.55
            continue
        assert chain.score < 0.5 and chain.rule in CHAIN_RULES and f"Rule {chain.rule}" in chain.explanation
        assert all(leg.status not in ("offered", "cancelled") for leg in chain.legs)
        if chain.rule == "R2":
            assert chain.financier and chain.financier not in (chain.legs[0].supplier, chain.legs[0].recipient)
            continue
        facts = index.facts
        assert [link.into for link in chain.links] == [leg.transfer for leg in chain.legs[:-1]]
        assert [link.out_of for link in chain.links] == [leg.transfer for leg in chain.legs[1:]]
        for link in chain.links:
            into, out_of = facts[link.into], facts[link.out_of]
            assert into.recipient == out_of.supplier
            if link.rule == "curated":  # a claim's link stands on its sources, not on the window
                assert any(link.into in c.replacing and link.out_of in c.enabled for c in dataset.backfills.values())
                continue
            assert category_family(into.category) == category_family(out_of.category), chain.id
            assert into.day is not None and out_of.day is not None and abs(into.day - out_of.day) <= window
            assert link.gap_days == into.day - out_of.day
        actors = [chain.legs[0].supplier, *(leg.recipient for leg in chain.legs)]
        assert len(set(actors)) == len(actors), chain.id
        if len(chain.legs) == 2:
            assert frozenset(leg.transfer for leg in chain.legs) not in [c for c in claimed if len(c) == 2]


@relaxed
@given(leg_rows(), windows, st.floats(0.0, 0.6))
def test_a_minimum_score_keeps_exactly_the_chains_scoring_at_least_that(rows: list, window: int, floor: float) -> None:
    dataset = dataset_from_rows(rows, [(0, 1, 2)])
    everything = list(iter_chains(dataset, window_days=window))
    kept = list(iter_chains(dataset, window_days=window, min_score=floor))
    assert [c.id for c in kept] == [c.id for c in everything if c.score >= floor]


def test_since_and_until_keep_the_chains_that_run_through_the_period(rules: Dataset) -> None:
    # three of these have no leg dated inside the period: one leg before it, one after
    assert {c.id for c in iter_chains(rules, since="2020-07", until="2021-04")} == {
        "R1:xbb-xdd-tank-new-b-used>xdd-xcc-tank-old-financed",
        "R4:xaa-xbb-tank-new>xbb-xdd-tank-new-b-used>xdd-xcc-tank-old-financed",
        "R1:xaa-xbb-gun>xbb-xee-rocket-old",
        "R1:xbb-xcc-tank-old>xcc-xdd-ifv-used",
        "R4:xaa-xbb-tank-new>xbb-xcc-tank-old>xcc-xdd-ifv-used",
        "R3:xaa-xbb-shells>xbb-xcc-shells",
    }
    # a chain that ends on the first day of the period runs through it; one that ends the day before does not
    assert "R1:xaa-xbb-tank-new>xbb-xcc-tank-old" in {c.id for c in iter_chains(rules, since="2020-06-01")}
    assert "R1:xaa-xbb-tank-new>xbb-xcc-tank-old" not in {c.id for c in iter_chains(rules, since="2020-06-02")}
    assert "R1:xaa-xbb-tank-new>xbb-xcc-tank-old" in {c.id for c in iter_chains(rules, until="2020-01-15")}


FILTERS = ("from_", "via", "to", "category", "since", "until")


def passes(chain: BackfillChain, **filters: str) -> bool:
    """The filters of a search as its documentation states them, tested on a built chain (the reference)."""
    dates = [leg.date for leg in chain.legs if leg.date]
    since, until = filters.get("since"), filters.get("until")
    actors = {"from_": chain.origins, "via": chain.intermediaries, "to": chain.destinations}
    return (
        all(filters[name] in found for name, found in actors.items() if name in filters)
        and ("category" not in filters or filters["category"] in {leg.category for leg in chain.legs})
        and (not (since or until) or bool(dates))
        and (since is None or max(dates) >= parse_day(since).isoformat())
        and (until is None or min(dates) <= parse_day(until, end=True).isoformat())
    )


def some_filters(dataset: Dataset, chains: list[BackfillChain], names: Iterable[str], rng: random.Random) -> dict:
    """Values for these filters, mostly read off a chain found (so that something passes), now and then any value."""
    chain, other = rng.choice(chains), rng.choice(chains)
    dates = sorted(leg.date for leg in (*chain.legs, *other.legs) if leg.date) or ["2020-06-15"]
    if rng.random() < 0.2:  # any actor, category or year: often one the chains do not have
        actor = rng.choice(sorted(dataset.actors))
        values = {name: actor for name in ("from_", "via", "to")}
        values |= {"category": rng.choice(list(Category)).value, "since": str(rng.randint(1990, 2030))}
        values["until"] = values["since"]
    else:
        values = {
            "from_": rng.choice(sorted(chain.origins)),
            "via": rng.choice(sorted(chain.intermediaries)),
            "to": rng.choice(sorted(chain.destinations)),
            "category": rng.choice([leg.category for leg in chain.legs if leg.category] or ["uav"]),
            "since": rng.choice([dates[0], dates[-1], dates[-1][:4], dates[-1][:7]]),
            "until": rng.choice([dates[0], dates[-1], dates[0][:4], dates[0][:7]]),
        }
    chosen = {name: values[name] for name in names}
    if chosen.get("since", "") > chosen.get("until", "9999"):
        chosen["since"], chosen["until"] = chosen["until"], chosen["since"]
    return chosen


def check_filters_on_arrays_match_the_reference(dataset: Dataset, rng: random.Random, **search: Any) -> None:
    """For each combination of filters: the chains, in the order, that testing each chain with :func:`passes` keeps."""
    everything = list(iter_chains(dataset, **search))
    ranked = find_chains(dataset, **search)
    assert everything and len(ranked) == len(everything)
    for size in range(1, len(FILTERS) + 1):
        for names in itertools.combinations(FILTERS, size):
            filters = some_filters(dataset, everything, names, rng)
            one_by_one = [chain.id for chain in everything if passes(chain, **filters)]
            assert [chain.id for chain in iter_chains(dataset, **search, **filters)] == one_by_one, filters
            filtered = find_chains(dataset, **search, **filters)
            expected = [chain for chain in ranked if passes(chain, **filters)]
            assert filtered.ids == [chain.id for chain in expected], filters
            assert filtered.scores == [chain.score for chain in expected], filters
            if len(expected) < 300:  # every field, explanation and query included
                assert [chain.as_dict() for chain in filtered] == [chain.as_dict() for chain in expected], filters


@pytest.mark.parametrize("seed", [1, 2])
def test_every_combination_of_filters_keeps_what_testing_each_chain_keeps_on_synthetic_data(
    tmp_path: Path, seed: int
) -> None:
    from benchmarks.synthetic import write_synthetic

    dataset = load_dataset([write_synthetic(tmp_path / "data", 2000, seed=seed)], cache=False)
    search = {"window_days": 1500, "max_legs": 4}
    assert find_chains(dataset, **search).counts().keys() == {"curated", "R1", "R2", "R3", "R4"}
    check_filters_on_arrays_match_the_reference(dataset, random.Random(seed), **search)
    check_filters_on_arrays_match_the_reference(dataset, random.Random(seed), **search, min_score=0.2)


def test_every_combination_of_filters_keeps_what_testing_each_chain_keeps_on_chains_of_many_lengths() -> None:
    rows, claims = random_rows(500, seed=3), [(n, 5 * n + 2, n % 3) for n in range(0, 500, 9)]
    # claims from undated legs into dated ones: multi-hop chains with legs of both kinds
    undated = [n for n, row in enumerate(rows) if row[3] is None]
    claims += [(n, next(m for m, row in enumerate(rows) if row[0] == rows[n][1] and row[3]), 1) for n in undated]
    dataset = dataset_from_rows(rows, claims)
    chains = find_chains(dataset, max_legs=5)
    assert Counter(len(chain.legs) for chain in chains).keys() == {1, 2, 3, 4, 5}
    assert any(None in (dates := [leg.date for leg in chain.legs]) and any(dates) for chain in chains if chain.rule)
    check_filters_on_arrays_match_the_reference(dataset, random.Random(3), max_legs=5)


@relaxed
@given(
    leg_rows(),
    windows,
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 2)), max_size=3),
    st.randoms(use_true_random=False),
    st.integers(0, 3),
)
def test_filters_on_arrays_keep_what_testing_each_chain_keeps(
    rows: list, window: int, claims: list, rng: random.Random, selfish: int
) -> None:
    # a transfer to its own supplier (a rule flags it, the search takes it) leaves a chain with one actor
    # in the middle that is also an end: the chain's intermediary is then the enabled leg's supplier
    rows = rows + [(row[1], row[1], *row[2:]) for row in rows[:selfish]]
    dataset = dataset_from_rows(rows, claims)
    if any(True for _ in iter_chains(dataset, window_days=window)):
        check_filters_on_arrays_match_the_reference(dataset, rng, window_days=window, max_legs=5)


# --------------------------------------------------------------------------- ranked results, built when read


def test_the_fast_constructor_makes_the_same_chain_as_the_dataclass(rules: Dataset) -> None:
    chain = by_id(find_chains(rules))["R2:XEE>xdd-xcc-tank-old-financed"]
    fields = {name: getattr(chain, name) for name in _CHAIN_FIELDS}
    assert vars(chain).keys() >= set(_CHAIN_FIELDS)
    assert BackfillChain(**fields) == chain
    assert BackfillChain(**fields).as_dict() == chain.as_dict()
    args = ("R4:a>b>c", "R4", "replacement", "completed", 0.25, "low", (), (3, None), (), 90)
    made = _inferred_chain(*args)
    assert list(vars(made)) == list(_CHAIN_FIELDS)
    assert made == BackfillChain(
        "R4:a>b>c", "inferred", "R4", "replacement", "completed", 0.25, "low", (), (3, None), window_days=90
    )


def test_ranked_chains_read_like_the_sorted_list_of_every_chain(rules: Dataset) -> None:
    ranked = find_chains(rules)
    expected = sorted(iter_chains(rules), key=lambda c: (-c.score, c.id))
    assert isinstance(ranked, RankedChains) and len(ranked) == len(expected) == 11
    assert ranked.ids == [c.id for c in expected] and ranked.scores == [c.score for c in expected]
    assert ranked.counts() == {"R1": 7, "R2": 1, "R3": 1, "R4": 2}
    assert ranked[0].id == expected[0].id and ranked[-1].id == expected[-1].id
    assert ranked[0] is ranked[0]  # built once, then kept
    assert [c.id for c in ranked[2:5]] == [c.id for c in expected[2:5]]
    assert ranked == expected and expected == ranked and ranked != expected[:-1]
    assert [c.as_dict() for c in ranked] == [c.as_dict() for c in expected]
    assert [c.id for c in ranked + expected[:1]] == [*ranked.ids, expected[0].id]
    assert [c.id for c in expected[:1] + ranked] == [expected[0].id, *ranked.ids]
    assert expected[3] in ranked and ranked.index(expected[3]) == 3
    with pytest.raises(IndexError):
        ranked[len(ranked)]
    assert find_chains(rules, limit=3) == expected[:3]
    assert len(find_chains(rules, rules=[])) == 0 and not find_chains(rules, rules=[])


def reference_chains(dataset: Dataset, window: int) -> dict[str, float]:
    """Id -> score of every inferred chain, the straightforward way: pairs from the naive scan, then every
    two links that share a leg (R4, three legs), then each financed transfer (R2)."""
    index = build_index(dataset)
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    links = list(naive_links(index, pair_rules, window))
    facts = index.facts
    claims = list(dataset.backfills.values())
    claimed = [frozenset(facts[i].framework for i in (*c.replacing, *c.enabled)) for c in claims]
    found = {}
    for link in links:
        if not any(frozenset(facts[i].framework for i in (link.into, link.out_of)) <= c for c in claimed):
            weight = CHAIN_RULES[link.rule].weight
            found[f"{link.rule}:{link.into}>{link.out_of}"] = round(0.5 * weight * link.strength, 4)
    composable = {(link.into, link.out_of): link for link in links}
    composable.update({(link.into, link.out_of): link for link in _curated_links(index)})
    unusable = {"offered", "cancelled"}
    usable = [link for link in composable.values()
              if not {facts[link.into].status, facts[link.out_of].status} & unusable]
    for first in usable:
        for second in usable:
            if second.into != first.out_of:
                continue
            actors = [facts[first.into].supplier, facts[first.into].recipient, facts[first.out_of].recipient,
                      facts[second.out_of].recipient]
            if len(set(actors)) == 4:
                chain_id = f"R4:{first.into}>{first.out_of}>{second.out_of}"
                found[chain_id] = round(0.4 * first.strength * second.strength, 4)
    for transfer in dataset.transfers.values():
        if transfer.status.value in ("offered", "cancelled") or transfer.same_as is not None:
            continue
        claimed_financing = any(transfer.id in c.enabled for c in claims if c.kind.value == "financing")
        for financier in transfer.financed_by:
            if financier not in (transfer.supplier, transfer.recipient) and not claimed_financing:
                found[f"R2:{financier}>{transfer.id}"] = round(0.4 * transfer.confidence.score / 0.9, 4)
    return found


@relaxed
@given(leg_rows(), windows, st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 2)), max_size=3))
def test_the_ranked_chains_are_exactly_those_a_straightforward_search_finds(
    rows: list, window: int, claims: list
) -> None:
    dataset = dataset_from_rows(rows, claims)
    ranked = find_chains(dataset, window_days=window)
    expected = reference_chains(dataset, window)
    # claim ids cannot hold ":", inferred ones always do
    assert {i: score for i, score in zip(ranked.ids, ranked.scores, strict=True) if ":" in i} == expected
    one_by_one = sorted(iter_chains(dataset, window_days=window), key=lambda c: (-c.score, c.id))
    assert ranked.ids == [c.id for c in one_by_one]


def test_ranked_chains_equal_the_chains_built_one_by_one_on_synthetic_data(tmp_path: Path) -> None:
    from benchmarks.synthetic import write_synthetic

    dataset = load_dataset([write_synthetic(tmp_path / "data", 3000)], cache=False)
    ranked = find_chains(dataset, window_days=1500, max_legs=4)
    assert ranked.counts().keys() == {"curated", "R1", "R2", "R3", "R4"}
    assert any(len(chain.legs) == 4 for chain in ranked)
    assert len(reference := reference_chains(dataset, 1500)) > 100
    three_legs_at_most = {i: s for i, s in zip(ranked.ids, ranked.scores, strict=True) if 0 < i.count(">") < 3}
    assert three_legs_at_most == reference
    one_by_one = sorted(iter_chains(dataset, window_days=1500, max_legs=4), key=lambda c: (-c.score, c.id))
    assert [c.as_dict() for c in ranked] == [c.as_dict() for c in one_by_one]


def test_reading_on_past_the_first_chains_builds_the_rest_in_one_go_and_in_rank_order(
    monkeypatch: pytest.MonkeyPatch, rules: Dataset
) -> None:
    import graph.chains

    monkeypatch.setattr(graph.chains, "_BATCH", 3)
    expected = sorted(iter_chains(rules), key=lambda c: (-c.score, c.id))
    ranked = find_chains(rules)
    first = ranked[5]
    assert [c.as_dict() for c in ranked] == [c.as_dict() for c in expected]
    assert ranked[5] is first and list(ranked) == expected and ranked[::-2] == expected[::-2]
    reading = iter(find_chains(rules))
    assert [next(reading).id for _ in range(4)] == [c.id for c in expected[:4]]


# --------------------------------------------------------------------------- the search on arrays, against Python


def near_halves() -> st.SearchStrategy[float]:
    """Floats at and next to the halfway points between four-decimal numbers, where rounding can go either way."""
    middle = st.integers(-(10**6), 10**6).map(lambda k: (k + 0.5) / 10_000)
    return st.tuples(middle, st.integers(-3, 3)).map(lambda pair: _nudged(*pair))


def _nudged(value: float, steps: int) -> float:
    for _ in range(abs(steps)):
        value = math.nextafter(value, math.inf if steps > 0 else -math.inf)
    return value


@given(st.lists(st.floats(allow_nan=False) | near_halves() | st.floats(0, 1), min_size=1, max_size=50))
def test_scores_rounded_on_arrays_are_the_floats_python_round_gives(values: list[float]) -> None:
    rounded = _round4(np.array(values, dtype=np.float64)).tolist()
    assert [math.copysign(1, r) for r in rounded] == [math.copysign(1, round(v, 4)) for v in values]
    assert rounded == [round(v, 4) for v in values]


def test_rounding_on_arrays_meets_halfway_values_that_python_rounds_down_and_up() -> None:
    # 0.00015 is held as a little less than it (Python gives 0.0001), 0.00025 as a little more (0.0003)
    assert _round4(np.array([0.00015, 0.00025, 2.5e-05])).tolist() == [round(0.00015, 4), round(0.00025, 4), 0.0]


@settings(max_examples=200)
@given(st.lists(st.from_regex(r"[Ra0_][a0:>._-]{0,5}", fullmatch=True), unique=True, max_size=40))
def test_ids_sort_as_their_token_sequences_whatever_characters_they_hold(ids: list[str]) -> None:
    records = [(-0.25, chain_id, "R1", _built, None) for chain_id in ids]
    parts = [_Records(records[::2]), _Records(records[1::2])]
    order = _id_order(parts, [0, len(records[::2])]).tolist()
    laid_out = [*ids[::2], *ids[1::2]]
    assert [laid_out[i] for i in order] == sorted(ids)


def awkward_names(count: int) -> list[str]:
    """``count`` valid ids, many of them prefixes of others, followed by characters on both sides of ``>``
    ("-", "." and digits sort before it; capitals and "_" after it)."""
    tails = ["".join(chars) for size in range(4) for chars in itertools.product("a0-.A_", repeat=size)]
    names = [head + tail for head in "a0A" for tail in tails]
    random.Random(3).shuffle(names)
    return names[:count]


def renamed(dataset: Dataset, names: list[str]) -> Dataset:
    """The dataset with its transfers (``t0``, ``t1`` ...) renamed ``names[0]``, ``names[1]`` ..."""
    new = {f"t{number}": name for number, name in enumerate(names)}
    return Dataset(
        actors=dataset.actors,
        systems=dataset.systems,
        sources=dataset.sources,
        transfers={new[i]: t.model_copy(update={"id": new[i]}) for i, t in dataset.transfers.items()},
        deployments={},
        backfills={
            i: c.model_copy(update={"replacing": [new[r] for r in c.replacing], "enabled": [new[e] for e in c.enabled]})
            for i, c in dataset.backfills.items()
        },
    )


def test_chains_rank_in_the_string_order_of_their_ids_when_leg_ids_are_prefixes_of_each_other() -> None:
    rows, claims = random_rows(700, seed=2), [(n, 5 * n + 2, n % 3) for n in range(0, 700, 9)]
    dataset = renamed(dataset_from_rows(rows, claims), awkward_names(700))
    ranked = find_chains(dataset, max_legs=4)
    expected = sorted(iter_chains(dataset, max_legs=4), key=lambda c: (-c.score, c.id))
    assert len(expected) > 5000 and len({c.score for c in expected}) < len(expected) / 4  # many ties
    assert ranked.ids == [c.id for c in expected]
    assert ranked.scores == [c.score for c in expected]


def test_each_part_of_a_search_puts_its_chains_in_id_order_without_making_the_ids() -> None:
    rows, claims = random_rows(700, seed=4), [(n, 5 * n + 2, n % 3) for n in range(0, 700, 9)]
    dataset = renamed(dataset_from_rows(rows, claims), awkward_names(700))
    parts = list(_parts(dataset, max_legs=5, window_days=900))
    assert [type(part).__name__ for part in parts] == ["_Records", "_PairChains", "_Records", "_MultiHops"]
    for part in parts:
        ids = part.ids()
        blocks = part.id_blocks()
        assert sorted(row for _, rows in blocks for row in rows.tolist()) == list(range(len(part)))
        for token, rows in blocks:
            in_order = [ids[row] for row in rows.tolist()]
            assert in_order == sorted(in_order) and {_first_token(i) for i in in_order} == {token}


def python_pair_rules() -> list[ChainRule]:
    """R1 and R3 wrapped, so the search runs their functions pair by pair (the Python path) instead of on arrays."""
    wrapped = []
    for rule in CHAIN_RULES.values():
        if rule.accepts is not None:
            accepts = functools.partial(rule.accepts)  # the same function, but not the built-in rule itself
            wrapped.append(dataclasses.replace(rule, accepts=accepts))
    return wrapped


def multi_hop_reference(dataset: Dataset, window: int, max_legs: int, floor: float) -> list[tuple[str, float]]:
    """(id, score) of every R4 chain, in search order, by a depth-first search over the links found in Python."""
    index = build_index(dataset)
    facts = index.facts
    composable = {(link.into, link.out_of): link for link in indexed_links(index, python_pair_rules(), window)}
    composable.update({(link.into, link.out_of): link for link in _curated_links(index)})
    unusable = {"offered", "cancelled"}
    usable = [
        link for link in composable.values() if not {facts[link.into].status, facts[link.out_of].status} & unusable
    ]
    following: dict[str, list] = {}
    for link in usable:
        following.setdefault(link.into, []).append(link)
    found = []

    def extend(path: list, actors: list[str], strength: float) -> None:
        for link in following.get(path[-1].out_of, []):
            reached = facts[link.out_of].recipient
            if reached in actors:
                continue
            score = round(0.4 * (strength * link.strength), 4)
            if floor and score < floor:
                continue
            found.append(("R4:" + ">".join([path[0].into, *(step.out_of for step in [*path, link])]), score))
            if len(path) + 3 <= max_legs:
                extend([*path, link], [*actors, reached], strength * link.strength)

    for first in usable:
        actors = [facts[first.into].supplier, facts[first.into].recipient, facts[first.out_of].recipient]
        if len(set(actors)) == 3 and max_legs >= 3:
            extend([first], actors, first.strength)
    return found


@relaxed
@given(
    leg_rows(max_size=40),
    windows,
    st.integers(2, 5),
    st.sampled_from([0.0, 0.1, 0.2]),
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 2)), max_size=3),
)
def test_multi_hop_chains_on_arrays_are_those_of_a_depth_first_search_in_its_order(
    rows: list, window: int, max_legs: int, floor: float, claims: list
) -> None:
    dataset = dataset_from_rows(rows, claims)
    chains = iter_chains(dataset, window_days=window, max_legs=max_legs, min_score=floor)
    found = [(chain.id, chain.score) for chain in chains if chain.rule == "R4"]
    assert found == multi_hop_reference(dataset, window, max_legs, floor)


def test_multi_hop_chains_of_up_to_five_legs_on_random_data_are_those_of_the_depth_first_search() -> None:
    dataset = dataset_from_rows(random_rows(500, seed=5), [(n, 3 * n + 1, n % 3) for n in range(0, 500, 7)])
    chains = iter_chains(dataset, max_legs=5, window_days=400)
    found = [(chain.id, chain.score) for chain in chains if chain.rule == "R4"]
    assert Counter(chain_id.count(">") + 1 for chain_id, _ in found).keys() == {3, 4, 5}
    assert found == multi_hop_reference(dataset, 400, 5, 0.0)


def test_the_links_found_on_arrays_come_in_the_order_and_with_the_strengths_of_the_python_search() -> None:
    index = build_index(dataset_from_rows(random_rows(2000, seed=11)))
    pair_rules = [rule for rule in CHAIN_RULES.values() if rule.accepts is not None]
    on_arrays = list(indexed_links(index, pair_rules, 540))
    assert len(on_arrays) > 1000
    assert on_arrays == list(indexed_links(index, python_pair_rules(), 540))
    legs = index.usable[::3]  # a search from some legs only
    assert list(indexed_links(index, pair_rules, 99, legs)) == list(indexed_links(index, python_pair_rules(), 99, legs))
