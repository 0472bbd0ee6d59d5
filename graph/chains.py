"""Backfill chains: curated from backfill claims, inferred by registered rules, each with its evidence.

A chain is a sequence of legs: the leg(s) that replace (South Korea's K2 contract
with Poland), then the leg(s) they made possible (Poland's T-72 donation to
Ukraine). **Curated** chains come from the dataset's backfill claims and keep
their sources and confidence. **Inferred** chains come from the rules in
:data:`CHAIN_RULES` (documented in ``docs/chains.md``), say which rule matched
and why, and always score below curated ones (inferred < 0.5 <= curated).
An inferred chain whose legs one curated claim already covers is not reported.

The rules search an index from (intermediary, category family) to outgoing
legs sorted by day, by bisection; :func:`naive_links` is the pairwise scan the
index replaces (kept for tests and benchmarks). The built-in rules work on numpy
arrays: every candidate pair of legs tested at once, multi-hop chains joined
level by level, and hundreds of thousands of chains scored and ranked without
making their ids or objects (a :class:`RankedChains` makes each on first read).
The scores are the very floats the Python arithmetic gives (``tests/test_chains.py``
checks them against it).

Every chain carries ``sparql``: a query that retrieves exactly its legs from the
exported RDF (:mod:`graph.rdf`), and re-checks the link the rule relied on.

>>> from graph.load import load_dataset
>>> from pathlib import Path
>>> data = Path(__file__).parent.parent / "tests" / "data" / "chains" / "two-hop"
>>> for chain in find_chains(load_dataset([data], cache=False)):
...     print(chain.kind, chain.rule, [leg.system for leg in chain.legs])
curated None ['K2 Black Panther', 'T-72']
inferred R1 ['K9 Thunder', 'Krab']
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import functools
import gc
import itertools
import operator
import re
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple, TypeVar, overload

import numpy as np
import numpy.typing as npt

from .dataset import Dataset
from .errors import UsageError
from .model import (
    BackfillClaim,
    Category,
    Condition,
    Confidence,
    Deployment,
    Era,
    PartialDate,
    Transfer,
)
from .vocab import PREFIXES, category_iri, record_iri

__all__ = [
    "CATEGORY_FAMILIES",
    "CHAIN_RULES",
    "CONSUMABLE_CATEGORIES",
    "DEFAULT_MAX_LEGS",
    "DEFAULT_WINDOW_DAYS",
    "BackfillChain",
    "ChainIndex",
    "ChainLeg",
    "ChainRule",
    "Dependent",
    "Impact",
    "Link",
    "build_index",
    "cached_index",
    "category_family",
    "find_chains",
    "impact",
    "indexed_links",
    "iter_chains",
    "legs_query",
    "naive_links",
    "parse_category",
    "parse_day",
    "parse_period",
]

T = TypeVar("T")

DEFAULT_WINDOW_DAYS = 540
"""Two legs of an inferred chain are at most this many days apart, either way round.

Replacement contracts often come months after the donation (Poland's T-72s left
in spring 2022; the K2 contract was signed in August 2022), and sometimes before it.
"""

DEFAULT_MAX_LEGS = 3
"""Longest multi-hop chain (rule R4) built by default: A -> B -> C -> D (three legs)."""

CATEGORY_FAMILIES: dict[str, frozenset[Category]] = {
    "armour": frozenset(
        {Category.main_battle_tank, Category.infantry_fighting_vehicle, Category.armoured_personnel_carrier}
    ),
    "artillery": frozenset({Category.self_propelled_howitzer, Category.towed_artillery, Category.mlrs}),
    "fixed-wing combat": frozenset({Category.combat_aircraft, Category.trainer_aircraft}),
}
"""Declared substitute categories: a leg out may replace a leg in of another category of the same family.

Why each: Germany's ring exchanges swapped tanks for infantry fighting vehicles
(Slovakia's 15 Leopard 2A4 for 30 BVP-1); gun, rocket and towed artillery fill one
fire-support role; light combat jets such as the FA-50 are also trainers. Any
category not listed is a family of its own.
"""

CONSUMABLE_CATEGORIES: frozenset[Category] = frozenset({Category.artillery_ammunition, Category.missile})
"""Stocks used up in war: refilled rather than replaced by a newer design (rule R3, not R1)."""

_FAMILY_OF: dict[str, str] = {c.value: name for name, members in CATEGORY_FAMILIES.items() for c in members}

# Legs that never happened (cancelled) or may never happen (offered) are not used by inference.
_NOT_INFERRED = frozenset({"offered", "cancelled"})
_STATUS_ORDER = {
    "offered": 0,
    "announced": 1,
    "framework_agreed": 1,
    "contracted": 1,
    "delivering": 2,
    "active": 3,
    "ended": 3,
    "delivered": 3,
}
_CHAIN_STATUS = {0: "offer only", 1: "agreed", 2: "under way", 3: "completed"}


def category_family(category: str | Category | None) -> str | None:
    """The substitute family of a category (see :data:`CATEGORY_FAMILIES`); the category itself if none.

    >>> category_family("infantry_fighting_vehicle"), category_family("uav")
    ('armour', 'uav')
    """
    if category is None:
        return None
    value = category.value if isinstance(category, Category) else category
    return _FAMILY_OF.get(value, value)


def parse_category(text: str) -> str:
    """A category value from its value or label (``main_battle_tank``, ``main battle tank``).

    Raises :class:`UsageError` naming close matches when it is not a category.

    >>> parse_category("Main battle tank")
    'main_battle_tank'
    """
    wanted = text.strip().casefold().replace("-", "_").replace(" ", "_")
    for category in Category:
        if wanted in (category.value, category.label.casefold().replace(" ", "_").replace("-", "_")):
            return category.value
    import difflib

    close = difflib.get_close_matches(wanted, [c.value for c in Category], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"unknown category {text!r}{hint}")


def parse_day(value: str | dt.date | PartialDate | None, *, end: bool = False) -> dt.date | None:
    """A day from ``2022``, ``2022-08`` or ``2022-08-26``: the first day it can mean, or the last with ``end``.

    >>> parse_day("2022-08", end=True)
    datetime.date(2022, 8, 31)
    """
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        date = PartialDate.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return date.latest() if end else date.earliest()


def parse_period(
    since: str | dt.date | PartialDate | None, until: str | dt.date | PartialDate | None
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of ``--since``/``--until``; :class:`UsageError` when the period ends before it starts.

    >>> parse_period("2022", "2022-08")
    (datetime.date(2022, 1, 1), datetime.date(2022, 8, 31))
    """
    first, last = parse_day(since), parse_day(until, end=True)
    if first is not None and last is not None and first > last:
        raise UsageError(f"--since {since} is after --until {until}: no day is in that period")
    return first, last


# --------------------------------------------------------------------------- legs


@dataclass(frozen=True, slots=True)
class ChainLeg:
    """One leg of a chain or path, as users see it.

    ``transfer`` is the record id (a deployment's id when ``relation`` is
    ``deployed_to``); ``supplier`` and ``recipient`` are actor ids (a deployment's
    provider and host); ``system`` is the system's name; ``date`` the ISO date of the
    earliest day the leg's first known date can mean (for ordering), ``when`` that date
    as written, with its precision (``2022``, ``2022-08`` or ``2022-08-26``), for
    display: a year-only date is not "1 January"; ``quantity`` the count as
    written (``"at least 200"``). ``role`` is ``replacing`` (kit coming in),
    ``enabled`` (kit going on), ``relay`` (a middle leg of a multi-hop chain: enabled
    by the leg before, replacing for the leg after) or ``path`` (a leg of a path).
    """

    transfer: str
    supplier: str
    recipient: str
    system: str | None
    category: str | None
    date: str | None
    quantity: str | None
    role: str
    relation: str = "transferred_to"
    system_id: str | None = None
    kind: str | None = None
    status: str | None = None
    confidence: str | None = None
    sources: tuple[str, ...] = ()
    when: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the ``legs`` items of the CLI's JSON)."""
        return {
            "transfer": self.transfer,
            "supplier": self.supplier,
            "recipient": self.recipient,
            "system": self.system,
            "category": self.category,
            "date": self.date,
            "when": self.when,
            "quantity": self.quantity,
            "role": self.role,
            "relation": self.relation,
            "system_id": self.system_id,
            "kind": self.kind,
            "status": self.status,
            "confidence": self.confidence,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class LegFacts:
    """What the rules need to know about one transfer or deployment, precomputed once."""

    id: str
    relation: str
    supplier: str
    recipient: str
    system: str | None
    category: str | None
    family: str | None
    era: int | None
    lineage: str | None
    second_hand: bool
    day: int | None
    status: str
    confidence: float
    framework: str
    financed_by: tuple[str, ...]


class Link(NamedTuple):
    """Two legs tied by a rule or a claim: ``into`` the intermediary, then ``out_of`` it.

    ``reason`` says why the rule matched (``older``, ``second_hand``, ``lineage``,
    ``restock``; ``+substitute`` when the categories differ within a family; ``claim``
    for a curated link); ``gap_days`` is the day of ``into`` minus the day of ``out_of``
    (positive: the replacement came after the leg it replaced).
    """

    into: str
    out_of: str
    rule: str
    reason: str
    gap_days: int | None
    strength: float
    family: str | None = None


# --------------------------------------------------------------------------- chains


@dataclass(frozen=True)
class BackfillChain:
    """A backfill chain, curated or inferred, with its legs, evidence and score.

    ``legs`` run along the flow of kit: replacing leg(s) first, then enabled leg(s)
    (for a multi-hop chain A -> B -> C -> D: replacing, relay, enabled). ``gaps`` holds,
    per link, the days from the enabled leg to the leg that replaces it (positive: the
    replacement came later; None when a date is missing); ``gap_days`` is the first.
    ``status`` is how far the replacing side got: ``completed``, ``under way``,
    ``agreed``, ``offer only`` (never a completed backfill) or ``cancelled``.
    ``link_sources`` are the sources that make the link itself (a claim's; none for
    inferred chains). ``explanation`` and ``sources`` are worked out when first read,
    so enumerating many chains stays cheap.
    """

    id: str
    kind: str
    rule: str | None
    backfill_kind: str
    status: str
    score: float
    confidence: str
    legs: tuple[ChainLeg, ...]
    gaps: tuple[int | None, ...] = ()
    link_sources: tuple[str, ...] = ()
    claim: str | None = None
    financier: str | None = None
    flags: tuple[str, ...] = ()
    links: tuple[Link, ...] = field(default=(), repr=False)
    window_days: int = DEFAULT_WINDOW_DAYS

    @property
    def gap_days(self) -> int | None:
        """Days between the first link's legs (see ``gaps``)."""
        return self.gaps[0] if self.gaps else None

    @functools.cached_property
    def sources(self) -> tuple[str, ...]:
        """Every source behind the chain: the claim's first, then each leg's, without repeats."""
        return _union([self.link_sources, *(leg.sources for leg in self.legs)])

    @functools.cached_property
    def explanation(self) -> str:
        """One sentence: what the chain is, which rule or claim made it and why it matched."""
        if self.kind == "curated":
            return _curated_words(self)
        if self.rule == "R2":
            leg = self.legs[0]
            return (
                f"Rule R2 (third-party financing): {self.financier} pays for {leg.supplier}'s transfer of "
                f"{leg.system} to {leg.recipient} ({leg.transfer}), so {self.financier} -> {leg.supplier} -> "
                f"{leg.recipient} is a financing chain."
            )
        if self.rule == "R4":
            route = " -> ".join([self.legs[0].supplier, *(leg.recipient for leg in self.legs)])
            described = "; ".join(f"{link.into} -> {link.out_of} ({_link_words(link)})" for link in self.links)
            return f"Rule R4 (multi-hop chain): {route}, composed of {len(self.links)} links: {described}."
        return _pair_words(self)

    @property
    def origins(self) -> frozenset[str]:
        """Actors the chain starts from: suppliers of the replacing legs, and the financier."""
        found = {leg.supplier for leg in self.legs if leg.role == "replacing"}
        if self.financier:
            found.add(self.financier)
        return frozenset(found)

    @property
    def intermediaries(self) -> frozenset[str]:
        """Actors in the middle: recipients of replacing and relay legs, suppliers of enabled ones."""
        found = {leg.recipient for leg in self.legs if leg.role in ("replacing", "relay")}
        found |= {leg.supplier for leg in self.legs if leg.role in ("relay", "enabled")}
        return frozenset(found - self.origins - self.destinations) or frozenset(
            leg.supplier for leg in self.legs if leg.role == "enabled"
        )

    @property
    def destinations(self) -> frozenset[str]:
        """Actors the chain ends at: recipients of the enabled legs."""
        return frozenset(leg.recipient for leg in self.legs if leg.role == "enabled")

    @property
    def sparql(self) -> str:
        """A SPARQL query that returns exactly this chain's legs from the exported RDF.

        Columns: ``?position ?role ?leg ?supplier ?recipient ?system ?systemName
        ?category ?date``. A curated chain's legs are read through its claim
        (``ag:replacing``/``ag:enabled``); an inferred chain's query re-checks each link
        (shared intermediary, days apart within the window, category family, financier).
        """
        if self.claim is not None:
            return _claim_query(self.claim)
        checks = [_link_check(i, link, self.window_days) for i, link in enumerate(self.links)]
        if self.financier:
            checks.append(
                f"<{record_iri('transfers', self.legs[-1].transfer)}> ag:financedBy "
                f"<{record_iri('actors', self.financier)}> ."
            )
        return legs_query(self.legs, checks)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: the contract of ``armsgraph chains --json``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "rule": self.rule,
            "backfill_kind": self.backfill_kind,
            "status": self.status,
            "score": self.score,
            "confidence": self.confidence,
            "explanation": self.explanation,
            "sources": list(self.sources),
            "link_sources": list(self.link_sources),
            "claim": self.claim,
            "financier": self.financier,
            "from": sorted(self.origins),
            "via": sorted(self.intermediaries),
            "to": sorted(self.destinations),
            "gap_days": self.gap_days,
            "gaps": list(self.gaps),
            "window_days": self.window_days,
            "flags": list(self.flags),
            "legs": [leg.as_dict() for leg in self.legs],
            "sparql": self.sparql,
        }


_CHAIN_FIELDS = tuple(f.name for f in fields(BackfillChain))
_new_object = object.__new__
_set_attribute = object.__setattr__


def _inferred_chain(
    id: str,
    rule: str,
    backfill_kind: str,
    status: str,
    score: float,
    confidence: str,
    legs: tuple[ChainLeg, ...],
    gaps: tuple[int | None, ...],
    links: tuple[Link, ...],
    window_days: int,
    financier: str | None = None,
) -> BackfillChain:
    """An inferred :class:`BackfillChain`, equal to the one its constructor makes, built at a third of the cost.

    The frozen dataclass's ``__init__`` pays ``object.__setattr__`` for each of its fields;
    here the instance gets its whole ``__dict__`` at once (there can be hundreds of
    thousands of inferred chains). ``tests/test_chains.py`` checks the two are equal.
    """
    chain = _new_object(BackfillChain)
    _set_attribute(
        chain,
        "__dict__",
        {
            "id": id,
            "kind": "inferred",
            "rule": rule,
            "backfill_kind": backfill_kind,
            "status": status,
            "score": score,
            "confidence": confidence,
            "legs": legs,
            "gaps": gaps,
            "link_sources": (),
            "claim": None,
            "financier": financier,
            "flags": (),
            "links": links,
            "window_days": window_days,
        },
    )
    return chain


# --------------------------------------------------------------------------- ranked results


Found = tuple[float, str, "str | None", Callable[[Any], BackfillChain], Any]
"""A chain found, scored and named but not built yet: ``(-score, id, rule, make, payload)``.

``make(payload)`` builds the :class:`BackfillChain` (``rule`` is None for a curated chain).
"""


def _built(chain: BackfillChain) -> BackfillChain:
    """The ``make`` of a chain that is already built."""
    return chain


def _found_chain(chain: BackfillChain) -> Found:
    """A built chain as a :data:`Found` record."""
    return (-chain.score, chain.id, chain.rule, _built, chain)


_FIRST_TOKEN = re.compile(r"[^:>]*[:>]?")


def _first_token(chain_id: str) -> str:
    """The start of a chain id up to and including its first ``:`` or ``>`` (all of it if it has neither).

    >>> _first_token("R1:kor-pol-k9>pol-ukr-krab"), _first_token("kor-pol-ukr-tanks")
    ('R1:', 'kor-pol-ukr-tanks')
    """
    return _FIRST_TOKEN.match(chain_id).group()  # type: ignore[union-attr]  # the pattern matches any string


class _Part(ABC):
    """Chains one step of a search found, in the order found: scored and named, each built when asked for.

    ``scores`` holds their scores, row by row. :class:`_Records` keeps the chains as :data:`Found`
    records (curated chains, rule R2, chains already built); :class:`_PairChains` and
    :class:`_MultiHops` keep the many chains of rules R1, R3 and R4 as arrays.
    """

    scores: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.scores)

    @abstractmethod
    def chain(self, row: int) -> BackfillChain:
        """The chain of a row, built."""

    def chains(self) -> Iterator[BackfillChain]:
        """Every chain, built, in the order found."""
        return self.built(range(len(self)))

    def built(self, rows: Iterable[int]) -> Iterator[BackfillChain]:
        """The chains of these rows, built (many at once: parts keeping arrays read them as Python values first)."""
        return map(self.chain, rows)

    @abstractmethod
    def ids(self) -> list[str]:
        """Every chain's id, in the order found."""

    @abstractmethod
    def rules(self) -> collections.Counter[str]:
        """How many chains each rule found (``curated`` for chains from claims)."""

    @abstractmethod
    def select(self, rows: npt.NDArray[np.intp]) -> _Part:
        """The chains of these rows, in this order."""

    def kept(self, filters: _Filters, rows: npt.NDArray[np.intp]) -> _Part:
        """The chains of these rows that the filters keep, in this order.

        Here each chain is built to be tested (and comes built); parts keeping arrays test their arrays instead.
        """
        return _Records([_found_chain(chain) for chain in self.built(rows.tolist()) if filters.keeps(chain)])

    def id_blocks(self) -> list[tuple[str, npt.NDArray[np.intp]]]:
        """The rows grouped by the first token of their ids (see :func:`_id_order`), each group in id order.

        This compares the ids themselves; parts with many chains order them without making the strings.
        """
        ids = self.ids()
        blocks: dict[str, list[int]] = {}
        for row, chain_id in enumerate(ids):
            blocks.setdefault(_first_token(chain_id), []).append(row)
        return [(token, np.array(sorted(rows, key=ids.__getitem__), dtype=np.intp)) for token, rows in blocks.items()]


