"""The dataset as RDF: the mapping, the ontology, the SHACL shapes and the dataset description.

Most questions are asked of tests/data/mini (Korea -> Poland K2, Poland -> Ukraine T-72,
the claim linking them, Germany's Patriots in Slovakia), whose triples are obvious.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from pydantic import BaseModel
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from graph import shapes as shapes_module
from graph.dataset import Dataset
from graph.load import DEFAULT_DATA_DIR, load_dataset
from graph.model import RECORD_TYPES, Category, Money, PartialDate, ReportedFigure
from graph.rdf import (
    CC_BY_4,
    DATASET_IRI,
    PREDICATES,
    SIPRI_CREDIT,
    build_store,
    memory_graph,
    rdf_graph,
    sorted_ntriples,
)
from graph.vocab import AG, CATEGORY_SCHEME, WD, category_iri, record_iri

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
GRAPH_DIR = Path(__file__).parent.parent / "graph"
SHAPES = GRAPH_DIR / "shapes.ttl"
ONTOLOGY = GRAPH_DIR / "ontology.ttl"

K2_EXEC = record_iri("transfers", "kor-pol-k2-exec1-2022")
T72 = record_iri("transfers", "pol-ukr-t72-2022")


@pytest.fixture(scope="module")
def mini() -> Dataset:
    return load_dataset([MINI], cache=False)


@pytest.fixture(scope="module")
def graph(mini: Dataset) -> Graph:
    """rdflib over the Oxigraph store, as other modules use it."""
    return rdf_graph(mini)


@pytest.fixture(scope="module")
def plain(mini: Dataset) -> Graph:
    """The same triples in rdflib's memory store (plain literals, for exact comparisons)."""
    return memory_graph(mini)


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _small(folder: Path, *, publisher: str = "Warsaw Point", url: str = "https://example.org/a",
           notes: str = "none") -> Dataset:
    """A two-actor dataset whose one source and one note are chosen by the test."""
    return load_dataset(
        [
            _write(
                folder,
                f"""\
                actors:
                  - {{id: POL, name: Poland, kind: state}}
                  - {{id: UKR, name: Ukraine, kind: state}}
                systems:
                  - {{id: t-72, name: T-72, category: main_battle_tank}}
                sources:
                  - id: s1
                    publisher: {publisher}
                    title: "[A report]"
                    url: "{url}"
                    kind: news
                transfers:
                  - id: pol-ukr
                    supplier: POL
                    recipient: UKR
                    system: t-72
                    kind: donation
                    status: delivered
                    confidence: low
                    notes: {json.dumps(notes)}
                    sources: [s1]
                """,
            )
        ],
        cache=False,
    )


# --------------------------------------------------------------------------- users' questions


def test_t72_donation_source_is_reachable_through_prov_was_derived_from(graph: Graph) -> None:
    rows = graph.query(
        """SELECT ?publisher WHERE {
             ?leg ag:system/rdfs:label "T-72M1" ; ag:recipient/rdfs:label "Ukraine" ;
                  prov:wasDerivedFrom/dct:publisher ?publisher }"""
    )
    assert sorted(str(row[0]) for row in rows) == ["Polskie Radio/IAR via Defence Blog", "SIPRI"]


def test_korea_k2_contract_backfills_poland_t72_donation(graph: Graph) -> None:
    claims = list(graph.subjects(AG.replacing, K2_EXEC))
    assert len(claims) == 1
    assert (claims[0], AG.enabled, T72) in graph
    assert (claims[0], RDF.type, AG.BackfillClaim) in graph
    assert str(graph.value(claims[0], AG.backfillKind)) == "replacement"
    assert (claims[0], PROV.wasDerivedFrom, record_iri("sources", "oodaloop-2022-07-27")) in graph


def test_transfer_is_a_node_with_who_whom_what_and_a_readable_label(plain: Graph) -> None:
    assert (K2_EXEC, RDF.type, AG.Transfer) in plain
    assert (K2_EXEC, AG.supplier, record_iri("actors", "KOR")) in plain
    assert (K2_EXEC, AG.recipient, record_iri("actors", "POL")) in plain
    assert (K2_EXEC, AG.system, record_iri("systems", "k2")) in plain
    assert plain.value(K2_EXEC, RDFS.label) == Literal("South Korea -> Poland: K2 Black Panther")
    assert plain.value(K2_EXEC, AG.partOf) == record_iri("transfers", "kor-pol-k2-framework-2022")


