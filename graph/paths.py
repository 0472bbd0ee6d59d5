"""Path queries between two actors: the k shortest time-respecting routes by which kit moved.

A path is one transfer per hop, each leg leaving the actor the previous one reached, no
earlier than that leg and at most ``window_days`` after it. Paths are searched level by
level (one hop, then two, ...) over an index of each actor's legs sorted by day, so each
next leg is found by bisection within its time window and only routes that fit in time
are ever built; a route that only the collapsed actor graph allows (``networkx``
``shortest_simple_paths``, then a check of the legs) is never enumerated just to be
rejected: on uniform synthetic data most routes fail the time test, and that route-first
search spent hundreds of milliseconds per query. Of the leg sequences a route allows,
the tightest is kept (shortest time from first to last leg, then earliest). Results come
fewest hops first, then tightest. Legs without a date cannot be placed in time and are not
used; nor are offers or cancelled transfers unless ``statuses`` asks for them, nor imported
duplicates of curated legs (``same_as``).

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .chains import (
    DEFAULT_WINDOW_DAYS,
    ChainIndex,
    ChainLeg,
    LegFacts,
    build_index,
    cached_index,
    legs_query,
    parse_category,
    parse_period,
)
from .dataset import Dataset
from .errors import UsageError
from .model import Confidence, PartialDate, TransferKind, TransferStatus
from .vocab import record_iri

__all__ = [
    "DEFAULT_MAX_HOPS",
    "PathIndex",
    "TransferPath",
    "build_path_index",
    "find_paths",
    "iter_paths",
]

DEFAULT_MAX_HOPS = 4
"""Longest route searched by default."""

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
    """Per actor, the legs it sends sorted by day; per (supplier, recipient) pair, the same.

    Build once per dataset (:func:`build_path_index` caches it): a query then only
    bisects and filters. Holds dated transfers only (not deployments, not ``same_as`` duplicates).
    """

    def __init__(self, dataset: Dataset, chains: ChainIndex | None = None) -> None:
        self.dataset = dataset
        self.chains = chains or build_index(dataset)
        self.kinds = {t.id: t.kind.value for t in dataset.transfers.values()}
        pairs: dict[tuple[str, str], list[LegFacts]] = {}
        outgoing: dict[str, list[LegFacts]] = {}
        for facts in self.chains.facts.values():
            if facts.relation != "transferred_to" or facts.day is None:
                continue
            if dataset.transfers[facts.id].same_as is not None:
                continue  # an imported duplicate of a curated leg
            pairs.setdefault((facts.supplier, facts.recipient), []).append(facts)
            outgoing.setdefault(facts.supplier, []).append(facts)
        self.pairs: dict[tuple[str, str], tuple[list[int], list[LegFacts]]] = {
            pair: _by_day(legs) for pair, legs in pairs.items()
        }
        self.outgoing: dict[str, tuple[list[int], list[LegFacts]]] = {
            actor: _by_day(legs) for actor, legs in outgoing.items()
        }


def _by_day(legs: list[LegFacts]) -> tuple[list[int], list[LegFacts]]:
    legs.sort(key=lambda f: (f.day, f.id))
    return [f.day for f in legs], legs  # type: ignore[misc]


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
    index: PathIndex | None = None,
) -> Iterator[TransferPath]:
    """Yield time-respecting paths from ``source`` to ``target``: fewest hops first, then tightest.

    Filters apply to every leg: ``category`` (value or label), ``since``/``until`` (the
    leg's date), ``kinds`` (transfer kinds), ``statuses`` (default: all but offered and
    cancelled), ``min_confidence`` (low, medium, high). ``window_days=None`` drops the
    upper bound on the wait between legs. Each route (sequence of actors) appears once.
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
    first, last = parse_period(since, until)
    first_day = first.toordinal() if first else None
    last_day = last.toordinal() if last else None
    wanted_kinds = _values(kinds, (k.value for k in TransferKind), "transfer kind")
    wanted_statuses = _values(statuses, (s.value for s in TransferStatus), "status") or _DEFAULT_STATUSES
    floor = 0.0
    if min_confidence is not None:
        (level,) = _values([min_confidence], (c.value for c in Confidence), "confidence") or {"low"}
        floor = Confidence(level).score
    index = index or build_path_index(dataset)
    kinds_of = index.kinds

    def usable(facts: LegFacts) -> bool:
        return (
            facts.status in wanted_statuses
            and facts.confidence >= floor
            and (wanted_category is None or facts.category == wanted_category)
            and (first_day is None or facts.day >= first_day)  # type: ignore[operator]
            and (last_day is None or facts.day <= last_day)  # type: ignore[operator]
            and (wanted_kinds is None or kinds_of[facts.id] in wanted_kinds)
        )

    for hops in range(1, max_hops + 1):
        found = _routes(index, start, end, hops, window_days, usable)
        for key, legs in sorted(found.items(), key=lambda item: (_span(item[1]), item[1][0].day, item[0])):
            yield TransferPath(
                source=start,
                target=end,
                actors=key,
                legs=tuple(index.chains.leg(f.id, "path") for f in legs),
                window_days=window_days,
            )


