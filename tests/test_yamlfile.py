"""The safe YAML reader: plain values with positions, and hostile input refused quickly with bounded memory."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

import graph.yamlfile
from graph.yamlfile import MAX_DEPTH, read_yaml, read_yaml_text

# Generous bounds: the machine is shared and noisy; what matters is "seconds, not minutes or gigabytes".
SECONDS = 5.0
MEGABYTES = 64


def read_measured(text: str) -> tuple[graph.yamlfile.YamlDocument, float, float]:
    """Parse ``text``; return the document, the seconds it took and the peak of Python memory in MB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        doc = read_yaml_text(text, "hostile.yaml")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return doc, elapsed, peak


def only_problem(doc: graph.yamlfile.YamlDocument) -> str:
    (problem,) = doc.problems
    assert doc.value is None
    return str(problem)


# --------------------------------------------------------------------------- plain values and positions


def test_values_are_plain_python() -> None:
    doc = read_yaml_text("a: 1\nb: 2.5\nc: true\nd: null\ne: [x, 'y']\nf: {g: h}\n", "plain.yaml")
    assert doc.problems == []
    assert doc.value == {"a": 1, "b": 2.5, "c": True, "d": None, "e": ["x", "y"], "f": {"g": "h"}}


def test_norway_and_dates_stay_text() -> None:
    doc = read_yaml_text(
        "country: NO\nanswer: yes\nswitch: on\nsigned: 2022-08-26\nwhen: 2022-08-26T10:00:00\n", "t.yaml"
    )
    assert doc.value == {
        "country": "NO",
        "answer": "yes",
        "switch": "on",
        "signed": "2022-08-26",
        "when": "2022-08-26T10:00:00",
    }


def test_quoted_and_block_scalars_are_always_text() -> None:
    doc = read_yaml_text("a: '180'\nb: \"true\"\nc: |\n  42\nd: !!str 7\ne: !!int '7'\n", "t.yaml")
    assert doc.value == {"a": "180", "b": "true", "c": "42\n", "d": "7", "e": 7}


def test_yaml_1_1_numbers_are_not_guessed() -> None:
    doc = read_yaml_text("hex: 0x1F\noctal: 0o17\nsixty: 1:20\nunderscore: 1_000\nnan: .nan\n", "t.yaml")
    assert doc.value == {"hex": "0x1F", "octal": "0o17", "sixty": "1:20", "underscore": "1_000", "nan": ".nan"}


def test_positions_of_records_are_kept_and_of_every_value_when_tracked() -> None:
    text = "transfers:\n  - id: a\n    quantity_ordered:\n      value: lots\n"
    fast = read_yaml_text(text, "t.yaml")
    assert fast.position(("transfers", 0)) == (2, 5)
    assert fast.position(("transfers", 0, "quantity_ordered", "value")) == (2, 5)  # falls back to the record
    tracked = read_yaml_text(text, "t.yaml", track=True)
    assert tracked.position(("transfers", 0, "quantity_ordered", "value")) == (4, 14)
    assert tracked.position(("transfers", 0, "quantity_ordered", "value"), key=True) == (4, 7)
    assert str(tracked.location(("transfers", 0, "id"))) == "t.yaml:2:9"


def test_an_empty_file_is_an_empty_document() -> None:
    for text in ("", "# only a comment\n", "---\n"):
        doc = read_yaml_text(text, "empty.yaml")
        assert (doc.value, doc.problems) == (None, [])


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffactors: []\n".encode())
    assert read_yaml(path).value == {"actors": []}


# --------------------------------------------------------------------------- mistakes


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    message = only_problem(read_yaml_text("a:\n  b: 1\n  c: 2\n  b: 3\n", "dup.yaml"))
    assert message.startswith("dup.yaml:4:3: error E005: duplicate key 'b' (first written at line 2)")


def test_a_year_written_as_number_and_as_text_is_one_key() -> None:
    # The schema reads both as 2022, so one of the two counts would vanish.
    message = only_problem(read_yaml_text("deliveries:\n  2022: 10\n  '2022': 20\n", "dup.yaml"))
    assert "E005" in message and "first written at line 2" in message


