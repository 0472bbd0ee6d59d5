"""Path queries between two actors: the k shortest time-respecting routes by which kit moved.

Routes are enumerated with networkx :func:`~networkx.shortest_simple_paths` on a
graph with one edge per (supplier, recipient) pair (parallel transfer edges would
multiply the routes), fewest hops first. Each route is then expanded into legs:
one transfer per hop, each leg no earlier than the one before and at most
``window_days`` after it. Of the leg sequences a route allows, the tightest is kept
(shortest time from first to last leg, then earliest). Legs without a date cannot be
placed in time and are not used; nor are offers or cancelled transfers unless
``statuses`` asks for them, nor imported duplicates of curated legs (``same_as``).

>>> from graph.load import load_dataset
>>> from pathlib import Path
>>> data = Path(__file__).parent.parent / "tests" / "data" / "chains" / "paths"
>>> for path in find_paths(load_dataset([data], cache=False), "XAA", "XDD", k=3):
...     print(" -> ".join(path.actors), [leg.transfer for leg in path.legs])
XAA -> XBB -> XDD ['ab-2020', 'bd-2020']
XAA -> XBB -> XCC -> XDD ['ab-2020', 'bc-2020', 'cd-2020']
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .chains import (
    DEFAULT_WINDOW_DAYS,
    ChainIndex,
    ChainLeg,
    LegFacts,
    build_index,
    cached_index,
    legs_query,
    parse_category,
)
from .chains import parse_day as _parse_day
from .dataset import Dataset
from .errors import UsageError
from .model import Confidence, PartialDate, TransferKind, TransferStatus
from .vocab import record_iri

__all__ = [
    "DEFAULT_MAX_HOPS",
    "DEFAULT_MAX_ROUTES",
    "PathIndex",
    "TransferPath",
    "build_path_index",
    "find_paths",
    "iter_paths",
]

DEFAULT_MAX_HOPS = 4
"""Longest route searched by default."""

DEFAULT_MAX_ROUTES = 500
"""How many candidate routes (fewest hops first) are tried before giving up on finding ``k`` that fit in time."""

_DEFAULT_STATUSES = frozenset(s.value for s in TransferStatus) - {"offered", "cancelled"}


@dataclass(frozen=True)
class TransferPath:
    """A time-respecting route from ``source`` to ``target``: the actors and one leg per hop.

    ``legs`` have the shape of chain legs (:class:`~graph.chains.ChainLeg`, role ``path``).
    """

    source: str
    target: str
    actors: tuple[str, ...]
    legs: tuple[ChainLeg, ...]
    window_days: int | None = DEFAULT_WINDOW_DAYS

    @property
    def hops(self) -> int:
        """Number of legs."""
        return len(self.legs)

    @property
    def span_days(self) -> int:
        """Days from the first leg to the last."""
        first, last = self.legs[0].date, self.legs[-1].date
        assert first is not None and last is not None
        return (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days

    @property
    def sparql(self) -> str:
        """A SPARQL query returning exactly this path's legs from the exported RDF, in order.

        It re-checks the route: each leg starts where the previous one ended, no earlier
        than it, and (with a window) at most ``window_days`` after it.
        """
        checks = []
        for position, leg in enumerate(self.legs, start=1):
            checks.append(f"<{record_iri('transfers', leg.transfer)}> ag:sortDate ?d{position} .")
        for position in range(1, len(self.legs)):
            before = record_iri("transfers", self.legs[position - 1].transfer)
            after = record_iri("transfers", self.legs[position].transfer)
            condition = f"?d{position + 1} >= ?d{position}"
            if self.window_days is not None:
                condition += f' && ?d{position + 1} - ?d{position} <= "P{self.window_days}D"^^xsd:dayTimeDuration'
            checks.append(f"<{before}> ag:recipient ?a{position} . <{after}> ag:supplier ?a{position} .")
            checks.append(f"FILTER({condition})")
        return legs_query(self.legs, checks)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: the contract of ``armsgraph paths --json``."""
        return {
            "from": self.source,
            "to": self.target,
            "actors": list(self.actors),
            "hops": self.hops,
            "first_date": self.legs[0].date,
            "last_date": self.legs[-1].date,
            "span_days": self.span_days,
            "window_days": self.window_days,
            "legs": [leg.as_dict() for leg in self.legs],
            "sparql": self.sparql,
        }


class PathIndex:
    """The route graph (one edge per actor pair) and, per pair, the usable legs sorted by day.

    Build once per dataset (:func:`build_path_index` caches it): a query then only
    filters legs and walks routes.
    """

    def __init__(self, dataset: Dataset, chains: ChainIndex | None = None) -> None:
        self.dataset = dataset
        self.chains = chains or build_index(dataset)
        self.kinds = {t.id: t.kind.value for t in dataset.transfers.values()}
        pairs: dict[tuple[str, str], list[LegFacts]] = {}
        for facts in self.chains.facts.values():
            if facts.relation != "transferred_to" or facts.day is None:
                continue
            if dataset.transfers[facts.id].same_as is not None:
                continue  # an imported duplicate of a curated leg
            pairs.setdefault((facts.supplier, facts.recipient), []).append(facts)
        self.pairs: dict[tuple[str, str], tuple[list[int], list[LegFacts]]] = {}
        for pair, legs in pairs.items():
            legs.sort(key=lambda f: (f.day, f.id))
            self.pairs[pair] = ([f.day for f in legs], legs)  # type: ignore[misc]
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(dataset.actors)
        self.graph.add_edges_from(self.pairs)


def build_path_index(dataset: Dataset) -> PathIndex:
    """The :class:`PathIndex` of a dataset, built on first use and cached for the last few datasets."""
    return cached_index(dataset, "paths", PathIndex)