def _span(legs: Sequence[LegFacts]) -> int:
    return legs[-1].day - legs[0].day  # type: ignore[operator]


def _routes(
    index: PathIndex,
    start: str,
    end: str,
    hops: int,
    window: int | None,
    usable: Callable[[LegFacts], bool],
) -> dict[tuple[str, ...], list[LegFacts]]:
    """Every route of exactly ``hops`` legs from ``start`` to ``end`` that fits in time, with its tightest legs.

    A depth-first search over legs: each next leg is looked up by bisection within
    [previous day, previous day + window] among the legs its actor sends (the last hop among
    the legs of the pair (actor, end)); an actor with no leg to ``end`` is not entered on the
    hop before the last.
    """
    pairs, outgoing = index.pairs, index.outgoing
    best: dict[tuple[str, ...], list[LegFacts]] = {}
    chosen: list[LegFacts] = []
    actors = [start]

    def window_of(days: list[int], day: int | None) -> range:
        if day is None:
            return range(len(days))
        low = bisect.bisect_left(days, day)
        high = len(days) if window is None else bisect.bisect_right(days, day + window, low)
        return range(low, high)

    def record() -> None:
        key = tuple(actors)
        current = best.get(key)
        span = chosen[-1].day - chosen[0].day  # type: ignore[operator]
        if current is None or (span, chosen[0].day) < (_span(current), current[0].day):
            best[key] = list(chosen)

    def walk(actor: str, day: int | None, depth: int) -> None:
        if depth == hops - 1:  # the last hop goes to the end
            days, legs = pairs.get((actor, end), ((), ()))  # type: ignore[assignment]
            for position in window_of(days, day):  # type: ignore[arg-type]
                leg = legs[position]
                if usable(leg):
                    chosen.append(leg)
                    actors.append(end)
                    record()
                    actors.pop()
                    chosen.pop()
            return
        days, legs = outgoing.get(actor, ((), ()))  # type: ignore[assignment]
        next_is_last = depth + 1 == hops - 1
        for position in window_of(days, day):  # type: ignore[arg-type]
            leg = legs[position]
            recipient = leg.recipient
            if recipient == end or recipient in actors:
                continue
            if next_is_last and (recipient, end) not in pairs:
                continue
            if not usable(leg):
                continue
            chosen.append(leg)
            actors.append(recipient)
            walk(recipient, leg.day, depth + 1)
            actors.pop()
            chosen.pop()

    walk(start, None, 0)
    return best


def find_paths(dataset: Dataset, source: str, target: str, *, k: int = 5, **options: Any) -> list[TransferPath]:
    """The first ``k`` paths of :func:`iter_paths`: fewest hops first, then tightest (span, then start)."""
    if k < 1:
        raise UsageError(f"--k must be at least 1 (got {k})")
    found = []
    for path in iter_paths(dataset, source, target, **options):
        found.append(path)
        if len(found) >= k:
            break
    return found
