"""Generate the SHACL shapes, the JSON-LD context and the category scheme from the schema.

``python -m graph.shapes`` rewrites ``graph/shapes.ttl``, ``graph/context.jsonld`` and the
generated category block of ``graph/ontology.ttl``; ``python -m graph.shapes --check``
exits 1 when any of them is stale (a test does the same).

The shapes follow :mod:`graph.model` and :data:`graph.rdf.PREDICATES`: a required field
gives ``sh:minCount 1``, a single value ``sh:maxCount 1``, an enum ``sh:in``, a reference
``sh:class``, a pattern or bound its SHACL twin. Every node shape is closed, so a triple
the mapping writes but the shapes do not know about is a violation.

>>> shapes = shapes_graph()
>>> from rdflib import URIRef
>>> shape = URIRef("https://w3id.org/armsgraph/shapes#Transfer-supplier")
>>> int(shapes.value(shape, SH.minCount)), shapes.value(shape, SH["class"]) == AG.Actor
(1, True)
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SH, SKOS, XSD

from .model import RECORD_TYPES, Category, Money, PartialDate, Qualifier, Quantity, ReportedFigure, Transfer
from .rdf import PREDICATES, QUANTITY_TERMS, RECORD_CLASSES
from .vocab import AG, PREFIXES, category_iri

__all__ = [
    "CONTEXT_PATH",
    "ONTOLOGY_PATH",
    "SHAPES",
    "SHAPES_PATH",
    "category_block",
    "context_document",
    "main",
    "ontology_text",
    "shapes_graph",
    "shapes_text",
]

SHAPES = Namespace("https://w3id.org/armsgraph/shapes#")
HERE = Path(__file__).parent
SHAPES_PATH = HERE / "shapes.ttl"
CONTEXT_PATH = HERE / "context.jsonld"
ONTOLOGY_PATH = HERE / "ontology.ttl"
_BEGIN = "# BEGIN generated categories (python -m graph.shapes)\n"
_END = "# END generated categories\n"

_MODEL_CLASSES: dict[type[BaseModel], URIRef] = {
    **{model: RECORD_CLASSES[model.SECTION] for model in RECORD_TYPES},
    Money: AG.Money,
    ReportedFigure: AG.ReportedFigure,
}


def _class_name(model: type[BaseModel]) -> str:
    return str(_MODEL_CLASSES[model]).rsplit("#", 1)[1]


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Strip ``anyOf [X, null]`` and follow ``$ref``: (the schema of a value, the referenced def's name)."""
    if "anyOf" in prop:
        prop = next(p for p in prop["anyOf"] if p.get("type") != "null")
    if "items" in prop:
        prop = prop["items"]
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[1]
        return defs[name], name
    return prop, None


def _is_date(model: type[BaseModel], name: str) -> bool:
    annotation = model.model_fields[name].annotation
    return annotation is PartialDate or PartialDate in typing.get_args(annotation)


def _rdf_list(graph: Graph, items: list[Any]) -> BNode:
    head = BNode()
    Collection(graph, head, items)
    return head


def _property(
    graph: Graph, node_shape: URIRef, iri: URIRef, path: URIRef, *, name: str, description: str | None
) -> URIRef:
    graph.add((node_shape, SH.property, iri))
    graph.add((iri, RDF.type, SH.PropertyShape))
    graph.add((iri, SH.path, path))
    graph.add((iri, SH.name, Literal(name)))
    if description:
        graph.add((iri, SH.description, Literal(description)))
    return iri