def test_dates_keep_their_precision_and_every_dated_leg_has_a_sort_date(plain: Graph) -> None:
    assert plain.value(K2_EXEC, AG.signed) == Literal("2022-08-26", datatype=XSD.date)
    assert plain.value(K2_EXEC, AG.firstDelivery) == Literal("2022-12", datatype=XSD.gYearMonth)
    assert plain.value(K2_EXEC, AG.sortDate) == Literal("2022-08-26", datatype=XSD.date)
    # The T-72 leg has no date but deliveries: its sort date is the first day of the first delivery year.
    assert plain.value(T72, AG.sortDate) == Literal("2022-01-01", datatype=XSD.date)


def test_k2_deliveries_per_year_add_up_to_84(plain: Graph) -> None:
    deliveries = {
        int(plain.value(node, AG.year)): int(plain.value(node, AG.count))
        for node in plain.objects(K2_EXEC, AG.delivery)
    }
    assert deliveries == {2022: 10, 2023: 18, 2024: 56}
    assert int(plain.value(K2_EXEC, AG.quantityDelivered)) == sum(deliveries.values()) == 84
    assert (K2_EXEC, AG.quantityDeliveredQualifier, None) not in plain  # exact counts carry no qualifier


def test_k2_contract_value_is_3370_million_usd(plain: Graph) -> None:
    money = plain.value(K2_EXEC, AG.value)
    assert (money, RDF.type, AG.Money) in plain
    amount = plain.value(money, AG.amountMillions)
    assert amount.datatype == XSD.decimal and amount.toPython() == Decimal(3370)
    assert str(plain.value(money, AG.currency)) == "USD"
    assert str(plain.value(money, AG.qualifier)) == "exact"


def test_a_disagreeing_figure_is_kept_with_its_own_source(plain: Graph) -> None:
    (figure,) = plain.objects(T72, AG.reported)
    assert plain.value(figure, PROV.wasDerivedFrom) == record_iri("sources", "defence-blog-2022-04-29")
    assert int(plain.value(figure, AG.quantity)) == 200
    assert str(plain.value(figure, AG.qualifier)) == "at_least"
    assert str(plain.value(figure, AG.measure)) == "delivered"
    assert int(plain.value(T72, AG.quantityDelivered)) == 270


def test_states_are_typed_and_linked_to_wikidata(plain: Graph) -> None:
    poland = record_iri("actors", "POL")
    assert {AG.Actor, AG.State} <= set(plain.objects(poland, RDF.type))
    assert (poland, OWL.sameAs, WD.Q36) in plain
    assert (record_iri("actors", "DEU"), OWL.sameAs, None) not in plain  # no QID given, none invented
    rotem = record_iri("actors", "hyundai-rotem")
    assert (rotem, RDF.type, AG.Company) in plain
    assert plain.value(rotem, AG.country) == record_iri("actors", "KOR")
    assert (record_iri("actors", "KOR"), SKOS.altLabel, Literal("Republic of Korea")) in plain


def test_t72m1_descends_from_the_t72_and_k2_is_a_modern_main_battle_tank(plain: Graph) -> None:
    assert plain.value(record_iri("systems", "t-72m1"), AG.basedOn) == record_iri("systems", "t-72")
    k2 = record_iri("systems", "k2")
    assert plain.value(k2, AG.category) == category_iri("main_battle_tank")
    assert str(plain.value(k2, AG.era)) == "modern"
    assert plain.value(k2, AG.manufacturer) == record_iri("actors", "hyundai-rotem")
    assert plain.value(category_iri("main_battle_tank"), SKOS.prefLabel) == Literal("main battle tank")