class _Records(_Part):
    """Chains kept as a list of :data:`Found` records."""

    def __init__(self, found: list[Found]) -> None:
        self.found = found
        self.scores = np.array([-record[0] for record in found], dtype=np.float64)

    def chain(self, row: int) -> BackfillChain:
        _, _, _, make, payload = self.found[row]
        return make(payload)

    def ids(self) -> list[str]:
        return [record[1] for record in self.found]

    def rules(self) -> collections.Counter[str]:
        return collections.Counter(record[2] or "curated" for record in self.found)

    def select(self, rows: npt.NDArray[np.intp]) -> _Part:
        return _Records([self.found[row] for row in rows.tolist()])


def _id_order(parts: Sequence[_Part], starts: Sequence[int]) -> npt.NDArray[np.intp]:
    """Every chain's position in the parts laid end to end (``starts``: where each part begins), in id order.

    Id order is Python's string order. Cut an id after each ``:`` and ``>`` into tokens (``R4:``,
    ``a>``, ``b>``, ``c``): two ids compare as their token sequences do, token by token, as strings.
    (Where the sequences first differ, either the two tokens differ at a character inside both, and
    so do the ids; or one token is a proper prefix of the other. That one cannot end with a
    separator, which the other would then hold before its end, so it is the last token of its id,
    and that id is a proper prefix of the other id: smaller both ways.) So chains are grouped by
    first token, the groups sorted by it, and each part puts its own rows of a group in order:
    :class:`_PairChains` and :class:`_MultiHops` by the ranks of their legs' ids as tokens, without
    making a string. Where parts share a first token (no two built-in rules do), the ids themselves
    are compared.
    """
    blocks: dict[str, list[npt.NDArray[np.intp]]] = {}
    for part, start in zip(parts, starts, strict=False):
        for token, rows in part.id_blocks():
            blocks.setdefault(token, []).append(start + rows)
    ordered = []
    for token in sorted(blocks):
        found = blocks[token]
        if len(found) > 1:
            ids = [chain_id for part in parts for chain_id in part.ids()]
            found = [np.array(sorted(np.concatenate(found).tolist(), key=ids.__getitem__), dtype=np.intp)]
        ordered += found
    return np.concatenate(ordered) if ordered else np.empty(0, dtype=np.intp)


def _ranked(parts: Sequence[_Part], starts: Sequence[int]) -> list[int]:
    """Every chain's position in the parts laid end to end, best first: by score, then by id.

    The positions in id order, sorted by score with a stable sort: ties stay in id order.
    """
    by_id = _id_order(parts, starts)
    scores = np.concatenate([part.scores for part in parts]) if parts else np.empty(0)
    return by_id[np.argsort(-scores[by_id], kind="stable")].tolist()  # type: ignore[no-any-return]


_BATCH = 1000
"""Chains :class:`RankedChains` builds one by one when read through; past them, it builds the rest at once."""


class RankedChains(Sequence[BackfillChain]):
    """Every chain a search found, scored and ranked best first; each chain object is built when first read.

    Finding, scoring and ranking every chain is done when this is made (that is what grows
    with the data: about 380,000 chains at 100k synthetic transfers); a
    :class:`BackfillChain` with its legs is built the first time it is read, then kept.
    It reads like a list: ``len()``, indexing, slicing (a slice is a list of chains),
    iteration, ``in``, ``+`` with a list (gives a list) and ``==`` with a list. ``ids``,
    ``scores`` and :meth:`counts` need no chain object at all.
    """

    __slots__ = ("_chains", "_parts", "_rank", "_starts")

    def __init__(self, parts: Sequence[_Part]) -> None:
        """``parts``: the chains as the search found them, part by part; they are ranked here."""
        self._parts = list(parts)
        self._starts = list(itertools.accumulate((len(part) for part in self._parts), initial=0))
        self._rank = _ranked(self._parts, self._starts)
        self._chains: list[BackfillChain | None] = [None] * len(self)

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, position: int) -> BackfillChain: ...

    @overload
    def __getitem__(self, position: slice) -> list[BackfillChain]: ...

    def __getitem__(self, position: int | slice) -> BackfillChain | list[BackfillChain]:
        if isinstance(position, slice):
            return [self._chain(i) for i in self._rank[position]]
        return self._chain(self._rank[position])

    def _chain(self, found_at: int) -> BackfillChain:
        chain = self._chains[found_at]
        if chain is None:
            part = bisect.bisect_right(self._starts, found_at) - 1
            chain = self._chains[found_at] = self._parts[part].chain(found_at - self._starts[part])
        return chain

    def __iter__(self) -> Iterator[BackfillChain]:
        chains, rank = self._chains, self._rank
        for found_at in rank[:_BATCH]:  # the best few, one at a time: a reader may stop there
            yield self._chain(found_at)
        if len(rank) > _BATCH:  # reading on: build the rest at once, then hand them out best first
            self._build_all()
            for found_at in rank[_BATCH:]:
                yield chains[found_at]  # type: ignore[misc]

    def _build_all(self) -> None:
        """Build every chain not built yet, in the order the search found them.

        That order keeps the legs and facts a chain reads close to those of the chain before
        (ranked order jumps across the whole dataset, and the lookups then miss the processor's
        caches). The collector is paused, as in :func:`find_chains`: chains hold no cycles, and
        a collection every few hundred new objects would rescan every chain built before.
        """
        chains = self._chains
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for part, start in zip(self._parts, self._starts, strict=False):
                missing = [row for row in range(len(part)) if chains[start + row] is None]
                for row, chain in zip(missing, part.built(missing), strict=True):
                    chains[start + row] = chain
        finally:
            if was_enabled:
                gc.enable()

    @property
    def ids(self) -> list[str]:
        """Chain ids, best first."""
        ids = [chain_id for part in self._parts for chain_id in part.ids()]
        return [ids[i] for i in self._rank]

    @property
    def scores(self) -> list[float]:
        """Chain scores, best first."""
        if not self._parts:
            return []
        return np.concatenate([part.scores for part in self._parts])[self._rank].tolist()  # type: ignore[no-any-return]

    def counts(self) -> dict[str, int]:
        """How many chains each rule found (``curated`` for chains from claims), in rule order."""
        counted = collections.Counter[str]()
        for part in self._parts:
            counted.update(part.rules())
        order = dict.fromkeys(["curated", *CHAIN_RULES, *sorted(counted)])
        return {name: counted[name] for name in order if counted[name]}

    def __add__(self, other: Sequence[BackfillChain]) -> list[BackfillChain]:
        return [*self, *other]

    def __radd__(self, other: Sequence[BackfillChain]) -> list[BackfillChain]:
        return [*other, *self]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RankedChains, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so not hashable either

    def __repr__(self) -> str:
        return f"<RankedChains: {len(self)} chains>"


