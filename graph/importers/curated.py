"""What an import already finds in the curated data, and the records it must add.

An import never redefines a record the curated data (``--curated``, by default the bundled
``seeds/``) already has: actors, systems and sources found there are referred to by their
curated ids, and only the missing ones are written to the import's own files. So the import
and the curated seeds load side by side (``--data seeds/ --data imports/sipri``) without a
duplicate id. A leg the curated data already covers is still imported, but marked
``same_as: <curated id>``; the curated leg stays authoritative.

>>> resolver = Resolver(CuratedIndex.empty(), prefix="sipri")
>>> resolver.actor("Poland"), resolver.actor("Houthi rebels (Yemen)*"), resolver.actor("NATO**")
('POL', 'sipri-houthi-rebels-yemen', 'sipri-nato')
>>> resolver.system("K-2 Black Panther", "tank"), resolver.system("K2 Black Panther", "tank")
('sipri-sys-k2blackpanther', 'sipri-sys-k2blackpanther')
>>> sorted(resolver.new_systems["sipri-sys-k2blackpanther"].aliases)
['K2 Black Panther']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..dataset import Dataset
from ..model import (
    Actor,
    ActorKind,
    Category,
    PartialDate,
    Source,
    System,
    Transfer,
    TransferKind,
    TransferStatus,
)
from .names import (
    USER_ASSIGNED_CODES,
    canonical_name,
    category_for_description,
    designation_key,
    name_key,
    slug,
    state_code,
)

__all__ = ["CuratedIndex", "Resolver", "imported_ids", "load_curated"]


def load_curated(dirs: Sequence[str | Path]) -> Dataset | None:
    """The curated dataset in ``dirs`` (None for no directories); errors there stop the import."""
    if not dirs:
        return None
    from ..load import load_dataset

    return load_dataset(list(dirs))


def imported_ids(dataset: Dataset, dirs: Sequence[str | Path]) -> set[str]:
    """Ids of transfers that come from earlier imports among ``dirs`` (folders holding the import marker)."""
    from .output import MARKER

    roots = [Path(d).resolve() for d in dirs if (Path(d) / MARKER).exists()]
    if not roots:
        return set()
    found = set()
    for transfer_id in dataset.transfers:
        location = dataset.locations.get(transfer_id)
        if location is None:
            continue
        path = Path(location.path).resolve()
        if any(root == path or root in path.parents for root in roots):
            found.add(transfer_id)
    return found


@dataclass
class CuratedIndex:
    """Look-ups into the curated dataset by the keys an import can compute."""

    ids: set[str] = field(default_factory=set)
    actors_by_key: dict[str, str] = field(default_factory=dict)
    systems_by_key: dict[str, str] = field(default_factory=dict)
    transfers_by_leg: dict[tuple[str, str, str], list[Transfer]] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    backfill_pairs: set[tuple[str, str]] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)

    @classmethod
    def empty(cls) -> CuratedIndex:
        """An index of no curated data."""
        return cls()

    @classmethod
    def of(cls, dataset: Dataset | None, imported: set[str] | frozenset[str] = frozenset()) -> CuratedIndex:
        """Index a dataset (None gives an empty index).

        Transfers in ``imported`` (legs from earlier imports layered under this one) are never
        ``same_as`` targets: only curated legs are.
        """
        index = cls()
        if dataset is None:
            return index
        index.ids = {record.id for record in dataset.records()}
        for actor in dataset.actors.values():
            for name in (actor.id, actor.name, *actor.aliases):
                index.actors_by_key.setdefault(name_key(name), actor.id)
        for system in dataset.systems.values():
            for name in (system.name, *system.aliases, system.id):
                index.systems_by_key.setdefault(designation_key(name), system.id)
        legs: dict[tuple[str, str, str], list[Transfer]] = defaultdict(list)
        for transfer in dataset.transfers.values():
            if transfer.id in imported:
                continue
            legs[(transfer.supplier, transfer.recipient, transfer.system)].append(transfer)
            if transfer.part_of:
                index.parents.add(transfer.part_of)
        index.transfers_by_leg = dict(legs)
        index.sources = dict(dataset.sources)
        for claim in dataset.backfills.values():
            for replacing in claim.replacing:
                for enabled in claim.enabled:
                    index.backfill_pairs.add((replacing, enabled))
        return index

    def source_like(self, title_word: str, date: PartialDate | None, publisher_word: str = "") -> str | None:
        """A curated source whose title contains ``title_word`` and whose date is ``date``."""
        for source in sorted(self.sources.values(), key=lambda s: s.id):
            if title_word.casefold() not in source.title.casefold():
                continue
            if publisher_word and publisher_word.casefold() not in source.publisher.casefold():
                continue
            if date is None or source.date == date:
                return source.id
        return None

    def same_leg(
        self, supplier: str, recipient: str, system: str, year: int | None, quantity: int | None
    ) -> str | None:
        """The curated transfer that covers the same leg, if any.

        Same supplier, recipient and system, and a date within a year of ``year`` (or no
        year on either side); among several, the closest in date and quantity, contracts
        before the frameworks they execute, then by id.
        """
        ranked = self._candidates(supplier, recipient, system, year, quantity, None)
        return min(ranked)[-1] if ranked else None

    def match_legs(self, legs: Sequence[Transfer]) -> dict[str, str]:
        """Imported leg id -> the curated transfer it describes, at most one imported leg per curated one.

        Candidates are those of :meth:`same_leg`, ranked the same way with a leg of the same
        kind (donation, sale ...) first among equals; the best pairs are taken first. So two
        SIPRI rows on one route (a donation and a sale of 14 Leopards, or a contract and the
        "selected but not yet signed" rest of a framework) go to two curated legs, and a row
        left without a curated leg of its own gets no ``same_as`` rather than a wrong one.
        """
        pairs = []
        for leg in legs:
            start = leg.signed or leg.start()
            quantity = leg.quantity_ordered or leg.quantity_delivered
            for rank in self._candidates(
                leg.supplier, leg.recipient, leg.system, start.year if start is not None else None,
                quantity.value if quantity is not None else None, leg.kind,
            ):
                pairs.append((rank, leg.id))
        links: dict[str, str] = {}
        taken: set[str] = set()
        for rank, imported in sorted(pairs):
            curated = rank[-1]
            if imported not in links and curated not in taken:
                links[imported] = curated
                taken.add(curated)
        return links

    def _candidates(
        self, supplier: str, recipient: str, system: str, year: int | None, quantity: int | None,
        kind: TransferKind | None,
    ) -> list[tuple[int, int, bool, bool, str]]:
        """(date distance, quantity gap, other kind, framework, id) of each curated leg that may be the same."""
        ranked = []
        for transfer in self.transfers_by_leg.get((supplier, recipient, system), ()):
            start = transfer.signed or transfer.announced or transfer.start()
            distance = abs(start.year - year) if (start is not None and year is not None) else 0
            if distance > 1:
                continue
            theirs = transfer.quantity_ordered or transfer.quantity_delivered
            gap = abs(theirs.value - quantity) if (theirs is not None and quantity is not None) else 10**9
            other_kind = kind is not None and transfer.kind is not kind
            framework = transfer.id in self.parents or transfer.status is TransferStatus.framework_agreed
            ranked.append((distance, gap, other_kind, framework, transfer.id))
        return ranked


class Resolver:
    """Turns names and designations into ids: curated ones when they exist, new ones otherwise.

    New records are collected in :attr:`new_actors` and :attr:`new_systems`; ``unknown_names``
    counts the actor names that could not be mapped (the rows naming them are rejected).
    """

    def __init__(self, curated: CuratedIndex, *, prefix: str) -> None:
        self.curated = curated
        self.prefix = prefix
        self.new_actors: dict[str, Actor] = {}
        self.new_systems: dict[str, System] = {}
        self._actor_cache: dict[str, str | None] = {}
        self._system_cache: dict[tuple[str, str], str] = {}
        self._system_by_key: dict[str, str] = {}

    # ------------------------------------------------------------------ actors

    def actor(self, raw_name: str, *, create: bool = True) -> str | None:
        """The actor id for a name as a source writes it; None when the name is unknown.

        With ``create=False`` only actors that exist (curated or already created) are returned.
        """
        cache_key = raw_name.strip()
        if cache_key in self._actor_cache and (create or self._actor_cache[cache_key] is not None):
            return self._actor_cache[cache_key]
        found = self._find_actor(cache_key, create)
        if create:
            self._actor_cache[cache_key] = found
        return found

    def _find_actor(self, raw: str, create: bool) -> str | None:
        name = canonical_name(raw)
        bare = name.rstrip("*").strip()
        for key in (name_key(name), name_key(bare), name_key(raw)):
            if key in self.curated.actors_by_key:
                return self.curated.actors_by_key[key]
        code = state_code(name)
        if code is not None:
            if code in self.curated.ids or code in self.new_actors:
                return code
            if not create:
                return None
            notes = None
            if code in USER_ASSIGNED_CODES:
                notes = (
                    f"{code} is not an ISO 3166 code: armsgraph assigned it from ISO's user range "
                    f"for {USER_ASSIGNED_CODES[code]}."
                )
            self.new_actors[code] = Actor(id=code, name=name, kind=ActorKind.state, notes=notes)
            return code
        lowered = name.casefold()
        if lowered.startswith("unknown"):
            kind, what = ActorKind.non_state, bare
            notes = f"SIPRI's placeholder '{name}': the actor is not known; not one actor."
        elif name.endswith("**"):
            kind, what, notes = ActorKind.organisation, bare, None
        elif name.endswith("*"):
            kind, what, notes = ActorKind.non_state, bare, None
        else:
            return None
        actor_id = f"{self.prefix}-{slug(what)}"
        if actor_id in self.new_actors or not create:
            return actor_id if actor_id in self.new_actors else None
        self.new_actors[actor_id] = Actor(id=actor_id, name=what, kind=kind, notes=notes)
        return actor_id

    # ------------------------------------------------------------------ systems

    def system(self, designation: str, description: str, armament_category: str = "") -> str:
        """The system id for a designation; a new system (category from the description) when not curated."""
        cache_key = (designation, description)
        if cache_key in self._system_cache:
            return self._system_cache[cache_key]
        key = designation_key(designation)
        found = self._curated_part(designation, description) or self.curated.systems_by_key.get(key)
        found = found or self._system_by_key.get(key)
        name = designation.strip()
        if name.endswith(" -"):
            name = name[:-2].strip()
        if found is None:
            found = f"{self.prefix}-sys-{key[:100]}"
            category = category_for_description(description, armament_category)
            notes = f"SIPRI description: {description.strip()}." if description.strip() else None
            self.new_systems[found] = System(id=found, name=name, category=category, notes=notes)
            self._system_by_key[key] = found
        elif found in self.new_systems:
            system = self.new_systems[found]
            if name != system.name and name not in system.aliases:
                self.new_systems[found] = system.model_copy(update={"aliases": sorted([*system.aliases, name])})
        self._system_cache[cache_key] = found
        return found

    def _curated_part(self, designation: str, description: str) -> str | None:
        """A curated system for the part the description names, when the designation alone names the whole.

        SIPRI lists the chassis of Poland's Krab as designation ``K-9``, description ``self-propelled
        gun chassis``: that is the curated ``K9 chassis``, not the K9 Thunder howitzer.

        >>> index = CuratedIndex(systems_by_key={"k9": "k9", "k9chassis": "k9-chassis"})
        >>> resolver = Resolver(index, prefix="sipri")
        >>> resolver.system("K-9", "self-propelled gun chassis"), resolver.system("K-9", "self-propelled gun")
        ('k9-chassis', 'k9')
        """
        words = description.split()
        if not words or words[-1].casefold() in designation.casefold():
            return None
        return self.curated.systems_by_key.get(designation_key(f"{designation} {words[-1]}"))

    def system_keys(self) -> dict[str, str]:
        """Designation key -> system id, curated and new (for matching text against systems)."""
        return {**self.curated.systems_by_key, **self._system_by_key}

    def category_of(self, system_id: str, dataset: Dataset | None) -> Category | None:
        """The category of a curated or new system."""
        if system_id in self.new_systems:
            return self.new_systems[system_id].category
        if dataset is not None and system_id in dataset.systems:
            return dataset.systems[system_id].category
        return None
