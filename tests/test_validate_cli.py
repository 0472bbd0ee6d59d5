"""``armsgraph validate``: exit codes 0/1/2, one line per problem, never a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.cli import app

REPO = Path(__file__).resolve().parent.parent
BAD = REPO / "tests" / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
PROBLEM_LINE = re.compile(r"^\S+\.ya?ml:\d+:\d+: (error|warning) [EW]\d{3}: .+$")

runner = CliRunner()


def validate(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["validate", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash, not a report
    return result.exit_code, result.stdout, result.stderr


def test_valid_data_exits_0_and_counts_the_records(good_dir: Path) -> None:
    code, stdout, stderr = validate("--data", good_dir)
    assert code == 0
    assert stdout.strip() == (
        "valid: 3 actors, 2 systems, 3 sources, 2 transfers, 0 deployments, 1 backfills; 0 warning(s)"
    )
    assert stderr == ""


@pytest.mark.parametrize("bad_file", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_each_bad_file_gives_located_lines_and_exit_1_never_a_traceback(bad_file: Path, good_dir: Path) -> None:
    code, stdout, stderr = validate("--data", good_dir, "--data", bad_file)
    assert "Traceback" not in stdout + stderr
    problem_lines = [line for line in stderr.splitlines() if not line.startswith("    hint: ")][:-1]
    warnings_only = bad_file.stem.startswith("warning-")
    if warnings_only:
        assert code == 0
        problem_lines = [line for line in stderr.splitlines() if not line.startswith("    hint: ")]
        assert "valid:" in stdout and "1 warning(s)" in stdout
    else:
        assert code == 1
        assert re.fullmatch(r"\d+ error\(s\), \d+ warning\(s\); nothing was loaded\.", stderr.splitlines()[-1])
    assert problem_lines
    for line in problem_lines:
        assert PROBLEM_LINE.match(line), line
        assert bad_file.name in line


def test_warnings_fail_only_with_strict(good_dir: Path) -> None:
    warned = BAD / "warning-delivered-exceeds-ordered.yaml"
    assert validate("--data", good_dir, "--data", warned)[0] == 0
    code, stdout, stderr = validate("--data", good_dir, "--data", warned, "--strict")
    assert code == 1 and stdout == ""
    assert stderr.splitlines()[-1] == "1 warning(s), treated as errors (--strict)."
    assert validate("--data", good_dir, "--strict")[0] == 0


def test_a_missing_directory_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    code, stdout, stderr = validate("--data", tmp_path / "nowhere")
    assert code == 2
    assert stderr.strip() == f"armsgraph: data directory {str(tmp_path / 'nowhere')!r} does not exist"
    assert stdout == ""


def test_an_unknown_option_is_a_usage_error_with_exit_2() -> None:
    assert validate("--no-such-option")[0] == 2


def test_json_lists_every_problem_with_its_place(good_dir: Path) -> None:
    code, stdout, _ = validate("--data", good_dir, "--data", BAD / "quantity-not-a-number.yaml", "--json")
    assert code == 1
    report = json.loads(stdout)
    assert (report["valid"], report["errors"], report["warnings"], report["counts"]) == (False, 1, 0, None)
    (problem,) = report["problems"]
    assert problem["path"].endswith("tests/data/bad/quantity-not-a-number.yaml")
    assert (problem["line"], problem["column"], problem["code"], problem["field"]) == (
        12,
        23,
        "E102",
        "transfers[0].quantity_ordered",
    )


def test_json_for_valid_data_has_the_counts(good_dir: Path) -> None:
    code, stdout, _ = validate("--data", good_dir, "--json")
    report = json.loads(stdout)
    assert code == 0 and report["valid"] is True and report["problems"] == []
    assert report["counts"]["transfers"] == 2


def test_armsgraph_data_is_used_without_data_option(good_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_DATA", str(good_dir))
    code, stdout, _ = validate()
    assert code == 0 and "3 actors" in stdout


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Example: armsgraph validate" in result.stdout


def test_the_real_command_reports_every_bad_file_in_one_run_without_a_traceback(good_dir: Path, tmp_path: Path) -> None:
    """The installed entry point, in its own process, over every bad file at once."""
    folder = tmp_path / "everything-wrong"
    shutil.copytree(good_dir, folder / "good")
    shutil.copytree(BAD, folder / "bad")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "graph", "validate", "--data", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    named = {Path(line.split(":", 1)[0]).name for line in done.stderr.splitlines() if PROBLEM_LINE.match(line)}
    # Together, two defects change place: bad/ sorts before good/, so the first POL is the bad file's and the
    # duplicate is reported in good/actors.yaml; and other bad files define K9 (with errors of their own).
    moved = {"duplicate-id-across-files.yaml", "unknown-system.yaml"}
    assert {path.name for path in BAD_FILES} - moved <= named
    assert "actors.yaml" in named
