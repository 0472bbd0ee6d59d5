"""Semantic checks over a whole dataset, one registered rule per problem.

Each rule has a code (``E2xx`` errors stop the load, ``W3xx`` warnings do not),
a name, and a docstring saying what it checks; ``docs/validation.md`` lists
them all and a test keeps that list complete. Schema problems found by
:mod:`graph.load` itself use ``E0xx`` (YAML) and ``E1xx`` (fields).

A rule receives the records in file order and yields :class:`Finding` objects;
the loader turns each into a located :class:`~graph.errors.Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import Severity
from .model import (
    RECORD_TYPES,
    BackfillClaim,
    Deployment,
    PartialDate,
    Qualifier,
    Record,
    ReportedFigure,
    System,
    Transfer,
    references,
)

__all__ = ["RULES", "SCHEMA_CODES", "Finding", "Rule", "run_rules"]

FieldPath = tuple[str | int, ...]

SCHEMA_CODES: dict[str, str] = {
    "E001": "YAML syntax error.",
    "E003": "A YAML tag that constructs objects or does not fit its value.",
    "E004": "A list or mapping used as a mapping key.",
    "E005": "The same key twice in one mapping.",
    "E006": "Nesting deeper than the reader allows.",
    "E007": "A YAML alias (*name); write values out instead.",
    "E008": "More than one YAML document in a file.",
    "E009": "A file larger than the reader allows.",
    "E010": "A file that cannot be read.",
    "E011": "A file that is not UTF-8.",
    "E101": "A field the schema does not know (a typo would otherwise drop data).",
    "E102": "A value of the wrong type or outside its allowed values.",
    "E103": "A required field is missing.",
    "E104": "A file or section with the wrong shape (not a mapping or a list).",
}
"""Codes for problems the loader finds before the rules run."""


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on one record: the field it concerns and what is wrong."""

    record: Record
    field: FieldPath
    message: str
    hint: str | None = None
    reference: str | None = None
    """The id the finding is about, when it concerns a reference to another record."""
    related: Record | None = None
    """Another record involved (the first definition of a duplicate id); the loader shows where it is."""


@dataclass(frozen=True)
class Rule:
    """A registered check: ``code``, ``name``, ``severity`` and the function that runs it."""

    code: str
    name: str
    severity: Severity
    check: Callable[[Sequence[Record], dict[str, Record]], Iterable[Finding]]

    @property
    def description(self) -> str:
        """The first paragraph of the check's docstring."""
        return (self.check.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity = Severity.error) -> Callable[..., Any]:
    """Register a check under ``code``."""

    def register(check: Callable[[Sequence[Record], dict[str, Record]], Iterable[Finding]]) -> Any:
        RULES[code] = Rule(code, name, severity, check)
        return check

    return register