# --------------------------------------------------------------------------- the index


class ChainIndex:
    """Per-dataset facts about every leg, and the index the rules search.

    ``outgoing[(actor, family)]`` holds ``(days, legs)``: the dated, usable legs that
    actor sends in that category family, sorted by day, so the legs within a window of
    a day are found with two bisections instead of a scan (by custom pair rules; the
    built-in ones search the same index laid out as arrays in :attr:`table`). Build once
    per dataset (:func:`build_index` caches it) and share: it is read-only after construction.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        lineage = _lineage_roots(dataset)
        frameworks = _framework_roots(dataset)
        self.facts: dict[str, LegFacts] = {}
        for transfer in dataset.transfers.values():
            self.facts[transfer.id] = _transfer_facts(dataset, transfer, lineage, frameworks)
        for deployment in dataset.deployments.values():
            self.facts[deployment.id] = _deployment_facts(dataset, deployment, lineage)
        # Imported duplicates of curated legs (same_as) would only repeat their chains.
        self.usable: list[LegFacts] = [
            f
            for f in self.facts.values()
            if f.relation == "transferred_to"
            and f.day is not None
            and f.status not in _NOT_INFERRED
            and dataset.transfers[f.id].same_as is None
        ]
        grouped: dict[tuple[str, str], list[LegFacts]] = {}
        by_supplier: dict[str, list[LegFacts]] = {}
        for facts in self.usable:
            by_supplier.setdefault(facts.supplier, []).append(facts)
            if facts.family is not None:
                grouped.setdefault((facts.supplier, facts.family), []).append(facts)
        self.outgoing: dict[tuple[str, str], tuple[list[int], list[LegFacts]]] = {}
        for key, legs in grouped.items():
            legs.sort(key=lambda f: (f.day, f.id))
            self.outgoing[key] = ([f.day for f in legs], legs)  # type: ignore[misc]
        self.by_supplier = by_supplier
        self._legs: dict[tuple[str, str], ChainLeg] = {}
        self._claim_legs = _claim_coverage(dataset, frameworks)
        self.claimed_financing = frozenset(
            leg for claim in dataset.backfills.values() if claim.kind.value == "financing" for leg in claim.enabled
        )

    @functools.cached_property
    def table(self) -> _LegTable:
        """Every leg's facts as numpy columns, the rules' search index (:class:`_LegTable`).

        Built on first use: path queries share this index and never need it.
        """
        return _LegTable(self)

    def leg(self, record_id: str, role: str) -> ChainLeg:
        """The :class:`ChainLeg` for a transfer or deployment in a role (built once, then shared)."""
        key = (record_id, role)
        found = self._legs.get(key)
        if found is None:
            facts = self.facts[record_id]
            found = self._legs[key] = _make_leg(self.dataset, facts, role)
        return found

    def covered_by_claim(self, leg_ids: Iterable[str]) -> bool:
        """True when one curated claim already names all these legs (contracts of one framework count as one)."""
        ids = list(leg_ids)
        claims = self._claim_legs.get(self.facts[ids[0]].framework)
        if claims is None:  # the common case: no claim names the first leg
            return False
        roots = frozenset(self.facts[i].framework for i in ids)
        return any(roots <= claim for claim in claims)


_INDEXES: dict[int, tuple[weakref.ref[Dataset], Any]] = {}
_CACHED_INDEXES = 8


def cached_index(dataset: Dataset, kind: str, build: Callable[[Dataset], T]) -> T:
    """The index ``build(dataset)`` of a kind, kept for the last few datasets (an index refers to its dataset,
    so the cache is bounded rather than weak)."""
    key = hash((id(dataset), kind))
    found = _INDEXES.get(key)
    if found is not None and found[0]() is dataset:
        _INDEXES[key] = _INDEXES.pop(key)  # most recently used last
        return found[1]  # type: ignore[no-any-return]
    index = build(dataset)
    _INDEXES[key] = (weakref.ref(dataset), index)
    while len(_INDEXES) > _CACHED_INDEXES:
        del _INDEXES[next(iter(_INDEXES))]
    return index


def build_index(dataset: Dataset) -> ChainIndex:
    """The :class:`ChainIndex` of a dataset, built on first use and cached for the last few datasets."""
    return cached_index(dataset, "chains", ChainIndex)


def _roots(parents: Mapping[str, str | None]) -> dict[str, str]:
    """Id -> the id at the root of its parent links; a link to an unknown id, or back into a cycle, ends the walk.

    >>> _roots({"krab": "k9", "k9": None, "a": "b", "b": "a"})
    {'krab': 'k9', 'k9': 'k9', 'a': 'b', 'b': 'a'}
    """
    roots: dict[str, str] = {}
    for start in parents:
        current, seen = start, {start}
        while (parent := parents[current]) and parent in parents and parent not in seen:
            seen.add(parent)
            current = parent
        roots[start] = current
    return roots


def _lineage_roots(dataset: Dataset) -> dict[str, str]:
    """System id -> the system at the root of its ``based_on`` lineage (Krab -> K9)."""
    return _roots({system.id: system.based_on for system in dataset.systems.values()})


def _framework_roots(dataset: Dataset) -> dict[str, str]:
    """Transfer id -> the framework at the top of its ``part_of`` chain (itself if none)."""
    return _roots({transfer.id: transfer.part_of for transfer in dataset.transfers.values()})


_ERA_RANK = {era: era.rank for era in Era}
_CONFIDENCE_SCORE = {confidence: confidence.score for confidence in Confidence}
_SECOND_HAND = Condition.second_hand


def _first_day(transfer: Transfer) -> int | None:
    """The ordinal of the earliest day of :meth:`Transfer.start` (computed without building dates twice)."""
    days = [
        date.earliest().toordinal()
        for date in (transfer.announced, transfer.signed, transfer.first_delivery, transfer.last_delivery)
        if date is not None
    ]
    if days:
        return min(days)
    return dt.date(min(transfer.deliveries), 1, 1).toordinal() if transfer.deliveries else None


def _transfer_facts(
    dataset: Dataset, transfer: Transfer, lineage: dict[str, str], frameworks: dict[str, str]
) -> LegFacts:
    system = dataset.systems.get(transfer.system)
    category = system.category.value if system else None
    return LegFacts(
        transfer.id,
        "transferred_to",
        transfer.supplier,
        transfer.recipient,
        transfer.system,
        category,
        _FAMILY_OF.get(category, category) if category else None,
        _ERA_RANK[system.era] if system and system.era else None,
        lineage.get(transfer.system),
        transfer.condition is _SECOND_HAND,
        _first_day(transfer),
        transfer.status.value,
        _CONFIDENCE_SCORE[transfer.confidence],
        frameworks.get(transfer.id, transfer.id),
        tuple(transfer.financed_by),
    )


def deployment_date(deployment: Deployment) -> PartialDate | None:
    """A deployment's date for chains: its start, else when it was announced."""
    return deployment.start or deployment.announced


def _deployment_facts(dataset: Dataset, deployment: Deployment, lineage: dict[str, str]) -> LegFacts:
    system = dataset.systems.get(deployment.system) if deployment.system else None
    start = deployment_date(deployment)
    category = system.category.value if system else None
    return LegFacts(
        id=deployment.id,
        relation="deployed_to",
        supplier=deployment.provider,
        recipient=deployment.host,
        system=deployment.system,
        category=category,
        family=category_family(category),
        era=system.era.rank if system and system.era else None,
        lineage=lineage.get(deployment.system) if deployment.system else None,
        second_hand=False,
        day=start.earliest().toordinal() if start else None,
        status=deployment.status.value,
        confidence=deployment.confidence.score,
        framework=deployment.id,
        financed_by=(),
    )


def _claim_coverage(dataset: Dataset, frameworks: dict[str, str]) -> dict[str, list[frozenset[str]]]:
    """Leg (framework root) -> the leg sets of the curated claims that name it."""
    coverage: dict[str, list[frozenset[str]]] = {}
    for claim in dataset.backfills.values():
        legs = frozenset(frameworks.get(i, i) for i in (*claim.replacing, *claim.enabled))
        for leg in legs:
            coverage.setdefault(leg, []).append(legs)
    return coverage


def _make_leg(dataset: Dataset, facts: LegFacts, role: str) -> ChainLeg:
    system = dataset.systems.get(facts.system) if facts.system else None
    date = dt.date.fromordinal(facts.day).isoformat() if facts.day is not None else None
    record: Transfer | Deployment
    if facts.relation == "transferred_to":
        record = dataset.transfers[facts.id]
        quantity = record.quantity_delivered or record.quantity_ordered
        kind = record.kind.value
        first = record.start()
    else:
        record = dataset.deployments[facts.id]
        quantity = record.quantity
        kind = "deployment"
        first = deployment_date(record)
    return ChainLeg(
        transfer=facts.id,
        supplier=facts.supplier,
        recipient=facts.recipient,
        system=system.name if system else facts.system,
        category=facts.category,
        date=date,
        when=str(first) if first is not None and date is not None else None,
        quantity=str(quantity) if quantity else None,
        role=role,
        relation=facts.relation,
        system_id=facts.system,
        kind=kind,
        status=facts.status,
        confidence=record.confidence.value,
        sources=tuple(record.sources),
    )


# --------------------------------------------------------------------------- legs and links as arrays


_DAY_SPAN = 1 << 22
"""Above the ordinal of any date (9999-12-31 is 3,652,059): ``bucket * _DAY_SPAN + day`` sorts by bucket, then day."""


def _codes(values: list[str | None], codes: collections.defaultdict[str | None, int]) -> npt.NDArray[np.int64]:
    """Each value as a whole number, the same for the same value, for equality tests on arrays.

    ``codes`` maps the values seen so far (None to -1) and numbers new ones as they come: make it
    with :func:`_new_codes`.

    >>> _codes(["POL", None, "UKR", "POL"], _new_codes()).tolist()
    [0, -1, 1, 0]
    """
    return np.fromiter(map(codes.__getitem__, values), dtype=np.int64, count=len(values))


def _new_codes() -> collections.defaultdict[str | None, int]:
    """An empty mapping for :func:`_codes`: None is -1, each new value gets the next number from 0."""
    codes: collections.defaultdict[str | None, int] = collections.defaultdict(lambda: len(codes) - 1)
    codes[None] = -1
    return codes


