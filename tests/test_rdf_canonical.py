"""The sorted N-Triples written straight from the records are the bytes of Oxigraph's own dump.

Exports no longer build a store: :func:`graph.rdf.sorted_ntriples` writes each term in the form
Oxigraph's store gives it back (strings escaped as its serialiser escapes them, decimals in
canonical form). Here that is checked the other way round, against a store built from the same
lines and dumped, on every dataset we have, and term by term against Oxigraph itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.synthetic import write_synthetic
from graph import rdf as rdf_module
from graph.dataset import Dataset
from graph.load import DEFAULT_DATA_DIR, load_dataset
from graph.model import PartialDate
from graph.rdf import dataset_triples, ntriples, sorted_ntriples
from graph.vocab import record_iri

DATA = Path(__file__).parent / "data"
DATASETS = {
    "seeds": [DEFAULT_DATA_DIR],
    "mini": [DATA / "mini"],
    "good": [DATA / "good"],
    "app": [DATA / "app"],
    "sparql": [DATA / "mini", DATA / "sparql"],
    "chains-curated": [DATA / "chains" / "curated"],
    "chains-paths": [DATA / "chains" / "paths"],
    "chains-rules": [DATA / "chains" / "rules"],
    "chains-two-hop": [DATA / "chains" / "two-hop"],
    "sipri-curated": [DATA / "sipri" / "curated"],
}
SIPRI_DIR = os.environ.get("ARMSGRAPH_SIPRI_DIR")


def _dumped(dataset: Dataset) -> bytes:
    """The old way: the generated lines bulk-loaded into a store, with the description, dumped and sorted."""
    store = ox.Store()
    store.bulk_load(input=("\n".join(ntriples(dataset)) + "\n").encode(), format=ox.RdfFormat.N_TRIPLES)
    description = "\n".join(dataset_triples(dataset, len(store))) + "\n"
    store.bulk_load(input=description.encode(), format=ox.RdfFormat.N_TRIPLES)
    return rdf_module._sorted_dump(store)


def _roundtrip(terms: list[str]) -> list[str]:
    """Each N-Triples object term as Oxigraph's store writes it back, in the given order."""
    store = ox.Store()
    lines = "".join(f"<urn:x:{number}> <urn:x:p> {term} .\n" for number, term in enumerate(terms))
    store.bulk_load(input=lines.encode(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert dump is not None
    back = {}
    for line in dump.decode().split("\n")[:-1]:
        match = re.fullmatch(r"<urn:x:(\d+)> <urn:x:p> (.*) \.", line, re.S)
        assert match, line
        back[int(match.group(1))] = match.group(2)
    return [back[number] for number in range(len(terms))]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_written_lines_are_the_sorted_dump_of_a_store(name: str) -> None:
    dataset = load_dataset(DATASETS[name], cache=False)
    assert sorted_ntriples(dataset) == _dumped(dataset)


def test_a_synthetic_dataset_gives_the_sorted_dump_of_a_store(tmp_path: Path) -> None:
    dataset = load_dataset([write_synthetic(tmp_path, 400, seed=3)], cache=False)
    assert sorted_ntriples(dataset) == _dumped(dataset)


@pytest.mark.skipif(not SIPRI_DIR, reason="ARMSGRAPH_SIPRI_DIR is not set: the full SIPRI exports are not here")
def test_a_full_sipri_import_gives_the_sorted_dump_of_a_store(tmp_path: Path) -> None:
    from graph.importers.sipri import import_sipri

    assert SIPRI_DIR is not None
    import_sipri(Path(SIPRI_DIR) / "trade-register-2025-03.csv", tmp_path, curated_dirs=[DEFAULT_DATA_DIR])
    dataset = load_dataset([DEFAULT_DATA_DIR, tmp_path], cache=False)
    assert sorted_ntriples(dataset) == _dumped(dataset)


def test_every_character_is_escaped_as_oxigraph_escapes_it() -> None:
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    chunks = ["".join(characters[start : start + 4096]) for start in range(0, len(characters), 4096)]
    terms = [rdf_module._text(chunk) for chunk in chunks]
    assert _roundtrip(terms) == terms


@given(st.lists(st.text(), max_size=20))
def test_any_text_is_written_as_oxigraph_writes_it(texts: list[str]) -> None:
    terms = [rdf_module._text(text.encode("utf-8", "replace").decode("utf-8", "replace")) for text in texts]
    assert _roundtrip(terms) == terms


floats = st.floats(min_value=1e-30, max_value=1e30, allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1.0, 0.5, 12.5, 3370.0, 1e-18, 1.5e-18, 1e-19, 1.7014118346046923e20, 1.7014118346046924e20, 1e21, 2**70 + 0.0]
)


@given(st.lists(floats, min_size=1, max_size=30))
def test_a_decimal_is_written_as_oxigraph_gives_it_back(values: list[float]) -> None:
    terms = [rdf_module._decimal(value) for value in values]
    assert _roundtrip(terms) == terms


def test_every_partial_date_of_every_year_is_written_as_oxigraph_gives_it_back() -> None:
    dates = [PartialDate(year) for year in range(1, 10000)]
    dates += [PartialDate(year, month) for year in range(1, 10000, 7) for month in range(1, 13)]
    dates += [PartialDate(year, 2, day) for year in (1, 4, 1900, 2000, 2024, 9999) for day in range(1, 29)]
    terms = [rdf_module._date(date) for date in dates] + [rdf_module._sort_date(date) for date in dates]
    assert _roundtrip(terms) == terms


@pytest.mark.parametrize("source", ["seeds", "synthetic"])
def test_a_transfers_sort_date_is_its_start(source: str, tmp_path: Path) -> None:
    """The writer reads the start off the dates it already has, instead of calling Transfer.start()."""
    folder = DEFAULT_DATA_DIR if source == "seeds" else write_synthetic(tmp_path, 300, seed=5)
    dataset = load_dataset([folder], cache=False)
    sort_date = re.compile(r"(<[^>]*>) <https://w3id.org/armsgraph/ontology#sortDate> (.*) \.")
    found = {match[1]: match[2] for match in map(sort_date.fullmatch, ntriples(dataset)) if match}
    expected = {
        f"<{record_iri('transfers', transfer.id)}>": rdf_module._sort_date(start)
        for transfer in dataset.transfers.values()
        if (start := transfer.start()) is not None
    }
    assert found == expected and len(expected) > 5
