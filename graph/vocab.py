"""The armsgraph ontology as closed namespaces: a misspelt term raises instead of minting a new IRI.

The ontology itself (classes, properties, labels, comments) is published as
``graph/ontology.ttl`` and documented in ``docs/ontology.md``; SHACL shapes are in
``graph/shapes.ttl``. This module only names the terms so code cannot drift from them.

IRIs of records are minted by :func:`record_iri` under :data:`ID`:
``https://w3id.org/armsgraph/id/transfer/kor-pol-k2-exec1-2022``.

>>> AG.Transfer
rdflib.term.URIRef('https://w3id.org/armsgraph/ontology#Transfer')
>>> record_iri("transfers", "kor-pol-k2-exec1-2022")
rdflib.term.URIRef('https://w3id.org/armsgraph/id/transfer/kor-pol-k2-exec1-2022')
>>> category_iri("main_battle_tank")
rdflib.term.URIRef('https://w3id.org/armsgraph/category/main_battle_tank')
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = [
    "AG",
    "BASE",
    "CATEGORY",
    "CATEGORY_SCHEME",
    "ID",
    "PREFIXES",
    "WD",
    "category_iri",
    "record_iri",
]

BASE = "https://w3id.org/armsgraph/"
ID = Namespace(BASE + "id/")
CATEGORY = Namespace(BASE + "category/")
CATEGORY_SCHEME = URIRef(BASE + "category")
WD = Namespace("http://www.wikidata.org/entity/")


class AG(DefinedNamespace):
    """Terms of the armsgraph ontology (``ag:``).

    Enumerated values (status, kind, qualifier, confidence, condition, era) are
    plain string literals equal to the schema's enum values (``"delivered"``),
    so SPARQL filters read naturally. Dates keep their precision: ``xsd:gYear``,
    ``xsd:gYearMonth`` or ``xsd:date``; ``ag:sortDate`` (``xsd:date``, the
    earliest day a leg's first known date can mean) gives every leg one
    comparable date.
    """

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Actor: URIRef
    State: URIRef
    Organisation: URIRef
    Company: URIRef
    NonStateActor: URIRef
    System: URIRef
    Transfer: URIRef
    Deployment: URIRef
    BackfillClaim: URIRef
    Source: URIRef
    ReportedFigure: URIRef
    Delivery: URIRef
    Money: URIRef

    # actors
    actorKind: URIRef
    country: URIRef

    # systems
    category: URIRef
    era: URIRef
    origin: URIRef
    manufacturer: URIRef
    basedOn: URIRef

    # transfers
    supplier: URIRef
    recipient: URIRef
    system: URIRef
    transferKind: URIRef
    status: URIRef
    quantityOrdered: URIRef
    quantityOrderedQualifier: URIRef
    quantityOrderedUpper: URIRef
    quantityDelivered: URIRef
    quantityDeliveredQualifier: URIRef
    quantityDeliveredUpper: URIRef
    announced: URIRef
    signed: URIRef
    firstDelivery: URIRef
    lastDelivery: URIRef
    sortDate: URIRef
    delivery: URIRef
    year: URIRef
    count: URIRef
    condition: URIRef
    value: URIRef
    amountMillions: URIRef
    currency: URIRef
    qualifier: URIRef
    financedBy: URIRef
    consentFrom: URIRef
    partOf: URIRef
    sameLegAs: URIRef
    confidence: URIRef
    reported: URIRef
    measure: URIRef
    quantity: URIRef
    upper: URIRef

    # deployments
    provider: URIRef
    host: URIRef
    deploymentStatus: URIRef
    personnel: URIRef
    personnelQualifier: URIRef
    personnelUpper: URIRef
    start: URIRef
    end: URIRef

    # backfill claims
    backfillKind: URIRef
    replacing: URIRef
    enabled: URIRef

    # sources
    sourceKind: URIRef


PREFIXES: dict[str, str] = {
    "ag": str(AG._NS),
    "agid": str(ID),
    "agcat": str(CATEGORY),
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "void": "http://rdfs.org/ns/void#",
    "wd": str(WD),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
"""Prefixes used in exports and prepended to named queries."""

_SINGULAR = {
    "actors": "actor",
    "systems": "system",
    "sources": "source",
    "transfers": "transfer",
    "deployments": "deployment",
    "backfills": "backfill",
}


def record_iri(section: str, record_id: str) -> URIRef:
    """The IRI of a record, from its section (``transfers``) and id."""
    return ID[f"{_SINGULAR[section]}/{record_id}"]


def category_iri(category: str) -> URIRef:
    """The SKOS concept IRI of a capability category value."""
    return CATEGORY[category]
