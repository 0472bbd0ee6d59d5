"""The dataset as RDF: the only module that builds triples.

The mapping (documented in ``docs/ontology.md``) writes each record as a node
under :func:`~graph.vocab.record_iri`, with terms from :data:`~graph.vocab.AG`,
PROV-O, Dublin Core and SKOS. :data:`PREDICATES` says which predicate each
schema field becomes; the SHACL shapes (:mod:`graph.shapes`) are generated
from it and from :mod:`graph.model`, so the three cannot drift apart.

Triples are written as N-Triples text, each term in the form Oxigraph's store
gives it back, so that sorting the distinct lines gives the bytes of a store's
sorted dump without building one (:func:`sorted_ntriples`, what every RDF export
starts from). :func:`build_store` bulk-loads them into an in-memory Oxigraph store,
caching the N-Triples for the next start; :func:`rdf_graph` puts rdflib's
API on top of that same store. No blank nodes are used, so output is
deterministic and graphs compare easily.

>>> from graph.load import load_dataset
>>> dataset = load_dataset(["tests/data/mini"], cache=False)
>>> store = build_store(dataset)
>>> graph = rdf_graph(store)
>>> str(graph.value(record_iri("transfers", "pol-ukr-t72-2022"), RDFS.label))
'Poland -> Ukraine: T-72M1'
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import hashlib
import mmap
import operator
import os
import re
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from itertools import compress, islice
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from . import model
from .dataset import Dataset
from .model import (
    Actor,
    ActorKind,
    BackfillClaim,
    Category,
    Deployment,
    Money,
    PartialDate,
    Qualifier,
    Quantity,
    ReportedFigure,
    Source,
    System,
    Transfer,
)
from .vocab import AG, CATEGORY_SCHEME, ID, PREFIXES, WD, category_iri, record_iri

__all__ = [
    "ACTOR_CLASSES",
    "CC_BY_4",
    "DATASET_IRI",
    "ONTOLOGY_IRI",
    "PREDICATES",
    "QUANTITY_TERMS",
    "RECORD_CLASSES",
    "SIPRI_CREDIT",
    "build_store",
    "dataset_triples",
    "memory_graph",
    "ntriples",
    "rdf_graph",
    "sorted_ntriples",
    "store_cached",
]

CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
"""Licence of the curated data."""
SIPRI_CREDIT = "Source: SIPRI Arms Transfers Database"
"""The credit line SIPRI asks for; added to the description when any source is published by SIPRI."""
DATASET_IRI = ID["dataset"]
"""The dataset-description node (VoID + DCAT); also the graph name in TriG and N-Quads exports."""
ONTOLOGY_IRI = URIRef("https://w3id.org/armsgraph/ontology")
TITLE = "armsgraph: arms transfers, their sources, and the backfill chains between them"

RECORD_CLASSES: dict[str, URIRef] = {
    "actors": AG.Actor,
    "systems": AG.System,
    "sources": AG.Source,
    "transfers": AG.Transfer,
    "deployments": AG.Deployment,
    "backfills": AG.BackfillClaim,
}
"""Section -> the class every record of that section has."""

ACTOR_CLASSES: dict[ActorKind, URIRef] = {
    ActorKind.state: AG.State,
    ActorKind.organisation: AG.Organisation,
    ActorKind.company: AG.Company,
    ActorKind.non_state: AG.NonStateActor,
}
"""Actor kind -> the subclass of ``ag:Actor`` an actor also has."""

# Field -> predicate, per model. The writer below uses these, the SHACL generator reads them,
# and a test checks every schema field is here, so a new field cannot be silently dropped.
PREDICATES: dict[type, dict[str, URIRef]] = {
    Actor: {
        "id": RDF.type,
        "name": RDFS.label,
        "kind": AG.actorKind,
        "aliases": SKOS.altLabel,
        "country": AG.country,
        "wikidata": OWL.sameAs,
        "notes": RDFS.comment,
    },
    System: {
        "id": RDF.type,
        "name": RDFS.label,
        "aliases": SKOS.altLabel,
        "category": AG.category,
        "era": AG.era,
        "origin": AG.origin,
        "manufacturer": AG.manufacturer,
        "based_on": AG.basedOn,
        "wikidata": OWL.sameAs,
        "notes": RDFS.comment,
    },
    Source: {
        "id": RDF.type,
        "publisher": DCTERMS.publisher,
        "title": DCTERMS.title,
        "date": DCTERMS.date,
        "url": FOAF.page,
        "kind": AG.sourceKind,
        "language": DCTERMS.language,
        "notes": RDFS.comment,
    },
    Transfer: {
        "id": RDF.type,
        "supplier": AG.supplier,
        "recipient": AG.recipient,
        "system": AG.system,
        "kind": AG.transferKind,
        "status": AG.status,
        "quantity_ordered": AG.quantityOrdered,
        "quantity_delivered": AG.quantityDelivered,
        "announced": AG.announced,
        "signed": AG.signed,
        "first_delivery": AG.firstDelivery,
        "last_delivery": AG.lastDelivery,
        "deliveries": AG.delivery,
        "condition": AG.condition,
        "value": AG.value,
        "financed_by": AG.financedBy,
        "consent_from": AG.consentFrom,
        "part_of": AG.partOf,
        "same_as": AG.sameLegAs,
        "confidence": AG.confidence,
        "reported": AG.reported,
        "notes": RDFS.comment,
        "sources": PROV.wasDerivedFrom,
    },
    Deployment: {
        "id": RDF.type,
        "provider": AG.provider,
        "host": AG.host,
        "system": AG.system,
        "quantity": AG.quantity,
        "personnel": AG.personnel,
        "status": AG.deploymentStatus,
        "announced": AG.announced,
        "start": AG.start,
        "end": AG.end,
        "confidence": AG.confidence,
        "notes": RDFS.comment,
        "sources": PROV.wasDerivedFrom,
    },
    BackfillClaim: {
        "id": RDF.type,
        "kind": AG.backfillKind,
        "replacing": AG.replacing,
        "enabled": AG.enabled,
        "confidence": AG.confidence,
        "notes": RDFS.comment,
        "sources": PROV.wasDerivedFrom,
    },
    Money: {"millions": AG.amountMillions, "currency": AG.currency, "qualifier": AG.qualifier},
    ReportedFigure: {
        "source": PROV.wasDerivedFrom,
        "measure": AG.measure,
        "quantity": AG.quantity,
        "note": RDFS.comment,
    },
}
"""Schema model -> field name -> the predicate its values are written with."""

QUANTITY_TERMS: dict[URIRef, tuple[URIRef, URIRef]] = {
    AG.quantityOrdered: (AG.quantityOrderedQualifier, AG.quantityOrderedUpper),
    AG.quantityDelivered: (AG.quantityDeliveredQualifier, AG.quantityDeliveredUpper),
    AG.quantity: (AG.qualifier, AG.upper),
    AG.personnel: (AG.personnelQualifier, AG.personnelUpper),
}
"""A quantity's predicate -> the predicates of its qualifier and of the upper end of its range.