def _values(given: Iterable[str] | None, allowed: Iterable[str], what: str) -> frozenset[str] | None:
    if given is None:
        return None
    choices = list(allowed)
    chosen = set()
    for value in given:
        if value not in choices:
            import difflib

            close = difflib.get_close_matches(value, choices, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; choose from {', '.join(choices)}"
            raise UsageError(f"unknown {what} {value!r}{hint}")
        chosen.add(value)
    return frozenset(chosen)


def iter_paths(
    dataset: Dataset,
    source: str,
    target: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    window_days: int | None = DEFAULT_WINDOW_DAYS,
    category: str | None = None,
    since: str | dt.date | PartialDate | None = None,
    until: str | dt.date | PartialDate | None = None,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    min_confidence: str | None = None,
    max_routes: int = DEFAULT_MAX_ROUTES,
    index: PathIndex | None = None,
) -> Iterator[TransferPath]:
    """Yield time-respecting paths from ``source`` to ``target``, fewest hops first.

    Filters apply to every leg: ``category`` (value or label), ``since``/``until`` (the
    leg's date), ``kinds`` (transfer kinds), ``statuses`` (default: all but offered and
    cancelled), ``min_confidence`` (low, medium, high). ``window_days=None`` drops the
    upper bound on the wait between legs. At most ``max_routes`` candidate routes are tried.
    Unknown actors, categories or values raise :class:`UsageError` naming close matches.
    """
    start = dataset.actor(source).id
    end = dataset.actor(target).id
    if start == end:
        raise UsageError(f"a path needs two different actors (got {start!r} twice)")
    if max_hops < 1:
        raise UsageError(f"--max-hops must be at least 1 (got {max_hops})")
    if window_days is not None and window_days < 0:
        raise UsageError(f"the window must be a number of days >= 0 (got {window_days})")
    wanted_category = parse_category(category) if category else None
    first = _parse_day(since)
    last = _parse_day(until, end=True)
    first_day = first.toordinal() if first else None
    last_day = last.toordinal() if last else None
    wanted_kinds = _values(kinds, (k.value for k in TransferKind), "transfer kind")
    wanted_statuses = _values(statuses, (s.value for s in TransferStatus), "status") or _DEFAULT_STATUSES
    floor = 0.0
    if min_confidence is not None:
        (level,) = _values([min_confidence], (c.value for c in Confidence), "confidence") or {"low"}
        floor = Confidence(level).score
    index = index or build_path_index(dataset)

    def usable(facts: LegFacts) -> bool:
        return (
            facts.status in wanted_statuses
            and facts.confidence >= floor
            and (wanted_category is None or facts.category == wanted_category)
            and (first_day is None or facts.day >= first_day)  # type: ignore[operator]
            and (last_day is None or facts.day <= last_day)  # type: ignore[operator]
            and (wanted_kinds is None or index.kinds[facts.id] in wanted_kinds)
        )

    filtered: dict[tuple[str, str], tuple[list[int], list[LegFacts]]] = {}

    def legs_of(u: str, v: str) -> tuple[list[int], list[LegFacts]]:
        found = filtered.get((u, v))
        if found is None:
            _, legs = index.pairs.get((u, v), ([], []))
            kept = [f for f in legs if usable(f)]
            found = filtered[(u, v)] = ([f.day for f in kept], kept)  # type: ignore[misc]
        return found

    view = nx.subgraph_view(index.graph, filter_edge=lambda u, v: bool(legs_of(u, v)[1]))
    tried = 0
    try:
        for route in nx.shortest_simple_paths(view, start, end):
            if len(route) - 1 > max_hops or tried >= max_routes:
                return
            tried += 1
            chosen = _tightest([legs_of(u, v) for u, v in itertools.pairwise(route)], window_days)
            if chosen is not None:
                yield TransferPath(
                    source=start,
                    target=end,
                    actors=tuple(route),
                    legs=tuple(index.chains.leg(f.id, "path") for f in chosen),
                    window_days=window_days,
                )
    except nx.NetworkXNoPath:
        return


def find_paths(dataset: Dataset, source: str, target: str, *, k: int = 5, **options: Any) -> list[TransferPath]:
    """The first ``k`` paths of :func:`iter_paths` (fewest hops first, then as networkx yields routes)."""
    if k < 1:
        raise UsageError(f"--k must be at least 1 (got {k})")
    found = []
    for path in iter_paths(dataset, source, target, **options):
        found.append(path)
        if len(found) >= k:
            break
    return found


def _tightest(hops: Sequence[tuple[list[int], list[LegFacts]]], window: int | None) -> list[LegFacts] | None:
    """The leg sequence, one per hop, that is time-respecting and shortest from first to last leg.

    A depth-first search over legs, each next hop searched by bisection within
    [previous day, previous day + window]; ties go to the earliest start.
    """
    best: tuple[int, int] | None = None
    best_legs: list[LegFacts] | None = None
    chosen: list[LegFacts] = []

    def search(depth: int, day: int) -> None:
        nonlocal best, best_legs
        if best is not None and day - chosen[0].day > best[0]:  # type: ignore[operator]
            return  # already looser than the best found
        if depth == len(hops):
            span = day - chosen[0].day  # type: ignore[operator]
            key = (span, chosen[0].day)
            if best is None or key < best:
                best, best_legs = key, list(chosen)  # type: ignore[assignment]
            return
        days, legs = hops[depth]
        low = bisect.bisect_left(days, day)
        high = len(days) if window is None else bisect.bisect_right(days, day + window, lo=low)
        for position in range(low, high):
            chosen.append(legs[position])
            search(depth + 1, days[position])
            chosen.pop()

    days, legs = hops[0]
    for position, facts in enumerate(legs):
        chosen.append(facts)
        search(1, days[position])
        chosen.pop()
    return best_legs