class _LegTable:
    """The facts of every leg as numpy columns, row ``n`` for the ``n``-th leg of ``ChainIndex.facts``.

    What the vectorised rules read. Actors, systems, categories, families and lineages are
    integer codes (-1 for None), only ever compared for equality; ``era`` is the era's rank
    (-1 for None) and ``day`` the ordinal (0 for None). ``usable`` holds the rows of
    ``ChainIndex.usable``. ``outgoing`` is ``ChainIndex.outgoing`` laid end to end: the usable
    legs with a family, by supplier and family, then by day and id, and ``outgoing_keys`` is
    ``(supplier * families + family) * _DAY_SPAN + day`` for each, so that one
    :func:`numpy.searchsorted` per end finds the legs an actor sends in a family within a window.
    ``actor_codes`` and ``category_codes`` map actor ids and category values to their codes.
    ``end_token`` and ``inner_token`` rank each leg id, and the id followed by ``>``, among all
    ``tokens`` of both kinds, by string order: the tokens chain ids are compared by (see
    :func:`_id_order`); ``plain`` says no id holds ``:`` or ``>``, which that needs.
    """

    def __init__(self, index: ChainIndex) -> None:
        facts = list(index.facts.values())

        def column(name: str) -> list[Any]:
            return list(map(operator.attrgetter(name), facts))

        self.ids: list[str] = column("id")
        self.number = dict(zip(self.ids, range(len(self.ids)), strict=True))
        actors, families, category_codes = _new_codes(), _new_codes(), _new_codes()
        self.supplier = _codes(column("supplier"), actors)
        self.recipient = _codes(column("recipient"), actors)
        self.system = _codes(column("system"), _new_codes())
        categories = column("category")
        self.category = _codes(categories, category_codes)
        self.actor_codes, self.category_codes = dict(actors), dict(category_codes)  # for the filters of a search
        self.family_names: list[str | None] = column("family")
        self.family = _codes(self.family_names, families)
        self.families = len(families) - 1
        self.lineage = _codes(column("lineage"), _new_codes())
        self.era = np.array([-1 if era is None else era for era in column("era")], dtype=np.int64)
        self.day = np.array([day or 0 for day in column("day")], dtype=np.int64)
        self.second_hand = np.array(column("second_hand"), dtype=bool)
        self.confidence = np.array(column("confidence"), dtype=np.float64)
        self.consumable = np.array([category in _CONSUMABLE_VALUES for category in categories], dtype=bool)
        self.inferable = np.array([status not in _NOT_INFERRED for status in column("status")], dtype=bool)
        # a claim names the leg's framework: its pair chains may be covered by that claim
        self.claimed = np.array([framework in index._claim_legs for framework in column("framework")], dtype=bool)
        usable = [f.id for f in index.usable]
        self.usable = np.fromiter(map(self.number.__getitem__, usable), dtype=np.int64, count=len(usable))

        tokens = self.ids + [leg + ">" for leg in self.ids]
        rank = np.empty(len(tokens), dtype=np.int64)
        rank[sorted(range(len(tokens)), key=tokens.__getitem__)] = np.arange(len(tokens))
        self.tokens = len(tokens)
        self.end_token, self.inner_token = rank[: len(self.ids)], rank[len(self.ids) :]
        joined = "".join(self.ids)
        self.plain = ":" not in joined and ">" not in joined

        sent = self.usable[self.family[self.usable] >= 0]
        keys = (self.supplier[sent] * self.families + self.family[sent]) * _DAY_SPAN + self.day[sent]
        order = np.lexsort((self.end_token[sent], keys))  # by bucket and day, then id
        self.outgoing, self.outgoing_keys = sent[order], keys[order]


class _LinkTable:
    """Links as columns, row by row in the order found.

    ``into`` and ``out_of`` are leg rows of the index's :class:`_LegTable`; ``rule`` and
    ``reason`` hold the names (object arrays of strings); ``gap`` is the days between the legs
    where ``dated`` (None otherwise); ``strength`` as :class:`Link` has it. :meth:`link` makes the
    :class:`Link` of a row, :meth:`links` those of every row; a table made from others
    (:meth:`take`, :meth:`joined`) takes theirs, so each link is one object however many chains use it.
    """

    __slots__ = ("_derived", "_links", "dated", "gap", "into", "out_of", "reason", "rule", "strength")

    def __init__(
        self,
        into: npt.NDArray[Any],
        out_of: npt.NDArray[Any],
        rule: npt.NDArray[Any],
        reason: npt.NDArray[Any],
        gap: npt.NDArray[Any],
        dated: npt.NDArray[Any],
        strength: npt.NDArray[Any],
    ) -> None:
        self.into, self.out_of, self.rule, self.reason = into, out_of, rule, reason
        self.gap, self.dated, self.strength = gap, dated, strength
        self._links: list[Link] | None = None
        self._derived: Callable[[ChainIndex], list[Link]] | None = None  # from the tables this one was made of

    @classmethod
    def of(cls, index: ChainIndex, links: Iterable[Link]) -> _LinkTable:
        """The table of these links."""
        found = list(links)
        number = index.table.number
        table = cls(
            np.array([number[link.into] for link in found], dtype=np.int64),
            np.array([number[link.out_of] for link in found], dtype=np.int64),
            np.array([link.rule for link in found], dtype=object),
            np.array([link.reason for link in found], dtype=object),
            np.array([link.gap_days or 0 for link in found], dtype=np.int64),
            np.array([link.gap_days is not None for link in found], dtype=bool),
            np.array([link.strength for link in found], dtype=np.float64),
        )
        table._links = found
        return table

    def __len__(self) -> int:
        return len(self.into)

    def take(self, rows: npt.NDArray[np.intp]) -> _LinkTable:
        """The links of these rows, in this order."""
        columns = (self.into, self.out_of, self.rule, self.reason, self.gap, self.dated, self.strength)
        chosen = rows.tolist()
        table = _LinkTable(*(column[rows] for column in columns))
        table._derived = lambda index: list(map(self.links(index).__getitem__, chosen))
        return table

    def joined(self, other: _LinkTable) -> _LinkTable:
        """These links, then the other table's."""
        pairs = zip(
            (self.into, self.out_of, self.rule, self.reason, self.gap, self.dated, self.strength),
            (other.into, other.out_of, other.rule, other.reason, other.gap, other.dated, other.strength),
            strict=True,
        )
        table = _LinkTable(*(np.concatenate(pair) for pair in pairs))
        table._derived = lambda index: self.links(index) + other.links(index)
        return table

    def link(self, index: ChainIndex, row: int) -> Link:
        """The :class:`Link` of a row."""
        if self._links is not None:
            return self._links[row]
        into = index.table.ids[self.into[row]]
        gap = int(self.gap[row]) if self.dated[row] else None
        return Link(
            into,
            index.table.ids[self.out_of[row]],
            self.rule[row],
            self.reason[row],
            gap,
            float(self.strength[row]),
            index.facts[into].family,
        )

    def links(self, index: ChainIndex) -> list[Link]:
        """Every row's :class:`Link`, in order: made at once, then kept (chains share them)."""
        if self._links is None and self._derived is not None:
            self._links = self._derived(index)
        if self._links is None:
            ids, families = index.table.ids, index.table.family_names
            into, out_of = self.into.tolist(), self.out_of.tolist()
            gaps = [gap if dated else None for gap, dated in zip(self.gap.tolist(), self.dated.tolist(), strict=True)]
            rows = zip(
                [ids[n] for n in into],
                [ids[n] for n in out_of],
                self.rule.tolist(),
                self.reason.tolist(),
                gaps,
                self.strength.tolist(),
                [families[n] for n in into],
                strict=True,
            )
            self._links = [_new_tuple(Link, row) for row in rows]
        return self._links


_new_tuple = tuple.__new__  # a NamedTuple made without its __new__: a third of the cost, for every link at once

_NO_LINKS = _LinkTable(
    *(np.empty(0, dtype=kind) for kind in (np.int64, np.int64, object, object, np.int64, bool, np.float64))
)


def _ranges(starts: npt.NDArray[np.int64], stops: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], Any]:
    """Every position of each range ``starts[i]:stops[i]``, in order, and the ``i`` of each.

    >>> which, at = _ranges(np.array([5, 0, 2]), np.array([7, 0, 3]))
    >>> which.tolist(), at.tolist()
    ([0, 0, 2], [5, 6, 2])
    """
    counts = stops - starts
    which = np.repeat(np.arange(len(counts)), counts)
    ends = np.cumsum(counts)
    return which, np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts), counts)