The qualifier is written only when it is not ``exact``; the upper end only for ranges.
"""

_XSD_INTEGER = f"<{XSD.integer}>"
_XSD_DECIMAL = f"<{XSD.decimal}>"
_XSD_DATETIME = f"<{XSD.dateTime}>"
_DATE_TYPES = {"year": f"<{XSD.gYear}>", "month": f"<{XSD.gYearMonth}>", "day": f"<{XSD.date}>"}
_XSD_DATE = f"<{XSD.date}>"


# --------------------------------------------------------------------------- N-Triples terms

# Terms are written exactly as Oxigraph writes them back (its canonical form), so that the sorted
# lines are the store's dump without building the store: strings escaped as its N-Triples
# serialiser escapes them, decimals in canonical form (the tests compare both ways on real data).
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_ESCAPES = str.maketrans(
    {chr(code): f"\\u{code:04X}" for code in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)} | _SHORT_ESCAPES
)
"""What Oxigraph's N-Triples serialiser escapes in a literal, and how."""

# What an http(s) IRI may hold raw (RFC 3987): unreserved and reserved ASCII, "%" starting an escape,
# one "#" before the fragment, and non-ASCII "ucschar"s. Everything else is percent-encoded (UTF-8).
_IRI_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?")
_IRI_SAFE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*(?:#[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?")
_UCSCHAR = (
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    *((plane, plane + 0xFFFD) for plane in range(0x10000, 0xE0000, 0x10000)),
    (0xE1000, 0xEFFFD),
)
_HEX = frozenset("0123456789ABCDEFabcdef")


def _iri_char(char: str) -> bool:
    code = ord(char)
    if code < 0x80:
        return char in _IRI_ASCII
    return any(low <= code <= high for low, high in _UCSCHAR)


def _iri(value: str) -> str:
    """An http(s) URL as an N-Triples IRI, percent-encoding what an IRI may not hold raw.

    >>> _iri("https://example.org/a b|c%zz#x#y")
    '<https://example.org/a%20b%7Cc%25zz#x%23y>'
    """
    if _IRI_SAFE.fullmatch(value):
        return f"<{value}>"
    scheme, sep, rest = value.partition("://")
    out = [scheme, sep]
    fragment = False
    for index, char in enumerate(rest):
        if char == "#" and not fragment:
            fragment = True
            out.append(char)
        elif _iri_char(char) or (char == "%" and {*rest[index + 1 : index + 3]} <= _HEX and index + 2 < len(rest)):
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
    return f"<{''.join(out)}>"


_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f\\x7f"\\\\\\ufffe\\uffff]')


def _text(value: str) -> str:
    """A string as an N-Triples literal, escaped as Oxigraph writes it.

    >>> print(_text('a "b"\\tc\\x00'))
    "a \\"b\\"\\tc\\u0000"
    """
    # Most text needs no escaping: one search is cheaper than translate(), which goes
    # character by character through the table.
    if _NEEDS_ESCAPE.search(value) is None:
        return f'"{value}"'
    return f'"{value.translate(_ESCAPES)}"'


_ENUM_TEXTS: dict[int, str] = {
    id(member): _text(member.value)
    for enum in vars(model).values()
    if isinstance(enum, type) and issubclass(enum, StrEnum)
    for member in enum
}
"""id() of each member of the schema's enums -> its value as a literal. Keyed by id() because
hashing a member runs Enum.__hash__ in Python; members live as long as their class."""


def _enum(member: StrEnum) -> str:
    """An enum member's value as an N-Triples literal (reading ``.value`` costs more than a dict lookup)."""
    return _ENUM_TEXTS[id(member)]


def _integer(value: int) -> str:
    return f'"{value}"^^{_XSD_INTEGER}'


_DECIMAL_DIGITS = 18
"""Oxigraph holds an ``xsd:decimal`` as an i128 count of 10^-18ths."""
_I128_MAX = 2**127 - 1


def _decimal(value: float) -> str:
    """A float as an ``xsd:decimal`` literal, in the form Oxigraph's store writes it back.

    >>> _decimal(3370.0), _decimal(0.25)
    ('"3370"^^<http://www.w3.org/2001/XMLSchema#decimal>', '"0.25"^^<http://www.w3.org/2001/XMLSchema#decimal>')
    """
    # repr() gives the shortest exact digits; Decimal keeps them out of exponent notation.
    text = format(Decimal(repr(value)), "f")
    if "." not in text:
        text += ".0"
    return f'"{_canonical_decimal(text)}"^^{_XSD_DECIMAL}'


def _canonical_decimal(text: str) -> str:
    """Oxigraph's canonical form of a plain decimal ``[-]digits.digits``: what its store gives back.

    The store keeps a decimal it can hold (at most 18 digits after the point, within an i128
    of 10^-18ths) as a number and writes it without trailing zeros (``12.50`` -> ``12.5``,
    ``3.0`` -> ``3``, ``-0.0`` -> ``0``); any other text it keeps, and writes, as it is.

    >>> _canonical_decimal("12.50"), _canonical_decimal("-0.0"), _canonical_decimal("1" + "0" * 21 + ".0")
    ('12.5', '0', '1000000000000000000000.0')
    """
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    scaled = int(whole + fraction) * 10 ** (_DECIMAL_DIGITS - len(fraction)) if len(fraction) <= _DECIMAL_DIGITS else 0
    if len(fraction) > _DECIMAL_DIGITS or scaled > _I128_MAX + negative:  # i128 reaches -2**127
        return text  # out of the store's range: kept as written
    fraction = fraction.rstrip("0")
    whole = whole.lstrip("0") or "0"
    sign = "-" if negative and (whole != "0" or fraction) else ""
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


_DATE_TERMS: dict[tuple[int, int | None, int | None], str] = {}
"""PartialDate parts -> its N-Triples literal; datasets repeat the same few thousand dates."""


def _date(value: PartialDate) -> str:
    key = (value.year, value.month, value.day)
    found = _DATE_TERMS.get(key)
    if found is None:
        found = _DATE_TERMS[key] = f'"{value}"^^{_DATE_TYPES[value.precision]}'
    return found


_SORT_DATES: dict[tuple[int, int | None, int | None], str] = {}


def _sort_date(value: PartialDate) -> str:
    """The earliest day of a date as an ``xsd:date`` literal (``ag:sortDate``)."""
    key = (value.year, value.month, value.day)
    found = _SORT_DATES.get(key)
    if found is None:
        found = _SORT_DATES[key] = f'"{value.earliest().isoformat()}"^^{_XSD_DATE}'
    return found


_RECORD_BASES = {section: str(record_iri(section, "")) for section in RECORD_CLASSES}
"""Section -> the start of its record IRIs: ``record_iri`` is that plus the id (building a URIRef costs more)."""


class _Iris(dict[str, str]):
    """Record id -> its IRI as N-Triples text, for one section; made on first use, then a plain lookup."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def __missing__(self, record_id: str) -> str:
        iri = self[record_id] = f"<{self.base}{record_id}>"
        return iri


class _Terms:
    """Record IRIs rendered once as N-Triples text, per section."""

    def __init__(self) -> None:
        self.iris = {section: _Iris(base) for section, base in _RECORD_BASES.items()}
        self.actors, self.systems, self.sources = self.iris["actors"], self.iris["systems"], self.iris["sources"]

    def record(self, section: str, record_id: str) -> str:
        return self.iris[section][record_id]


def _p(term: URIRef) -> str:
    return f"<{term}>"


_TYPE = _p(RDF.type)
_LABEL = _p(RDFS.label)
_COMMENT = _p(RDFS.comment)
_ALT = _p(SKOS.altLabel)
_SAME = _p(OWL.sameAs)
_DERIVED = _p(PROV.wasDerivedFrom)
_AG_ACTOR = _p(AG.Actor)
_AG_BACKFILLCLAIM = _p(AG.BackfillClaim)
_AG_DELIVERY = _p(AG.Delivery)
_AG_DEPLOYMENT = _p(AG.Deployment)
_AG_MONEY = _p(AG.Money)
_AG_REPORTEDFIGURE = _p(AG.ReportedFigure)
_AG_SOURCE = _p(AG.Source)
_AG_SYSTEM = _p(AG.System)
_AG_TRANSFER = _p(AG.Transfer)
_AG_COUNT = _p(AG.count)
_AG_SORTDATE = _p(AG.sortDate)
_AG_YEAR = _p(AG.year)
_P = {model: {name: _p(term) for name, term in fields.items()} for model, fields in PREDICATES.items()}
_QUANTITY = {_p(main): (_p(q), _p(u)) for main, (q, u) in QUANTITY_TERMS.items()}


# --------------------------------------------------------------------------- records -> lines


def _quantity(lines: list[str], subject: str, predicate: str, quantity: Quantity) -> None:
    qualifier, upper = _QUANTITY[predicate]
    lines.append(f"{subject} {predicate} {_integer(quantity.value)} .")
    if quantity.qualifier is not Qualifier.exact:
        lines.append(f"{subject} {qualifier} {_enum(quantity.qualifier)} .")
    if quantity.upper is not None:
        lines.append(f"{subject} {upper} {_integer(quantity.upper)} .")


def _common(lines: list[str], subject: str, label: str, notes: str | None, aliases: Iterable[str] = ()) -> None:
    lines.append(f"{subject} {_LABEL} {_text(label)} .")
    if notes:
        lines.append(f"{subject} {_COMMENT} {_text(notes)} .")
    for alias in aliases:
        lines.append(f"{subject} {_ALT} {_text(alias)} .")


def _actor_lines(lines: list[str], actor: Actor, terms: _Terms) -> None:
    s = terms.record("actors", actor.id)
    p = _P[Actor]
    lines.append(f"{s} {_TYPE} {_AG_ACTOR} .")
    lines.append(f"{s} {_TYPE} <{ACTOR_CLASSES[actor.kind]}> .")
    _common(lines, s, actor.name, actor.notes, actor.aliases)
    lines.append(f"{s} {p['kind']} {_enum(actor.kind)} .")
    if actor.country:
        lines.append(f"{s} {p['country']} {terms.record('actors', actor.country)} .")
    if actor.wikidata:
        lines.append(f"{s} {_SAME} <{WD[actor.wikidata]}> .")


def _system_lines(lines: list[str], system: System, terms: _Terms) -> None:
    s = terms.record("systems", system.id)
    p = _P[System]
    lines.append(f"{s} {_TYPE} {_AG_SYSTEM} .")
    _common(lines, s, system.name, system.notes, system.aliases)
    lines.append(f"{s} {p['category']} <{category_iri(system.category.value)}> .")
    if system.era:
        lines.append(f"{s} {p['era']} {_enum(system.era)} .")
    for name in ("origin", "manufacturer"):
        ref = getattr(system, name)
        if ref:
            lines.append(f"{s} {p[name]} {terms.record('actors', ref)} .")
    if system.based_on:
        lines.append(f"{s} {p['based_on']} {terms.record('systems', system.based_on)} .")
    if system.wikidata:
        lines.append(f"{s} {_SAME} <{WD[system.wikidata]}> .")


def _source_lines(lines: list[str], source: Source, terms: _Terms) -> None:
    s = terms.record("sources", source.id)
    p = _P[Source]
    lines.append(f"{s} {_TYPE} {_AG_SOURCE} .")
    _common(lines, s, source.title, source.notes)
    lines.append(f"{s} {p['publisher']} {_text(source.publisher)} .")
    lines.append(f"{s} {p['title']} {_text(source.title)} .")
    lines.append(f"{s} {p['kind']} {_enum(source.kind)} .")
    if source.date:
        lines.append(f"{s} {p['date']} {_date(source.date)} .")
    if source.url:
        lines.append(f"{s} {p['url']} {_iri(source.url)} .")
    if source.language:
        lines.append(f"{s} {p['language']} {_text(source.language)} .")


def _transfer_label(transfer: Transfer, dataset: Dataset) -> str:
    supplier = dataset.actors[transfer.supplier].name
    recipient = dataset.actors[transfer.recipient].name
    return f"{supplier} -> {recipient}: {dataset.systems[transfer.system].name}"


_TRANSFER_DATES = tuple(
    (name, _P[Transfer][name]) for name in ("announced", "signed", "first_delivery", "last_delivery")
)
"""A transfer's date fields and their predicates."""


def _transfer_lines(lines: list[str], transfer: Transfer, dataset: Dataset, terms: _Terms) -> None:
    # The hottest loop of an export (one call per transfer): lines are added as tuples and
    # lookups kept local; the order of lines does not matter (they are sorted afterwards).
    iri = _RECORD_BASES["transfers"] + transfer.id
    s = f"<{iri}>"
    p = _P[Transfer]
    actors, enum = terms.actors, _ENUM_TEXTS
    lines += (
        f"{s} {_TYPE} {_AG_TRANSFER} .",
        f"{s} {_LABEL} {_text(_transfer_label(transfer, dataset))} .",
        f"{s} {p['supplier']} {actors[transfer.supplier]} .",
        f"{s} {p['recipient']} {actors[transfer.recipient]} .",
        f"{s} {p['system']} {terms.systems[transfer.system]} .",
        f"{s} {p['kind']} {enum[id(transfer.kind)]} .",
        f"{s} {p['status']} {enum[id(transfer.status)]} .",
        f"{s} {p['confidence']} {enum[id(transfer.confidence)]} .",
    )
    if transfer.notes:
        lines.append(f"{s} {_COMMENT} {_text(transfer.notes)} .")
    if transfer.quantity_ordered is not None:
        _quantity(lines, s, p["quantity_ordered"], transfer.quantity_ordered)
    if transfer.quantity_delivered is not None:
        _quantity(lines, s, p["quantity_delivered"], transfer.quantity_delivered)
    dates = []
    for name, predicate in _TRANSFER_DATES:
        date = getattr(transfer, name)
        if date is not None:
            dates.append(date)
            lines.append(f"{s} {predicate} {_date(date)} .")
    # Transfer.start() from the dates just read (a test checks they agree): the earliest date,
    # else the first delivery year.
    start = min(dates) if dates else PartialDate(min(transfer.deliveries)) if transfer.deliveries else None
    if start is not None:
        lines.append(f"{s} {_AG_SORTDATE} {_sort_date(start)} .")
    for year, count in sorted(transfer.deliveries.items()):
        node = f"<{iri}/delivery/{year}>"
        lines += (
            f"{s} {p['deliveries']} {node} .",
            f"{node} {_TYPE} {_AG_DELIVERY} .",
            f"{node} {_AG_YEAR} {_integer(year)} .",
            f"{node} {_AG_COUNT} {_integer(count)} .",
        )
    if transfer.condition is not None:
        lines.append(f"{s} {p['condition']} {_enum(transfer.condition)} .")
    if transfer.value is not None:
        money, m = f"<{iri}/value>", _P[Money]
        lines += (
            f"{s} {p['value']} {money} .",
            f"{money} {_TYPE} {_AG_MONEY} .",
            f"{money} {m['millions']} {_decimal(transfer.value.millions)} .",
            f"{money} {m['currency']} {_text(transfer.value.currency)} .",
            f"{money} {m['qualifier']} {_enum(transfer.value.qualifier)} .",
        )
    for actor in transfer.financed_by:
        lines.append(f"{s} {p['financed_by']} {actors[actor]} .")
    for actor in transfer.consent_from:
        lines.append(f"{s} {p['consent_from']} {actors[actor]} .")
    if transfer.part_of:
        lines.append(f"{s} {p['part_of']} {terms.record('transfers', transfer.part_of)} .")
    if transfer.same_as:
        lines.append(f"{s} {p['same_as']} {terms.record('transfers', transfer.same_as)} .")
    for number, figure in enumerate(transfer.reported, start=1):
        _reported_lines(lines, s, f"<{iri}/reported/{number}>", figure, terms)
    sources = terms.sources
    lines += [f"{s} {_DERIVED} {sources[source]} ." for source in transfer.sources]


def _reported_lines(lines: list[str], subject: str, node: str, figure: ReportedFigure, terms: _Terms) -> None:
    r = _P[ReportedFigure]
    lines += (
        f"{subject} {_P[Transfer]['reported']} {node} .",
        f"{node} {_TYPE} {_AG_REPORTEDFIGURE} .",
        f"{node} {r['source']} {terms.sources[figure.source]} .",
        f"{node} {r['measure']} {_enum(figure.measure)} .",
    )
    _quantity(lines, node, r["quantity"], figure.quantity)
    if figure.note:
        lines.append(f"{node} {r['note']} {_text(figure.note)} .")


def _deployment_lines(lines: list[str], deployment: Deployment, dataset: Dataset, terms: _Terms) -> None:
    s = terms.record("deployments", deployment.id)
    p = _P[Deployment]
    what = dataset.systems[deployment.system].name if deployment.system else "forces"
    label = f"{dataset.actors[deployment.provider].name} in {dataset.actors[deployment.host].name}: {what}"
    lines.append(f"{s} {_TYPE} {_AG_DEPLOYMENT} .")
    _common(lines, s, label, deployment.notes)
    lines.append(f"{s} {p['provider']} {terms.record('actors', deployment.provider)} .")
    lines.append(f"{s} {p['host']} {terms.record('actors', deployment.host)} .")
    if deployment.system:
        lines.append(f"{s} {p['system']} {terms.record('systems', deployment.system)} .")
    for name in ("quantity", "personnel"):
        quantity = getattr(deployment, name)
        if quantity is not None:
            _quantity(lines, s, p[name], quantity)
    lines.append(f"{s} {p['status']} {_enum(deployment.status)} .")
    for name, date in deployment.dates().items():
        lines.append(f"{s} {p[name]} {_date(date)} .")
    lines.append(f"{s} {p['confidence']} {_enum(deployment.confidence)} .")
    for source in deployment.sources:
        lines.append(f"{s} {_DERIVED} {terms.record('sources', source)} .")


def _backfill_lines(lines: list[str], claim: BackfillClaim, dataset: Dataset, terms: _Terms) -> None:
    s = terms.record("backfills", claim.id)
    p = _P[BackfillClaim]
    label = f"{claim.kind.value.replace('_', ' ')}: {', '.join(claim.replacing)} -> {', '.join(claim.enabled)}"
    lines.append(f"{s} {_TYPE} {_AG_BACKFILLCLAIM} .")
    _common(lines, s, label, claim.notes)
    lines.append(f"{s} {p['kind']} {_enum(claim.kind)} .")
    for ref in claim.replacing:
        section = "transfers" if ref in dataset.transfers else "deployments"
        lines.append(f"{s} {p['replacing']} {terms.record(section, ref)} .")
    for ref in claim.enabled:
        lines.append(f"{s} {p['enabled']} {terms.record('transfers', ref)} .")
    lines.append(f"{s} {p['confidence']} {_enum(claim.confidence)} .")
    for source in claim.sources:
        lines.append(f"{s} {_DERIVED} {terms.record('sources', source)} .")


def _category_lines(lines: list[str]) -> None:
    scheme = f"<{CATEGORY_SCHEME}>"
    lines.append(f"{scheme} {_TYPE} <{SKOS.ConceptScheme}> .")
    lines.append(f"{scheme} <{SKOS.prefLabel}> {_text('armsgraph capability categories')} .")
    for category in Category:
        concept = f"<{category_iri(category.value)}>"
        lines.append(f"{concept} {_TYPE} <{SKOS.Concept}> .")
        lines.append(f"{concept} <{SKOS.inScheme}> {scheme} .")
        lines.append(f"{concept} <{SKOS.topConceptOf}> {scheme} .")
        lines.append(f"{scheme} <{SKOS.hasTopConcept}> {concept} .")
        lines.append(f"{concept} <{SKOS.prefLabel}> {_text(category.label)} .")
        lines.append(f"{concept} <{SKOS.notation}> {_text(category.value)} .")


def ntriples(dataset: Dataset) -> list[str]:
    """The dataset's triples as N-Triples lines (without the dataset description), records in id order.

    A triple can appear twice (an alias repeated); the store keeps one. Terms are in the form
    Oxigraph writes them back (see :func:`_text`, :func:`_decimal`).

    >>> from graph.load import load_dataset
    >>> lines = ntriples(load_dataset(["tests/data/mini"], cache=False))
    >>> [line for line in lines if "ontology#supplier" in line][0]
    '<https://w3id.org/armsgraph/id/transfer/kor-pol-k2-exec1-2022> <https://w3id.org/armsgraph/ontology#supplier> \
<https://w3id.org/armsgraph/id/actor/KOR> .'
    """
    return _record_lines(dataset, sorted(dataset.transfers))


def _record_lines(dataset: Dataset, transfer_ids: Sequence[str], *, others: bool = True) -> list[str]:
    """The N-Triples lines of these transfers and, with ``others``, of every other record and category."""
    lines: list[str] = []
    terms = _Terms()
    if others:
        for record_id in sorted(dataset.actors):
            _actor_lines(lines, dataset.actors[record_id], terms)
        for record_id in sorted(dataset.systems):
            _system_lines(lines, dataset.systems[record_id], terms)
        for record_id in sorted(dataset.sources):
            _source_lines(lines, dataset.sources[record_id], terms)
    for record_id in transfer_ids:
        _transfer_lines(lines, dataset.transfers[record_id], dataset, terms)
    if others:
        for record_id in sorted(dataset.deployments):
            _deployment_lines(lines, dataset.deployments[record_id], dataset, terms)
        for record_id in sorted(dataset.backfills):
            _backfill_lines(lines, dataset.backfills[record_id], dataset, terms)
        _category_lines(lines)
    return lines


# --------------------------------------------------------------------------- dataset description


def _default_built(dataset: Dataset) -> dt.datetime | PartialDate | None:
    """``$SOURCE_DATE_EPOCH`` when set (reproducible builds), else the newest source date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    dates = [source.date for source in dataset.sources.values() if source.date is not None]
    return max(dates) if dates else None


def dataset_triples(
    dataset: Dataset, data_triples: int, *, built: dt.datetime | PartialDate | None = None
) -> list[str]:
    """The VoID + DCAT description of the dataset as N-Triples lines.

    ``data_triples`` is the number of distinct triples without the description; ``void:triples``
    counts both. ``dct:created`` is ``built`` when given, else ``$SOURCE_DATE_EPOCH``, else the
    newest source date: never the wall clock, so the same data gives the same bytes.
    """
    d = f"<{DATASET_IRI}>"
    lines = [
        f"{d} {_TYPE} <{VOID.Dataset}> .",
        f"{d} {_TYPE} <{DCAT.Dataset}> .",
        f"{d} <{DCTERMS.title}> {_text(TITLE)} .",
        f"{d} <{DCTERMS.license}> <{CC_BY_4}> .",
        f"{d} <{DCTERMS.rights}> "
        + _text(
            "Curated data by the armsgraph contributors, licensed CC BY 4.0. Every fact cites its "
            "sources (prov:wasDerivedFrom); figures are as those sources report them."
        )
        + " .",
        f"{d} <{VOID.vocabulary}> <{ONTOLOGY_IRI}> .",
        f"{d} <{VOID.uriSpace}> {_text(str(ID))} .",
        f"{d} <{DCTERMS.conformsTo}> <{ONTOLOGY_IRI}> .",
    ]
    if any("SIPRI" in source.publisher for source in dataset.sources.values()):
        lines.append(f"{d} <{DCTERMS.rights}> {_text(SIPRI_CREDIT)} .")
        lines.append(
            f"{d} <{DCTERMS.rights}> "
            + _text(
                "Figures from SIPRI are for non-commercial use only; calculations made from them are "
                "armsgraph's, not SIPRI's."
            )
            + " ."
        )
    when = built if built is not None else _default_built(dataset)
    if isinstance(when, dt.datetime):
        stamp = when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        lines.append(f'{d} <{DCTERMS.created}> "{stamp}"^^{_XSD_DATETIME} .')
    elif isinstance(when, PartialDate):
        lines.append(f"{d} <{DCTERMS.created}> {_date(when)} .")
    counts = dataset.counts()
    lines.append(f"{d} <{VOID.entities}> {_integer(sum(counts.values()))} .")
    for section, cls in RECORD_CLASSES.items():
        partition = f"<{DATASET_IRI}/{section}>"
        lines.append(f"{d} <{VOID.classPartition}> {partition} .")
        lines.append(f"{partition} <{VOID['class']}> <{cls}> .")
        lines.append(f"{partition} <{VOID.entities}> {_integer(counts[section])} .")
    # void:triples counts the whole graph, this triple included.
    lines.append(f"{d} <{VOID.triples}> {_integer(data_triples + len(lines) + 1)} .")
    return lines


# --------------------------------------------------------------------------- the store


# The mapping's code is part of the cache key (the data files' fingerprint covers the schema).
_CACHE_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + Path(__file__).with_name("vocab.py").read_bytes()
).hexdigest()[:16]


def build_store(
    dataset: Dataset, *, built: dt.datetime | PartialDate | None = None, cache: bool = True
) -> ox.Store:
    """The dataset and its description as an Oxigraph store (default graph), to query and read.

    ``built`` stamps the description's ``dct:created`` (see :func:`dataset_triples`). With
    ``cache=True`` a dataset built before (same fingerprint, same code) is bulk-loaded from its
    cached sorted N-Triples in :func:`graph.load.cache_dir` (the file every export starts from),
    which skips generating the triples; ``cache=False`` always generates them. Either way the
    store is in memory (an on-disk store opens in milliseconds but answered the named queries 3.5 to
    12 times slower in our measurements) and the caller may change it.

    >>> from graph.load import load_dataset
    >>> store = build_store(load_dataset(["tests/data/mini"], cache=False), cache=False)
    >>> len(store) > 100
    True
    """
    cached = _cache_path(dataset, built) if cache else None
    if cached is not None:
        data = _read_sorted(cached)
        store = _loaded(data) if data is not None else None
        if store is not None:
            return store
    data = _canonical_ntriples(dataset, built)
    store = _loaded(data)
    assert store is not None  # our own N-Triples
    if cached is not None:
        _write_cache(cached, data)
    return store


def store_cached(dataset: Dataset, *, built: dt.datetime | PartialDate | None = None) -> bool:
    """Whether :func:`build_store` would load the dataset from its cached N-Triples (not generate them)."""
    cached = _cache_path(dataset, built)
    return cached is not None and cached.is_file()


def _loaded(data: bytes) -> ox.Store | None:
    """A new in-memory store bulk-loaded from N-Triples, or None when they do not parse."""
    store = ox.Store()
    try:
        # Our own N-Triples is valid by construction: skip the parser's IRI and literal checks.
        store.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    except (OSError, SyntaxError, ValueError):
        return None  # a broken cache is rebuilt, never trusted
    return store


def _canonical_ntriples(dataset: Dataset, built: dt.datetime | PartialDate | None) -> bytes:
    """The whole graph (data and description) as sorted, distinct N-Triples lines: the canonical bytes.

    The terms are written in Oxigraph's canonical form (see :func:`_text`, :func:`_decimal`), so
    these are the bytes of a store's sorted dump, computed without building the store. On large
    data a forked child writes the later transfers meanwhile (see :func:`_forked_parts`).
    """
    was_enabled = gc.isenabled()
    gc.disable()  # the collector frees nothing here and slows large builds down
    try:
        parts = _forked_parts(dataset)
        joined = _joined(dataset, built, *parts) if parts is not None else None
        if joined is None:
            joined = _joined(dataset, built, _distinct_sorted(ntriples(dataset)), None)
        assert joined is not None  # without a tail there is nothing to be out of order
        return joined
    finally:
        if was_enabled:
            gc.enable()


class _Tail(NamedTuple):
    """The later transfers' sorted, distinct lines as the child wrote them."""

    text: bytes | memoryview
    """The lines encoded, each ending in a newline."""
    line_count: int
    """How many lines."""
    first: bytes
    """The first line, without its newline."""


def _joined(
    dataset: Dataset, built: dt.datetime | PartialDate | None, head: list[str], tail: _Tail | None
) -> bytes | None:
    """The canonical bytes from the sorted, distinct data lines ``head`` and those of ``tail``, which follow.

    None when the tail does not sort wholly after the head and the description: then the parts
    are no blocks of one sorted text (never with the IRIs :func:`ntriples` writes: a safety net).
    """
    count = len(head) + (tail.line_count if tail else 0)
    _insert_sorted(head, _distinct_sorted(dataset_triples(dataset, count, built=built)))
    if tail and not head[-1].encode() < tail.first:
        return None
    head.append("")  # the final newline, without copying the whole text once more
    text = "\n".join(head).encode()
    return b"".join((text, tail.text)) if tail else text


_PARALLEL_MIN_TRANSFERS = 10_000
"""Below this many transfers a second process saves next to nothing (0.02 s of 0.2 s at 10k)."""
_TRANSFER_BYTES = 2800
"""About how many bytes of N-Triples a transfer gives (twenty lines)."""
_CHILD_SHARE = 0.45
"""The share of the transfers the child writes: this process also writes every other record, and joins."""
_SHARED_PER_TRANSFER = 4 * _TRANSFER_BYTES
"""Room for the child's text per transfer in the memory it shares with this process (a larger text is piped)."""


def _forked_parts(dataset: Dataset) -> tuple[list[str], _Tail] | None:
    """The data lines in two sorted, distinct parts, the later transfers written by a forked child.

    Returns the head (lines of every record but the later transfers, written here meanwhile) and
    the tail; None when one process is better or safer (see :func:`graph.forking.can_fork`).
    The bytes are those of one process, as the tests check. The child's text comes back through
    shared memory: pickled through a pipe, 140 MB (50k transfers) took 0.5 s more.
    """
    from . import forking

    ids = sorted(dataset.transfers)
    if len(ids) < _PARALLEL_MIN_TRANSFERS or not forking.can_fork():
        return None
    start = _tail_start(ids, dataset.transfers.keys())
    if start >= len(ids):
        return None
    tail_ids = ids[start:]
    try:
        shared = mmap.mmap(-1, _SHARED_PER_TRANSFER * len(tail_ids))  # only the pages written take memory
        child = forking.Forked(lambda: _tail_into(shared, dataset, tail_ids))
    except OSError:
        return None  # no memory or process to spare: everything is written here
    try:
        head = _distinct_sorted(_record_lines(dataset, ids[:start]))
        sent = child.result()
    finally:
        child.stop()
    if sent is forking.FAILED:
        sent = _tail_block(dataset, tail_ids)
    text, count = sent
    if isinstance(text, int):
        return head, _Tail(memoryview(shared)[:text], count, shared[: shared.find(b"\n")])
    return head, _Tail(text, count, text[: text.index(b"\n")])


def _tail_start(ids: list[str], known: Collection[str]) -> int:
    """Where the child's share of the sorted transfer ids starts: at an id no other id is a prefix of.

    A transfer's lines start with its IRI and then ``>`` or ``/``, so ``t-1`` sorts after
    ``t-1-b`` there; an id of the head that is a prefix of one in the tail is a prefix of the
    first, so checking that one keeps every tail line after every head line.

    >>> _tail_start(["a", "a-1", "a-2", "b"], {"a", "a-1", "a-2", "b"})
    3
    """
    start = round(len(ids) * (1 - _CHILD_SHARE))
    while start < len(ids) and any(ids[start][:end] in known for end in range(1, len(ids[start]))):
        start += 1
    return start


def _tail_block(dataset: Dataset, transfer_ids: list[str]) -> tuple[bytes, int]:
    """These transfers' lines sorted, distinct and encoded, each ending in a newline; and how many there are."""
    lines = _distinct_sorted(_record_lines(dataset, transfer_ids, others=False))
    count = len(lines)
    lines.append("")
    return "\n".join(lines).encode(), count


def _tail_into(shared: mmap.mmap, dataset: Dataset, transfer_ids: list[str]) -> tuple[bytes | int, int]:
    """:func:`_tail_block` in the child: the text put in ``shared`` and its length sent, or the text when too long."""
    text, count = _tail_block(dataset, transfer_ids)
    if len(text) > len(shared):
        return text, count
    shared[: len(text)] = text
    return len(text), count


def _distinct_sorted(lines: list[str]) -> list[str]:
    """The lines sorted, each once (the store keeps a repeated triple once), in the order of a sorted dump.

    Code point order is the UTF-8 byte order a dump's lines are sorted in.

    >>> _distinct_sorted(["b", "a", "b", "é", "c"])
    ['a', 'b', 'c', 'é']
    """
    # Sorting the lines in the order they were written is fast (records come in id order: long
    # sorted runs); a set or dict would hash 2M long strings and lose that order.
    lines.sort()
    last_of_run = list(map(operator.ne, lines, islice(lines, 1, None)))
    if all(last_of_run):
        return lines
    return [*compress(lines, last_of_run), lines[-1]]


def _insert_sorted(lines: list[str], block: list[str]) -> None:
    """Put a sorted, distinct block of lines into sorted, distinct lines, keeping both properties.

    The description's lines all share one subject prefix, so they usually go in one piece
    between two data lines (one search, one insertion); otherwise all are sorted again.

    >>> lines = ["a", "d"]; _insert_sorted(lines, ["b", "c"]); lines
    ['a', 'b', 'c', 'd']
    >>> lines = ["a", "c"]; _insert_sorted(lines, ["b", "c", "d"]); lines
    ['a', 'b', 'c', 'd']
    """
    start = bisect.bisect_left(lines, block[0])
    if start == bisect.bisect_right(lines, block[-1]):  # no data line within, or equal to, the block's range
        lines[start:start] = block
    else:
        lines[:] = _distinct_sorted(lines + block)


def _cache_path(dataset: Dataset, built: dt.datetime | PartialDate | None) -> Path | None:
    if not dataset.fingerprint:
        return None
    from .load import cache_dir

    key = hashlib.sha256(
        f"{dataset.fingerprint}\0{_CACHE_VERSION}\0{built!s}\0{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode()
    ).hexdigest()
    return cache_dir() / f"store-{key[:32]}.sorted.nt"


_CACHE_KEEP = 8
"""How many cached stores to keep (the newest); filtered views of a dataset each add one."""


def _write_cache(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
        older = sorted(path.parent.glob("store-*.nt"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[_CACHE_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs speed


def rdf_graph(source: Dataset | ox.Store) -> Graph:
    """rdflib's API over the Oxigraph store of a dataset (built with :func:`build_store`) or over a store.

    The graph is the store's default graph, with :data:`~graph.vocab.PREFIXES` bound; SPARQL
    through ``graph.query`` runs on Oxigraph.

    >>> from graph.load import load_dataset
    >>> graph = rdf_graph(load_dataset(["tests/data/mini"], cache=False))
    >>> (record_iri("actors", "POL"), RDF.type, AG.State) in graph
    True
    """
    from oxrdflib import OxigraphStore

    store = source if isinstance(source, ox.Store) else build_store(source)
    graph = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sorted_ntriples(source: Dataset | ox.Store) -> bytes:
    """The whole graph as N-Triples, one triple a line, lines sorted: the canonical bytes.

    For a dataset they are written straight from the records (no store is built) and, when the
    dataset has a fingerprint, cached in :func:`graph.load.cache_dir` (the same file that
    :func:`build_store` loads), so exporting the same data again reads them back; a cached file
    whose line count is not the description's ``void:triples`` is rebuilt, never trusted.

    >>> from graph.load import load_dataset
    >>> text = sorted_ntriples(load_dataset(["tests/data/mini"], cache=False)).decode()
    >>> text.splitlines() == sorted(text.splitlines())
    True
    """
    if isinstance(source, ox.Store):
        return _sorted_dump(source)
    cached = _cache_path(source, None)
    data = _read_sorted(cached) if cached is not None else None
    if data is None:
        data = _canonical_ntriples(source, None)
        if cached is not None:
            _write_cache(cached, data)
    return data


def _sorted_dump(store: ox.Store) -> bytes:
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert dump is not None  # dump() without an output returns the bytes
    lines = dump.splitlines()  # N-Triples escapes CR and LF inside terms
    lines.sort()
    return b"\n".join(lines) + b"\n"


_VOID_TRIPLES = f"<{DATASET_IRI}> <{VOID.triples}> \"".encode()


def _read_sorted(path: Path) -> bytes | None:
    """The cached sorted N-Triples, or None when missing or not whole (a broken cache is never trusted).

    Whole means one line per triple that the description's ``void:triples`` counts.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = data.find(_VOID_TRIPLES)
    if start < 0 or not data.endswith(b"\n") or (start > 0 and data[start - 1] != 0x0A):
        return None
    digits = data[start + len(_VOID_TRIPLES) : data.find(b'"', start + len(_VOID_TRIPLES))]
    return data if digits.isdigit() and int(digits) == data.count(b"\n") else None


def memory_graph(source: Dataset | ox.Store) -> Graph:
    """A copy of the graph in rdflib's own memory store, as rdflib's parsers would give it.

    Through :func:`rdf_graph` plain literals come back typed ``xsd:string`` (RDF 1.1 says they
    are the same); rdflib and pySHACL compare terms literally, so compare and validate this copy.
    """
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.parse(data=sorted_ntriples(source), format="nt")
    return graph