@pytest.mark.parametrize("key", ["true", "1.5", "null", "~"])
def test_keys_must_be_text_or_whole_numbers(key: str) -> None:
    message = only_problem(read_yaml_text(f"a: 1\n{key}: 2\n", "keys.yaml"))
    assert "E004" in message and "must be text or a whole number" in message


def test_a_list_as_a_key_is_refused() -> None:
    assert "E004" in only_problem(read_yaml_text("? [a, b]\n: 1\n", "keys.yaml"))


def test_a_second_document_is_refused() -> None:
    message = only_problem(read_yaml_text("a: 1\n---\nb: 2\n", "docs.yaml"))
    assert message.startswith("docs.yaml:2:1: error E008:")


def test_a_syntax_error_names_where_the_open_bracket_was() -> None:
    message = only_problem(read_yaml_text("a: 1\nb: [x,\n  y\nc: 3\n", "syntax.yaml"))
    assert "E001" in message and "started at line 2" in message


def test_a_tab_indent_gets_a_hint_about_tabs() -> None:
    doc = read_yaml_text("a:\n\t- b\n", "tabs.yaml")
    assert doc.problems[0].hint == "indent with spaces; YAML does not allow tabs there"


def test_a_file_that_is_not_utf8_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: Gr\xfc\xdfe\n".encode("latin-1"))
    (problem,) = read_yaml(path, display="latin1.yaml").problems
    assert str(problem).startswith("latin1.yaml:2:6: error E011: file is not valid UTF-8 (byte 0xFC)")


