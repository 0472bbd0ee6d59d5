"""The named queries answer the questions their comments promise, on a dataset small enough to check by eye.

The dataset is tests/data/mini (Korea -> Poland K2, Poland -> Ukraine T-72, the claim linking them,
a reported "at least 200" against SIPRI's 270) plus tests/data/sparql (Poland's Krab howitzers for
Ukraine: 18 donated as the press reported, 54 as a SIPRI import records them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.cli import app
from graph.dataset import Dataset
from graph.errors import UsageError
from graph.load import load_dataset
from graph.sparql import PARAMETER_TYPES, named_queries, named_query, reference_markdown, run_named_query

DATA = Path(__file__).resolve().parent / "data"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "sparql.md"
QUERY_NAMES = [q.name for q in named_queries()]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset([DATA / "mini", DATA / "sparql"], cache=False)


def rows(dataset: Dataset, name: str, **params: str) -> list[dict[str, str]]:
    return run_named_query(dataset, name, params).records()


def test_the_library_has_the_queries_issue_5_asks_for() -> None:
    assert set(QUERY_NAMES) >= {
        "transfers-by-actor",
        "suppliers-of-category",
        "donations-by-year",
        "backfill-chains",
        "sources-of-transfer",
        "source-disagreements",
        "imported-vs-curated",
    }


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_named_query_says_what_it_answers_and_runs_with_its_examples(dataset: Dataset, name: str) -> None:
    query = named_query(name)
    assert query.title and len(query.description) > 40
    for parameter in query.parameters:
        assert parameter.type in PARAMETER_TYPES
        assert parameter.description
    result = run_named_query(dataset, name, query.examples())
    assert result.form == "select" and len(result) >= 1
    # a parameter is a column, so its value shows in every row
    for parameter in query.parameters:
        assert parameter.name in result.columns


def test_poland_supplies_three_legs_and_receives_two(dataset: Dataset) -> None:
    found = rows(dataset, "transfers-by-actor", actor="POL")
    assert sorted((r["transfer"], r["direction"]) for r in found) == [
        ("agid:transfer/kor-pol-k2-exec1-2022", "in"),
        ("agid:transfer/kor-pol-k2-framework-2022", "in"),
        ("agid:transfer/pol-ukr-krab-2022", "out"),
        ("agid:transfer/pol-ukr-t72-2022", "out"),
        ("agid:transfer/sipri-pol-ukr-krab-2022", "out"),
    ]
    # earliest first; the K2 contract signed 2022-08-26 comes last
    assert found[-1]["transfer"] == "agid:transfer/kor-pol-k2-exec1-2022"
    assert found[-1]["quantity"] == "84"  # delivered, not the 180 ordered


def test_an_actor_with_no_legs_gets_no_rows(dataset: Dataset) -> None:
    assert rows(dataset, "transfers-by-actor", actor="NATO") == []


def test_tank_suppliers_count_the_k2_contract_once_not_with_its_framework(dataset: Dataset) -> None:
    found = rows(dataset, "suppliers-of-category", category="main_battle_tank")
    assert [(r["supplierName"], r["transfers"], r["quantity"], r["recipients"]) for r in found] == [
        ("Poland", "1", "270", "Ukraine"),
        ("South Korea", "1", "84", "Poland"),
    ]


def test_an_unknown_category_is_refused_with_suggestions(dataset: Dataset) -> None:
    with pytest.raises(UsageError, match="unknown category 'main_battle_tanks'; did you mean main_battle_tank"):
        rows(dataset, "suppliers-of-category", category="main_battle_tanks")


def test_ukraine_received_three_donated_legs_in_2022(dataset: Dataset) -> None:
    expected = [{"year": "2022", "recipient": "agid:actor/UKR", "donations": "3", "quantity": "342", "donors": "1"}]
    assert rows(dataset, "donations-by-year") == expected
    assert rows(dataset, "donations-by-year", recipient="UKR") == expected
    assert rows(dataset, "donations-by-year", recipient="POL") == []


def test_the_k2_purchase_backfills_the_t72_donation(dataset: Dataset) -> None:
    found = rows(dataset, "backfill-chains", intermediary="POL")
    assert [(r["claim"], r["replacing"], r["enabled"], r["kind"], r["sources"]) for r in found] == [
        (
            "agid:backfill/k2-replaces-t72",
            "agid:transfer/kor-pol-k2-exec1-2022",
            "agid:transfer/pol-ukr-t72-2022",
            "replacement",
            "1",
        )
    ]
    assert rows(dataset, "backfill-chains", intermediary="KOR") == []


def test_the_k2_contract_rests_on_two_sources_and_one_backfill_source(dataset: Dataset) -> None:
    found = rows(dataset, "sources-of-transfer", transfer="kor-pol-k2-exec1-2022")
    assert sorted((r["role"], r["publisher"]) for r in found) == [
        ("backfill claim", "OODA Loop"),
        ("leg", "Defense Mirror"),
        ("leg", "SIPRI"),
    ]


def test_the_t72_donation_shows_the_source_of_its_reported_figure(dataset: Dataset) -> None:
    found = rows(dataset, "sources-of-transfer", transfer="pol-ukr-t72-2022")
    assert ("reported figure", "Polskie Radio/IAR via Defence Blog") in {(r["role"], r["publisher"]) for r in found}


def test_at_least_200_t72s_disagrees_with_270_delivered(dataset: Dataset) -> None:
    found = rows(dataset, "source-disagreements")
    assert [(r["transfer"], r["measure"], r["mainFigure"], r["reportedFigure"], r["qualifier"]) for r in found] == [
        ("agid:transfer/pol-ukr-t72-2022", "delivered", "270", "200", "at_least")
    ]
    assert rows(dataset, "source-disagreements", supplier="KOR") == []


def test_sipri_54_krabs_disagree_with_the_18_the_press_reported(dataset: Dataset) -> None:
    found = rows(dataset, "imported-vs-curated", recipient="UKR")
    assert [(r["curated"], r["imported"], r["measure"], r["curatedFigure"], r["importedFigure"], r["database"])
            for r in found] == [
        (
            "agid:transfer/pol-ukr-krab-2022",
            "agid:transfer/sipri-pol-ukr-krab-2022",
            "delivered",
            "18",
            "54",
            "SIPRI",
        )
    ]


def test_an_imported_leg_not_tied_by_same_as_is_not_compared_with_legs_on_its_route(tmp_path: Path) -> None:
    # the same SIPRI leg without same_as: nothing says which curated leg it describes
    untied = (DATA / "sparql" / "krab.yaml").read_text(encoding="utf-8").replace("    same_as: pol-ukr-krab-2022\n", "")
    (tmp_path / "krab.yaml").write_text(untied, encoding="utf-8")
    dataset = load_dataset([DATA / "mini", tmp_path], cache=False)
    assert dataset.transfers["sipri-pol-ukr-krab-2022"].same_as is None
    assert rows(dataset, "imported-vs-curated") == []


def test_a_curated_leg_citing_sipri_among_others_is_not_an_import(dataset: Dataset) -> None:
    # pol-ukr-t72-2022 cites SIPRI and Defence Blog: it must never appear as the imported side
    imported = {r["imported"] for r in rows(dataset, "imported-vs-curated")}
    assert "agid:transfer/pol-ukr-t72-2022" not in imported


def test_a_missing_required_parameter_shows_an_example(dataset: Dataset) -> None:
    with pytest.raises(UsageError, match="needs actor; for example: --param actor=POL"):
        run_named_query(dataset, "transfers-by-actor", {})
    with pytest.raises(UsageError, match="has no parameter 'country'"):
        run_named_query(dataset, "transfers-by-actor", {"actor": "POL", "country": "POL"})


def test_a_misspelt_query_name_suggests_the_right_one() -> None:
    with pytest.raises(UsageError, match="did you mean transfers-by-actor"):
        named_query("transfer-by-actor")


def test_the_cli_lists_named_queries_as_json_for_the_app() -> None:
    result = CliRunner().invoke(app, ["query", "--list", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [q["name"] for q in listed] == QUERY_NAMES
    by_name = {q["name"]: q for q in listed}
    assert by_name["transfers-by-actor"]["parameters"] == [
        {"name": "actor", "type": "actor", "required": True, "example": "POL",
         "description": "the actor whose legs to list."}
    ]


def test_the_cli_runs_a_named_query_as_csv() -> None:
    result = CliRunner().invoke(
        app,
        ["query", "--name", "donations-by-year", "--param", "recipient=UKR", "--format", "csv",
         "--data", str(DATA / "mini"), "--data", str(DATA / "sparql")],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "year,recipient,donations,quantity,donors\n2022,https://w3id.org/armsgraph/id/actor/UKR,3,342,1\n"


def test_docs_list_every_named_query_as_the_rq_comments_say() -> None:
    text = DOCS.read_text(encoding="utf-8")
    generated = text.split("<!-- named-queries:start -->", 1)[1].split("<!-- named-queries:end -->", 1)[0]
    assert generated.strip() == reference_markdown().strip(), (
        "docs/sparql.md is out of date: run `python -m graph.sparql docs/sparql.md`"
    )
