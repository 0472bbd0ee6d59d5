"""The RDF writer's shortcuts give exactly the bytes of the plain way of doing the same thing.

Each fast path (escaping only when needed, cached date and enum literals, record IRIs by
concatenation, lenient parsing of our own N-Triples, the cached sorted N-Triples) is checked
against the straightforward computation it replaced, on the seeds and tests/data/mini.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph import model
from graph import rdf as rdf_module
from graph.dataset import Dataset
from graph.export import EXPORT_PREFIXES, FORMATS, export_bytes
from graph.load import DEFAULT_DATA_DIR, load_dataset
from graph.model import PartialDate
from graph.rdf import build_store, sorted_ntriples
from graph.vocab import record_iri

MINI = Path(__file__).parent / "data" / "mini"
RDF_FORMATS = [fmt for fmt in FORMATS.values() if fmt.is_rdf]


@pytest.fixture(scope="module", params=["seeds", "mini"])
def dataset(request: pytest.FixtureRequest) -> Dataset:
    return load_dataset([DEFAULT_DATA_DIR if request.param == "seeds" else MINI], cache=False)


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_text_needing_no_escape_is_written_as_translate_would(text: str) -> None:
    assert rdf_module._text(text) == f'"{text.translate(rdf_module._ESCAPES)}"'


@given(st.sampled_from(sorted(rdf_module.RECORD_CLASSES)), st.text(max_size=30))
def test_record_iris_by_concatenation_are_record_iri(section: str, record_id: str) -> None:
    assert rdf_module._Terms().record(section, record_id) == f"<{record_iri(section, record_id)}>"


def test_every_enum_literal_is_its_value_as_text() -> None:
    enums = [value for value in vars(model).values() if isinstance(value, type) and issubclass(value, StrEnum)]
    assert len(enums) > 5
    for enum in enums:
        for member in enum:
            assert rdf_module._enum(member) == rdf_module._text(member.value)


partial_dates = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).flatmap(
    lambda day: st.sampled_from([(day.year, None, None), (day.year, day.month, None), (day.year, day.month, day.day)])
)


@given(partial_dates)
def test_a_partial_date_spans_the_days_calendar_gives(parts: tuple[int, int | None, int | None]) -> None:
    year, month, day = parts
    date = PartialDate(year, month, day)
    last = day or calendar.monthrange(year, month or 12)[1]
    assert (date.earliest(), date.latest()) == (dt.date(year, month or 1, day or 1), dt.date(year, month or 12, last))
    # Cached literals are the ones formatted afresh, however often asked for.
    for _ in range(2):
        assert rdf_module._date(date) == f'"{date}"^^{rdf_module._DATE_TYPES[date.precision]}'
        assert rdf_module._sort_date(date) == f'"{date.earliest().isoformat()}"^^{rdf_module._XSD_DATE}'


@given(partial_dates)
def test_a_parsed_date_is_shared_but_equal_to_a_fresh_one(parts: tuple[int, int | None, int | None]) -> None:
    fresh = PartialDate(*parts)
    text = str(fresh)
    assert PartialDate.parse(text) is PartialDate.parse(text)
    assert PartialDate.parse(text) == fresh and hash(PartialDate.parse(text)) == hash(fresh)
    assert PartialDate.parse(text).latest() == fresh.latest()


def test_a_year_as_a_number_is_the_year_as_text_but_a_boolean_is_no_date() -> None:
    assert PartialDate.parse(2001) is PartialDate.parse(2001) and PartialDate.parse(2001) == PartialDate.parse("2001")
    with pytest.raises(ValueError, match="a date must be"):
        PartialDate.parse(True)


def test_lenient_parsing_of_our_own_n_triples_reads_the_same_quads(dataset: Dataset) -> None:
    text = sorted_ntriples(build_store(dataset, cache=False))
    strict = ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                          prefixes=EXPORT_PREFIXES)
    assert export_bytes(dataset, "turtle") == strict


def test_exports_from_the_sorted_cache_are_the_bytes_of_a_fresh_build(
    dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sorted_ntriples(build_store(dataset, cache=False))
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    cold = {fmt.name: export_bytes(dataset, fmt) for fmt in RDF_FORMATS}
    (cached,) = tmp_path.glob("store-*.nt")
    assert cached.name.endswith(".sorted.nt") and cached.read_bytes() == expected
    warm = {fmt.name: export_bytes(dataset, fmt) for fmt in RDF_FORMATS}
    assert warm == cold and cold["ntriples"] == expected
    # The sorted copy also loads the store.
    assert sorted_ntriples(build_store(dataset)) == expected


def test_exports_read_the_sorted_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = load_dataset([MINI], cache=False)
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    sorted_ntriples(mini)
    (cached,) = tmp_path.glob("store-*.sorted.nt")
    # Swap two lines: still whole, so the export returns exactly what the file holds.
    lines = cached.read_bytes().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    cached.write_bytes(b"".join(lines))
    assert sorted_ntriples(mini) == b"".join(lines)


@pytest.mark.parametrize("damage", ["truncate", "drop a line", "not n-triples"])
def test_a_damaged_sorted_cache_is_rebuilt_not_trusted(damage: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    mini = load_dataset([MINI], cache=False)
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path))
    expected = sorted_ntriples(mini)
    (cached,) = tmp_path.glob("store-*.sorted.nt")
    data = cached.read_bytes()
    broken = {
        "truncate": data[: len(data) // 2],
        "drop a line": b"\n".join(data.splitlines()[1:]) + b"\n",
        "not n-triples": b"this is not N-Triples <",
    }[damage]
    cached.write_bytes(broken)
    assert sorted_ntriples(mini) == expected
    assert sorted_ntriples(build_store(mini)) == expected


def test_exports_are_the_same_bytes_under_any_hash_seed(tmp_path: Path) -> None:
    """Caches keyed by dicts and sets must not leak hash order into the output."""
    script = (
        "import sys; from graph.load import load_dataset; from graph.export import export_bytes; "
        "d = load_dataset([sys.argv[1]], cache=False); "
        "sys.stdout.buffer.write(b''.join(export_bytes(d, f) for f in ('turtle', 'ntriples', 'trig')))"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "ARMSGRAPH_CACHE_DIR": str(tmp_path / seed), "SOURCE_DATE_EPOCH": ""}
        done = subprocess.run([sys.executable, "-c", script, str(MINI)], capture_output=True, check=True,
                              env={**os.environ, **env})
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1000