def _constrain_value(graph: Graph, shape: URIRef, schema: dict[str, Any], defs: dict[str, Any], ref: str | None,
                     predicate: URIRef) -> None:
    """Add the datatype, class, pattern and bounds of one field's values."""
    if "refers_to" in schema or ref in ("Money", "ReportedFigure"):
        graph.add((shape, SH.nodeKind, SH.IRI))
        sections = schema.get("refers_to") or []
        classes = [RECORD_CLASSES[s] for s in sections] if sections else [AG[str(ref)]]
        if len(classes) == 1:
            graph.add((shape, SH["class"], classes[0]))
        else:
            alternatives = []
            for cls in classes:
                option = BNode()
                graph.add((option, SH["class"], cls))
                alternatives.append(option)
            graph.add((shape, SH["or"], _rdf_list(graph, alternatives)))
        return
    if ref == Category.__name__:
        graph.add((shape, SH.nodeKind, SH.IRI))
        graph.add((shape, SH["class"], SKOS.Concept))
        graph.add((shape, SH["in"], _rdf_list(graph, [category_iri(c.value) for c in Category])))
        return
    if "enum" in schema:
        graph.add((shape, SH.datatype, XSD.string))
        graph.add((shape, SH["in"], _rdf_list(graph, [Literal(v) for v in schema["enum"]])))
        return
    if predicate == OWL.sameAs:
        graph.add((shape, SH.nodeKind, SH.IRI))
        graph.add((shape, SH.pattern, Literal(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")))
        return
    if predicate == FOAF.page:
        graph.add((shape, SH.nodeKind, SH.IRI))
        graph.add((shape, SH.pattern, Literal("^https?://")))
        return
    kind = schema.get("type")
    if kind == "integer":
        graph.add((shape, SH.datatype, XSD.integer))
    elif kind == "number":
        graph.add((shape, SH.datatype, XSD.decimal))
    else:
        graph.add((shape, SH.datatype, XSD.string))
        if "pattern" in schema:
            graph.add((shape, SH.pattern, Literal(schema["pattern"])))
        for key, term in (("minLength", SH.minLength), ("maxLength", SH.maxLength)):
            if key in schema:
                graph.add((shape, term, Literal(schema[key])))
    for key, term in (("minimum", SH.minInclusive), ("exclusiveMinimum", SH.minExclusive)):
        if key in schema:
            graph.add((shape, term, Literal(schema[key])))


def _date_values(graph: Graph, shape: URIRef) -> None:
    alternatives = []
    for datatype in (XSD.gYear, XSD.gYearMonth, XSD.date):
        option = BNode()
        graph.add((option, SH.datatype, datatype))
        alternatives.append(option)
    graph.add((shape, SH["or"], _rdf_list(graph, alternatives)))


def _counts(graph: Graph, shape: URIRef, *, required: bool, single: bool) -> None:
    if required:
        graph.add((shape, SH.minCount, Literal(1)))
    if single:
        graph.add((shape, SH.maxCount, Literal(1)))


def _quantity_parts(graph: Graph, node_shape: URIRef, prefix: str, predicate: URIRef) -> None:
    qualifier, upper = QUANTITY_TERMS[predicate]
    shape = _property(graph, node_shape, SHAPES[f"{prefix}-qualifier"], qualifier, name="qualifier",
                      description="How exact the count is, written when it is not exact.")
    graph.add((shape, SH.datatype, XSD.string))
    graph.add((shape, SH["in"], _rdf_list(graph, [Literal(q.value) for q in Qualifier])))
    _counts(graph, shape, required=False, single=True)
    shape = _property(graph, node_shape, SHAPES[f"{prefix}-upper"], upper, name="upper",
                      description="Upper end of a range.")
    graph.add((shape, SH.datatype, XSD.integer))
    graph.add((shape, SH.minInclusive, Literal(0)))
    _counts(graph, shape, required=False, single=True)


def _model_shape(graph: Graph, model: type[BaseModel]) -> None:
    cls = _MODEL_CLASSES[model]
    name = _class_name(model)
    node_shape = SHAPES[f"{name}Shape"]
    graph.add((node_shape, RDF.type, SH.NodeShape))
    graph.add((node_shape, SH.targetClass, cls))
    graph.add((node_shape, SH.closed, Literal(True)))
    graph.add((node_shape, SH.ignoredProperties, _rdf_list(graph, [RDF.type])))
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    for field, predicate in PREDICATES[model].items():
        if field == "id":
            continue
        prop = schema["properties"][field]
        value, ref = _resolve(prop, defs)
        if "refers_to" in prop:
            value = {**value, "refers_to": prop["refers_to"]}
        many = prop.get("type") in ("array", "object")
        shape = _property(graph, node_shape, SHAPES[f"{name}-{field}"], predicate, name=field,
                          description=prop.get("description"))
        _counts(graph, shape, required=field in required, single=not many)
        if field == "deliveries":
            graph.add((shape, SH.nodeKind, SH.IRI))
            graph.add((shape, SH["class"], AG.Delivery))
        elif _is_date(model, field):
            _date_values(graph, shape)
        elif ref == Quantity.__name__:
            graph.add((shape, SH.datatype, XSD.integer))
            graph.add((shape, SH.minInclusive, Literal(0)))
            _quantity_parts(graph, node_shape, f"{name}-{field}", predicate)
        else:
            _constrain_value(graph, shape, value, defs, ref, predicate)
    fields = PREDICATES[model]
    if model in RECORD_TYPES and fields.get("name") != RDFS.label:
        shape = _property(graph, node_shape, SHAPES[f"{name}-label"], RDFS.label, name="label",
                          description="A generated label (the title, or who, whom and what).")
        graph.add((shape, SH.datatype, XSD.string))
        _counts(graph, shape, required=True, single=True)
    if model is Transfer:
        shape = _property(graph, node_shape, SHAPES[f"{name}-sortDate"], AG.sortDate, name="sortDate",
                          description="Earliest day of the transfer's first known date.")
        graph.add((shape, SH.datatype, XSD.date))
        _counts(graph, shape, required=False, single=True)


def _delivery_shape(graph: Graph) -> None:
    node_shape = SHAPES["DeliveryShape"]
    graph.add((node_shape, RDF.type, SH.NodeShape))
    graph.add((node_shape, SH.targetClass, AG.Delivery))
    graph.add((node_shape, SH.closed, Literal(True)))
    graph.add((node_shape, SH.ignoredProperties, _rdf_list(graph, [RDF.type])))
    for term, description in ((AG.year, "Calendar year."), (AG.count, "Units delivered that year.")):
        local = str(term).rsplit("#", 1)[1]
        shape = _property(graph, node_shape, SHAPES[f"Delivery-{local}"], term, name=local, description=description)
        graph.add((shape, SH.datatype, XSD.integer))
        graph.add((shape, SH.minInclusive, Literal(0)))
        _counts(graph, shape, required=True, single=True)


def shapes_graph() -> Graph:
    """The SHACL shapes, built from the schema and the RDF mapping."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("shapes", SHAPES)
    for prefix in ("ag", "rdf", "rdfs", "xsd", "skos", "owl", "dct", "foaf", "prov"):
        graph.bind(prefix, PREFIXES[prefix])
    for model in _MODEL_CLASSES:
        _model_shape(graph, model)
    _delivery_shape(graph)
    return graph


def shapes_text() -> str:
    """``graph/shapes.ttl`` as it should read."""
    header = "# SHACL shapes for armsgraph data. Generated by `python -m graph.shapes` from graph/model.py\n" \
             "# and graph/rdf.py (PREDICATES); do not edit by hand.\n\n"
    return header + shapes_graph().serialize(format="turtle")


def category_block() -> str:
    """The SKOS category scheme, as Turtle, for the generated block of ``graph/ontology.ttl``."""
    lines = [
        "<https://w3id.org/armsgraph/category> a skos:ConceptScheme ;",
        '    skos:prefLabel "armsgraph capability categories" ;',
        '    rdfs:comment "Capability categories of systems; backfill inference compares them." .',
        "",
    ]
    for category in Category:
        lines += [
            f"agcat:{category.value} a skos:Concept ;",
            "    skos:inScheme <https://w3id.org/armsgraph/category> ;",
            "    skos:topConceptOf <https://w3id.org/armsgraph/category> ;",
            f"    skos:prefLabel {json.dumps(category.label)} ;",
            f"    skos:notation {json.dumps(category.value)} .",
            "",
        ]
    return "\n".join(lines)


def ontology_text(current: str | None = None) -> str:
    """``graph/ontology.ttl`` with its generated category block brought up to date."""
    text = current if current is not None else ONTOLOGY_PATH.read_text(encoding="utf-8")
    start, end = text.index(_BEGIN) + len(_BEGIN), text.index(_END)
    return text[:start] + category_block() + text[end:]


def context_document() -> dict[str, Any]:
    """The JSON-LD context: the prefixes, and one term per ontology property (IRIs coerced)."""
    ontology = Graph().parse(ONTOLOGY_PATH, format="turtle")
    context: dict[str, Any] = dict(sorted(PREFIXES.items()))
    namespace = str(AG._NS)
    for term in sorted(set(ontology.subjects(RDF.type, OWL.ObjectProperty)), key=str):
        context[str(term).removeprefix(namespace)] = {"@id": f"ag:{str(term).removeprefix(namespace)}", "@type": "@id"}
    for term in sorted(set(ontology.subjects(RDF.type, OWL.DatatypeProperty)), key=str):
        context[str(term).removeprefix(namespace)] = f"ag:{str(term).removeprefix(namespace)}"
    context.update(
        {
            "label": "rdfs:label",
            "comment": "rdfs:comment",
            "altLabel": "skos:altLabel",
            "sameAs": {"@id": "owl:sameAs", "@type": "@id"},
            "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
        }
    )
    return {"@context": context}


def _context_text() -> str:
    return json.dumps(context_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the generated files, or with ``--check`` report the stale ones (exit 1)."""
    args = sys.argv[1:] if argv is None else argv
    wanted = {
        SHAPES_PATH: shapes_text(),
        ONTOLOGY_PATH: ontology_text(),
    }
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" not in args:
        for path in stale:
            path.write_text(wanted[path], encoding="utf-8")
    # The context reads the ontology, so it is made after the ontology is written.
    context = _context_text()
    if not CONTEXT_PATH.exists() or CONTEXT_PATH.read_text(encoding="utf-8") != context:
        stale.append(CONTEXT_PATH)
        if "--check" not in args:
            CONTEXT_PATH.write_text(context, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if '--check' in args else 'wrote'}: {path.name}")
    return 1 if stale and "--check" in args else 0


if __name__ == "__main__":
    sys.exit(main())
