"""Exports, driven by the registry: every format is deterministic, every RDF format round-trips
and is accepted by two independent implementations (raptor's ``rapper`` and Jena's ``riot``).

rapper and Jena are required: CI installs them (raptor2-utils, libapache-jena-java), and a
missing tool fails these tests rather than skipping them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset as RdfDataset
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from typer.testing import CliRunner

from graph.cli import app
from graph.dataset import Dataset
from graph.errors import UsageError
from graph.export import CONTEXT_PATH, FORMATS, ExportFormat, export_bytes, export_format
from graph.load import load_dataset
from graph.network import build_network
from graph.rdf import CC_BY_4, DATASET_IRI, memory_graph

MINI = Path(__file__).parent / "data" / "mini"
RDF_FORMATS = [f for f in FORMATS.values() if f.is_rdf]
NETWORK_FORMATS = [f for f in FORMATS.values() if not f.is_rdf]
JAVA_JARS = Path("/usr/share/java")
# The jars riot needs, listed one by one: '/usr/share/java/*' pulls in clashing logging bindings.
JENA_DEPENDENCIES = [
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
    "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore", "jackson-core",
    "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf", "thrift",
    "titanium-json-ld", "slf4j-api", "slf4j-simple",
]


@pytest.fixture(scope="module")
def mini() -> Dataset:
    return load_dataset([MINI], cache=False)


@pytest.fixture(scope="module")
def built(mini: Dataset) -> Graph:
    return memory_graph(mini)


@pytest.fixture(scope="module")
def exported(mini: Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format written once to a file named with its extension."""
    folder = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt in FORMATS.values():
        path = folder / f"mini.{fmt.extension}"
        path.write_bytes(export_bytes(mini, fmt))
        files[fmt.name] = path
    return files


