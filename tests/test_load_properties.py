"""Property tests: any YAML gives a valid dataset or located problems, never another exception;
partial dates parse, print and order consistently."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import Problem
from graph.load import LoadReport, check_dataset, load_dataset
from graph.model import SECTIONS, PartialDate, Quantity, ReportedFigure
from graph.rules import RULES, SCHEMA_CODES
from graph.yamlfile import read_yaml_text

GOOD = Path(__file__).resolve().parent / "data" / "good"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- generated seed files


def _enum_values() -> list[str]:
    """Every value of every enum the schema uses: right answers for some field, wrong for most."""
    import graph.model as model

    found: list[str] = []
    for thing in vars(model).values():
        if isinstance(thing, type) and issubclass(thing, StrEnum) and thing is not StrEnum:
            found.extend(member.value for member in thing)
    return found


FIELD_NAMES = sorted(
    {name for model in SECTIONS.values() for name in model.model_fields}
    | set(Quantity.model_fields)
    | set(ReportedFigure.model_fields)
)
KNOWN_IDS = ["KOR", "POL", "UKR", "K2", "T-72", "visiontimes-2022-08-27", "kor-pol-k2-exec1-2022", "pol-ukr-t72-2022"]
PLAUSIBLE_TEXT = [
    *_enum_values(),
    *KNOWN_IDS,
    "2022",
    "2022-08",
    "2022-08-26",
    "2022-02-30",
    "26.08.2022",
    "https://www.visiontimes.com/",
    "ftp://example.org/x",
    "USD",
    "Q36",
    "lots",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=2200),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(PLAUSIBLE_TEXT),
    st.text(max_size=12),
)
field_keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=8), st.integers(1900, 2100))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(field_keys, children, max_size=4),
    ),
    max_leaves=10,
)
records = st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=10) | values
section_names = st.sampled_from([*SECTIONS, "description", "transfer", "notes"])
documents = st.one_of(
    st.dictionaries(section_names, st.lists(records, max_size=4) | values, max_size=4),
    values,
)


@st.composite
def mutated_seed_files(draw: st.DrawFn) -> dict[str, Any]:
    """The good K2/T-72 file with a few fields set to random values, removed, or records repeated.

    Mostly-valid records get past the schema, so the rules (references, dates, duplicates)
    see random data too.
    """
    document = copy.deepcopy(TEMPLATE)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        section = draw(st.sampled_from(sorted(name for name in document if name in SECTIONS)))
        records = document[section]
        record = records[draw(st.integers(min_value=0, max_value=len(records) - 1))]
        name = draw(st.sampled_from(sorted(SECTIONS[section].model_fields)))
        action = draw(st.sampled_from(["set", "set", "delete", "repeat"]))
        if action == "set":
            record[name] = draw(st.sampled_from(PLAUSIBLE_TEXT) | values)
        elif action == "delete":
            record.pop(name, None)
        else:
            records.append(copy.deepcopy(record))
    return document


TEMPLATE: dict[str, Any] = read_yaml_text((GOOD / "kor-pol-ukr.yaml").read_text(), "template.yaml").value


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """One folder for the whole module (hypothesis reruns a test many times; function fixtures would not reset)."""
    folder = Path(tempfile.mkdtemp(prefix="armsgraph-properties-"))
    shutil.copytree(GOOD, folder / "good")
    (folder / "actors-only").mkdir()
    shutil.copy(GOOD / "actors.yaml", folder / "actors-only")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def check_text(folder: Path, text: str | bytes, beside: str = "good") -> LoadReport:
    """Validate one generated file beside a valid dataset, and check what every report must satisfy."""
    path = folder / "generated.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    report = check_dataset([folder / beside, path])
    assert (report.dataset is None) == bool(report.errors)
    for problem in report.problems:
        assert_located(problem)
    if report.dataset is not None:
        assert load_dataset([folder / beside, path], cache=False).counts() == report.dataset.counts()
    return report


def assert_located(problem: Problem) -> None:
    assert problem.location.path.endswith(".yaml")
    assert problem.location.line >= 1 and problem.location.column >= 1, problem
    assert problem.code in SCHEMA_CODES or problem.code in RULES, problem
    if problem.code in RULES or problem.code in ("E102", "E103"):
        assert problem.field, problem  # a record's problem names its field
    first, *rest = str(problem).splitlines()
    assert first.startswith(f"{problem.location}: {problem.severity.value} {problem.code}: ")
    assert all(line.startswith("    hint: ") for line in rest)


@SETTINGS
@given(document=documents)
def test_any_generated_seed_file_loads_or_gives_located_problems(workspace: Path, document: Any) -> None:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    check_text(workspace, text)


@SETTINGS
@given(document=mutated_seed_files())
def test_a_seed_file_with_random_edits_loads_or_gives_located_problems(workspace: Path, document: Any) -> None:
    check_text(workspace, yaml.safe_dump(document, sort_keys=False, allow_unicode=True), beside="actors-only")


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_loads_or_gives_located_problems(workspace: Path, text: str) -> None:
    check_text(workspace, text)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_any_bytes_load_or_give_located_problems(workspace: Path, data: bytes) -> None:
    check_text(workspace, data)


@SETTINGS
@given(
    document=documents,
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from([*"\n :-[]{}#&*!|>'\"\t?,%@`", "  ", "- ", ": "])),
        min_size=1,
        max_size=5,
    ),
)
def test_a_damaged_seed_file_loads_or_gives_located_problems(
    workspace: Path, document: Any, edits: list[tuple[int, str]]
) -> None:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    for position, inserted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at:]
    check_text(workspace, text)


def test_the_generator_reaches_valid_data_and_each_kind_of_problem(workspace: Path) -> None:
    """Guard against a strategy that only ever produces one outcome: hand-picked cases of each."""
    valid = check_text(workspace, "actors:\n  - id: DEU\n    name: Germany\n    kind: state\n")
    assert valid.dataset is not None
    assert {p.code for p in check_text(workspace, "actors: [1\n").problems} == {"E001"}
    assert {p.code for p in check_text(workspace, "actors:\n  - {id: DEU, name: G, kind: s}\n").problems} == {"E102"}


@SETTINGS
@given(text=st.text(max_size=200) | st.text(st.characters(categories=["Cs", "Cc", "L", "N", "P", "Z"]), max_size=50))
def test_the_reader_never_raises_and_locates_its_problems(text: str) -> None:
    doc = read_yaml_text(text, "any.yaml", track=True)
    for problem in doc.problems:
        assert problem.location.line >= 1 and problem.location.column >= 1
        assert problem.code in SCHEMA_CODES
    if doc.problems:
        assert doc.value is None


# --------------------------------------------------------------------------- partial dates


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


@given(date=partial_dates())
def test_a_partial_date_prints_as_it_parses(date: PartialDate) -> None:
    again = PartialDate.parse(str(date))
    assert again == date and str(again) == str(date) and again.precision == date.precision
    assert repr(date) == f"PartialDate({str(date)!r})"
    if date.precision == "year" and date.year >= 1000:  # a year is written with four digits
        assert PartialDate.parse(date.year) == date


@given(date=partial_dates())
def test_a_partial_date_spans_from_its_earliest_to_its_latest_day(date: PartialDate) -> None:
    assert date.earliest() <= date.latest()
    if date.precision == "day":
        assert date.earliest() == date.latest()
        assert PartialDate.parse(date.earliest()) == date
    assert PartialDate(date.year).earliest() <= date.earliest() <= date.latest() <= PartialDate(date.year).latest()


@given(a=partial_dates(), b=partial_dates(), c=partial_dates())
def test_partial_dates_are_totally_ordered(a: PartialDate, b: PartialDate, c: PartialDate) -> None:
    assert [a < b, a == b, b < a].count(True) == 1
    assert (a <= b) == (not b < a)
    if a < b and b < c:
        assert a < c
    if a == b:
        assert hash(a) == hash(b)
    if a.latest() < b.earliest():
        assert a < b  # dates that cannot overlap order as the calendar does


@given(
    value=st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.none(), st.booleans(), st.lists(st.integers()))
)
def test_parsing_anything_gives_a_date_or_a_value_error(value: object) -> None:
    try:
        date = PartialDate.parse(value)
    except ValueError as exc:
        assert str(exc)  # the message reaches the user
    else:
        assert 1 <= date.year <= 9999
