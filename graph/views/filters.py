"""Which transfers a view shows: one filter shared by the graph, map, timeline, tables and export.

>>> from graph import load_dataset
>>> from graph.model import Category
>>> from pathlib import Path  # the app test fixture, next to the package
>>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
>>> tanks = TransferFilter(categories=frozenset({Category.main_battle_tank}))
>>> [t.id for t in filter_transfers(dataset, tanks)]
['kor-pol-k2-exec1-2022', 'pol-ukr-t72-2022']
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..dataset import Dataset
from ..model import Category, Confidence, Transfer, TransferKind, TransferStatus

__all__ = [
    "FilterOptions",
    "TransferFilter",
    "filter_options",
    "filter_transfers",
    "transfer_countries",
    "transfer_years",
    "view_dataset",
]


@dataclass(frozen=True)
class TransferFilter:
    """What to keep. An empty set means "any"; ``None`` years mean "no bound".

    With a year bound set, a transfer is kept when the years it was active
    (first known date to last known date) overlap the range; undated transfers are dropped.
    """

    year_from: int | None = None
    year_to: int | None = None
    categories: frozenset[Category] = field(default_factory=frozenset)
    kinds: frozenset[TransferKind] = field(default_factory=frozenset)
    statuses: frozenset[TransferStatus] = field(default_factory=frozenset)
    countries: frozenset[str] = field(default_factory=frozenset)
    min_confidence: Confidence = Confidence.low

    def is_empty(self) -> bool:
        """True when the filter keeps everything."""
        return self == TransferFilter()


@dataclass(frozen=True)
class FilterOptions:
    """The values a dataset offers for each filter, for the widgets."""

    year_min: int | None
    year_max: int | None
    categories: tuple[Category, ...]
    kinds: tuple[TransferKind, ...]
    statuses: tuple[TransferStatus, ...]
    countries: tuple[str, ...]


def transfer_years(transfer: Transfer) -> tuple[int, int] | None:
    """First and last year a transfer was active, from its dates and yearly deliveries.

    >>> from graph.model import Transfer
    >>> leg = Transfer.model_validate(dict(id="x", supplier="A", recipient="B", system="s", kind="sale",
    ...     status="delivered", signed="2022-08", deliveries={2024: 3}, confidence="high", sources=["s1"]))
    >>> transfer_years(leg)
    (2022, 2024)
    """
    years = [d.year for d in transfer.dates().values()] + list(transfer.deliveries)
    return (min(years), max(years)) if years else None


def transfer_countries(dataset: Dataset, transfer: Transfer) -> set[str]:
    """Supplier and recipient, plus the states of companies among them."""
    found = {transfer.supplier, transfer.recipient}
    for actor_id in (transfer.supplier, transfer.recipient):
        actor = dataset.actors.get(actor_id)
        if actor is not None and actor.country:
            found.add(actor.country)
    return found


def _system_category(dataset: Dataset, transfer: Transfer) -> Category | None:
    system = dataset.systems.get(transfer.system)
    return system.category if system is not None else None


def filter_transfers(
    dataset: Dataset, view: TransferFilter, transfers: Iterable[Transfer] | None = None
) -> list[Transfer]:
    """The transfers (all, or those given) that ``view`` keeps, in id order."""
    pool = dataset.transfers.values() if transfers is None else transfers
    return sorted(_iter_kept(dataset, view, pool), key=lambda t: t.id)


def _iter_kept(dataset: Dataset, view: TransferFilter, pool: Iterable[Transfer]) -> Iterator[Transfer]:
    bounded = view.year_from is not None or view.year_to is not None
    low = view.year_from if view.year_from is not None else -10_000
    high = view.year_to if view.year_to is not None else 10_000
    # A set of allowed levels: Confidence.rank looks its value up in a list, too slow per transfer at 30k.
    confidences = {c for c in Confidence if c.rank >= view.min_confidence.rank}
    for transfer in pool:
        if view.kinds and transfer.kind not in view.kinds:
            continue
        if view.statuses and transfer.status not in view.statuses:
            continue
        if transfer.confidence not in confidences:
            continue
        if view.categories and _system_category(dataset, transfer) not in view.categories:
            continue
        if view.countries and not (transfer_countries(dataset, transfer) & view.countries):
            continue
        if bounded:
            years = transfer_years(transfer)
            if years is None or years[1] < low or years[0] > high:
                continue
        yield transfer


def filter_options(dataset: Dataset) -> FilterOptions:
    """The years, categories, kinds, statuses and countries present in the data, in a stable order."""
    years = [span for t in dataset.transfers.values() if (span := transfer_years(t)) is not None]
    categories = {s.category for s in dataset.systems.values()}
    kinds = {t.kind for t in dataset.transfers.values()}
    statuses = {t.status for t in dataset.transfers.values()}
    countries: set[str] = set()
    for transfer in dataset.transfers.values():
        countries |= transfer_countries(dataset, transfer)
    return FilterOptions(
        year_min=min(y[0] for y in years) if years else None,
        year_max=max(y[1] for y in years) if years else None,
        categories=tuple(c for c in Category if c in categories),
        kinds=tuple(k for k in TransferKind if k in kinds),
        statuses=tuple(s for s in TransferStatus if s in statuses),
        countries=tuple(sorted(countries, key=lambda a: (dataset.actors[a].name if a in dataset.actors else a))),
    )


def view_dataset(dataset: Dataset, transfers: Iterable[Transfer]) -> Dataset:
    """A dataset holding only ``transfers`` and what they refer to, for exporting a view.

    Kept: the transfers; their actors, systems and sources (with the actors and systems
    those refer to); the backfill claims all of whose legs are kept. Deployments are left
    out (filters select transfers). The fingerprint differs from the whole dataset's, so
    caches keyed on it never mix the two.

    >>> from graph import load_dataset
    >>> from pathlib import Path  # the app test fixture, next to the package
    >>> dataset = load_dataset([Path(__file__).parents[2] / "tests" / "data" / "app"])
    >>> small = view_dataset(dataset, [dataset.transfers["pol-ukr-t72-2022"]])
    >>> sorted(small.actors), sorted(small.systems), sorted(small.sources), len(small.backfills)
    (['POL', 'UKR'], ['t-72m1'], ['defenceblog-2022-04-29'], 0)
    """
    kept = {t.id: t for t in transfers}
    actor_ids: set[str] = set()
    system_ids: set[str] = set()
    source_ids: set[str] = set()
    for transfer in kept.values():
        actor_ids |= {transfer.supplier, transfer.recipient, *transfer.financed_by, *transfer.consent_from}
        system_ids.add(transfer.system)
        source_ids |= {*transfer.sources, *(figure.source for figure in transfer.reported)}
    claims = {
        claim.id: claim
        for claim in dataset.backfills.values()
        if all(leg in kept for leg in (*claim.replacing, *claim.enabled))
    }
    for claim in claims.values():
        source_ids |= set(claim.sources)
    pending = list(system_ids)
    while pending:  # lineage: a kept system's base design, and the actors behind each
        system = dataset.systems.get(pending.pop())
        if system is None:
            continue
        actor_ids |= {a for a in (system.origin, system.manufacturer) if a}
        if system.based_on and system.based_on not in system_ids:
            system_ids.add(system.based_on)
            pending.append(system.based_on)
    for actor_id in list(actor_ids):
        actor = dataset.actors.get(actor_id)
        if actor is not None and actor.country:
            actor_ids.add(actor.country)
    parts = [dataset.fingerprint, *sorted(kept)]
    return Dataset(
        actors={k: v for k, v in dataset.actors.items() if k in actor_ids},
        systems={k: v for k, v in dataset.systems.items() if k in system_ids},
        sources={k: v for k, v in dataset.sources.items() if k in source_ids},
        transfers={k: v for k, v in dataset.transfers.items() if k in kept},
        deployments={},
        backfills=claims,
        locations={k: v for k, v in dataset.locations.items()},
        files=dataset.files,
        fingerprint=hashlib.sha256("\0".join(parts).encode()).hexdigest(),
        warnings=(),
    )