@pytest.fixture(scope="module")
def riot(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command line that runs Jena's riot, with Debian's packaging traps worked around."""
    java = shutil.which("java")
    assert java, "Java is missing: install default-jre-headless and libapache-jena-java"
    core = JAVA_JARS / "jena-core.jar"
    assert core.exists(), "Jena is missing: install libapache-jena-java"
    # Debian moved the bundled xerces classes to the package `xerces` but left their message files
    # inside jena-core.jar under org/apache/jena/ext/xerces: copy them to where the classes look.
    messages = tmp_path_factory.mktemp("jena-classpath")
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                target = messages / "xerces" / name.removeprefix(prefix)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = sorted(p for p in JAVA_JARS.glob("jena-*.jar") if not any(c.isdigit() for c in p.stem.split("-")[-1]))
    jars += [JAVA_JARS / f"{name}.jar" for name in JENA_DEPENDENCIES]
    missing = [str(jar) for jar in jars if not jar.exists()]
    assert not missing, f"Jena's dependencies are missing: {missing}"
    classpath = os.pathsep.join([str(messages), *map(str, jars)])
    return [java, "-cp", classpath, "riotcmd.riot"]


def _riot_syntax(fmt: ExportFormat) -> list[str]:
    # Debian ships no jakarta.json provider, which Jena's JSON-LD 1.1 reader needs; its JSON-LD 1.0
    # reader (jsonld-java) reads our compacted document.
    return ["--syntax=jsonld10"] if fmt.name == "jsonld" else []


def _parse(fmt: ExportFormat, data: bytes) -> Graph:
    """Parse an export with rdflib; quad formats are flattened to their triples."""
    assert fmt.rdflib_format is not None
    if not fmt.quads:
        return Graph().parse(data=data, format=fmt.rdflib_format)
    dataset = RdfDataset()
    dataset.parse(data=data, format=fmt.rdflib_format)
    graph = Graph()
    for s, p, o, name in dataset.quads((None, None, None, None)):
        assert name == DATASET_IRI, "quad exports put every triple in the dataset's named graph"
        graph.add((s, p, o))
    return graph


# --------------------------------------------------------------------------- the registry


def test_formats_are_found_by_name_alias_extension_or_media_type() -> None:
    assert export_format("ttl") is export_format("text/turtle") is FORMATS["turtle"]
    assert export_format("NT").name == "ntriples"
    assert export_format("json-ld").name == "jsonld"
    assert export_format("rdf").name == "xml"
    assert export_format("application/n-quads").name == "nquads"


def test_issue_formats_are_all_registered() -> None:
    for name in ("ttl", "nt", "jsonld", "xml", "trig", "nquads", "graphml", "gexf", "csv"):
        export_format(name)


def test_unknown_format_names_every_format() -> None:
    with pytest.raises(UsageError) as caught:
        export_format("docx")
    for name in FORMATS:
        assert name in str(caught.value)


def test_extensions_and_media_types_are_unique() -> None:
    assert len({f.extension for f in FORMATS.values()}) == len(FORMATS)
    assert len({f.media_type for f in FORMATS.values()}) == len(FORMATS)


# --------------------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
def test_the_same_data_gives_the_same_bytes(fmt: ExportFormat, mini: Dataset, exported: dict[str, Path]) -> None:
    assert export_bytes(mini, fmt) == exported[fmt.name].read_bytes()


def test_bytes_do_not_depend_on_the_process(exported: dict[str, Path]) -> None:
    """Another interpreter, with another hash seed, writes the same bytes for every format."""
    script = (
        "import sys, json\n"
        "from graph.export import FORMATS, export_bytes\n"
        "from graph.load import load_dataset\n"
        f"dataset = load_dataset([{str(MINI)!r}], cache=False)\n"
        "json.dump({n: export_bytes(dataset, n).hex() for n in FORMATS}, sys.stdout)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    other = {name: bytes.fromhex(data) for name, data in json.loads(result.stdout).items()}
    for name, path in exported.items():
        assert other[name] == path.read_bytes(), name


# --------------------------------------------------------------------------- RDF formats


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_rdf_export_round_trips_to_the_built_graph(fmt: ExportFormat, built: Graph,
                                                   exported: dict[str, Path]) -> None:
    parsed = _parse(fmt, exported[fmt.name].read_bytes())
    assert len(parsed) == len(built)
    assert isomorphic(parsed, built)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_every_rdf_export_carries_the_licence(fmt: ExportFormat, exported: dict[str, Path]) -> None:
    parsed = _parse(fmt, exported[fmt.name].read_bytes())
    assert (DATASET_IRI, DCTERMS.license, CC_BY_4) in parsed


RAPPER_FORMATS = [f for f in RDF_FORMATS if f.rapper_syntax]


def test_rapper_reads_every_rdf_syntax_it_knows() -> None:
    # raptor has no JSON-LD parser; every other RDF export must go through it.
    assert {f.name for f in RDF_FORMATS} - {f.name for f in RAPPER_FORMATS} == {"jsonld"}


@pytest.mark.parametrize("fmt", RAPPER_FORMATS, ids=[f.name for f in RAPPER_FORMATS])
def test_rapper_accepts_the_export(fmt: ExportFormat, built: Graph, exported: dict[str, Path]) -> None:
    rapper = shutil.which("rapper")
    assert rapper, "rapper is missing: install raptor2-utils"
    result = subprocess.run([rapper, "-i", str(fmt.rapper_syntax), "-c", str(exported[fmt.name])],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"returned {len(built)} triples" in result.stderr


def test_rapper_rejects_a_broken_file(tmp_path: Path) -> None:
    """The check above can fail: rapper does reject bad Turtle."""
    rapper = shutil.which("rapper")
    assert rapper, "rapper is missing: install raptor2-utils"
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n")
    assert subprocess.run([rapper, "-i", "turtle", "-c", str(bad)], capture_output=True).returncode != 0


@pytest.fixture(scope="module")
def riot_results(riot: list[str], exported: dict[str, Path]) -> dict[str, subprocess.CompletedProcess[str]]:
    """riot --validate over the RDF exports: one JVM per syntax option (a JVM start costs seconds)."""
    groups: dict[tuple[str, ...], list[ExportFormat]] = {}
    for fmt in RDF_FORMATS:
        groups.setdefault(tuple(_riot_syntax(fmt)), []).append(fmt)
    results = {}
    for options, formats in groups.items():
        files = [str(exported[fmt.name]) for fmt in formats]
        result = subprocess.run([*riot, "--validate", *options, *files], capture_output=True, text=True, timeout=300)
        results.update({fmt.name: result for fmt in formats})
    return results


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_jena_riot_validates_the_export(fmt: ExportFormat,
                                        riot_results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = riot_results[fmt.name]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARN" not in result.stderr and "ERROR" not in result.stderr, result.stderr


def test_jena_riot_rejects_a_bad_literal(riot: list[str], tmp_path: Path, exported: dict[str, Path]) -> None:
    """The check above can fail: riot rejects a month that does not exist."""
    text = exported["turtle"].read_text(encoding="utf-8")
    assert '"2022-12"^^xsd:gYearMonth' in text
    bad = tmp_path / "bad.ttl"
    bad.write_text(text.replace('"2022-12"^^xsd:gYearMonth', '"2022-13"^^xsd:gYearMonth'), encoding="utf-8")
    assert subprocess.run([*riot, "--validate", str(bad)], capture_output=True, timeout=120).returncode != 0


def test_jsonld_uses_the_published_context(exported: dict[str, Path]) -> None:
    document = json.loads(exported["jsonld"].read_text(encoding="utf-8"))
    assert document["@context"] == json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]
    (leg,) = (node for node in document["@graph"] if node["@id"].endswith("/transfer/pol-ukr-t72-2022"))
    assert leg["recipient"] == "https://w3id.org/armsgraph/id/actor/UKR"
    assert leg["transferKind"] == "donation"


def test_turtle_is_readable_with_prefixes(exported: dict[str, Path]) -> None:
    text = exported["turtle"].read_text(encoding="utf-8")
    assert "@prefix ag: <https://w3id.org/armsgraph/ontology#> ." in text
    assert "ag:supplier" in text


# --------------------------------------------------------------------------- network formats


def test_graphml_holds_one_edge_per_transfer_and_deployment(mini: Dataset, exported: dict[str, Path]) -> None:
    network = nx.read_graphml(exported["graphml"], force_multigraph=True)
    expected = build_network(mini)
    assert set(network.nodes) == set(expected.nodes)
    assert network.number_of_edges() == expected.number_of_edges() == 4
    assert network.nodes["POL"]["name"] == "Poland"
    edge = network.edges["POL", "UKR", "pol-ukr-t72-2022"]
    assert edge["system_name"] == "T-72M1"
    assert edge["sources"] == "sipri-tr-2025-03;defence-blog-2022-04-29"


def test_gexf_opens_in_networkx_as_gephi_would(mini: Dataset, exported: dict[str, Path]) -> None:
    network = nx.read_gexf(exported["gexf"])
    assert network.number_of_nodes() == len(mini.actors)
    assert network.number_of_edges() == 4
    assert "lastmodifieddate" not in exported["gexf"].read_text(encoding="utf-8")


def test_csv_is_a_zip_of_nodes_and_edges(mini: Dataset, exported: dict[str, Path]) -> None:
    import csv

    with zipfile.ZipFile(exported["csv"]) as archive:
        assert archive.namelist() == ["nodes.csv", "edges.csv"]
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
    assert {row["id"] for row in nodes} == set(mini.actors)
    assert len(edges) == 4
    k2 = next(row for row in edges if row["id"] == "kor-pol-k2-exec1-2022")
    assert (k2["source"], k2["target"], k2["quantity"], k2["category"]) == ("KOR", "POL", "84", "main_battle_tank")


# --------------------------------------------------------------------------- the command


def test_export_to_stdout_is_the_registry_output(mini: Dataset) -> None:
    result = CliRunner().invoke(app, ["export", "--data", str(MINI), "--format", "nt"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == export_bytes(mini, "nt")


def test_binary_export_to_stdout_is_not_mangled(mini: Dataset) -> None:
    result = CliRunner().invoke(app, ["export", "--data", str(MINI), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout_bytes == export_bytes(mini, "csv")


def test_export_writes_a_file(mini: Dataset, tmp_path: Path) -> None:
    target = tmp_path / "armsgraph.ttl"
    result = CliRunner().invoke(app, ["export", "--data", str(MINI), "-f", "ttl", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == export_bytes(mini, "turtle")


def test_unknown_format_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(app, ["export", "--data", str(MINI), "--format", "docx"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "unknown export format 'docx'" in lines[0] and "turtle" in lines[0] and "csv" in lines[0]


def test_help_lists_every_format() -> None:
    result = CliRunner().invoke(app, ["export", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for fmt in FORMATS.values():
        assert fmt.name in result.output
        assert fmt.media_type in result.output


def test_export_names_only_known_predicates(built: Graph) -> None:
    """No predicate escapes the published vocabularies: a typo in the mapping would show here."""
    known = ("https://w3id.org/armsgraph/ontology#", "http://www.w3.org/", "http://purl.org/dc/terms/",
             "http://rdfs.org/ns/void#", "http://xmlns.com/foaf/0.1/")
    for predicate in set(built.predicates()):
        assert isinstance(predicate, URIRef)
        assert str(predicate).startswith(known), predicate


def test_every_format_is_documented() -> None:
    text = (Path(__file__).parent.parent / "docs" / "ontology.md").read_text(encoding="utf-8")
    for fmt in FORMATS.values():
        assert f"| `{fmt.name}`" in text and fmt.media_type in text, fmt.name


def test_the_zip_export_is_not_poured_onto_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.cli.data

    monkeypatch.setattr(graph.cli.data, "_stdout_is_terminal", lambda: True)
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--data", str(MINI)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == "armsgraph: the csv export is a zip archive; write it to a file: -o armsgraph.zip"


def test_a_file_named_unlike_its_format_gets_a_note(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--data", str(MINI), "-o", str(tmp_path / "g.csv")])
    assert result.exit_code == 0
    assert zipfile.is_zipfile(tmp_path / "g.csv")
    assert "note: csv is a .zip file (application/zip)" in result.stderr