def _round4(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``round(value, 4)`` of each value: the very floats Python's :func:`round` gives.

    Python rounds a float's exact binary value to four decimals (half to even), then returns the
    float nearest that decimal. ``rint(value * 10000) / 10000`` gives the same float unless
    ``value * 10000`` is close to a half: the product is off the exact one by at most half a unit
    in its last place (under 1e-7 below 1e9), so away from a half ``rint`` picks the same whole
    number, and dividing two exactly held numbers rounds to the float nearest their quotient, as
    Python does. Values within 1e-6 of a half, or too large for that bound, are rounded by Python.
    ``numpy.round`` is not used: it documents no such guarantee.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # huge values and infinities are unsure: Python rounds them
        scaled = values * 10000.0
        rounded = np.rint(scaled) / 10000.0
        unsure = ~((np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6) & (np.abs(scaled) < 1e9))
    for row in np.flatnonzero(unsure).tolist():
        rounded[row] = round(float(values[row]), 4)
    return rounded


def _row_order(columns: Sequence[npt.NDArray[np.int64]], base: int) -> npt.NDArray[np.intp]:
    """The order of rows of whole numbers in ``range(base)``, compared column by column as tuples are.

    Neighbouring columns are packed into one 62-bit key while they fit (one key: one sort).

    >>> _row_order([np.array([1, 0, 1]), np.array([0, 2, 1])], 3).tolist()
    [1, 0, 2]
    """
    keys: list[npt.NDArray[np.int64]] = []
    span = 1
    for column in columns:
        if keys and span * base < 1 << 62:
            keys[-1] = keys[-1] * base + column
            span *= base
        else:
            keys.append(column.astype(np.int64))
            span = base
    if len(keys) == 1:
        return np.argsort(keys[0], kind="stable")
    return np.lexsort(keys[::-1])


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class ChainRule:
    """A registered inference rule: ``code``, ``name``, ``weight`` and how it matches.

    Pair rules (``accepts`` set) tie a leg into an intermediary to a leg out of it;
    the others (``find`` set) build chains from the whole index and the links found.
    A builder may also have ``found``: the same chains scored and named but not built (a
    :class:`_Part`, from the links as a :class:`_LinkTable`), which is how :func:`find_chains`
    ranks large results.
    """

    code: str
    name: str
    backfill_kind: str
    weight: float
    accepts: Callable[[LegFacts, LegFacts, int], str | None] | None = None
    find: Callable[[ChainIndex, list[Link], _Options], Iterator[BackfillChain]] | None = None
    found: Callable[[ChainIndex, _LinkTable, _Options], _Part] | None = None

    @property
    def description(self) -> str:
        """The first paragraph of the rule's docstring."""
        function = self.accepts or self.find
        return " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())

    def found_by(self, index: ChainIndex, links: _LinkTable, options: _Options) -> _Part:
        """A builder's chains, scored and named (built chains, as records, when it has no ``found``)."""
        if self.found is not None:
            return self.found(index, links, options)
        assert self.find is not None
        return _Records([_found_chain(chain) for chain in self.find(index, links.links(index), options)])


CHAIN_RULES: dict[str, ChainRule] = {}
"""Rule code -> rule, in the order they run. ``docs/chains.md`` documents each."""


def chain_rule(
    code: str,
    name: str,
    backfill_kind: str,
    weight: float,
    *,
    pair: bool,
    found: Callable[[ChainIndex, _LinkTable, _Options], _Part] | None = None,
) -> Callable[[Any], Any]:
    """Register a pair rule (``pair=True``: ``accepts(into, out_of, window)``) or a chain builder
    (``find(index, links, options)``, optionally with ``found``, its chains scored and named but not built)."""

    def register(function: Any) -> Any:
        CHAIN_RULES[code] = ChainRule(
            code,
            name,
            backfill_kind,
            weight,
            accepts=function if pair else None,
            find=None if pair else function,
            found=found,
        )
        return function

    return register


def _apart(into: LegFacts, out_of: LegFacts, window: int) -> bool:
    return into.day is not None and out_of.day is not None and abs(into.day - out_of.day) <= window


def _through(into: LegFacts, out_of: LegFacts) -> bool:
    """The same intermediary, no round trip, two different legs."""
    return out_of.supplier == into.recipient and out_of.recipient != into.supplier and out_of.id != into.id


@chain_rule("R1", "same-category replacement", "replacement", 0.9, pair=True)
def same_category_replacement(into: LegFacts, out_of: LegFacts, window: int) -> str | None:
    """Intermediary B receives a system of a category from A and sends older kit of the same category
    (or a declared substitute in the same family) to C, the two legs at most the window apart either way.

    Older means: an earlier era than the system received (``soviet_legacy`` < ``cold_war_western`` <
    ``modern``), or second-hand condition, or the same lineage (``based_on``: Krab on the K9 chassis
    counts as the K9's family). The same system in and out is a re-export, not a backfill.
    Consumables (ammunition, missiles) are left to R3.
    """
    # the cheap tests first: this runs for every candidate pair
    if into.system == out_of.system or into.family is None or into.family != out_of.family:
        return None
    if out_of.supplier != into.recipient or out_of.recipient == into.supplier:
        return None
    if into.day is None or out_of.day is None or abs(into.day - out_of.day) > window:
        return None
    if into.category in _CONSUMABLE_VALUES:
        return None
    if into.lineage is not None and into.lineage == out_of.lineage:
        reason = "lineage"
    elif into.era is not None and out_of.era is not None and out_of.era < into.era:
        reason = "older"
    elif out_of.second_hand:
        reason = "second_hand"
    else:
        return None
    return reason if into.category == out_of.category else reason + "+substitute"


_CONSUMABLE_VALUES = frozenset(c.value for c in CONSUMABLE_CATEGORIES)


@chain_rule("R3", "stock replenishment", "replacement", 0.7, pair=True)
def stock_replenishment(into: LegFacts, out_of: LegFacts, window: int) -> str | None:
    """Intermediary B receives consumables (artillery ammunition, missiles) from A and sends the same
    category to C, the two legs at most the window apart either way: A's deliveries refill the stocks B
    draws on (South Korean 155 mm shells bought by the US while US stocks went to Ukraine).
    """
    if into.category not in _CONSUMABLE_VALUES or into.category != out_of.category:
        return None
    if not (_through(into, out_of) and _apart(into, out_of, window)):
        return None
    return "restock"


def _financing_found(index: ChainIndex, links: _LinkTable, options: _Options) -> _Records:
    """Rule R2's chains as :data:`Found` records (see :func:`third_party_financing`)."""
    weight = CHAIN_RULES["R2"].weight
    make = functools.partial(_financing_chain, index, options.window)
    found: list[Found] = []
    for facts in index.facts.values():
        if not facts.financed_by or facts.relation != "transferred_to" or facts.status in _NOT_INFERRED:
            continue
        if index.dataset.transfers[facts.id].same_as is not None:
            continue
        for financier in facts.financed_by:
            if financier in (facts.supplier, facts.recipient):
                continue
            if facts.id in index.claimed_financing:
                continue
            score = round(0.5 * weight * facts.confidence / 0.9, 4)
            found.append((-score, f"R2:{financier}>{facts.id}", "R2", make, (financier, facts)))
    return _Records(found)


def _financing_chain(index: ChainIndex, window: int, found: tuple[str, LegFacts]) -> BackfillChain:
    """The R2 chain of a financier and the leg it pays for."""
    financier, facts = found
    leg = index.leg(facts.id, "enabled")
    return _inferred_chain(
        f"R2:{financier}>{facts.id}",
        "R2",
        "financing",
        _chain_status([facts]),
        round(0.5 * CHAIN_RULES["R2"].weight * facts.confidence / 0.9, 4),
        leg.confidence or "low",
        (leg,),
        (),
        (),
        window,
        financier=financier,
    )


@chain_rule("R2", "third-party financing", "financing", 0.8, pair=False, found=_financing_found)
def third_party_financing(index: ChainIndex, links: list[Link], options: _Options) -> Iterator[BackfillChain]:
    """A transfer from B to C paid for by a third party A (``financed_by``) is a chain A -> B -> C:
    the financier enables a leg it does not supply (Denmark paying for Czech T-72s to Ukraine).
    """
    return _financing_found(index, _NO_LINKS, options).chains()  # financing needs no links


def _multi_hop_found(index: ChainIndex, links: _LinkTable, options: _Options) -> _MultiHops:
    """Rule R4's chains, scored and named but not built (see :func:`multi_hop`): every path of links at once.

    Level by level: paths of two links join each usable link with every link out of the leg it
    ends on, paths of three join those with every link out of their last leg, and so on up to
    ``max_legs`` legs; each level is one join on arrays, keeping the paths whose new actor is not
    on them yet. A path's strength is its links' strengths multiplied in path order, as
    :func:`_multi_hop_chain` multiplies them, so its score is the same float.
    """
    legs = index.table
    weight = 0.5 * CHAIN_RULES["R4"].weight
    floor = options.min_score
    # A curated claim may name an offer or a cancelled leg; an inferred chain never rests on one.
    usable = links.take(np.flatnonzero(legs.inferable[links.into] & legs.inferable[links.out_of]))
    # the links out of each leg, in their order in `usable`: following[first[leg]:first[leg] + count[leg]]
    following = np.argsort(usable.into, kind="stable")
    count = np.bincount(usable.into, minlength=len(legs.ids))
    first = np.cumsum(count) - count
    reached = legs.recipient[usable.out_of]  # the actor each link's second leg reaches
    origin = legs.supplier[usable.into]
    starts = np.flatnonzero((origin != reached) & (count[usable.out_of] > 0))
    path, product = [starts], usable.strength[starts]  # path: one column of link rows per link
    actors = [origin[starts], legs.recipient[usable.into[starts]], reached[starts]]
    levels: list[tuple[list[npt.NDArray[np.intp]], npt.NDArray[np.float64]]] = []
    for _ in range(options.max_legs - 2):  # chains of three legs, then four ...
        last = usable.out_of[path[-1]]
        which, at = _ranges(first[last], first[last] + count[last])
        step = following[at]
        fresh = np.ones(len(step), dtype=bool)
        for actor in actors:  # each actor once
            fresh &= reached[step] != actor[which]
        which, step = which[fresh], step[fresh]
        product = product[which] * usable.strength[step]
        scores = _round4(weight * product)
        if floor:  # strengths are at most 1, so a chain below the floor has no longer chain above it
            kept = np.flatnonzero(scores >= floor)
            which, step, product, scores = which[kept], step[kept], product[kept], scores[kept]
        path = [column[which] for column in path] + [step]
        actors = [actor[which] for actor in actors] + [reached[step]]
        levels.append((path, scores))
        if not len(step):
            break
    return _MultiHops(index, usable, *_depth_first(levels, len(usable)), options.window)


def _depth_first(
    levels: Sequence[tuple[list[npt.NDArray[np.intp]], npt.NDArray[np.float64]]], links: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The paths of every level as one array (-1 past a path's last link) with their scores, in depth-first order.

    That is the order :func:`iter_chains` has always given: by first link, then second ..., a path
    before the longer paths that extend it. Each level comes in that order; more than one are interleaved.
    """
    width = len(levels) + 1
    blocks = []
    for path, _ in levels:
        block = np.full((len(path[0]), width), -1, dtype=np.int64)
        block[:, : len(path)] = np.column_stack(path)
        blocks.append(block)
    paths = np.concatenate(blocks) if blocks else np.empty((0, width), dtype=np.int64)
    scores = np.concatenate([scores for _, scores in levels]) if levels else np.empty(0)
    if len(levels) > 1:
        order = _row_order(list(paths.T + 1), links + 1)
        paths, scores = paths[order], scores[order]
    return paths, scores


def _multi_hop_chain(index: ChainIndex, window: int, path: tuple[Link, ...]) -> BackfillChain:
    """The R4 chain of a line of links."""
    facts, leg = index.facts, index.leg
    ids = [path[0].into, *[link.out_of for link in path]]
    legs = (leg(ids[0], "replacing"), *[leg(i, "relay") for i in ids[1:-1]], leg(ids[-1], "enabled"))
    strength = 1.0
    for link in path:
        strength *= link.strength
    # the chain's status: how far its legs but the last got (cancelled legs do not count)
    ranks = [_STATUS_ORDER.get(facts[i].status, 1) for i in ids[:-1] if facts[i].status != "cancelled"]
    return _inferred_chain(
        "R4:" + ">".join(ids),
        "R4",
        "replacement",
        _CHAIN_STATUS[max(ranks)] if ranks else "cancelled",
        round(0.5 * CHAIN_RULES["R4"].weight * strength, 4),
        _weakest(legs),
        legs,
        tuple(link.gap_days for link in path),
        path,
        window,
    )


@chain_rule("R4", "multi-hop chain", "replacement", 0.8, pair=False, found=_multi_hop_found)
def multi_hop(index: ChainIndex, links: list[Link], options: _Options) -> Iterator[BackfillChain]:
    """Links that share a leg compose into longer chains A -> B -> C -> D: the leg B sends to C is
    enabled by A -> B and itself replaces what C sends on to D. Links come from curated claims and from
    the pair rules in use; every actor appears once, and chains stop at the maximum number of legs.
    """
    return _multi_hop_found(index, _LinkTable.of(index, links), options).chains()


class _MultiHops(_Part):
    """Rule R4's chains as arrays: ``paths`` holds each chain's link rows (in ``links``), -1 past its last link.

    Rows come in the order of a depth-first search, the order :func:`iter_chains` has always
    given: by first link, then second ..., a chain before the longer chains that extend it.
    """

    def __init__(
        self,
        index: ChainIndex,
        links: _LinkTable,
        paths: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        window: int,
    ) -> None:
        self.index, self.links, self.paths, self.scores, self.window = index, links, paths, scores, window

    def _legs(self) -> list[npt.NDArray[np.int64]]:
        """Column ``j``: each chain's ``j``-th leg (a leg row; meaningless past its last leg)."""
        links, paths = self.links, self.paths
        return [links.into[paths[:, 0]], *(links.out_of[paths[:, j]] for j in range(paths.shape[1]))]

    def chain(self, row: int) -> BackfillChain:
        path = tuple(self.links.link(self.index, k) for k in self.paths[row].tolist() if k >= 0)
        return _multi_hop_chain(self.index, self.window, path)

    def built(self, rows: Iterable[int]) -> Iterator[BackfillChain]:
        chosen = self.paths[np.fromiter(rows, dtype=np.intp)]
        link = self.links.links(self.index).__getitem__
        lengths = (chosen >= 0).sum(axis=1)
        if (lengths == chosen.shape[1]).all():  # paths of one length: their links read column by column
            paths: Iterable[tuple[Link, ...]] = zip(*(map(link, column) for column in chosen.T.tolist()), strict=True)
        else:
            paths = (tuple(map(link, path[:n])) for path, n in zip(chosen.tolist(), lengths.tolist(), strict=True))
        return map(functools.partial(_multi_hop_chain, self.index, self.window), paths)

    def ids(self) -> list[str]:
        ids = self.index.table.ids
        lengths = ((self.paths >= 0).sum(axis=1) + 1).tolist()
        legs = np.column_stack(self._legs()).tolist() if len(self.paths) else []
        return [
            "R4:" + ">".join([ids[leg] for leg in chain[:length]]) for chain, length in zip(legs, lengths, strict=True)
        ]

    def rules(self) -> collections.Counter[str]:
        return collections.Counter({"R4": len(self)} if len(self) else {})

    def select(self, rows: npt.NDArray[np.intp]) -> _Part:
        return _MultiHops(self.index, self.links, self.paths[rows], self.scores[rows], self.window)

    def kept(self, filters: _Filters, rows: npt.NDArray[np.intp]) -> _Part:
        last = (self.paths >= 0).sum(axis=1)  # the position of each chain's last leg
        return self.select(rows[filters.keeps_legs(self.index.table, self._legs(), last)[rows]])

    def id_blocks(self) -> list[tuple[str, npt.NDArray[np.intp]]]:
        table = self.index.table
        if not table.plain:
            return super().id_blocks()
        last = (self.paths >= 0).sum(axis=1)  # the position of each chain's last leg
        tokens = [
            np.where(j < last, table.inner_token[leg] + 1, np.where(j == last, table.end_token[leg] + 1, 0))
            for j, leg in enumerate(self._legs())
        ]
        return [("R4:", _row_order(tokens, table.tokens + 1))]


def _link_words(link: Link) -> str:
    if link.rule == "curated":
        return "curated claim"
    return f"{link.rule}: {link.reason.replace('+', ', ').replace('_', '-')}"


# --------------------------------------------------------------------------- finding links


def _strength(into: LegFacts, out_of: LegFacts, reason: str, window: int) -> float:
    """How strongly two legs are tied: weakest confidence, closeness in time, kind of match (0..1)."""
    confidence = min(into.confidence, out_of.confidence) / 0.9
    closeness = 1.0
    if into.day is not None and out_of.day is not None and window > 0:
        closeness = 1.0 - 0.5 * min(abs(into.day - out_of.day), window) / window
    kind = 0.8 if reason.startswith("second_hand") else 1.0
    if reason.endswith("+substitute"):
        kind *= 0.8
    return confidence * closeness * kind


def _link(into: LegFacts, out_of: LegFacts, rule: str, reason: str, window: int) -> Link:
    if into.day is None or out_of.day is None:
        return Link(into.id, out_of.id, rule, reason, None, _strength(into, out_of, reason, window), into.family)
    gap = into.day - out_of.day
    # _strength, inlined: this runs once per link found
    strength = min(into.confidence, out_of.confidence) / 0.9
    if window > 0:
        strength *= 1.0 - 0.5 * min(abs(gap), window) / window
    if reason.startswith("second_hand"):
        strength *= 0.8
    if reason.endswith("+substitute"):
        strength *= 0.8
    return Link(into.id, out_of.id, rule, reason, gap, strength, into.family)


def indexed_links(
    index: ChainIndex, rules: Sequence[ChainRule], window: int, into: Iterable[LegFacts] | None = None
) -> Iterator[Link]:
    """Every pair of legs a pair rule accepts, found through the index (the legs out of each intermediary
    in a family, sorted by day, searched by day). The first rule in ``rules`` that accepts a pair names the link."""
    accepting = [(r.code, r.accepts) for r in rules if r.accepts is not None]
    if not accepting:
        return
    builtin = _builtin_codes(rules)
    if builtin:
        legs_in = None if into is None else np.array([index.table.number[f.id] for f in into], dtype=np.int64)
        yield from _builtin_links(index, builtin, window, legs_in).links(index)
        return
    for leg_in, candidates in _window_candidates(index, index.usable if into is None else into, window):
        for leg_out in candidates:
            for code, accepts in accepting:
                reason = accepts(leg_in, leg_out, window)
                if reason is not None:
                    yield _link(leg_in, leg_out, code, reason, window)
                    break


_BUILTIN_PAIR_RULES = {"R1": same_category_replacement, "R3": stock_replenishment}


def _builtin_codes(rules: Sequence[ChainRule]) -> set[str]:
    """The codes of the pair rules in ``rules`` when they are all built-in ones (R1, R3), else none."""
    accepting = [(r.code, r.accepts) for r in rules if r.accepts is not None]
    if all(code in _BUILTIN_PAIR_RULES and accepts is _BUILTIN_PAIR_RULES[code] for code, accepts in accepting):
        return {code for code, _ in accepting}
    return set()


def _link_table(index: ChainIndex, rules: Sequence[ChainRule], window: int) -> _LinkTable:
    """The links of :func:`indexed_links` as a table (found as one, on arrays, for the built-in rules)."""
    builtin = _builtin_codes(rules)
    if builtin:
        return _builtin_links(index, builtin, window)
    return _LinkTable.of(index, indexed_links(index, rules, window))


_PAIR_RULE_NAMES = np.array(["R1", "R3"], dtype=object)
_PAIR_REASONS = np.array(
    [
        *("lineage", "older", "second_hand", "restock"),
        *("lineage+substitute", "older+substitute", "second_hand+substitute"),
    ],
    dtype=object,
)


def _builtin_links(
    index: ChainIndex, codes: set[str], window: int, legs_in: npt.NDArray[np.int64] | None = None
) -> _LinkTable:
    """:func:`indexed_links` for R1 and R3 themselves, on arrays: the same links, in the same order.

    Each leg in (``legs_in``, default the usable legs) finds the legs its recipient sends on in its
    family within the window: two :func:`numpy.searchsorted` calls on the index's
    ``outgoing_keys`` (see :class:`_LegTable`). Then every candidate pair is tested at once: R3 for
    a consumable leg in, R1 for any other (R1 accepts no consumable and R3 nothing else, so the
    first rule to accept a pair is the only one that could). Strengths are computed as :func:`_link`
    computes them, operation for operation on float64, so they are the same floats.
    ``tests/test_chains.py`` checks these links against the rules' own functions.
    """
    legs = index.table
    into = legs.usable if legs_in is None else legs_in
    into = into[(legs.family[into] >= 0) & (legs.day[into] > 0)]  # a leg without a family or a date has no link
    span = min(window, _DAY_SPAN)  # no two days are further apart
    bucket = (legs.recipient[into] * legs.families + legs.family[into]) * _DAY_SPAN
    day = legs.day[into]
    low = np.searchsorted(legs.outgoing_keys, bucket + np.maximum(day - span, 0), side="left")
    high = np.searchsorted(legs.outgoing_keys, bucket + np.minimum(day + span, _DAY_SPAN - 1), side="right")
    which, at = _ranges(low, high)
    into, out_of = into[which], legs.outgoing[at]

    consumable = legs.consumable[into]
    onward = legs.recipient[out_of] != legs.supplier[into]  # no round trip back to the origin
    restock = consumable & onward & (legs.category[out_of] == legs.category[into]) & (out_of != into)
    replacing = ~consumable & onward & (legs.system[out_of] != legs.system[into])
    restock &= "R3" in codes
    replacing &= "R1" in codes
    lineage = (legs.lineage[into] >= 0) & (legs.lineage[into] == legs.lineage[out_of])
    older = ~lineage & (legs.era[into] >= 0) & (legs.era[out_of] >= 0) & (legs.era[out_of] < legs.era[into])
    second_hand = ~lineage & ~older & legs.second_hand[out_of]
    replacing &= lineage | older | second_hand
    found = np.flatnonzero(replacing | restock)
    into, out_of, restock = into[found], out_of[found], restock[found]
    older, second_hand = older[found] & ~restock, second_hand[found] & ~restock
    substitute = ~restock & (legs.category[out_of] != legs.category[into])

    gap = legs.day[into] - legs.day[out_of]
    strength = np.minimum(legs.confidence[into], legs.confidence[out_of]) / 0.9
    if window > 0:
        strength *= 1.0 - 0.5 * np.minimum(np.abs(gap), span) / window
    strength = np.where(second_hand, strength * 0.8, strength)
    strength = np.where(substitute, strength * 0.8, strength)
    reason = np.where(restock, 3, np.where(older, 1, np.where(second_hand, 2, 0))) + 4 * substitute
    return _LinkTable(
        into,
        out_of,
        _PAIR_RULE_NAMES[restock.astype(np.intp)],
        _PAIR_REASONS[reason],
        gap,
        np.ones(len(into), dtype=bool),
        strength,
    )


def _window_candidates(
    index: ChainIndex, legs_in: Iterable[LegFacts], window: int
) -> Iterator[tuple[LegFacts, list[LegFacts]]]:
    """Each leg in with the legs its recipient sends on in its family within ``window`` days either
    way: one bucket of the index and two bisections, never a scan. Legs with none are skipped."""
    outgoing = index.outgoing
    left, right = bisect.bisect_left, bisect.bisect_right
    for leg_in in legs_in:
        bucket = outgoing.get((leg_in.recipient, leg_in.family))  # type: ignore[arg-type]
        if bucket is None:
            continue
        days, legs = bucket
        day: int = leg_in.day  # type: ignore[assignment]
        low = left(days, day - window)
        high = right(days, day + window, low)
        if low < high:
            yield leg_in, legs[low:high]


def naive_links(index: ChainIndex, rules: Sequence[ChainRule], window: int) -> Iterator[Link]:
    """The same links as :func:`indexed_links`, by testing every leg into an actor against every leg out
    of it: the pairwise scan the index replaces (a baseline for tests and benchmarks)."""
    accepting = [(r.code, r.accepts) for r in rules if r.accepts is not None]
    for leg_in in index.usable:
        for leg_out in index.by_supplier.get(leg_in.recipient, ()):
            for code, accepts in accepting:
                reason = accepts(leg_in, leg_out, window)
                if reason is not None:
                    yield _link(leg_in, leg_out, code, reason, window)
                    break


def _curated_links(index: ChainIndex) -> Iterator[Link]:
    """Each (replacing, enabled) pair of a curated claim, as a link multi-hop chains can build on."""
    for claim in index.dataset.backfills.values():
        strength = claim.confidence.score / 0.9
        for replacing in claim.replacing:
            for enabled in claim.enabled:
                into, out_of = index.facts[replacing], index.facts[enabled]
                if into.recipient != out_of.supplier:
                    continue
                gap = into.day - out_of.day if into.day is not None and out_of.day is not None else None
                yield Link(replacing, enabled, "curated", "claim", gap, strength, into.family)


def _composable(index: ChainIndex, links: _LinkTable) -> _LinkTable:
    """The links multi-hop chains build on: one per pair of legs, a curated link in place of a rule's.

    The same links, in the same order, as a dict from ``(into, out_of)`` filled with ``links`` (at most
    one link per pair: each leg in was searched once) and then updated with the curated links.
    The same chain must not come twice.
    """
    curated = {(link.into, link.out_of): link for link in _curated_links(index)}
    if not curated:
        return links
    claimed = _LinkTable.of(index, curated.values())
    legs = len(index.table.ids)
    keys, claimed_keys = links.into * legs + links.out_of, claimed.into * legs + claimed.out_of
    order = np.argsort(claimed_keys)
    at = np.minimum(np.searchsorted(claimed_keys[order], keys), len(order) - 1)
    replaced = claimed_keys[order][at] == keys
    rows = np.arange(len(links))
    rows[replaced] = len(links) + order[at[replaced]]
    added = np.setdiff1d(np.arange(len(claimed)), order[at[replaced]])
    return links.joined(claimed).take(np.concatenate([rows, len(links) + added]))


# --------------------------------------------------------------------------- curated chains


def _union(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for group in groups for item in group))


_CONFIDENCE_RANK = {c.value: c.rank for c in Confidence}


def _weakest(legs: Iterable[ChainLeg]) -> str:
    """The lowest confidence among the legs (a leg without one counts as low)."""
    return min((leg.confidence or "low" for leg in legs), key=_CONFIDENCE_RANK.__getitem__, default="low")


def _chain_status(replacing: Sequence[LegFacts]) -> str:
    """How far the replacing side got: the most advanced status among legs not cancelled."""
    live = [f.status for f in replacing if f.status != "cancelled"]
    if not live:
        return "cancelled"
    return _CHAIN_STATUS[max(_STATUS_ORDER.get(s, 1) for s in live)]


def _sorted_ids(index: ChainIndex, ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=lambda i: (index.facts[i].day is None, index.facts[i].day or 0, i))


def curated_chain(index: ChainIndex, claim: BackfillClaim, window: int = DEFAULT_WINDOW_DAYS) -> BackfillChain:
    """The chain a backfill claim states, with its status, gap, score and flags."""
    replacing = _sorted_ids(index, claim.replacing)
    enabled = _sorted_ids(index, claim.enabled)
    legs = tuple(index.leg(i, "replacing") for i in replacing) + tuple(index.leg(i, "enabled") for i in enabled)
    replacing_facts = [index.facts[i] for i in replacing]
    status = _chain_status(replacing_facts)
    days_in = [f.day for f in replacing_facts if f.day is not None]
    days_out = [index.facts[i].day for i in enabled if index.facts[i].day is not None]
    gap = min(days_in) - min(days_out) if days_in and days_out else None  # type: ignore[type-var,operator]
    flags = []
    for facts in replacing_facts:
        if facts.status == "offered":
            flags.append(f"{facts.id} is an offer, not a completed transfer")
        elif facts.status == "cancelled":
            flags.append(f"{facts.id} was cancelled")
        if facts.relation == "deployed_to":
            flags.append(f"{facts.id} is a deployment: the kit stays the provider's")
    factor = {"offer only": 0.5, "cancelled": 0.25}.get(status, 1.0)
    score = round(0.55 + 0.45 * claim.confidence.score * factor, 4)
    return BackfillChain(
        id=claim.id,
        kind="curated",
        rule=None,
        backfill_kind=claim.kind.value,
        status=status,
        score=score,
        confidence=claim.confidence.value,
        legs=legs,
        gaps=(gap,),
        link_sources=tuple(claim.sources),
        claim=claim.id,
        flags=tuple(flags),
        window_days=window,
    )


def _describe_leg(leg: ChainLeg) -> str:
    quantity = f"{leg.quantity} " if leg.quantity else ""
    when = f" ({leg.when})" if leg.when else ""
    verb = "deployed to" if leg.relation == "deployed_to" else "->"
    status = f", {leg.status}" if leg.status in ("offered", "cancelled") else ""
    return f"{leg.supplier} {verb} {leg.recipient}: {quantity}{leg.system}{when}{status}"


def _gap_words(gap: int, legs: Sequence[ChainLeg]) -> str:
    """``181 days after``, or ``about 181 days after`` when a date involved is known only to the month or year."""
    rough = any(leg.when is not None and len(leg.when) < 10 for leg in legs)
    return f"{'about ' if rough else ''}{abs(gap)} days {'after' if gap >= 0 else 'before'}"


def _curated_words(chain: BackfillChain) -> str:
    replacing = "; ".join(_describe_leg(leg) for leg in chain.legs if leg.role == "replacing")
    enabled = "; ".join(_describe_leg(leg) for leg in chain.legs if leg.role == "enabled")
    timing = ""
    gap = chain.gap_days
    if gap is not None:
        timing = f", {_gap_words(gap, chain.legs)} the first leg it made possible"
    offer = chain.status == "offer only"
    verb = "was offered in return for" if offer else "made possible"
    note = " It is an offer only, not a completed backfill." if offer else ""
    return (
        f"Curated {chain.backfill_kind.replace('_', ' ')} claim ({chain.confidence} confidence, "
        f"{len(chain.link_sources)} source(s)): {replacing} {verb} {enabled}{timing}.{note}"
    )


# --------------------------------------------------------------------------- inferred pair chains


_ONE_LEG_STATUS = {status: _CHAIN_STATUS[rank] for status, rank in _STATUS_ORDER.items()}
_ONE_LEG_STATUS["cancelled"] = "cancelled"


def _pair_chain(index: ChainIndex, window: int, link: Link) -> BackfillChain:
    """The chain of one link found by a pair rule (kept lean: there can be hundreds of thousands)."""
    legs = (index.leg(link.into, "replacing"), index.leg(link.out_of, "enabled"))
    rule = CHAIN_RULES[link.rule]
    first, second = legs[0].confidence or "low", legs[1].confidence or "low"
    return _inferred_chain(
        f"{link.rule}:{link.into}>{link.out_of}",
        link.rule,
        rule.backfill_kind,
        _ONE_LEG_STATUS.get(index.facts[link.into].status, "agreed"),
        round(0.5 * rule.weight * link.strength, 4),
        first if _CONFIDENCE_RANK[first] <= _CONFIDENCE_RANK[second] else second,
        legs,
        (link.gap_days,),
        (link,),
        window,
    )


class _PairChains(_Part):
    """The chains of pair rules (R1, R3) as arrays: one link each, in the order the links were found."""

    def __init__(self, index: ChainIndex, links: _LinkTable, scores: npt.NDArray[np.float64], window: int) -> None:
        self.index, self.links, self.scores, self.window = index, links, scores, window

    def chain(self, row: int) -> BackfillChain:
        return _pair_chain(self.index, self.window, self.links.link(self.index, row))

    def built(self, rows: Iterable[int]) -> Iterator[BackfillChain]:
        links, make = self.links.links(self.index), functools.partial(_pair_chain, self.index, self.window)
        return (make(links[row]) for row in rows)

    def ids(self) -> list[str]:
        ids, links = self.index.table.ids, self.links
        return [
            f"{rule}:{ids[into]}>{ids[out_of]}"
            for rule, into, out_of in zip(links.rule.tolist(), links.into.tolist(), links.out_of.tolist(), strict=True)
        ]

    def rules(self) -> collections.Counter[str]:
        return collections.Counter(self.links.rule.tolist())

    def select(self, rows: npt.NDArray[np.intp]) -> _Part:
        return _PairChains(self.index, self.links.take(rows), self.scores[rows], self.window)

    def kept(self, filters: _Filters, rows: npt.NDArray[np.intp]) -> _Part:
        legs, last = [self.links.into, self.links.out_of], np.ones(len(self), dtype=np.int64)
        return self.select(rows[filters.keeps_legs(self.index.table, legs, last)[rows]])

    def id_blocks(self) -> list[tuple[str, npt.NDArray[np.intp]]]:
        table, links = self.index.table, self.links
        rules = list(dict.fromkeys(links.rule.tolist()))
        if not table.plain or any(_first_token(f"{rule}:") != f"{rule}:" for rule in rules):
            return super().id_blocks()
        blocks = []
        for rule in rules:  # ids "R1:into>out_of": the tokens "R1:", "into>" and "out_of"
            rows = np.flatnonzero(links.rule == rule)
            tokens = [table.inner_token[links.into[rows]], table.end_token[links.out_of[rows]]]
            blocks.append((f"{rule}:", rows[_row_order(tokens, table.tokens)]))
        return blocks


def _pair_found(index: ChainIndex, links: _LinkTable, options: _Options) -> _PairChains:
    """The chain of each link, scored, unless a curated claim already names both legs."""
    half_weight = np.zeros(len(links))
    for code, rule in CHAIN_RULES.items():
        half_weight[links.rule == code] = 0.5 * rule.weight
    scores = _round4(half_weight * links.strength)
    kept = scores >= options.min_score if options.min_score else np.ones(len(links), dtype=bool)
    legs = index.table
    for row in np.flatnonzero(kept & legs.claimed[links.into]).tolist():
        kept[row] = not index.covered_by_claim((legs.ids[links.into[row]], legs.ids[links.out_of[row]]))
    rows = np.flatnonzero(kept)
    return _PairChains(index, links.take(rows), scores[rows], options.window)


def _pair_words(chain: BackfillChain) -> str:
    link, (into, out_of) = chain.links[0], chain.legs
    when = ""
    if link.gap_days is not None:
        when = f" {_gap_words(link.gap_days, chain.legs)}"
    reason = {
        "older": "older kit (an earlier era)",
        "second_hand": "second-hand kit",
        "lineage": f"kit of the same lineage as {into.system} (based on the same design)",
        "restock": "the same consumable",
    }[link.reason.split("+")[0]]
    substitute = (
        f" in the substitute category {out_of.category} (family {link.family})"
        if link.reason.endswith("+substitute")
        else ""
    )
    name = CHAIN_RULES[link.rule].name if link.rule in CHAIN_RULES else link.rule
    return (
        f"Rule {link.rule} ({name}): {into.recipient} received {into.system} ({into.category}) "
        f"from {into.supplier}{when} sending {reason}{substitute}, {out_of.system}, to {out_of.recipient}; "
        f"within the {chain.window_days}-day window."
    )


# --------------------------------------------------------------------------- the public search


@dataclass(frozen=True)
class _Options:
    window: int
    max_legs: int
    min_score: float = 0.0


@dataclass(frozen=True)
class _Filters:
    """What a search's filters ask for (see :func:`iter_chains`): actor ids, a category value, a period's days.

    :meth:`keeps` tests a built chain; :meth:`keeps_legs` gives the same answers for many chains
    at once from the rows of their legs, without building them (``tests/test_chains.py`` checks
    the two agree on every combination of filters).
    """

    origin: str | None = None
    intermediary: str | None = None
    destination: str | None = None
    category: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, wanted.name) is not None for wanted in fields(self))

    def keeps(self, chain: BackfillChain) -> bool:
        """True when the chain passes every filter."""
        if self.origin and self.origin not in chain.origins:
            return False
        if self.destination and self.destination not in chain.destinations:
            return False
        if self.intermediary and self.intermediary not in chain.intermediaries:
            return False
        if self.category and all(leg.category != self.category for leg in chain.legs):
            return False
        if self.first_day or self.last_day:  # the chain's span of dates overlaps the period
            dates = [leg.date for leg in chain.legs if leg.date]
            if not dates:
                return False
            if self.first_day and max(dates) < self.first_day.isoformat():
                return False
            if self.last_day and min(dates) > self.last_day.isoformat():
                return False
        return True

    def keeps_legs(
        self, table: _LegTable, legs: Sequence[npt.NDArray[np.int64]], last: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """:meth:`keeps` for chains of legs in a row, given as leg rows of ``table``: one per chain.

        ``legs[j]`` holds each chain's ``j``-th leg and ``last`` the position of its last leg
        (columns past it are ignored). Leg 0 replaces, leg ``last`` is enabled, those between
        relay, as in :class:`BackfillChain` (which has no financier here).
        """
        rows = np.column_stack(legs)  # one chain per row, its legs in order
        at, position = np.arange(len(rows)), np.arange(rows.shape[1])
        present = position <= last[:, None]
        receiving = position < last[:, None]  # legs whose recipient is in the middle: all but the last
        sending = present & (position >= 1)  # legs whose supplier is in the middle: all but the first
        supplier, recipient = table.supplier[rows], table.recipient[rows]
        origin, destination = supplier[:, 0], recipient[at, last]
        kept = np.ones(len(rows), dtype=bool)
        if self.origin:
            kept &= origin == table.actor_codes.get(self.origin, _NO_CODE)
        if self.destination:
            kept &= destination == table.actor_codes.get(self.destination, _NO_CODE)
        if self.intermediary:
            actor = table.actor_codes.get(self.intermediary, _NO_CODE)
            inside = ((receiving & (recipient == actor)) | (sending & (supplier == actor))).any(axis=1)
            inside &= (origin != actor) & (destination != actor)

            def at_an_end(actors: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
                return (actors == origin[:, None]) | (actors == destination[:, None])

            # nobody in the middle but the two ends: the intermediary is then the enabled leg's supplier
            no_one_else = (~receiving | at_an_end(recipient)).all(axis=1) & (~sending | at_an_end(supplier)).all(axis=1)
            kept &= inside | (no_one_else & (supplier[at, last] == actor))
        if self.category:
            kept &= (present & (table.category[rows] == table.category_codes.get(self.category, _NO_CODE))).any(axis=1)
        if self.first_day or self.last_day:  # dated legs have ordinals above 0; 0 and _DAY_SPAN fail every period
            day = table.day[rows]
            dated = present & (day > 0)
            if self.first_day:
                kept &= np.where(dated, day, 0).max(axis=1, initial=0) >= self.first_day.toordinal()
            if self.last_day:
                latest = np.where(dated, day, _DAY_SPAN).min(axis=1, initial=_DAY_SPAN)
                kept &= latest <= self.last_day.toordinal()
        return kept


_NO_CODE = -2
"""A code no actor or category has (None is -1): what a filter naming one no leg has is compared with."""


def _resolve_rules(rules: Iterable[str] | None) -> list[ChainRule]:
    if rules is None:
        return list(CHAIN_RULES.values())
    chosen = []
    for code in rules:
        key = code.strip().upper()
        if key not in CHAIN_RULES:
            raise UsageError(f"unknown chain rule {code!r}; rules are {', '.join(sorted(CHAIN_RULES))}")
        chosen.append(CHAIN_RULES[key])
    return [rule for rule in CHAIN_RULES.values() if rule in chosen]


def iter_chains(dataset: Dataset, **filters: Any) -> Iterator[BackfillChain]:
    """Yield backfill chains: curated ones (in claim order), then inferred ones, rule by rule.

    ``rules`` picks inference rules by code (default: all of :data:`CHAIN_RULES`);
    ``window_days`` is how far apart two legs of an inferred link may be (either way);
    ``max_legs`` bounds multi-hop chains. Filters: ``from_`` (an origin actor: a
    replacing leg's supplier or the financier), ``via`` (an intermediary), ``to`` (a
    destination: an enabled leg's recipient), ``category`` (some leg's category, value or
    label), ``since``/``until`` (chains that run through some of the period: the latest
    leg dated on or after ``since``, the earliest on or before ``until``; undated chains
    are then left out), ``min_score`` (weaker chains are not even built: the cheap way
    to rank large data). Unknown actors or categories raise :class:`UsageError` naming
    close matches.

    The number of chains can grow with the square of the data: use :func:`find_chains`
    for ranked results (``limit`` for the best few).
    """
    return (chain for part in _parts(dataset, **filters) for chain in part.chains())


def _parts(
    dataset: Dataset,
    *,
    rules: Iterable[str] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    max_legs: int = DEFAULT_MAX_LEGS,
    from_: str | None = None,
    via: str | None = None,
    to: str | None = None,
    category: str | None = None,
    since: str | dt.date | PartialDate | None = None,
    until: str | dt.date | PartialDate | None = None,
    curated_only: bool = False,
    inferred_only: bool = False,
    min_score: float = 0.0,
    index: ChainIndex | None = None,
) -> Iterator[_Part]:
    """The chains of :func:`iter_chains`, in its order, part by part (curated, pair rules, then each builder);
    its filters are these arguments.

    Parts keeping arrays (pair rules, R4) test the filters on their arrays and build no chain (see
    :meth:`_Filters.keeps_legs`); the others (curated chains, R2's, a custom builder's without
    ``found``) build each chain the filters must look at to test it, and it comes already built.
    """
    if curated_only and inferred_only:
        raise UsageError("choose --curated-only or --inferred-only, not both")
    if window_days < 0:
        raise UsageError(f"the window must be a number of days >= 0 (got {window_days})")
    if max_legs < 2:
        raise UsageError(f"max legs must be at least 2 (got {max_legs})")
    if not 0.0 <= min_score <= 1.0:
        raise UsageError(f"the minimum score must be between 0 and 1 (got {min_score})")
    filters = _Filters(
        dataset.actor(from_).id if from_ else None,
        dataset.actor(via).id if via else None,
        dataset.actor(to).id if to else None,
        parse_category(category) if category else None,
        *parse_period(since, until),
    )
    chosen = _resolve_rules(rules)
    index = index or build_index(dataset)
    options = _Options(window_days, max_legs, min_score)

    def kept(part: _Part) -> _Part:
        strong = np.flatnonzero(part.scores >= min_score) if min_score else None
        if filters:
            return part.kept(filters, np.arange(len(part)) if strong is None else strong)
        return part if strong is None else part.select(strong)

    if not inferred_only:
        curated = [_found_chain(curated_chain(index, claim, window_days)) for claim in dataset.backfills.values()]
        yield kept(_Records(curated))
    if curated_only:
        return
    pair_rules = [rule for rule in chosen if rule.accepts is not None]
    links = _link_table(index, pair_rules, window_days)
    yield kept(_pair_found(index, links, options))
    builders = [rule for rule in chosen if rule.find is not None]
    if builders:
        composable = _composable(index, links)
        for rule in builders:
            yield kept(rule.found_by(index, composable, options))


@overload
def find_chains(dataset: Dataset, *, limit: None = None, **filters: Any) -> RankedChains: ...


@overload
def find_chains(dataset: Dataset, *, limit: int, **filters: Any) -> list[BackfillChain]: ...


def find_chains(dataset: Dataset, *, limit: int | None = None, **filters: Any) -> RankedChains | list[BackfillChain]:
    """The chains of :func:`iter_chains`, best first (score, then id); the filters are its arguments.

    Every chain is found, scored and ranked here. Without ``limit``: a :class:`RankedChains`,
    which builds each chain object when it is first read (reading all of them costs many times
    what finding them does). With ``limit``: a list of the best ``limit`` chains, built.
    """
    # Chains are many small objects that never form cycles: the collector would rescan the dataset for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        ranked = RankedChains(list(_parts(dataset, **filters)))
        return ranked if limit is None else ranked[: max(limit, 0)]
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- impact


@dataclass(frozen=True)
class Dependent:
    """A leg that depends on the transfer asked about, and through what.

    ``depth`` is 1 for a leg a chain ties directly to it, 2 for one tied to such a leg,
    and so on; ``because_of`` is the upstream leg; ``chains`` the ids of the chains that
    make the tie; ``kind`` is ``curated`` when any of them is curated, else ``inferred``;
    ``score`` is the best of their scores.
    """

    leg: ChainLeg
    depth: int
    because_of: str
    chains: tuple[str, ...]
    kind: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: the leg's fields plus ``depth``, ``because_of``, ``chains``, ``kind``, ``score``."""
        return {
            **self.leg.as_dict(),
            "depth": self.depth,
            "because_of": self.because_of,
            "chains": list(self.chains),
            "kind": self.kind,
            "score": self.score,
        }


@dataclass(frozen=True)
class Impact:
    """Everything downstream of one transfer (or deployment) through backfill chains."""

    record: ChainLeg
    includes: tuple[str, ...]
    dependents: tuple[Dependent, ...]
    chains: tuple[BackfillChain, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: the contract of ``armsgraph impact --json``."""
        return {
            "transfer": self.record.transfer,
            "leg": self.record.as_dict(),
            "includes": list(self.includes),
            "dependents": [d.as_dict() for d in self.dependents],
            "chains": [c.as_dict() for c in self.chains],
        }


def impact(
    dataset: Dataset,
    record_id: str,
    *,
    rules: Iterable[str] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    max_legs: int = DEFAULT_MAX_LEGS,
    index: ChainIndex | None = None,
) -> Impact:
    """What depends on a transfer (or deployment) through chains, curated and inferred, transitively.

    "If the K2 contract slips, which donations lose their backfill?": the legs each chain
    says it made possible, then the legs those made possible, and so on. Asking about a
    framework includes the contracts that execute it (``part_of``). Unknown ids raise
    :class:`UsageError` naming close matches.

    >>> from graph.load import load_dataset
    >>> from pathlib import Path
    >>> data = Path(__file__).parent.parent / "tests" / "data" / "chains" / "rules"
    >>> found = impact(load_dataset([data], cache=False), "xaa-xbb-tank-new")
    >>> sorted((d.depth, d.leg.transfer) for d in found.dependents)[:3]
    [(1, 'xbb-xcc-tank-old'), (1, 'xbb-xdd-tank-new-b-used'), (1, 'xbb-xee-ifv-old')]
    """
    if record_id not in dataset.deployments:
        record_id = dataset.transfer(record_id).id
    index = index or build_index(dataset)
    includes = tuple(
        t for t in dataset.transfers if t != record_id and _framework_path(dataset, t, record_id)
    )
    chains = list(iter_chains(dataset, rules=rules, window_days=window_days, max_legs=max_legs, index=index))
    # leg id -> (downstream leg, chain) for every tie a chain makes
    ties: dict[str, list[tuple[ChainLeg, BackfillChain]]] = {}
    for chain in chains:
        if chain.rule == "R4":  # a line of legs: each one ties to the next
            pairs = list(itertools.pairwise(chain.legs))
        else:  # each replacing leg ties to each enabled leg
            replacing = [leg for leg in chain.legs if leg.role == "replacing"]
            enabled = [leg for leg in chain.legs if leg.role == "enabled"]
            pairs = [(before, after) for before in replacing for after in enabled]
        for before, after in pairs:
            ties.setdefault(before.transfer, []).append((after, chain))
    found: dict[str, Dependent] = {}
    used: dict[str, BackfillChain] = {}
    frontier = [record_id, *includes]
    seen = set(frontier)
    depth = 0
    while frontier:
        depth += 1
        next_frontier: list[str] = []
        for upstream in frontier:
            grouped: dict[str, list[BackfillChain]] = {}
            legs: dict[str, ChainLeg] = {}
            for after, chain in ties.get(upstream, ()):
                grouped.setdefault(after.transfer, []).append(chain)
                legs[after.transfer] = after
            for leg_id, through in grouped.items():
                for chain in through:
                    used.setdefault(chain.id, chain)
                if leg_id in seen:
                    continue
                seen.add(leg_id)
                next_frontier.append(leg_id)
                found[leg_id] = Dependent(
                    leg=index.leg(leg_id, "enabled"),
                    depth=depth,
                    because_of=upstream,
                    chains=tuple(sorted({c.id for c in through})),
                    kind="curated" if any(c.kind == "curated" for c in through) else "inferred",
                    score=max(c.score for c in through),
                )
        frontier = next_frontier
    dependents = sorted(found.values(), key=lambda d: (d.depth, -d.score, d.leg.transfer))
    return Impact(
        record=index.leg(record_id, "replacing"),
        includes=includes,
        dependents=tuple(dependents),
        chains=tuple(sorted(used.values(), key=lambda c: (-c.score, c.id))),
    )


def _framework_path(dataset: Dataset, transfer_id: str, framework_id: str) -> bool:
    """True when ``transfer_id`` executes ``framework_id``, directly or through other contracts."""
    seen = {transfer_id}
    current = dataset.transfers[transfer_id]
    while current.part_of and current.part_of not in seen:
        if current.part_of == framework_id:
            return True
        seen.add(current.part_of)
        parent = dataset.transfers.get(current.part_of)
        if parent is None:
            return False
        current = parent
    return False


# --------------------------------------------------------------------------- SPARQL


def _prefixes(*names: str) -> str:
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


_LEG_PATTERN = """  {
    ?leg a ag:Transfer ; ag:supplier ?supplierIri ; ag:recipient ?recipientIri ; ag:system ?systemIri .
    OPTIONAL { ?leg ag:sortDate ?date }
  } UNION {
    ?leg a ag:Deployment ; ag:provider ?supplierIri ; ag:host ?recipientIri .
    OPTIONAL { ?leg ag:system ?systemIri }
    OPTIONAL { ?leg ag:start ?start }
    OPTIONAL { ?leg ag:announced ?announced }
    BIND(COALESCE(?start, ?announced) AS ?date)
  }
  OPTIONAL { ?systemIri rdfs:label ?systemName ; ag:category ?categoryIri }
  BIND(STRAFTER(STR(?supplierIri), "/actor/") AS ?supplier)
  BIND(STRAFTER(STR(?recipientIri), "/actor/") AS ?recipient)
  BIND(STRAFTER(STR(?systemIri), "/system/") AS ?system)
  BIND(STRAFTER(STR(?categoryIri), "/category/") AS ?category)
"""

_COLUMNS = "?position ?role ?leg ?supplier ?recipient ?system ?systemName ?category ?date"


def legs_query(legs: Sequence[ChainLeg], checks: Sequence[str] = ()) -> str:
    """A SPARQL SELECT returning these legs in order, one row each, if every check holds.

    ``checks`` are graph patterns (with their own FILTERs) that must all match for
    any row to come back: the link a rule relied on, re-tested on the RDF.
    Columns: ``?position ?role ?leg ?supplier ?recipient ?system ?systemName ?category ?date``
    (actor, system and category as ids; ``?date`` as stored: ``xsd:date``, ``xsd:gYear`` ...).
    """
    rows = "\n".join(
        f'    ({position} <{_leg_iri(leg)}> "{leg.role}")' for position, leg in enumerate(legs, start=1)
    )
    condition = ""
    if checks:
        body = "\n    ".join(checks)
        condition = f"  FILTER EXISTS {{\n    {body}\n  }}\n"
    return (
        _prefixes("ag", "rdfs", "xsd")
        + f"SELECT {_COLUMNS} WHERE {{\n"
        + f"  VALUES (?position ?leg ?role) {{\n{rows}\n  }}\n"
        + _LEG_PATTERN
        + condition
        + "}\nORDER BY ?position\n"
    )


def _leg_iri(leg: ChainLeg) -> str:
    section = "deployments" if leg.relation == "deployed_to" else "transfers"
    return str(record_iri(section, leg.transfer))


def _claim_query(claim_id: str) -> str:
    claim = record_iri("backfills", claim_id)
    return (
        _prefixes("ag", "rdfs", "xsd")
        + f"SELECT {_COLUMNS} WHERE {{\n"
        + f'  {{ <{claim}> ag:replacing ?leg . BIND("replacing" AS ?role) BIND(1 AS ?position) }}\n'
        + f'  UNION {{ <{claim}> ag:enabled ?leg . BIND("enabled" AS ?role) BIND(2 AS ?position) }}\n'
        + _LEG_PATTERN
        + "}\nORDER BY ?position ?date ?leg\n"
    )


def _family_values(family: str | None) -> str:
    members = sorted(c.value for c in CATEGORY_FAMILIES.get(family or "", ())) or [family or ""]
    return ", ".join(f"<{category_iri(member)}>" for member in members)


def _link_check(position: int, link: Link, window: int) -> str:
    """The pattern that re-checks one link: shared actor, days apart, category family."""
    into = record_iri("transfers", link.into)
    out_of = record_iri("transfers", link.out_of)
    n = position
    if link.rule == "curated":
        return f"?claim{n} ag:replacing <{into}> ; ag:enabled <{out_of}> ."
    return (
        f"<{into}> ag:recipient ?via{n} ; ag:sortDate ?in{n} ; ag:system/ag:category ?cin{n} .\n"
        f"    <{out_of}> ag:supplier ?via{n} ; ag:sortDate ?out{n} ; ag:system/ag:category ?cout{n} .\n"
        f"    FILTER(?in{n} - ?out{n} <= \"P{window}D\"^^xsd:dayTimeDuration "
        f"&& ?out{n} - ?in{n} <= \"P{window}D\"^^xsd:dayTimeDuration)\n"
        f"    FILTER(?cin{n} IN ({_family_values(link.family)}) && ?cout{n} IN ({_family_values(link.family)}))"
    )
