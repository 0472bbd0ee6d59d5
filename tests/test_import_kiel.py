"""`armsgraph import kiel`: the Kiel tracker's heavy weapons as aggregated facts beside SIPRI and curated legs.

The excerpt in tests/data/kiel is a few rows of Release 29; the whole file is read from
$ARMSGRAPH_KIEL_DIR when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.cli import app
from graph.importers.kiel import import_kiel, parse_weapons_list
from graph.importers.sipri import import_sipri
from graph.load import check_dataset, load_dataset
from graph.model import TransferKind

DATA = Path(__file__).parent / "data"
KIEL = DATA / "kiel" / "weapons-excerpt.csv"
CURATED = DATA / "sipri" / "curated"
runner = CliRunner()


@pytest.fixture(scope="module")
def kiel(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("kiel")
    result = import_kiel(KIEL, out, curated_dirs=[CURATED], release="29")
    return result, out, load_dataset([CURATED, out], cache=False)


def test_each_listed_item_becomes_a_donation_to_ukraine(kiel) -> None:
    result, _, dataset = kiel
    poland_tanks = [t for t in dataset.transfers.values() if t.id.startswith("kiel-r29-pol-tanks-")]
    assert sorted(t.quantity_ordered.value for t in poland_tanks) == [14, 34, 270]  # Kiel's total: 318
    assert all(t.recipient == "UKR" and t.kind is TransferKind.donation for t in poland_tanks)
    assert all("318 items in all" in t.notes for t in poland_tanks)
    assert result.rows_read == 19 and result.rows_rejected == 0


def test_kiel_item_names_resolve_to_curated_systems_and_legs(kiel) -> None:
    _, _, dataset = kiel
    t72 = dataset.transfers["kiel-r29-pol-tanks-modifiedt72tankt72at72m1m1r"]
    assert t72.system == "t-72m1"  # through the curated alias "Modified T-72 tank (T-72A/T-72M1/M1R)"
    bmp = dataset.transfers["kiel-r29-svk-ifv-bmp1"]
    assert (bmp.system, bmp.same_as) == ("bmp-1", "svk-ukr-bmp1-2022")


def test_howitzers_are_typed_only_when_the_name_says_how(kiel) -> None:
    _, _, dataset = kiel
    assert dataset.systems["kiel-sys-ahskrabselfpropelledhowitzer"].category.value == "self_propelled_howitzer"
    assert dataset.systems["kiel-sys-d30howitzer"].category.value == "other"


def test_items_differing_only_in_case_stay_separate(kiel) -> None:
    _, _, dataset = kiel
    estonia = sorted(t.id for t in dataset.transfers.values() if t.id.startswith("kiel-r29-est-howitzers-d30"))
    assert estonia == ["kiel-r29-est-howitzers-d30howitzer", "kiel-r29-est-howitzers-d30howitzer-2"]


def test_the_release_names_the_source(kiel) -> None:
    result, _, dataset = kiel
    assert result.source == "kiel-ust-release-29"
    assert dataset.sources["kiel-ust-release-29"].title == "Ukraine Support Tracker, Release 29: heavy weapons"


def test_kiel_layers_on_a_sipri_import_and_all_three_load_together(tmp_path: Path) -> None:
    sipri = tmp_path / "sipri"
    import_sipri(DATA / "sipri" / "trade-register-excerpt.csv", sipri, curated_dirs=[CURATED])
    outcome = runner.invoke(
        app, ["import", "kiel", str(KIEL), "-o", str(tmp_path / "kiel"), "--curated", str(CURATED),
              "--curated", str(sipri), "--release", "29"],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "19 rows read, 19 imported, 0 rejected" in outcome.stdout
    report = check_dataset([CURATED, sipri, tmp_path / "kiel"])
    assert not report.errors, "\n".join(map(str, report.errors[:5]))
    assert report.dataset is not None
    # same donor, recipient and system from the three sources: the comparison the app makes
    legs = [
        t for t in report.dataset.transfers.values() if (t.supplier, t.recipient, t.system) == ("POL", "UKR", "t-72m1")
    ]
    assert {leg.id.split("-")[0] for leg in legs} == {"sipri", "kiel"}
    # a Kiel leg never points at a SIPRI leg: same_as is for curated legs only
    assert all(not (t.same_as or "").startswith("sipri-") for t in report.dataset.transfers.values())


def test_bad_rows_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "weapons.csv"
    path.write_text(
        '"donor","category","number_of_weapons","monetary_value_eur","weapons_list"\n'
        '"Poland","Tanks",3,100,"T-72 (3)"\n'
        '"Atlantis","Tanks",1,100,"T-72 (1)"\n'
        '"Poland","Boats",1,100,"Boat (1)"\n'
        '"Poland","IFV",x,100,"BMP-1 (1)"\n'
        '"Poland","IFV",1,100,"BMP-1"\n'
    )
    result = import_kiel(path, tmp_path / "out", curated_dirs=[])
    reasons = {r.line: r.reason for r in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "unknown donor 'Atlantis'" in reasons[3] and "unknown Kiel category 'Boats'" in reasons[4]
    assert "not 'Name (count)'" in reasons[6]
    assert result.rows_imported == 1


def test_a_table_without_kiel_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    outcome = runner.invoke(app, ["import", "kiel", str(path), "-o", str(tmp_path / "out"), "--no-curated"])
    assert outcome.exit_code == 2 and "missing columns" in outcome.stderr


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,  # a binary file
        b'"donor","category","number_of_weapons","monetary_value_eur","weapons_list"\n"Poland",Tan\rks,3,100,T-72\n',
    ],
    ids=["binary", "bare carriage return"],
)
def test_a_file_the_csv_reader_cannot_split_gives_one_line_and_exit_code_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "weapons.csv"
    path.write_bytes(content)
    outcome = runner.invoke(app, ["import", "kiel", str(path), "-o", str(tmp_path / "out"), "--no-curated"])
    assert outcome.exit_code == 2, outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    assert outcome.stderr.strip().startswith(f"armsgraph: {path}:")
    assert "not a CSV table" in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1


def test_weapons_list_keeps_brackets_inside_names() -> None:
    assert parse_weapons_list("M270 weapon system (Norway) (11)") == [("M270 weapon system (Norway)", 11)]


KIEL_DIR = os.environ.get("ARMSGRAPH_KIEL_DIR")


@pytest.mark.skipif(not KIEL_DIR, reason="ARMSGRAPH_KIEL_DIR is not set: the full Kiel table is not in the repository")
def test_full_kiel_table_imports_every_row_beside_the_seeds(tmp_path: Path) -> None:
    assert KIEL_DIR is not None
    seeds = Path(__file__).parent.parent / "seeds"
    result = import_kiel(Path(KIEL_DIR) / "weapons-release29.csv", tmp_path, curated_dirs=[seeds], release="29")
    assert (result.rows_read, result.rows_rejected) == (61, 0)
    assert result.source == "kiel-release-29"  # the curated record of this release
    assert not check_dataset([seeds, tmp_path]).errors
