"""Loading seed folders: every problem located, all files in one run, nothing half-loaded, a trustworthy cache."""

from __future__ import annotations

import pickle
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import graph.forking
import graph.load
from graph.errors import DataError, Location, Problem, Severity, UsageError
from graph.load import cache_dir, check_dataset, data_files, fingerprint, load_dataset, resolve_data_dirs

REPO = Path(__file__).resolve().parent.parent
BAD = REPO / "tests" / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))


def expectations(path: Path) -> list[tuple[str, str | None]]:
    """The ``# expect: line:col: severity CODE: field: message`` lines of a bad file, each with its ``# hint:``."""
    expected: list[tuple[str, str | None]] = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if line.startswith("# expect: "):
            expected.append((line.removeprefix("# expect: "), None))
        elif line.startswith("# hint: "):
            expected[-1] = (expected[-1][0], line.removeprefix("# hint: "))
    return expected


def shown(problem: Problem) -> tuple[str, str | None]:
    """A problem's first line without its file name, and its hint: what a bad file declares."""
    first_line = str(problem).splitlines()[0]
    return first_line.removeprefix(f"{problem.location.path}:"), problem.hint


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TRANSFER = """transfers:
  - id: {id}
    supplier: KOR
    recipient: POL
    system: K2
    kind: sale
    status: contracted
    confidence: high
    sources: [visiontimes-2022-08-27]
"""


# --------------------------------------------------------------------------- one defect per file


def test_there_is_a_bad_file_for_every_defect_the_issue_names() -> None:
    names = {path.stem for path in BAD_FILES}
    for defect in (
        "yaml-syntax-unclosed-list",
        "duplicate-key",
        "unknown-field",
        "quantity-not-a-number",
        "duplicate-id-across-files",
        "unknown-actor",
        "unknown-system",
        "unknown-source",
        "unknown-transfer",
        "delivery-before-signature",
        "url-not-http",
        "transfer-empty-sources",
        "warning-delivered-exceeds-ordered",
        "python-object-tag",
        "alias-bomb",
        "deep-nesting",
    ):
        assert defect in names