def test_an_unreadable_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like.yaml"
    folder.mkdir()
    (problem,) = read_yaml(folder).problems
    assert problem.code == "E010"


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("text", "shown_tag"),
    [
        ("a: !!python/object/apply:os.system ['touch {marker}']\n", "!!python/object/apply:os.system"),
        ("a: !!python/object/new:os.system ['touch {marker}']\n", "!!python/object/new:os.system"),
        ("a: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("a: !!python/object:builtins.dict {{b: 1}}\n", "!!python/object:builtins.dict"),
        ("a: !!python/tuple [1, 2]\n", "!!python/tuple"),
        ("a: !!set {{b, c}}\n", "!!set"),
        ("a: !!binary aGk=\n", "!!binary"),
        ("a: !!timestamp 2022-01-01\n", "!!timestamp"),
        ("a: !include other.yaml\n", "!include"),
        ("!!python/object/apply:os.system ['touch {marker}']\n", "!!python/object/apply:os.system"),
    ],
)
def test_tags_that_construct_objects_are_refused_and_never_run(text: str, shown_tag: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    doc, elapsed, _ = read_measured(text.format(marker=marker))
    message = only_problem(doc)
    assert f"error E003: tag {shown_tag} is not allowed" in message
    assert not marker.exists()
    assert elapsed < SECONDS


def test_a_core_tag_that_does_not_fit_its_value_is_refused() -> None:
    assert "tag !!int does not fit the value 'lots'" in only_problem(read_yaml_text("a: !!int lots\n", "t.yaml"))


def billion_laughs(levels: int) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_the_billion_laughs_is_refused_quickly_in_little_memory() -> None:
    doc, elapsed, peak = read_measured(billion_laughs(12))  # 10**12 strings if expanded
    message = only_problem(doc)
    assert message.startswith("hostile.yaml:2:10: error E007: aliases (*l0) are not allowed")
    assert elapsed < SECONDS and peak < MEGABYTES


def test_a_merge_key_alias_is_refused() -> None:
    assert "E007" in only_problem(read_yaml_text("a: &x {b: 1}\nc:\n  <<: *x\n", "t.yaml"))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_absurdly_deep_nesting_is_refused_quickly(depth: int) -> None:
    doc, elapsed, peak = read_measured("a: " + "[" * depth + "]" * depth + "\n")
    assert f"error E006: nesting deeper than {MAX_DEPTH} levels" in only_problem(doc)
    assert elapsed < SECONDS and peak < MEGABYTES


def test_deep_block_nesting_is_refused() -> None:
    text = "".join("  " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "end\n"
    assert "E006" in only_problem(read_yaml_text(text, "t.yaml"))


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = MAX_DEPTH
    doc = read_yaml_text("[" * depth + "]" * depth + "\n", "t.yaml")
    assert doc.problems == []


@pytest.mark.parametrize(
    "text",
    [
        "items:\n" + "".join(f"  - item{i}\n" for i in range(100_000)),  # about 1.4 MB, one long list
        "".join(f"key{i}: value{i}\n" for i in range(70_000)),  # about 1.1 MB, one wide mapping
        "items: [" + ", ".join("1" for _ in range(350_000)) + "]\n",  # about 1 MB, one flow list
        "text: " + "a" * 1_000_000 + "\n",  # one 1 MB scalar
    ],
    ids=["long-list", "wide-mapping", "flow-list", "one-scalar"],
)
def test_a_megabyte_of_flat_scalars_is_read_in_seconds(text: str) -> None:
    assert len(text) >= 1_000_000
    started = time.perf_counter()
    doc = read_yaml_text(text, "flat.yaml")
    elapsed = time.perf_counter() - started
    assert doc.problems == []
    if elapsed >= SECONDS:  # a busy machine: then at least keep pace with PyYAML's own C loader, timed now
        started = time.perf_counter()
        yaml.load(text, Loader=yaml.CSafeLoader)
        assert elapsed < time.perf_counter() - started


def test_a_file_over_the_size_limit_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * 2_000 + "\n")
    monkeypatch.setattr(graph.yamlfile, "MAX_BYTES", 1_000)

    def never(*args: object) -> bytes:
        raise AssertionError("an oversized file must not be read")

    monkeypatch.setattr(Path, "open", never)
    (problem,) = read_yaml(path, display="huge.yaml").problems
    assert str(problem).startswith("huge.yaml: error E009: file is 2,004 bytes; the limit is 1,000")


def test_a_control_character_is_located() -> None:
    message = only_problem(read_yaml_text("a: 1\nb: x\x00y\n", "t.yaml"))
    assert message.startswith("t.yaml:2:5: error E001: YAML syntax: character U+0000 is not allowed")


def test_text_with_a_lone_surrogate_is_a_problem_not_a_crash() -> None:
    (problem,) = read_yaml_text("a: 1\nb: \ud800\n", "t.yaml").problems
    assert (problem.code, problem.location.line, problem.location.column) == ("E011", 2, 4)


# --------------------------------------------------------------------------- memory follows the data


def test_the_fast_pass_keeps_the_places_of_sections_and_records_only() -> None:
    text = "description: x\nactors:\n  - id: POL\n    aliases: [Polska]\nsources: [a, b]\n"
    doc = read_yaml_text(text, "t.yaml")
    assert set(doc.values) == {(), ("description",), ("actors",), ("actors", 0), ("sources",)}
    assert set(doc.keys) == {("description",), ("actors",), ("sources",)}
    assert doc.knows(("actors", 0)) and not doc.knows(("actors", 0, "id"))


def test_a_targeted_parse_keeps_exactly_the_places_asked_for() -> None:
    text = "actors:\n  - id: POL\n    aliases: [Polska, Polen]\n  - id: DEU\n"
    doc = read_yaml_text(text, "t.yaml", track=frozenset({("actors", 0, "aliases", 1)}))
    assert doc.position(("actors", 0, "aliases", 1)) == (3, 23)
    assert set(doc.values) == {(), ("actors",), ("actors", 0), ("actors", 0, "aliases"), ("actors", 0, "aliases", 1)}


def test_a_flat_list_of_scalars_costs_no_positions() -> None:
    """A 1 MB list would otherwise keep a position per item: a hundred times the file in memory."""
    doc, _, peak = read_measured("items: [" + ", ".join("1" for _ in range(100_000)) + "]\n")
    assert doc.problems == [] and len(doc.value["items"]) == 100_000
    assert len(doc.values) == 2
    assert peak < 16  # MB; the list itself is under 1 MB


def test_a_file_that_lies_about_its_size_is_read_only_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endless = tmp_path / "endless.yaml"
    endless.symlink_to("/dev/zero")  # its size says 0, its content never ends
    monkeypatch.setattr(graph.yamlfile, "MAX_BYTES", 1_000)
    (problem,) = read_yaml(endless, display="endless.yaml").problems
    assert str(problem).startswith("endless.yaml: error E009: file is over 1,000 bytes")
