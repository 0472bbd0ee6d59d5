"""Random small datasets of fictional states for property tests of chains and paths.

Actors are ISO 3166 user-assigned codes (XAA, XAB, ...); every record is fictional.
A row is one transfer: ``(supplier, recipient, system, day, status, second_hand,
confidence, financier)`` where ``day`` counts from 2020-01-01 (None: undated) and
``financier`` is an actor index or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from graph.dataset import Dataset
from graph.model import Actor, BackfillClaim, PartialDate, Source, System, Transfer

__all__ = ["ACTORS", "START", "SYSTEMS", "dataset_from_rows", "leg_rows", "random_rows", "sparql_legs"]

ACTORS = ["XAA", "XAB", "XAC", "XAD", "XAE", "XAF"]
START = dt.date(2020, 1, 1)

# id, category, era, based_on: two families with substitutes, one lineage, one consumable, one loner
SYSTEMS = [
    ("tank-modern", "main_battle_tank", "modern", None),
    ("tank-legacy", "main_battle_tank", "soviet_legacy", None),
    ("ifv-western", "infantry_fighting_vehicle", "cold_war_western", None),
    ("gun-base", "self_propelled_howitzer", "modern", None),
    ("gun-derived", "self_propelled_howitzer", "modern", "gun-base"),
    ("rocket-legacy", "mlrs", "soviet_legacy", None),
    ("shell", "artillery_ammunition", None, None),
    ("drone", "uav", "modern", None),
]
_FAMILY = {"main_battle_tank": "armour", "infantry_fighting_vehicle": "armour", "self_propelled_howitzer": "artillery",
           "mlrs": "artillery", "artillery_ammunition": "shells", "uav": "uav"}
STATUSES = ["offered", "contracted", "delivering", "delivered", "cancelled"]
CONFIDENCES = ["low", "medium", "high"]

Row = tuple[int, int, int, int | None, int, bool, int, int | None]


def leg_rows(max_size: int = 30, max_day: int = 1200) -> st.SearchStrategy[list[Row]]:
    """Lists of transfer rows between distinct actors, many of them in pairs A -> B, B -> C (so rules have
    something to match or reject), the rest at random."""
    actor = st.integers(0, len(ACTORS) - 1)
    day = st.one_of(st.none(), *[st.integers(0, max_day)] * 4)  # mostly dated
    financier = st.one_of(*[st.none()] * 5, actor)  # now and then a third party pays
    status = st.sampled_from([3, 3, 3, 2, 1, 0, 4])  # mostly delivered, sometimes offered or cancelled
    row = st.tuples(
        actor,
        actor,
        st.integers(0, len(SYSTEMS) - 1),
        day,
        status,
        st.booleans(),
        st.integers(0, len(CONFIDENCES) - 1),
        financier,
    ).filter(lambda r: r[0] != r[1])

    @st.composite
    def pair(draw: st.DrawFn) -> list[Row]:
        into = draw(row)
        family = [i for i, system in enumerate(SYSTEMS) if _FAMILY[system[1]] == _FAMILY[SYSTEMS[into[2]][1]]]
        system = draw(st.sampled_from(family) | st.integers(0, len(SYSTEMS) - 1))
        shift = draw(st.integers(-max_day // 2, max_day // 2))
        when = None if into[3] is None else max(0, into[3] + shift)
        hop = draw(st.integers(0, len(ACTORS) - 1).filter(lambda c: c != into[1]))
        rest = draw(st.tuples(status, st.booleans(), st.integers(0, len(CONFIDENCES) - 1), financier))
        return [into, (into[1], hop, system, when, *rest)]

    groups = st.lists(pair() | pair() | row.map(lambda r: [r]), min_size=min(3, max_size // 2), max_size=max_size // 2)
    return groups.map(lambda found: [r for group in found for r in group])


def random_rows(count: int, seed: int = 0, max_day: int = 3000) -> list[Row]:
    """``count`` rows drawn with :mod:`random` (for checks on more data than hypothesis draws)."""
    import random

    rng = random.Random(seed)
    rows: list[Row] = []
    for _ in range(count):
        supplier, recipient = rng.sample(range(len(ACTORS)), 2)
        rows.append(
            (
                supplier,
                recipient,
                rng.randrange(len(SYSTEMS)),
                rng.randrange(max_day) if rng.random() > 0.1 else None,
                rng.choice([3, 3, 3, 2, 1, 0, 4]),
                rng.random() < 0.3,
                rng.randrange(len(CONFIDENCES)),
                rng.randrange(len(ACTORS)) if rng.random() < 0.05 else None,
            )
        )
    return rows


def dataset_from_rows(rows: Sequence[Row], claims: Sequence[tuple[int, int, int]] = ()) -> Dataset:
    """A validated-model dataset from rows (and claims naming rows by index, modulo their number)."""
    source = Source(id="fixture", publisher="armsgraph tests", title="[Fictional records]", kind="analysis")
    actors = {a: Actor(id=a, name=f"Fictional {a}", kind="state") for a in ACTORS}
    systems = {
        s: System(id=s, name=s.replace("-", " ").title(), category=c, era=e, based_on=b) for s, c, e, b in SYSTEMS
    }
    transfers = {}
    for number, (supplier, recipient, system, day, status, second_hand, confidence, financier) in enumerate(rows):
        fields: dict[str, object] = {
            "id": f"t{number}",
            "supplier": ACTORS[supplier],
            "recipient": ACTORS[recipient],
            "system": SYSTEMS[system][0],
            "kind": "sale",
            "status": STATUSES[status],
            "confidence": CONFIDENCES[confidence],
            "sources": ["fixture"],
        }
        if day is not None:
            fields["first_delivery"] = (START + dt.timedelta(days=day)).isoformat()
        if second_hand:
            fields["condition"] = "second_hand"
        if financier is not None and ACTORS[financier] not in (fields["supplier"], fields["recipient"]):
            fields["financed_by"] = [ACTORS[financier]]
        transfers[f"t{number}"] = Transfer.model_validate(fields)
    backfills = {}
    if rows:
        for number, (replacing, enabled, confidence) in enumerate(claims):
            a, b = f"t{replacing % len(rows)}", f"t{enabled % len(rows)}"
            if a != b:
                backfills[f"c{number}"] = BackfillClaim(
                    id=f"c{number}",
                    kind="replacement",
                    replacing=[a],
                    enabled=[b],
                    confidence=CONFIDENCES[confidence],
                    sources=["fixture"],
                )
    return Dataset(
        actors=actors,
        systems=systems,
        sources={"fixture": source},
        transfers=transfers,
        deployments={},
        backfills=backfills,
    )


def sparql_legs(store: Any, query: str) -> list[tuple]:
    """Run a chain's query with Oxigraph and read back each leg as the chain states it."""
    rows = []
    for row in store.query(query):
        date = row["date"]
        rows.append(
            (
                row["leg"].value.rsplit("/", 1)[1],
                row["role"].value,
                row["supplier"].value,
                row["recipient"].value,
                row["systemName"].value if row["systemName"] else None,
                row["category"].value if row["category"] else None,
                PartialDate.parse(date.value).earliest().isoformat() if date else None,
            )
        )
    return rows