@pytest.mark.parametrize("bad_file", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_each_bad_file_reports_exactly_its_declared_problems(
    bad_file: Path, good_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # problems name files relative to the working folder
    expected = expectations(bad_file)
    assert expected, f"{bad_file.name} declares no '# expect:' line"

    report = check_dataset([good_dir, bad_file])

    assert [shown(problem) for problem in report.problems] == expected
    assert {problem.location.path for problem in report.problems} == {f"tests/data/bad/{bad_file.name}"}
    if any(" error " in line for line, _ in expected):
        assert report.dataset is None
        with pytest.raises(DataError) as raised:
            load_dataset([good_dir, bad_file])
        assert [shown(problem) for problem in raised.value.problems] == expected
    else:  # warnings only: suspicious but possible, so the data loads and carries them
        assert report.dataset is not None
        assert [shown(problem) for problem in report.dataset.warnings] == expected
        assert load_dataset([good_dir, bad_file]).counts() == report.dataset.counts()


# --------------------------------------------------------------------------- messages


def test_a_wrong_quantity_reads_like_the_issue_example(good_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = check_dataset([good_dir, BAD / "quantity-not-a-number.yaml"])
    (problem,) = report.problems
    assert str(problem) == (
        "tests/data/bad/quantity-not-a-number.yaml:12:23: error E102: transfers[0].quantity_ordered: "
        "must be a whole number >= 0 (got 'lots')\n"
        "    hint: write a count such as 180, or a mapping such as {value: 200, qualifier: at_least}"
    )
    assert problem.as_dict() == {
        "path": "tests/data/bad/quantity-not-a-number.yaml",
        "line": 12,
        "column": 23,
        "severity": "error",
        "code": "E102",
        "field": "transfers[0].quantity_ordered",
        "message": "must be a whole number >= 0 (got 'lots')",
        "hint": "write a count such as 180, or a mapping such as {value: 200, qualifier: at_least}",
    }


def test_problems_are_sorted_by_file_line_and_column() -> None:
    later = Problem(Location("b.yaml", 2, 1), "E102", "x")
    same_line_later_column = Problem(Location("a.yaml", 10, 7), "E101", "y")
    earlier = Problem(Location("a.yaml", 10, 5), "E202", "z", Severity.warning)
    line_nine = Problem(Location("a.yaml", 9, 40), "E102", "w")
    assert sorted([later, same_line_later_column, earlier, line_nine]) == [
        line_nine,
        earlier,
        same_line_later_column,
        later,
    ]


def test_a_problem_prints_place_severity_code_field_message_then_hint() -> None:
    problem = Problem(
        Location("seeds/kor-pol.yaml", 12, 5), "E102", "must be text", field="actors[0].name", hint="quote it"
    )
    assert str(problem) == "seeds/kor-pol.yaml:12:5: error E102: actors[0].name: must be text\n    hint: quote it"
    whole_file = Problem(Location("seeds/x.yaml"), "E009", "file is too big")
    assert str(whole_file) == "seeds/x.yaml: error E009: file is too big"


def test_data_error_names_the_first_error_and_how_many_more() -> None:
    problems = [
        Problem(Location("b.yaml", 1, 1), "E102", "second"),
        Problem(Location("a.yaml", 3, 1), "W301", "a warning", Severity.warning),
        Problem(Location("a.yaml", 5, 1), "E101", "first"),
    ]
    error = DataError(problems)
    assert str(error) == "a.yaml:5:1: error E101: first (and 1 more)"
    assert error.exit_code == 1
    assert error.problems == sorted(problems)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/a.pdf", "file:///etc/passwd", "javascript:alert(1)", "www.example.org", "http://a b"]
)
def test_only_http_and_https_urls_are_accepted(url: str, seed_folder: Path) -> None:
    write(
        seed_folder,
        "extra.yaml",
        f"sources:\n  - id: odd\n    publisher: p\n    title: t\n    kind: news\n    url: '{url}'\n",
    )
    report = check_dataset([seed_folder])
    assert [(p.code, p.field) for p in report.errors] == [("E102", "sources[0].url")]


def test_http_and_https_urls_load(good_dir: Path) -> None:
    dataset = load_dataset([good_dir], cache=False)
    assert {source.url.split(":")[0] for source in dataset.sources.values() if source.url} == {"https"}
    assert dataset.sources["visiontimes-2022-08-27"].url.startswith("https://www.visiontimes.com/")


# --------------------------------------------------------------------------- everything in one run


def test_all_problems_in_all_files_are_reported_in_one_run(seed_folder: Path) -> None:
    write(seed_folder, "broken-yaml.yaml", "actors:\n  - id: DEU\n    name: [Germany\n")
    write(seed_folder, "bad-fields.yaml", TRANSFER.format(id="kor-pol-a").replace("status: contracted", "status: done"))
    write(
        seed_folder,
        "bad-references.yaml",
        TRANSFER.format(id="kor-pol-b")
        .replace("system: K2", "system: K9")
        .replace("recipient: POL", "recipient: POLL"),
    )
    report = check_dataset([seed_folder])
    found = {(Path(p.location.path).name, p.code, p.field) for p in report.problems}
    assert found == {
        ("broken-yaml.yaml", "E001", None),
        ("bad-fields.yaml", "E102", "transfers[0].status"),
        ("bad-references.yaml", "E202", "transfers[0].recipient"),
        ("bad-references.yaml", "E202", "transfers[0].system"),
    }
    assert report.dataset is None


def test_every_bad_record_of_a_file_is_reported(seed_folder: Path) -> None:
    text = TRANSFER.format(id="a").replace("kind: sale", "kind: gift")
    text += TRANSFER.format(id="b").replace("transfers:\n", "").replace("confidence: high", "confidence: certain")
    write(seed_folder, "two-bad.yaml", text)
    report = check_dataset([seed_folder])
    assert [(p.field, p.location.line) for p in report.errors] == [
        ("transfers[0].kind", 6),
        ("transfers[1].confidence", 16),
    ]


def test_a_record_with_errors_does_not_cause_unknown_reference_errors_elsewhere(seed_folder: Path) -> None:
    broken_leg = TRANSFER.format(id="kor-pol-broken").replace("kind: sale", "kind: gift")
    claim = (
        "backfills:\n  - id: bf-broken\n    kind: replacement\n    replacing: [kor-pol-broken]\n"
        "    enabled: [pol-ukr-t72-2022]\n    confidence: low\n    sources: [oodaloop-2022-07-27]\n"
    )
    write(seed_folder, "broken-leg.yaml", broken_leg + claim)
    report = check_dataset([seed_folder])
    assert [(p.code, p.field) for p in report.problems] == [("E102", "transfers[0].kind")]


def test_a_reference_to_an_id_defined_twice_is_not_a_second_error(seed_folder: Path) -> None:
    write(seed_folder, "clash.yaml", "sources:\n  - id: K2\n    publisher: p\n    title: t\n    kind: news\n")
    report = check_dataset([seed_folder])
    # The K2 tank transfer still refers to a system: only the clash itself (and the unused source) is reported.
    assert [(p.code, Path(p.location.path).name) for p in report.problems] == [
        ("W304", "clash.yaml"),
        ("E201", "kor-pol-ukr.yaml"),
    ]
    assert "see " in report.errors[0].message and "clash.yaml:2:5" in report.errors[0].message


def test_partial_dates_in_the_same_period_are_not_impossible(seed_folder: Path) -> None:
    text = TRANSFER.format(id="kor-pol-same-year").replace(
        "confidence: high",
        "confidence: high\n    signed: 2022-08-26\n    first_delivery: 2022\n    last_delivery: 2022-08",
    )
    write(seed_folder, "same-year.yaml", text)
    assert check_dataset([seed_folder]).problems == []


# --------------------------------------------------------------------------- never half-loaded


def test_a_valid_dataset_loads_every_record_with_its_location(good_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = check_dataset([good_dir])
    assert report.ok and report.problems == []
    dataset = report.dataset
    assert dataset is not None
    assert dataset.counts() == {
        "actors": 3,
        "systems": 2,
        "sources": 3,
        "transfers": 2,
        "deployments": 0,
        "backfills": 1,
    }
    assert dataset.transfer("kor-pol-k2-exec1-2022").recipient == "POL"
    assert str(dataset.locations["pol-ukr-t72-2022"]) == "tests/data/good/kor-pol-ukr.yaml:43:5"
    assert dataset.files == ("tests/data/good/actors.yaml", "tests/data/good/kor-pol-ukr.yaml")


def test_a_dataset_with_one_error_is_never_half_loaded(seed_folder: Path) -> None:
    write(seed_folder, "one-typo.yaml", TRANSFER.format(id="kor-pol-typo").replace("supplier: KOR", "suplier: KOR"))
    report = check_dataset([seed_folder])
    assert report.dataset is None and not report.ok
    with pytest.raises(DataError) as raised:
        load_dataset([seed_folder])
    assert [(p.code, p.field) for p in raised.value.problems] == [
        ("E103", "transfers[0].supplier"),  # at the record
        ("E101", "transfers[0].suplier"),  # at the misspelt key, a line below
    ]
    assert not list(cache_dir().glob(f"dataset-{fingerprint(data_files([seed_folder]))[:32]}*"))


# --------------------------------------------------------------------------- finding the files


def test_a_missing_data_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist") as raised:
        check_dataset([tmp_path / "nowhere"])
    assert raised.value.exit_code == 2


def test_a_folder_without_yaml_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not data")
    with pytest.raises(UsageError, match=r"no \.yaml or \.yml files"):
        check_dataset([tmp_path])


def test_yaml_and_yml_files_are_read_recursively_once_each(seed_folder: Path) -> None:
    (seed_folder / "more" / "deeper").mkdir(parents=True)
    write(seed_folder / "more" / "deeper", "extra.yml", "actors:\n  - id: DEU\n    name: Germany\n    kind: state\n")
    write(seed_folder, "README.md", "# not data\n")
    files = data_files([seed_folder, seed_folder / "actors.yaml"])
    assert [path.name for path in files] == ["actors.yaml", "kor-pol-ukr.yaml", "extra.yml"]
    assert load_dataset([seed_folder], cache=False).actor("DEU").name == "Germany"


def test_armsgraph_data_names_the_folders_when_none_are_given(
    seed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("ARMSGRAPH_DATA", f"{seed_folder}{graph.load.os.pathsep}{other}")
    assert resolve_data_dirs() == [seed_folder, other]
    assert resolve_data_dirs(["given"]) == [Path("given")]
    monkeypatch.delenv("ARMSGRAPH_DATA")
    assert resolve_data_dirs() == [graph.load.DEFAULT_DATA_DIR]


# --------------------------------------------------------------------------- the cache


def test_the_cache_lives_in_armsgraph_cache_dir(
    seed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path / "my-cache"))
    load_dataset([seed_folder])
    assert len(list((tmp_path / "my-cache").glob("dataset-*.pickle"))) == 1


def test_tests_never_write_to_the_home_cache() -> None:
    assert Path(graph.load.os.environ["ARMSGRAPH_CACHE_DIR"]) == cache_dir()
    assert cache_dir() != Path.home() / ".cache" / "armsgraph"


def test_a_second_load_comes_from_the_cache(seed_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_dataset([seed_folder])

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached dataset should have been used")

    monkeypatch.setattr(graph.load, "check_dataset", no_rebuild)
    second = load_dataset([seed_folder])
    assert second.counts() == first.counts()
    assert second.fingerprint == first.fingerprint


def test_a_changed_file_invalidates_the_cache(seed_folder: Path) -> None:
    assert load_dataset([seed_folder]).actor("UKR").name == "Ukraine"
    actors = seed_folder / "actors.yaml"
    actors.write_text(actors.read_text().replace("name: Ukraine", "name: Ukraina"))
    assert load_dataset([seed_folder]).actor("UKR").name == "Ukraina"


def test_an_added_file_invalidates_the_cache(seed_folder: Path) -> None:
    assert "DEU" not in load_dataset([seed_folder]).actors
    write(seed_folder, "deu.yaml", "actors:\n  - id: DEU\n    name: Germany\n    kind: state\n")
    assert "DEU" in load_dataset([seed_folder]).actors


def test_a_cached_dataset_does_not_hide_new_errors(seed_folder: Path) -> None:
    load_dataset([seed_folder])
    write(seed_folder, "typo.yaml", "actors:\n  - id: DEU\n    name: Germany\n    kind: stat\n")
    with pytest.raises(DataError):
        load_dataset([seed_folder])


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05truncated", pickle.dumps({"a": "dict"})])
def test_a_corrupt_cache_file_is_rebuilt_never_trusted(seed_folder: Path, garbage: bytes) -> None:
    load_dataset([seed_folder])
    (cached,) = cache_dir().glob(f"dataset-{fingerprint(data_files([seed_folder]))[:32]}.pickle")
    cached.write_bytes(garbage)
    assert load_dataset([seed_folder]).actor("POL").name == "Poland"
    assert pickle.loads(cached.read_bytes()).actor("POL").name == "Poland"  # rewritten whole


def test_a_cached_dataset_of_other_files_is_not_trusted(seed_folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(seed_folder, other)
    (other / "actors.yaml").write_text((other / "actors.yaml").read_text().replace("name: Poland", "name: Polska"))
    wrong = load_dataset([other])
    cached = cache_dir() / f"dataset-{fingerprint(data_files([seed_folder]))[:32]}.pickle"
    cached.write_bytes(pickle.dumps(wrong))  # a dataset, but built from different bytes
    assert load_dataset([seed_folder]).actor("POL").name == "Poland"


def test_an_unwritable_cache_only_costs_speed(
    seed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = write(tmp_path, "a-file", "a cache folder cannot be created under a file")
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(blocker / "cache"))
    assert load_dataset([seed_folder]).actor("POL").name == "Poland"


def test_without_cache_nothing_is_written(seed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_CACHE_DIR", str(tmp_path / "unused"))
    load_dataset([seed_folder], cache=False)
    assert not (tmp_path / "unused").exists()


def test_a_cache_file_others_could_have_written_is_never_unpickled(seed_folder: Path) -> None:
    load_dataset([seed_folder])
    (cached,) = cache_dir().glob(f"dataset-{fingerprint(data_files([seed_folder]))[:32]}.pickle")

    class Planted:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("planted code ran",))

    cached.write_bytes(pickle.dumps(Planted()))
    cached.chmod(0o666)  # world-writable: anyone could have put this here
    unpickled: list[object] = []
    real_load = pickle.load

    def watching_load(handle: object) -> object:
        unpickled.append(handle)
        return real_load(handle)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(graph.load.pickle, "load", watching_load)
        assert load_dataset([seed_folder]).actor("POL").name == "Poland"
    assert unpickled == []
    assert cached.stat().st_mode & 0o022 == 0  # replaced by a fresh file of our own


def test_the_cache_is_used_whatever_the_umask(seed_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = graph.load.os.umask(0o002)  # group-writable by default, as on many desktops
    try:
        load_dataset([seed_folder])
    finally:
        graph.load.os.umask(previous)
    monkeypatch.setattr(graph.load, "check_dataset", lambda *a, **k: pytest.fail("the cache should have been used"))
    assert load_dataset([seed_folder]).actor("POL").name == "Poland"


def test_equal_quantities_are_one_object_and_stay_as_written(seed_folder: Path) -> None:
    legs = "".join(
        TRANSFER.format(id=leg).removeprefix("transfers:\n") + f"    quantity_ordered: {written}\n"
        for leg, written in (("a", "5"), ("b", "{value: 5, qualifier: exact}"), ("c", "5"), ("d", "6"))
    )
    write(seed_folder, "legs.yaml", "transfers:\n" + legs)
    for dataset in (load_dataset([seed_folder]), load_dataset([seed_folder])):  # built, then read back
        a, b, c, d = (dataset.transfer(leg).quantity_ordered for leg in "abcd")
        assert a is c and a == b == c and a is not b
        assert a is not None and a.model_fields_set == {"value"}
        assert b is not None and b.model_fields_set == {"value", "qualifier"}
        assert d is not None and d.value == 6


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parse the later half of the files in a forked child whatever their size; lists the children started."""
    started: list[int] = []
    real = graph.forking.Forked.__init__

    def counting(child: graph.forking.Forked, work: Callable[[], object]) -> None:
        started.append(1)
        real(child, work)

    monkeypatch.setattr(graph.load, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(graph.forking.Forked, "__init__", counting)
    return started


@pytest.mark.parametrize("bad_file", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_two_processes_find_the_same_problems_as_one(
    bad_file: Path, good_dir: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(REPO)
    alone = check_dataset([good_dir, bad_file])
    started = request.getfixturevalue("two_processes")
    shared = check_dataset([good_dir, bad_file])
    assert started  # the bad file, last, was parsed by the child
    assert shared.problems == alone.problems
    assert [str(p) for p in shared.problems] == [str(p) for p in alone.problems]
    assert shared.dataset == alone.dataset


def test_two_processes_load_the_same_dataset_as_one(two_processes: list[int]) -> None:
    folders = [graph.load.DEFAULT_DATA_DIR]  # many files, every kind of record
    graph.load._PARALLEL_MIN_BYTES = 1 << 40  # restored by monkeypatch
    alone = check_dataset(folders)
    graph.load._PARALLEL_MIN_BYTES = 0
    shared = check_dataset(folders)
    assert two_processes
    assert shared.dataset is not None and shared.dataset == alone.dataset
    assert shared.problems == alone.problems
    assert list(shared.dataset.locations.items()) == list(alone.dataset.locations.items())


def test_a_failed_child_only_costs_speed(two_processes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise MemoryError("the child ran out of memory")

    monkeypatch.setattr(graph.load.pickle, "dumps", broken)  # the forked child inherits it and sends nothing
    report = check_dataset([graph.load.DEFAULT_DATA_DIR])
    assert two_processes
    assert report.dataset is not None and report.dataset.actor("POL").name == "Poland"


def test_no_process_to_spare_only_costs_speed(two_processes: list[int], seed_folder: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(graph.load.os, "fork", refused)
    assert load_dataset([seed_folder]).actor("POL").name == "Poland"  # parsed and cached here
    assert not graph.load._WRITING
    assert list(cache_dir().glob(f"dataset-{fingerprint(data_files([seed_folder]))[:32]}.pickle"))


def test_a_process_with_threads_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph.load, "_PARALLEL_MIN_BYTES", 0)
    files = data_files([graph.load.DEFAULT_DATA_DIR])
    assert graph.load._parallel_split(files) is not None
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert graph.load._parallel_split(files) is None  # a lock held by that thread could hang the child
    finally:
        stop.set()
        other.join()


def test_a_big_dataset_is_cached_by_a_child_and_read_back(two_processes: list[int], seed_folder: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    built = load_dataset([seed_folder])
    assert len(two_processes) == 2  # one child parsed, one writes the cache
    monkeypatch.setattr(graph.load, "_check_files", lambda *a, **k: pytest.fail("the cache should have been used"))
    read_back = load_dataset([seed_folder])  # waits for the writer first
    assert read_back == built and read_back is not built
    assert not graph.load._WRITING


def test_the_cache_a_child_writes_is_there_when_this_process_ends(two_processes: list[int], seed_folder: Path) -> None:
    load_dataset([seed_folder])
    graph.load._finish_all_writing()  # what the exit handler does
    (cached,) = cache_dir().glob(f"dataset-{fingerprint(data_files([seed_folder]))[:32]}.pickle")
    assert pickle.loads(cached.read_bytes()).actor("POL").name == "Poland"
    assert cached.stat().st_mode & 0o077 == 0


def test_the_child_gets_about_half_of_the_bytes() -> None:
    assert graph.load._split_at_half([10, 10, 10, 40, 10, 20]) == 3  # 30 here, 70 there: as even as it gets
    assert graph.load._split_at_half([50, 10, 10, 10, 20]) == 1
    assert graph.load._split_at_half([1, 1, 1, 1, 96]) == 4  # never an empty share
    assert graph.load._split_at_half([96, 1, 1, 1, 1]) == 1


# --------------------------------------------------------------------------- found by the property tests


def test_a_key_that_looks_like_a_pydantic_marker_is_reported_as_an_unknown_field(seed_folder: Path) -> None:
    write(seed_folder, "marker.yaml", "actors:\n  - id: DEU\n    name: Germany\n    kind: state\n    '[': 1\n")
    (problem,) = check_dataset([seed_folder]).problems
    assert (problem.code, problem.field, problem.location.line) == ("E101", "actors[0]['[']", 5)


def test_control_characters_in_a_key_never_reach_the_terminal(seed_folder: Path) -> None:
    write(seed_folder, "escape.yaml", 'actors:\n  - id: DEU\n    name: Germany\n    kind: state\n    "\\e[2J\\n": 1\n')
    (problem,) = check_dataset([seed_folder]).problems
    assert problem.code == "E101"
    assert "\x1b" not in str(problem) and len(str(problem).splitlines()) == 2  # the message and its hint
    assert "\\x1b[2J\\n" in str(problem)