def test_patriots_in_slovakia_are_a_deployment_not_a_transfer(plain: Graph) -> None:
    patriot = record_iri("deployments", "deu-svk-patriot-2022")
    assert (patriot, RDF.type, AG.Deployment) in plain
    assert (patriot, RDF.type, AG.Transfer) not in plain
    assert plain.value(patriot, AG.provider) == record_iri("actors", "DEU")
    assert plain.value(patriot, AG.host) == record_iri("actors", "SVK")
    assert plain.value(patriot, AG.announced) == Literal("2022-03", datatype=XSD.gYearMonth)
    assert str(plain.value(patriot, AG.deploymentStatus)) == "announced"


def test_sources_are_described_with_dublin_core(plain: Graph) -> None:
    source = record_iri("sources", "err-2022-03-patriot")
    assert (source, RDF.type, AG.Source) in plain
    assert str(plain.value(source, DCTERMS.publisher)) == "ERR"
    assert str(plain.value(source, DCTERMS.language)) == "et"
    assert plain.value(source, DCTERMS.date) == Literal("2022-03", datatype=XSD.gYearMonth)
    page = plain.value(source, URIRef("http://xmlns.com/foaf/0.1/page"))
    assert str(page).startswith("https://www.err.ee/1608537655/")


def test_every_record_has_exactly_one_label(plain: Graph, mini: Dataset) -> None:
    sections = ("actors", "systems", "sources", "transfers", "deployments", "backfills")
    for section in sections:
        for record_id in getattr(mini, section):
            assert len(list(plain.objects(record_iri(section, record_id), RDFS.label))) == 1, record_id


# --------------------------------------------------------------------------- the dataset description


def test_description_carries_licence_sipri_credit_and_counts(plain: Graph, mini: Dataset) -> None:
    assert (DATASET_IRI, DCTERMS.license, CC_BY_4) in plain
    assert {VOID.Dataset, URIRef("http://www.w3.org/ns/dcat#Dataset")} <= set(plain.objects(DATASET_IRI, RDF.type))
    rights = {str(o) for o in plain.objects(DATASET_IRI, DCTERMS.rights)}
    assert SIPRI_CREDIT in rights  # mini cites a source published by SIPRI
    assert int(plain.value(DATASET_IRI, VOID.triples)) == len(plain)
    partitions = {
        plain.value(p, VOID["class"]): int(plain.value(p, VOID.entities))
        for p in plain.objects(DATASET_IRI, VOID.classPartition)
    }
    assert partitions[AG.Transfer] == 3
    assert partitions[AG.Actor] == 7
    assert partitions[AG.BackfillClaim] == 1


def test_build_time_defaults_to_the_newest_source_date_so_output_is_reproducible(plain: Graph) -> None:
    assert plain.value(DATASET_IRI, DCTERMS.created) == Literal("2025-03", datatype=XSD.gYearMonth)