def run_rules(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[tuple[Rule, Finding]]:
    """Run every registered rule; ``by_id`` maps each id to its first definition."""
    for registered in RULES.values():
        for finding in registered.check(records, by_id):
            yield registered, finding


# --------------------------------------------------------------------------- the rules

_SECTION_OF = {model: model.SECTION for model in RECORD_TYPES}
_REFERENCES = {model: references(model) for model in RECORD_TYPES}
_FIGURE_REFERENCES = references(ReportedFigure)


@rule("E201", "duplicate-id")
def duplicate_ids(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """Ids are unique across all records of all files.

    A second record with the same id would silently replace the first.
    """
    for record in records:
        first = by_id[record.id]
        if first is not record:
            yield Finding(
                record,
                ("id",),
                f"id {record.id!r} is already used by {_a(_singular(_SECTION_OF[type(first)]))} record",
                "give one of them another id",
                related=first,
            )


def _singular(section: str) -> str:
    """``actors`` -> ``actor``, ``backfills`` -> ``backfill``."""
    return section.removesuffix("s")


def _a(noun: str) -> str:
    """``actor`` -> ``an actor``, ``system`` -> ``a system``."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _suggest(value: str, candidates: Iterable[str]) -> str | None:
    import difflib

    # Ids share prefixes and dates, so only close matches help: POLL -> POL, not reuters-... -> visiontimes-...
    close = difflib.get_close_matches(value, list(candidates), n=3, cutoff=0.75)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else None


@rule("E202", "unknown-reference")
def unknown_references(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """Every id a record refers to (supplier, system, sources, legs ...) is defined, in the right section.

    Which fields refer to which sections is read from the schema (``Ref`` fields in :mod:`graph.model`).
    """

    # An id defined twice (already an E201 error) may be referred to as either of its records.
    defined_in: dict[str, set[str]] = {}
    ids_in: dict[str, set[str]] = {section: set() for section in _SECTION_OF.values()}
    for record in records:
        section = _SECTION_OF[type(record)]
        ids_in[section].add(record.id)
        defined_in.setdefault(record.id, set()).add(section)

    def check(record: Record, path: FieldPath, value: str, sections: tuple[str, ...]) -> Iterator[Finding]:
        found_in = defined_in.get(value)
        if found_in is None:
            pool = [i for i, r in by_id.items() if _SECTION_OF[type(r)] in sections]
            yield Finding(
                record,
                path,
                f"{' or '.join(_singular(s) for s in sections)} {value!r} is not defined",
                _suggest(value, pool) or f"define it in a {'/'.join(sections)} section, or fix the id",
                reference=value,
            )
        elif not found_in & set(sections):
            yield Finding(
                record,
                path,
                f"{value!r} is {' and '.join(_a(_singular(s)) for s in sorted(found_in))},"
                f" not {' or '.join(_a(_singular(s)) for s in sections)}",
                reference=value,
            )

    # The ids a field may name: those defined in any of its sections.
    allowed: dict[tuple[str, ...], set[str]] = {}
    for sections in {s for fields in (*_REFERENCES.values(), _FIGURE_REFERENCES) for s in fields.values()}:
        allowed[sections] = set().union(*(ids_in[section] for section in sections))
    fields_of = {model: [(n, s, allowed[s]) for n, s in fields.items()] for model, fields in _REFERENCES.items()}
    figure_fields = [(n, s, allowed[s]) for n, s in _FIGURE_REFERENCES.items()]

    # References are almost always right: test them with set lookups, and build messages only when not.
    for record in records:
        for name, sections, ids in fields_of[type(record)]:
            value = getattr(record, name)
            if isinstance(value, list):
                if value and not ids.issuperset(value):
                    for index, item in enumerate(value):
                        if item not in ids:
                            yield from check(record, (name, index), item, sections)
            elif value is not None and value not in ids:
                yield from check(record, (name,), value, sections)
        if isinstance(record, Transfer):
            for index, figure in enumerate(record.reported):
                for name, sections, ids in figure_fields:
                    value = getattr(figure, name)
                    if value not in ids:
                        yield from check(record, ("reported", index, name), value, sections)


_ORDER = ("signed", "first_delivery", "last_delivery")
_DATE_NAMES = {"signed": "the signature", "first_delivery": "the first delivery", "last_delivery": "the last delivery"}


@rule("E203", "impossible-dates")
def impossible_dates(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """Dates keep their order: no delivery before signature, no last delivery before the first,
    no delivery year before the signature year, no deployment ending before it starts.

    Partial dates are compared generously: ``2022`` is not before ``2022-08``.
    """

    def before(a: PartialDate, b: PartialDate) -> bool:
        if a.year != b.year:  # the common case, without building calendar dates
            return a.year < b.year
        return a.latest() < b.earliest()

    for record in records:
        if isinstance(record, Transfer):
            dates = record.dates()
            for i, earlier in enumerate(_ORDER):
                for later in _ORDER[i + 1 :]:
                    if earlier in dates and later in dates and before(dates[later], dates[earlier]):
                        yield Finding(
                            record,
                            (later,),
                            f"{_DATE_NAMES[later]} ({dates[later]}) is before"
                            f" {_DATE_NAMES[earlier]} ({dates[earlier]})",
                            "check both dates against the sources",
                        )
            if record.signed and record.deliveries and min(record.deliveries) < record.signed.year:
                yield Finding(
                    record,
                    ("deliveries",),
                    f"deliveries in {min(record.deliveries)} are before the signature ({record.signed})",
                    "check the years against the sources",
                )
        elif isinstance(record, Deployment) and record.start and record.end and before(record.end, record.start):
            yield Finding(record, ("end",), f"end {record.end} is before start {record.start}")


@rule("E204", "self-transfer")
def self_transfers(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """A transfer's supplier and recipient differ, and so do a deployment's provider and host."""
    for record in records:
        if isinstance(record, Transfer) and record.supplier == record.recipient:
            yield Finding(record, ("recipient",), f"supplier and recipient are both {record.supplier!r}")
        if isinstance(record, Deployment) and record.provider == record.host:
            yield Finding(record, ("host",), f"provider and host are both {record.provider!r}")


@rule("E205", "backfill-loop")
def backfill_loops(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """A backfill claim does not name the same leg as both replacing and enabled."""
    for record in records:
        if isinstance(record, BackfillClaim):
            for leg in sorted(set(record.replacing) & set(record.enabled)):
                yield Finding(record, ("enabled",), f"{leg!r} is listed as both replacing and enabled")


@rule("E206", "lineage-cycle")
def lineage_cycles(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """A system's ``based_on`` lineage never leads back to itself."""
    for record in records:
        if not isinstance(record, System) or by_id.get(record.id) is not record:
            continue
        chain = [record.id]
        current: Record | None = record
        while isinstance(current, System) and current.based_on:
            if current.based_on == record.id:
                loop = " -> ".join([*chain, record.id])
                yield Finding(
                    record, ("based_on",), f"lineage loops back to itself: {loop}", "one of these based_on is wrong"
                )
                break
            if current.based_on in chain:
                break  # a loop further up the lineage: reported on the systems inside it
            chain.append(current.based_on)
            current = by_id.get(current.based_on)


@rule("W301", "delivered-exceeds-ordered", Severity.warning)
def delivered_exceeds_ordered(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """More units delivered than ordered: possible (follow-on orders), but worth a second look."""
    for record in records:
        if isinstance(record, Transfer) and record.quantity_delivered and record.quantity_ordered:
            ordered = record.quantity_ordered.upper or record.quantity_ordered.value
            if record.quantity_delivered.value > ordered:
                yield Finding(
                    record,
                    ("quantity_delivered",),
                    f"{record.quantity_delivered} delivered is more than {record.quantity_ordered} ordered",
                )


@rule("W302", "deliveries-disagree", Severity.warning)
def deliveries_disagree(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """The per-year deliveries add up to the exact delivered quantity, when both are given."""
    for record in records:
        if isinstance(record, Transfer) and record.deliveries and record.quantity_delivered:
            quantity = record.quantity_delivered
            total = sum(record.deliveries.values())
            if quantity.qualifier is Qualifier.exact and quantity.upper is None and total != quantity.value:
                yield Finding(
                    record,
                    ("deliveries",),
                    f"deliveries per year add up to {total}, but quantity_delivered is {quantity.value}",
                )


@rule("W303", "contract-outside-framework", Severity.warning)
def contract_outside_framework(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """A contract that is ``part_of`` a framework has the framework's supplier, recipient and system."""
    for record in records:
        if isinstance(record, Transfer) and record.part_of:
            parent = by_id.get(record.part_of)
            if isinstance(parent, Transfer):
                for name in ("supplier", "recipient", "system"):
                    if getattr(parent, name) != getattr(record, name):
                        yield Finding(
                            record,
                            ("part_of",),
                            f"{name} {getattr(record, name)!r} differs from the framework's {getattr(parent, name)!r}",
                        )


@rule("W304", "uncited-source", Severity.warning)
def uncited_sources(records: Sequence[Record], by_id: dict[str, Record]) -> Iterator[Finding]:
    """Every source is cited by at least one transfer, deployment, backfill claim or reported figure."""
    cited: set[str] = set()
    for record in records:
        if isinstance(record, Transfer | Deployment | BackfillClaim):
            cited.update(record.sources)
        if isinstance(record, Transfer):
            cited.update(figure.source for figure in record.reported)
    for record in records:
        if _SECTION_OF[type(record)] == "sources" and record.id not in cited and by_id.get(record.id) is record:
            yield Finding(record, ("id",), f"source {record.id!r} is not cited by any fact")
