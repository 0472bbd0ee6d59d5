"""Docs that cannot go stale: the schema, every problem code and every command are documented as the code says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.cli_docs import iter_commands
from graph.model import RECORD_TYPES, SECTIONS
from graph.rules import RULES, SCHEMA_CODES
from graph.schema_docs import DOCS_DIR, PAGES, main

REGENERATE = "run `python -m graph.schema_docs` and commit the result"


@pytest.mark.parametrize("page", list(PAGES))
def test_each_generated_page_matches_the_code(page: str) -> None:
    path = DOCS_DIR / page
    assert path.exists(), f"docs/{page} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == PAGES[page](), f"docs/{page} is stale: {REGENERATE}"


def test_the_check_mode_reports_a_stale_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import graph.schema_docs

    monkeypatch.setattr(graph.schema_docs, "DOCS_DIR", tmp_path)
    pages = {"schema.md": PAGES["schema.md"]}
    assert main(["--check"], pages) == 1  # missing counts as stale
    assert "docs/schema.md is stale" in capsys.readouterr().out
    assert main([], pages) == 0
    assert main(["--check"], pages) == 0
    (tmp_path / "schema.md").write_text("edited by hand\n")
    assert main(["--check"], pages) == 1


def test_every_problem_code_is_documented() -> None:
    text = (DOCS_DIR / "validation.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| ([EW]\d{3}) \|", text, flags=re.MULTILINE))
    assert documented == set(SCHEMA_CODES) | set(RULES)
    for code, registered in RULES.items():
        assert f"### {code} {registered.name}" in text


def test_every_section_field_and_record_is_in_the_schema_page() -> None:
    text = (DOCS_DIR / "schema.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"| `{section}` |" in text
    for record_type in RECORD_TYPES:
        assert f"### {record_type.__name__} (`{record_type.SECTION}`)" in text
        for field in record_type.model_fields:
            assert f"| `{field}` |" in text, field


def test_the_schema_page_says_which_records_a_reference_points_to() -> None:
    text = (DOCS_DIR / "schema.md").read_text(encoding="utf-8")
    assert "| `replacing` | list of transfer or deployment ids (at least one) | yes |" in text
    assert "| `sources` | list of source ids (at least one) | yes |" in text


def test_every_registered_command_is_in_the_cli_reference_with_its_help() -> None:
    text = (DOCS_DIR / "cli.md").read_text(encoding="utf-8")
    commands = [words for words, _, _ in iter_commands() if words]
    assert ["validate"] in commands and ["stats"] in commands
    for words in commands:
        name = " ".join(["armsgraph", *words])
        assert f"\n## {name}\n" in text, name
        assert f"Usage: {name} " in text, name


def test_every_command_help_has_an_example() -> None:
    """Issue 2: `--help` on every command has an example."""
    missing = [
        " ".join(words)
        for words, command, context in iter_commands()
        if words and not hasattr(command, "list_commands") and "example" not in command.get_help(context).lower()
    ]
    assert missing == []
