"""Synthetic armsgraph datasets for benchmarks: valid YAML with the structure of real data.

``write_synthetic(directory, n_transfers, seed=0)`` writes about 100 states and 20
companies, about 300 systems across the capability categories (a third derived from
an earlier design: lineage), one source for every four transfers (some published by
SIPRI), ``n_transfers`` transfers dated 1990-2025 in files of 500, a deployment for
every 200 transfers and a backfill claim for every 50. Every figure is random:
nothing here is a fact. The same arguments always give the same bytes.

Other benchmarks import it:

    from benchmarks.synthetic import write_synthetic
    folder = write_synthetic(tmp / "10k", 10_000)

>>> import tempfile
>>> from graph.load import load_dataset
>>> folder = write_synthetic(tempfile.mkdtemp(), 60)
>>> load_dataset([folder], cache=False).counts()["transfers"]
60
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import yaml

from graph.model import (
    BackfillKind,
    Category,
    Condition,
    Confidence,
    Era,
    Qualifier,
    SourceKind,
    TransferKind,
    TransferStatus,
)

__all__ = ["FILE_SIZE", "write_synthetic"]

FILE_SIZE = 500
"""Transfers per YAML file."""

N_STATES = 100
N_COMPANIES = 20
N_SYSTEMS = 300


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    """Never writes anchors and aliases (the loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _state_ids() -> list[str]:
    letters = string.ascii_uppercase
    codes = (a + b + c for a in letters for b in letters for c in letters)
    return [next(codes) for _ in range(N_STATES)]


def _date(rng: random.Random, year: int) -> str:
    """A date at a random precision: year, month or day."""
    precision = rng.random()
    if precision < 0.3:
        return str(year)
    month = rng.randint(1, 12)
    if precision < 0.6:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def _quantity(rng: random.Random, value: int) -> Any:
    roll = rng.random()
    if roll < 0.75:
        return value
    if roll < 0.9:
        return {"value": value, "qualifier": rng.choice([q.value for q in Qualifier if q is not Qualifier.exact])}
    return {"value": value, "upper": value + rng.randint(1, 20)}


def _actors(states: list[str], rng: random.Random) -> list[dict[str, Any]]:
    actors: list[dict[str, Any]] = [{"id": s, "name": f"State {s}", "kind": "state"} for s in states]
    for number in range(N_COMPANIES):
        actors.append(
            {"id": f"company-{number:02d}", "name": f"Company {number:02d}", "kind": "company",
             "country": rng.choice(states)}
        )
    actors.append({"id": "ORG", "name": "Organisation ORG", "kind": "organisation"})
    return actors


def _systems(states: list[str], rng: random.Random) -> list[dict[str, Any]]:
    categories = [c.value for c in Category]
    systems: list[dict[str, Any]] = []
    for number in range(N_SYSTEMS):
        system: dict[str, Any] = {
            "id": f"sys-{number:03d}",
            "name": f"System {number:03d}",
            "category": categories[number % len(categories)],
            "era": rng.choice([e.value for e in Era]),
            "origin": rng.choice(states),
            "manufacturer": f"company-{rng.randrange(N_COMPANIES):02d}",
        }
        if number >= len(categories) and rng.random() < 0.33:
            # Lineage points back to an earlier design of the same category, so it never loops.
            system["based_on"] = f"sys-{number - len(categories) * rng.randint(1, number // len(categories)):03d}"
        if rng.random() < 0.2:
            system["aliases"] = [f"S-{number:03d}"]
        systems.append(system)
    return systems


def _sources(n_sources: int, rng: random.Random) -> list[dict[str, Any]]:
    kinds = [k.value for k in SourceKind]
    sources = []
    for number in range(n_sources):
        year = rng.randint(1990, 2025)
        source: dict[str, Any] = {
            "id": f"src-{number:06d}",
            "publisher": "SIPRI" if number % 10 == 0 else f"Publisher {number % 37:02d}",
            "title": f"[Synthetic report {number}]",
            "date": _date(rng, year),
            "kind": kinds[number % len(kinds)],
        }
        if rng.random() < 0.7:
            source["url"] = f"https://example.org/synthetic/{number}"
        sources.append(source)
    return sources


def _transfer(number: int, states: list[str], n_sources: int, rng: random.Random) -> dict[str, Any]:
    supplier, recipient = rng.sample(states, 2)
    signed_year = rng.randint(1990, 2025)
    ordered = rng.randint(1, 500)
    status = rng.choice([s.value for s in TransferStatus])
    transfer: dict[str, Any] = {
        "id": f"t-{number:07d}",
        "supplier": supplier,
        "recipient": recipient,
        "system": f"sys-{rng.randrange(N_SYSTEMS):03d}",
        "kind": rng.choice([k.value for k in TransferKind]),
        "status": status,
        "quantity_ordered": _quantity(rng, ordered),
        "signed": _date(rng, signed_year),
    }
    if rng.random() < 0.3:
        transfer["announced"] = str(signed_year - rng.randint(0, 1)) if rng.random() < 0.5 else str(signed_year)
    if status in ("delivering", "delivered") and signed_year < 2025:
        first = rng.randint(signed_year + 1, min(signed_year + 3, 2025))
        last = rng.randint(first, min(first + 3, 2025))
        transfer["first_delivery"] = str(first)
        transfer["last_delivery"] = str(last)
        delivered = rng.randint(1, ordered)
        transfer["quantity_delivered"] = delivered
        if rng.random() < 0.5:
            years = list(range(first, last + 1))
            shares = [delivered // len(years)] * len(years)
            shares[-1] += delivered - sum(shares)
            transfer["deliveries"] = dict(zip(years, shares, strict=True))
    if rng.random() < 0.5:
        transfer["condition"] = rng.choice([c.value for c in Condition])
    if rng.random() < 0.3:
        transfer["value"] = {"millions": round(rng.uniform(1, 5000), 1), "currency": rng.choice(["USD", "EUR", "TIV"])}
    if rng.random() < 0.05:
        transfer["financed_by"] = [rng.choice(states)]
    transfer["confidence"] = rng.choice([c.value for c in Confidence])
    cited = sorted({f"src-{rng.randrange(n_sources):06d}" for _ in range(rng.randint(1, 3))})
    if rng.random() < 0.05:
        transfer["reported"] = [{"source": cited[0], "measure": "delivered", "quantity": _quantity(rng, ordered)}]
    if rng.random() < 0.1:
        transfer["notes"] = f"Synthetic note on transfer {number}."
    transfer["sources"] = cited
    return transfer


def write_synthetic(directory: str | Path, n_transfers: int, seed: int = 0) -> Path:
    """Write a valid synthetic dataset of ``n_transfers`` transfers as YAML files; return the folder.

    Files: ``actors.yaml``, ``systems.yaml``, ``sources.yaml``, ``transfers-NNNN.yaml``
    (:data:`FILE_SIZE` transfers each) and ``claims.yaml`` (deployments and backfill claims).
    Existing YAML files in the folder are replaced.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    rng = random.Random(seed)
    states = _state_ids()
    n_sources = max(10, n_transfers // 4)
    _dump(folder / "actors.yaml", {"description": "Synthetic actors.", "actors": _actors(states, rng)})
    systems = _systems(states, rng)
    _dump(folder / "systems.yaml", {"description": "Synthetic systems.", "systems": systems})
    _dump(folder / "sources.yaml", {"description": "Synthetic sources.", "sources": _sources(n_sources, rng)})
    transfers = [_transfer(number, states, n_sources, rng) for number in range(n_transfers)]
    for start in range(0, n_transfers, FILE_SIZE):
        _dump(
            folder / f"transfers-{start // FILE_SIZE:04d}.yaml",
            {"description": "Synthetic transfers.", "transfers": transfers[start : start + FILE_SIZE]},
        )
    deployments = [
        {
            "id": f"d-{number:05d}",
            "provider": provider,
            "host": host,
            "system": f"sys-{rng.randrange(N_SYSTEMS):03d}",
            "quantity": rng.randint(1, 6),
            "status": "active",
            "start": str(rng.randint(1990, 2025)),
            "confidence": "medium",
            "sources": [f"src-{rng.randrange(n_sources):06d}"],
        }
        for number in range(n_transfers // 200)
        for provider, host in [rng.sample(states, 2)]
    ]
    backfills = []
    kinds = [k.value for k in BackfillKind]
    category = {system["id"]: system["category"] for system in systems}
    given_by: dict[tuple[str, str], list[int]] = {}
    for index, transfer in enumerate(transfers):
        given_by.setdefault((transfer["supplier"], category[transfer["system"]]), []).append(index)
    # A claim ties a leg into an intermediary (X -> B) to a leg out of it (B -> C) of the same category.
    for replacing in rng.sample(range(n_transfers), n_transfers):
        if len(backfills) >= n_transfers // 50:
            break
        incoming = transfers[replacing]
        candidates = given_by.get((incoming["recipient"], category[incoming["system"]]), [])
        if not candidates:
            continue
        enabled = transfers[rng.choice(candidates)]
        backfills.append(
            {
                "id": f"b-{len(backfills):05d}",
                "kind": kinds[len(backfills) % len(kinds)],
                "replacing": [incoming["id"]],
                "enabled": [enabled["id"]],
                "confidence": rng.choice([c.value for c in Confidence]),
                "sources": [f"src-{rng.randrange(n_sources):06d}"],
            }
        )
    claims = {"description": "Synthetic claims.", "deployments": deployments, "backfills": backfills}
    _dump(folder / "claims.yaml", claims)
    return folder
