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
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph import export as export_module
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



# --------------------------------------------------------------------------- two processes


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Forking pays whatever the size (so the small test data takes the two-process paths); the children started."""
    import graph.forking

    started: list[int] = []

    class Counted(graph.forking.Forked):
        def __init__(self, work: Callable[[], Any]) -> None:
            super().__init__(work)
            started.append(self.pid)

    monkeypatch.setattr(graph.forking, "can_fork", lambda: True)
    monkeypatch.setattr(rdf_module, "_PARALLEL_MIN_TRANSFERS", 0)
    monkeypatch.setattr(export_module, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(graph.forking, "Forked", Counted)
    return started


def _one_process(dataset: Dataset) -> bytes:
    return rdf_module._joined(dataset, None, rdf_module._distinct_sorted(rdf_module.ntriples(dataset)), None) or b""


def _crafted(dataset: Dataset, ids: list[str]) -> Dataset:
    """The dataset with its transfers under other ids (reused in turn), and no fingerprint (no cache)."""
    transfers = list(dataset.transfers.values())
    renamed = {new: transfers[n % len(transfers)].model_copy(update={"id": new}) for n, new in enumerate(ids)}
    return replace(dataset, transfers=renamed, fingerprint="")


@pytest.mark.parametrize(
    ("ids", "forked"),
    [
        (None, True),
        (["a", "a-1", "a-2", "b"], True),
        (["a-1", "a-2", "a-3"], True),
        (["a", "a-1", "a-2", "a-3"], False),
    ],
    ids=["as-is", "a prefix before the middle", "no prefix", "all after a prefix: one process"],
)
def test_the_lines_written_in_two_processes_are_the_bytes_of_one(
    ids: list[str] | None, forked: bool, dataset: Dataset, children: list[int]
) -> None:
    data = dataset if ids is None else _crafted(dataset, ids)
    expected = _one_process(data)
    assert rdf_module._canonical_ntriples(data, None) == expected
    assert bool(children) == forked, "the later transfers are written by a child where they sort last"


def test_the_lines_are_whole_when_the_child_fails(
    dataset: Dataset, children: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent, tail_block = os.getpid(), rdf_module._tail_block

    def fails_in_the_child(data: Dataset, transfer_ids: list[str]) -> tuple[bytes, int]:
        if os.getpid() != parent:
            raise MemoryError
        return tail_block(data, transfer_ids)

    monkeypatch.setattr(rdf_module, "_tail_block", fails_in_the_child)
    data = replace(dataset, fingerprint="")
    assert rdf_module._canonical_ntriples(data, None) == _one_process(data) and children


def test_a_tail_too_long_for_the_shared_memory_comes_through_the_pipe(
    dataset: Dataset, children: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rdf_module, "_SHARED_PER_TRANSFER", 1)
    data = replace(dataset, fingerprint="")
    assert rdf_module._canonical_ntriples(data, None) == _one_process(data) and children


def test_a_tail_that_does_not_sort_last_is_refused(dataset: Dataset) -> None:
    def tail(line: bytes) -> rdf_module._Tail:
        return rdf_module._Tail(line + b"\n", 1, line)

    early = b"<https://w3id.org/armsgraph/aaa> <urn:p> <urn:o> ."
    late = early.replace(b"aaa", b"zzz")
    assert rdf_module._joined(dataset, None, [late.decode()], tail(early)) is None
    assert rdf_module._joined(dataset, None, [late.decode()], tail(late)) is None  # the same line twice
    joined = rdf_module._joined(dataset, None, [early.decode()], tail(late))
    assert joined is not None and joined.endswith(b"\n" + late + b"\n")


@given(st.lists(st.text(alphabet="ab-.1", min_size=1, max_size=5), min_size=2, unique=True))
def test_every_line_of_the_tail_sorts_after_every_line_of_the_head(ids: list[str]) -> None:
    ids.sort()
    start = rdf_module._tail_start(ids, set(ids))
    assert start >= round(len(ids) * (1 - rdf_module._CHILD_SHARE))
    base = rdf_module._RECORD_BASES["transfers"]
    lines = [[f"<{base}{i}> <urn:p> <urn:o> .", f"<{base}{i}/value> <urn:p> <urn:o> ."] for i in ids]
    head, tail = [x for ls in lines[:start] for x in ls], [x for ls in lines[start:] for x in ls]
    if head and tail:
        assert max(head) < min(tail)


def test_turtle_in_two_processes_is_the_bytes_of_one_serialisation(dataset: Dataset, children: list[int]) -> None:
    text = sorted_ntriples(dataset)
    children.clear()
    turtle = export_bytes(dataset, "turtle")
    assert children, "the later subjects were serialised by a child"
    one = ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                       prefixes=EXPORT_PREFIXES)
    assert turtle == one


def test_turtle_is_whole_when_the_child_fails(
    dataset: Dataset, children: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = export_bytes(dataset, "turtle")
    parent, turtle_from = os.getpid(), export_module._turtle_from

    def fails_in_the_child(data: bytes, start: int) -> bytes:
        if os.getpid() != parent:
            raise MemoryError
        return turtle_from(data, start)

    monkeypatch.setattr(export_module, "_turtle_from", fails_in_the_child)
    children.clear()
    assert export_bytes(dataset, "turtle") == expected and children
