"""``armsgraph chains``, ``paths`` and ``impact``: JSON shapes, tables, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from graph.cli import app

DATA = Path(__file__).parent / "data" / "chains"
runner = CliRunner()

CHAIN_KEYS = {"id", "kind", "score", "explanation", "sources", "sparql", "legs"}
LEG_KEYS = {"transfer", "supplier", "recipient", "system", "category", "date", "quantity"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), terminal_width=250, env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def test_chains_json_is_a_list_of_chains_with_the_promised_keys() -> None:
    code, stdout, _ = run("chains", "--data", str(DATA / "two-hop"), "--json")
    assert code == 0
    chains = json.loads(stdout)
    assert [c["id"] for c in chains] == ["kor-pol-ukr-tanks", "R1:kor-pol-k9-2022>pol-ukr-krab-2022"]
    for chain in chains:
        assert set(chain) >= CHAIN_KEYS
        assert chain["kind"] in ("curated", "inferred") and isinstance(chain["sources"], list)
        assert chain["sparql"].startswith("PREFIX ag:")
        for leg in chain["legs"]:
            assert set(leg) >= LEG_KEYS
    tanks = chains[0]
    assert tanks["legs"][0] | {"sources": None} == {
        "transfer": "kor-pol-k2-2022",
        "supplier": "KOR",
        "recipient": "POL",
        "system": "K2 Black Panther",
        "category": "main_battle_tank",
        "date": "2022-08-26",
        "when": "2022-08-26",
        "quantity": "180",
        "role": "replacing",
        "relation": "transferred_to",
        "system_id": "K2",
        "kind": "sale",
        "status": "delivering",
        "confidence": "high",
        "sources": None,
    }
    assert (tanks["from"], tanks["via"], tanks["to"], tanks["gap_days"]) == (["KOR"], ["POL"], ["UKR"], 119)


def test_chains_filters_and_curated_only() -> None:
    code, stdout, _ = run("chains", "--data", str(DATA / "rules"), "--via", "XCC", "--category", "mlrs", "--json")
    assert (code, json.loads(stdout)) == (0, [])
    code, stdout, _ = run("chains", "--data", str(DATA / "rules"), "--to", "XEE", "--since", "2021-06", "--json")
    assert {c["id"] for c in json.loads(stdout)} == {
        "R1:xaa-xbb-gun>xbb-xee-gun-derived",
        "R1:xaa-xbb-gun>xbb-xee-rocket-old",
    }
    code, stdout, _ = run("chains", "--data", str(DATA / "curated"), "--curated-only", "--json")
    assert [c["status"] for c in json.loads(stdout)] == ["completed", "under way", "offer only"]


def test_chains_without_json_prints_a_table() -> None:
    code, stdout, _ = run("chains", "--data", str(DATA / "two-hop"), "--limit", "1")
    assert code == 0
    assert "kor-pol-ukr-tanks" in stdout and "K2 Black Panther" in stdout and "Krab" not in stdout


def test_an_unknown_actor_is_one_line_naming_close_matches_and_exit_2() -> None:
    code, stdout, stderr = run("chains", "--data", str(DATA / "two-hop"), "--via", "POLL")
    assert code == 2 and stdout == ""
    assert stderr.strip() == "armsgraph: unknown actor 'POLL'; did you mean POL?"


def test_curated_only_with_inferred_only_is_a_usage_error() -> None:
    code, _, stderr = run("chains", "--data", str(DATA / "two-hop"), "--curated-only", "--inferred-only")
    assert code == 2 and "not both" in stderr


def test_paths_json_lists_paths_with_legs_of_the_chain_shape() -> None:
    code, stdout, _ = run("paths", "XAA", "XDD", "--data", str(DATA / "paths"), "--k", "2", "--json")
    assert code == 0
    paths = json.loads(stdout)
    assert [p["actors"] for p in paths] == [["XAA", "XBB", "XDD"], ["XAA", "XBB", "XCC", "XDD"]]
    for path in paths:
        assert {"from", "to", "hops", "legs", "sparql"} <= set(path)
        assert all(set(leg) >= LEG_KEYS for leg in path["legs"])
    code, stdout, _ = run("paths", "XAA", "XDD", "--data", str(DATA / "paths"), "--max-hops", "2", "--json")
    assert [p["hops"] for p in json.loads(stdout)] == [2]


def test_paths_table_and_no_path() -> None:
    code, stdout, _ = run("paths", "XAA", "XDD", "--data", str(DATA / "paths"))
    assert code == 0 and "XAA -> XBB -> XDD" in stdout
    code, stdout, _ = run("paths", "XDD", "XAA", "--data", str(DATA / "paths"))
    assert code == 0 and "No time-respecting path" in stdout


def test_paths_unknown_actor_or_status_exits_2() -> None:
    code, _, stderr = run("paths", "XAA", "XDX", "--data", str(DATA / "paths"))
    assert code == 2 and stderr.startswith("armsgraph: unknown actor 'XDX'; did you mean")
    code, _, stderr = run("paths", "XAA", "XDD", "--status", "deliverd", "--data", str(DATA / "paths"))
    assert code == 2 and "did you mean delivered" in stderr


def test_impact_json_lists_downstream_legs_and_the_chains_behind_them() -> None:
    code, stdout, _ = run("impact", "xaa-xbb-tank-framework", "--data", str(DATA / "curated"), "--json")
    assert code == 0
    found = json.loads(stdout)
    assert found["transfer"] == "xaa-xbb-tank-framework" and found["includes"] == ["xaa-xbb-tank-exec"]
    (dependent,) = found["dependents"]
    assert dependent["transfer"] == "xbb-xcc-tank-old" and dependent["depth"] == 1
    assert dependent["chains"] == ["tanks-claim"] and dependent["kind"] == "curated"
    assert [c["id"] for c in found["chains"]] == ["tanks-claim"]


def test_impact_table_and_unknown_transfer() -> None:
    code, stdout, _ = run("impact", "xaa-xbb-tank-new", "--data", str(DATA / "rules"))
    assert code == 0 and "xcc-xdd-ifv-used" in stdout
    code, stdout, stderr = run("impact", "xaa-xbb-tank-nwe", "--data", str(DATA / "rules"))
    assert code == 2 and stdout == ""
    assert stderr.startswith("armsgraph: unknown transfer 'xaa-xbb-tank-nwe'; did you mean xaa-xbb-tank-new")


def test_each_command_has_help_with_an_example() -> None:
    for command in ("chains", "paths", "impact"):
        code, stdout, _ = run(command, "--help")
        assert code == 0 and f"Example: armsgraph {command}" in stdout


def test_at_80_columns_each_chain_leg_reads_on_one_line() -> None:
    # the seven-column table folded legs into a column a dozen characters wide
    result = runner.invoke(
        app, ["chains", "--data", str(DATA / "two-hop"), "--limit", "1"], terminal_width=80, env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "kor-pol-ukr-tanks" in lines
    assert any(line.startswith("replacing KOR -> POL: ") and "K2 Black Panther" in line for line in lines)
    assert any(line.startswith("enabled   POL -> UKR: ") for line in lines)


def test_at_80_columns_impact_shows_each_downstream_leg_on_one_line() -> None:
    result = runner.invoke(
        app, ["impact", "xaa-xbb-tank-framework", "--data", str(DATA / "curated")], terminal_width=80,
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "xbb-xcc-tank-old (depth 1)" in lines
    assert any(line.startswith("leg        XBB -> XCC: ") for line in lines)
    assert any(line.startswith("depends on xaa-xbb-tank-") for line in lines)


def test_readable_chains_and_impact_have_no_trailing_spaces() -> None:
    # the grid of legs padded each shorter cell to the width of the longest
    for args in (
        ["chains", "--data", str(DATA / "two-hop")],
        ["chains", "--data", str(DATA / "rules")],
        ["impact", "xaa-xbb-tank-new", "--data", str(DATA / "rules")],
    ):
        for width in (60, 80, 250):
            result = runner.invoke(app, args, terminal_width=width, env={"COLUMNS": str(width)})
            assert result.exit_code == 0
            lines = result.stdout.splitlines()
            assert any(line.startswith("  enabled") or line.startswith("  leg") for line in lines)
            assert [line for line in lines if line != line.rstrip()] == [], (args, width)


def test_chains_since_until_keeps_chains_running_through_the_period_and_says_so() -> None:
    code, stdout, _ = run("chains", "--data", str(DATA / "rules"), "--since", "2020-07", "--until", "2021-04", "--json")
    ids = {c["id"] for c in json.loads(stdout)}
    assert code == 0 and "R1:xbb-xdd-tank-new-b-used>xdd-xcc-tank-old-financed" in ids  # legs 2020-04 and 2021-05
    assert "R1:xaa-xbb-tank-new>xbb-xcc-tank-old" not in ids  # over by 2020-06
    code, stdout, _ = run("chains", "--help")
    assert "runs through any part of the period" in " ".join(stdout.split())