def test_build_time_can_be_stamped(mini: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    stamped = memory_graph(build_store(mini, built=when, cache=False))
    assert stamped.value(DATASET_IRI, DCTERMS.created) == Literal("2026-01-02T03:04:05Z", datatype=XSD.dateTime)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    epoch = memory_graph(build_store(mini, cache=False))
    assert epoch.value(DATASET_IRI, DCTERMS.created) == Literal("1970-01-01T00:00:00Z", datatype=XSD.dateTime)
    stamped_by_date = memory_graph(build_store(mini, built=PartialDate.parse("2024"), cache=False))
    assert stamped_by_date.value(DATASET_IRI, DCTERMS.created) == Literal("2024", datatype=XSD.gYear)


def test_no_sipri_credit_line_without_sipri_sources(tmp_path: Path) -> None:
    graph = memory_graph(_small(tmp_path / "data"))
    rights = {str(o) for o in graph.objects(DATASET_IRI, DCTERMS.rights)}
    assert SIPRI_CREDIT not in rights
    assert rights  # the licence statement is always there
    assert (DATASET_IRI, DCTERMS.license, CC_BY_4) in graph


# --------------------------------------------------------------------------- terms and escaping


def test_quotes_backslashes_and_newlines_in_notes_survive(tmp_path: Path) -> None:
    notes = 'He said "yes",\na backslash \\ and a tab\tend'
    graph = memory_graph(_small(tmp_path / "data", notes=notes))
    assert graph.value(record_iri("transfers", "pol-ukr"), RDFS.comment) == Literal(notes)


def test_characters_not_allowed_in_an_iri_are_percent_encoded(tmp_path: Path) -> None:
    graph = memory_graph(_small(tmp_path / "data", url="https://example.org/a|b{c}^`d"))
    page = graph.value(record_iri("sources", "s1"), URIRef("http://xmlns.com/foaf/0.1/page"))
    assert str(page) == "https://example.org/a%7Cb%7Bc%7D%5E%60d"
    assert (Graph().parse(data=f"<urn:x:s> <urn:x:p> <{page}> .", format="nt"))  # a valid IRI


def test_the_same_data_gives_the_same_bytes(mini: Dataset) -> None:
    assert sorted_ntriples(build_store(mini, cache=False)) == sorted_ntriples(build_store(mini, cache=False))


def test_rdf_graph_puts_rdflib_on_the_same_oxigraph_store(mini: Dataset) -> None:
    store = build_store(mini, cache=False)
    graph = rdf_graph(store)
    assert graph.store._inner is store  # type: ignore[attr-defined]
    assert len(graph) == len(store)
    assert graph.namespace_manager.store.namespace("ag") == URIRef(str(AG._NS))


# --------------------------------------------------------------------------- the cache


def test_a_warm_build_loads_the_cached_n_triples_into_a_store_of_its_own(mini: Dataset, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    expected = sorted_ntriples(build_store(mini))
    (cached,) = tmp_path.glob("store-*.sorted.nt")
    # Prove the store came from the file: a label changed in it (same line count) shows up.
    changed = cached.read_bytes().replace(b'"Poland"', b'"Polska"')
    cached.write_bytes(changed)
    warm = build_store(mini)
    assert sorted_ntriples(warm) == b"\n".join(sorted(changed.splitlines())) + b"\n" != expected
    # in memory: the caller may change it, and the next build does not see the change
    warm.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o")))
    assert len(build_store(mini)) == len(warm) - 1


def test_a_broken_cache_is_rebuilt_not_trusted(mini: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    expected = sorted_ntriples(build_store(mini))
    (cached,) = tmp_path.glob("store-*.sorted.nt")
    cached.write_bytes(b"this is not N-Triples <")
    assert sorted_ntriples(build_store(mini)) == expected
    assert cached.read_bytes() == expected  # and the cache is whole again


# --------------------------------------------------------------------------- ontology and shapes


def _ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def test_every_ag_term_is_declared_in_the_ontology_and_nothing_else() -> None:
    ontology = _ontology()
    namespace = str(AG._NS)
    declared = {
        str(s).removeprefix(namespace)
        for s in ontology.subjects(RDF.type, None)
        if str(s).startswith(namespace)
    }
    named = set(AG.__annotations__)
    assert declared == named, (sorted(named - declared), sorted(declared - named))
    for term in named:
        assert ontology.value(AG[term], RDFS.label) is not None, term
        assert ontology.value(AG[term], RDFS.comment) is not None, term


def test_ontology_reuses_prov_for_transfers_sources_and_actors() -> None:
    ontology = _ontology()
    assert (AG.Transfer, RDFS.subClassOf, PROV.Activity) in ontology
    assert (AG.Source, RDFS.subClassOf, PROV.Entity) in ontology
    assert (AG.Actor, RDFS.subClassOf, PROV.Agent) in ontology
    assert (URIRef("https://w3id.org/armsgraph/ontology"), DCTERMS.license, CC_BY_4) in ontology


def test_category_scheme_in_the_ontology_is_the_schema_enum() -> None:
    ontology = _ontology()
    concepts = set(ontology.subjects(SKOS.inScheme, CATEGORY_SCHEME))
    assert concepts == {category_iri(c.value) for c in Category}
    for category in Category:
        assert ontology.value(category_iri(category.value), SKOS.prefLabel) == Literal(category.label)


def test_every_schema_field_has_a_predicate() -> None:
    models: list[type[BaseModel]] = [*RECORD_TYPES, Money, ReportedFigure]
    for model in models:
        assert set(PREDICATES[model]) == set(model.model_fields), model.__name__


def test_generated_shapes_context_and_categories_are_up_to_date() -> None:
    assert SHAPES.read_text(encoding="utf-8") == shapes_module.shapes_text(), "run: python -m graph.shapes"
    assert ONTOLOGY.read_text(encoding="utf-8") == shapes_module.ontology_text(), "run: python -m graph.shapes"
    assert shapes_module.main(["--check"]) == 0, "run: python -m graph.shapes"


def test_shapes_follow_the_schema() -> None:
    shapes = Graph().parse(SHAPES, format="turtle")
    base = "https://w3id.org/armsgraph/shapes#"
    supplier = URIRef(base + "Transfer-supplier")
    assert int(shapes.value(supplier, URIRef("http://www.w3.org/ns/shacl#minCount"))) == 1  # required
    notes = URIRef(base + "Transfer-notes")
    assert (notes, URIRef("http://www.w3.org/ns/shacl#minCount"), None) not in shapes  # optional


def _conforms(data: Graph) -> tuple[bool, str]:
    conforms, _, text = validate(data, shacl_graph=str(SHAPES), ont_graph=str(ONTOLOGY))
    return bool(conforms), str(text)


def test_mini_graph_conforms_to_the_shapes(plain: Graph) -> None:
    conforms, report = _conforms(plain)
    assert conforms, report


def test_shapes_catch_a_transfer_without_a_supplier(plain: Graph) -> None:
    broken = Graph()
    broken += plain
    broken.remove((K2_EXEC, AG.supplier, None))
    conforms, report = _conforms(broken)
    assert not conforms
    assert "Transfer-supplier" in report


def test_shapes_catch_a_predicate_the_mapping_does_not_know(plain: Graph) -> None:
    broken = Graph()
    broken += plain
    broken.add((K2_EXEC, AG.quantity, Literal(5)))  # a deployment's term on a transfer
    conforms, report = _conforms(broken)
    assert not conforms
    assert "ClosedConstraintComponent" in report


def test_shapes_catch_a_status_outside_the_enum(plain: Graph) -> None:
    broken = Graph()
    broken += plain
    broken.set((K2_EXEC, AG.status, Literal("deliverd")))
    conforms, report = _conforms(broken)
    assert not conforms
    assert "Transfer-status" in report


def test_seed_graph_conforms_to_the_shapes() -> None:
    seeds = memory_graph(load_dataset([DEFAULT_DATA_DIR], cache=False))
    conforms, report = _conforms(seeds)
    assert conforms, report


def test_every_term_is_documented() -> None:
    text = (Path(__file__).parent.parent / "docs" / "ontology.md").read_text(encoding="utf-8")
    missing = [term for term in AG.__annotations__ if f"ag:{term}" not in text]
    assert not missing, f"add to docs/ontology.md: {missing}"


# --------------------------------------------------------------------------- properties of the writer

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from graph import rdf as rdf_module  # noqa: E402


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_any_text_survives_as_an_n_triples_literal(text: str) -> None:
    line = f"<urn:x:s> <urn:x:p> {rdf_module._text(text)} .\n"
    (quad,) = ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES)  # strict parser
    assert quad.object.value == text


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_url_path_becomes_a_valid_iri(path: str) -> None:
    line = f"<urn:x:s> <urn:x:p> {rdf_module._iri('https://example.org/' + path)} .\n"
    (quad,) = ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES)  # strict: checks the IRI
    assert quad.object.value.startswith("https://example.org/")


def test_a_well_formed_url_is_kept_as_it_is() -> None:
    url = "https://pl.wikipedia.org/wiki/%C5%81%C3%B3d%C5%BA?x=1&y=(2)#sec:3"
    assert rdf_module._iri(url) == f"<{url}>"
    assert rdf_module._iri("https://example.org/Łódź") == "<https://example.org/Łódź>"


def test_the_cache_keeps_only_the_newest_stores(mini: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    for number in range(rdf_module._CACHE_KEEP + 3):
        build_store(mini, built=PartialDate(2000 + number))  # each build time is its own cache entry
    assert len(list(tmp_path.glob("store-*.nt"))) == rdf_module._CACHE_KEEP
