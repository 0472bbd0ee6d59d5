"""`armsgraph import sipri`: SIPRI exports become seed YAML that loads beside curated data.

The excerpts in tests/data/sipri are a few dozen rows of real exports (see the README there);
tests on the whole files read them from $ARMSGRAPH_SIPRI_DIR and skip, saying why, when it is unset.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from graph.cli import app
from graph.errors import UsageError
from graph.importers import IMPORTERS, comments, get_importer
from graph.importers.comments import BackfillHint, CommentFacts, mine_comment, parse_money
from graph.importers.names import CURRENCY_CODES, designation_key, state_code
from graph.importers.sipri import CREDIT, import_sipri
from graph.importers.sipricsv import read_export, read_export_text
from graph.importers.yamltext import dump_document
from graph.load import check_dataset, load_dataset
from graph.model import Qualifier, TransferKind, TransferStatus
from graph.sparql import run_named_query
from graph.yamlfile import read_yaml_text

DATA = Path(__file__).parent / "data" / "sipri"
CURATED = DATA / "curated"
SEEDS = Path(__file__).parent.parent / "seeds"
runner = CliRunner()


@pytest.fixture(scope="module")
def trade_register(tmp_path_factory: pytest.TempPathFactory):
    """The Trade Register excerpt imported beside the tiny curated dataset, and both loaded together."""
    out = tmp_path_factory.mktemp("sipri")
    result = import_sipri(DATA / "trade-register-excerpt.csv", out, curated_dirs=[CURATED])
    dataset = load_dataset([CURATED, out], cache=False)
    return result, out, dataset


def _transfer(dataset, supplier: str, recipient: str, system: str, year: int | None = None):
    found = [
        t for t in dataset.transfers.values()
        if t.id.startswith("sipri-") and (t.supplier, t.recipient, t.system) == (supplier, recipient, system)
        and (year is None or (t.signed and t.signed.year == year))
    ]
    assert found, f"no imported transfer {supplier} -> {recipient} {system}"
    return found


# --------------------------------------------------------------------------- reading the file


def test_trade_register_is_found_by_its_header_not_its_name_or_line(tmp_path: Path) -> None:
    renamed = tmp_path / "whatever.txt"
    shutil.copy(DATA / "trade-register-excerpt.csv", renamed)
    export = read_export(renamed)
    assert export.layout == "trade_register"
    assert export.encoding == "iso-8859-1"
    assert str(export.generated_date) == "2025-03-13"
    assert export.columns[3] == "Year of order ?" and export.columns[9] == "Number delivered ?"
    # with one more preamble line the header is still found
    text = "An extra line\n" + (DATA / "trade-register-excerpt.csv").read_bytes().decode("latin-1")
    assert len(read_export_text(text).rows) == len(export.rows)


def test_a_csv_without_a_sipri_header_is_a_usage_error(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UsageError, match="no SIPRI header"):
        read_export(other)


def test_records_split_by_a_line_break_in_comments_are_joined() -> None:
    export = read_export(DATA / "trade-register-excerpt.csv")
    split = [row for row in export.rows if row.lines == 2]
    assert [row.fields[0] for row in split] == ["Thailand", "United Nations**"]
    thailand = split[0]
    assert thailand.fields[-3:] == ["0.25", "3.5", "3.25"]
    assert thailand.fields[12].endswith("redesign for other engines")
    assert not export.rejected


def test_accented_designations_are_read_from_iso_8859_1(trade_register) -> None:
    _, _, dataset = trade_register
    names = {system.name for system in dataset.systems.values()}
    assert "Bü-181 Bestmann" in names
    (bestmann,) = _transfer(dataset, "EGY", "DZA", "sipri-sys-bu181bestmann")
    assert bestmann.kind is TransferKind.unspecified  # the comment does not say sale, aid or lease


# --------------------------------------------------------------------------- one deal, one transfer


def test_each_deal_row_becomes_one_transfer(trade_register) -> None:
    result, _, dataset = trade_register
    export = read_export(DATA / "trade-register-excerpt.csv")
    imported = [t for t in dataset.transfers if t.startswith("sipri-")]
    assert len(imported) == len(export.rows) == result.rows_imported == result.counts["transfers"]
    assert result.rows_read == len(export.rows) and result.rows_rejected == 0


def test_stats_counts_the_imported_transfers(trade_register) -> None:
    result, out, _ = trade_register
    outcome = runner.invoke(app, ["stats", "--json", "--data", str(CURATED), "--data", str(out)])
    assert outcome.exit_code == 0, outcome.output
    counts = json.loads(outcome.stdout)
    assert counts["transfers"] == result.counts["transfers"] + 3  # plus the three curated legs
    assert counts["backfills"] == result.counts["backfills"] == 2


def test_identical_duplicate_rows_get_distinct_ids(trade_register) -> None:
    _, _, dataset = trade_register
    mexico = sorted(t.id for t in dataset.transfers.values() if t.recipient == "MEX")
    assert mexico == ["sipri-mex-usa-2008-aircraftengine", "sipri-mex-usa-2008-aircraftengine-2"]


def test_one_file_per_recipient(trade_register) -> None:
    _, out, dataset = trade_register
    files = sorted(p.stem for p in (out / "transfers").glob("*.yaml"))
    recipients = sorted({t.recipient for t in dataset.transfers.values() if t.id.startswith("sipri-")})
    assert files == recipients
    assert "POL" in files and "UKR" in files


# --------------------------------------------------------------------------- curated data stays authoritative


def test_korea_k2_deal_reuses_curated_ids_and_points_at_the_curated_legs(trade_register) -> None:
    _, out, dataset = trade_register
    k2 = {t.quantity_ordered.value: t for t in _transfer(dataset, "KOR", "POL", "k2")}
    assert k2[180].same_as == "kor-pol-k2-exec1-2022"
    assert k2[820].same_as == "kor-pol-k2-framework-2022"
    assert k2[820].status is TransferStatus.offered  # "selected 2022 but not yet ordered"
    assert dataset.transfers["kor-pol-k2-exec1-2022"].confidence.value == "high"  # untouched
    actors = yaml.safe_load((out / "actors.yaml").read_text())["actors"]
    assert not {"KOR", "POL", "UKR"} & {a["id"] for a in actors}


# Four rows of the SIPRI Trade Register (13 Mar 2025): each pair sits on one route, as do two curated legs.
TWO_DEALS_ON_ONE_ROUTE = "".join(
    ",".join(fields) + "\n"
    for fields in [
        ("Czechia", "Germany", "2024", "", "14", "", "Leopard-2A4", "tank", "0", "", "", "Second hand",
         "Second-hand; aid; delivery planned 2024-2025", "1.6", "22.4", "0"),
        ("Czechia", "Germany", "2024", "", "14", "", "Leopard-2A4", "tank", "0", "", "", "Second hand",
         "Second-hand; EUR161 m deal; delivery planned by 2026", "1.6", "22.4", "0"),
        ("Ukraine", "Poland", "2022", "", "54", "?", "Krab 155mm", "self-propelled gun", "54", "", "2022",
         "Second hand", "Second-hand; aid after 2022 Russian invasion of Ukraine", "1.8", "97.2", "97.2"),
        ("Ukraine", "Poland", "2022", "", "54", "", "Krab 155mm", "self-propelled gun", "54", "", "2022; 2023; 2024",
         "New", "EUR650 m deal (partly financed by EU aid)", "3.75", "202.5", "202.5"),
    ]
)


def test_two_sipri_deals_on_one_route_point_at_two_curated_legs_not_both_at_one(tmp_path: Path) -> None:
    # Czechia's 14 Leopards: one aid, one bought; Ukraine's Krabs: second-hand aid, and a new sale.
    # A curated leg is described by at most one row, and a donation goes to the curated donation.
    preamble = (DATA / "trade-register-excerpt.csv").read_text(encoding="latin-1").splitlines(keepends=True)[:12]
    csv_file = tmp_path / "two-deals.csv"
    csv_file.write_text("".join(preamble) + TWO_DEALS_ON_ONE_ROUTE, encoding="utf-8")
    import_sipri(csv_file, tmp_path / "out", curated_dirs=[SEEDS])
    dataset = load_dataset([SEEDS, tmp_path / "out"], cache=False)
    linked = {(t.kind.value, t.same_as) for t in dataset.transfers.values() if t.id.startswith("sipri-")}
    assert linked == {
        ("donation", "deu-cze-leopard2a4-2024"),
        ("sale", "deu-cze-leopard2a4-2024-purchase"),
        ("donation", "pol-ukr-krab-donation-2022"),
        ("sale", "pol-ukr-krab-sale-2022"),
    }


def test_sipri_k9_chassis_rows_are_the_curated_chassis_not_the_howitzer(tmp_path: Path) -> None:
    # SIPRI (13 Mar 2025) names the chassis "K-9", described as "self-propelled gun chassis"
    rows = [
        ("Poland", "South Korea", "2014", "", "24", "", "K-9", "self-propelled gun chassis", "24", "", "2016; 2017",
         "New", "KRW83 b ($80 m) deal; incl assembly/production under licence in Poland; for 24 Krab "
         "self-propelled guns produced in Poland", "0.59", "14.16", "14.16"),
        ("Ukraine", "South Korea", "2022", "", "54", "", "K-9", "self-propelled gun chassis", "54", "",
         "2022; 2023; 2024", "New", "Chassis for 54 Krab self-propelled guns from Poland; from Polish production line",
         "0.59", "31.86", "31.86"),
    ]
    preamble = (DATA / "trade-register-excerpt.csv").read_text(encoding="latin-1").splitlines(keepends=True)[:12]
    csv_file = tmp_path / "chassis.csv"
    csv_file.write_text("".join(preamble) + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    import_sipri(csv_file, tmp_path / "out", curated_dirs=[SEEDS])
    dataset = load_dataset([SEEDS, tmp_path / "out"], cache=False)
    imported = {t.recipient: t for t in dataset.transfers.values() if t.id.startswith("sipri-")}
    assert {t.system for t in imported.values()} == {"k9-chassis"}
    assert imported["POL"].same_as == "kor-pol-k9-chassis-2014"


def test_sipri_k2_rows_are_compared_only_with_the_curated_leg_each_describes(trade_register) -> None:
    # SIPRI's 180 ordered agrees with the contract; its 820 "not yet ordered" differs from the 1,000
    # framework. The 180 must not be set against the framework, nor the 820 against the contract.
    _, _, dataset = trade_register
    found = run_named_query(dataset, "imported-vs-curated", {"supplier": "KOR"}).records()
    k2 = {t.quantity_ordered.value: t.id for t in _transfer(dataset, "KOR", "POL", "k2")}
    assert [(r["curated"], r["imported"], r["measure"], r["curatedFigure"], r["importedFigure"]) for r in found] == [
        ("agid:transfer/kor-pol-k2-framework-2022", f"agid:transfer/{k2[820]}", "ordered", "1000", "820")
    ]


def test_every_fact_cites_the_export_with_its_generation_date(trade_register) -> None:
    result, out, dataset = trade_register
    assert result.source == "sipri-tr-2025-03"  # the curated record of the same export
    assert not (out / "sources.yaml").exists()
    assert all(t.sources == ["sipri-tr-2025-03"] for t in dataset.transfers.values() if t.id.startswith("sipri-"))
    assert CREDIT in (out / "README.md").read_text()
    assert CREDIT in (out / "transfers" / "POL.yaml").read_text()


def test_without_curated_data_the_import_stands_alone_with_its_own_dated_source(tmp_path: Path) -> None:
    result = import_sipri(DATA / "trade-register-excerpt.csv", tmp_path, curated_dirs=[])
    dataset = load_dataset([tmp_path], cache=False)
    source = dataset.sources[result.source]
    assert str(source.date) == "2025-03-13"
    assert source.title == "SIPRI Arms Transfers Database"
    assert "KOR" in dataset.actors and "sipri-sys-k2blackpanther" in dataset.systems


def test_import_loads_beside_the_bundled_seeds(tmp_path: Path) -> None:
    import_sipri(DATA / "trade-register-excerpt.csv", tmp_path, curated_dirs=[SEEDS])
    report = check_dataset([SEEDS, tmp_path])
    assert not report.errors, "\n".join(map(str, report.errors[:5]))


# --------------------------------------------------------------------------- columns and comments


def test_uncertain_numbers_become_about_qualifiers(trade_register) -> None:
    _, _, dataset = trade_register
    (t72,) = _transfer(dataset, "POL", "UKR", "t-72m1")
    assert t72.quantity_ordered.value == 270 and t72.quantity_ordered.qualifier is Qualifier.about
    assert t72.quantity_delivered.qualifier is Qualifier.exact
    assert t72.kind is TransferKind.donation  # "aid after 2022 Russian invasion"
    assert t72.condition.value == "second_hand"


def test_tiv_is_kept_as_a_value_in_tiv(trade_register) -> None:
    _, _, dataset = trade_register
    k2 = next(t for t in _transfer(dataset, "KOR", "POL", "k2") if t.quantity_ordered.value == 180)
    assert (k2.value.millions, k2.value.currency) == (855.0, "TIV")
    assert k2.status is TransferStatus.delivering and k2.quantity_delivered.value == 84
    assert k2.kind is TransferKind.sale  # a priced deal
    assert (str(k2.first_delivery), str(k2.last_delivery)) == ("2022", "2024")
    assert "Deal value in the comment: 3,300 m USD" in k2.notes
    assert '"$3.3 b deal; incl production under licence in Poland' in k2.notes


def test_comments_give_kind_financing_and_deal_values(trade_register) -> None:
    _, _, dataset = trade_register
    (tucano,) = _transfer(dataset, "BRA", "AFG", "sipri-sys-emb314supertucano")
    assert tucano.financed_by == ["USA"]
    (hermes,) = _transfer(dataset, "ISR", "sipri-united-nations", "sipri-sys-hermes900")
    assert hermes.kind is TransferKind.lease
    (piranha,) = _transfer(dataset, "CAN", "sipri-african-union", "sipri-sys-piranha1")
    assert piranha.kind is TransferKind.loan
    (krab,) = _transfer(dataset, "POL", "UKR", "sipri-sys-krab155mm")
    assert "650 m EUR" in krab.notes and krab.financed_by == ["EU"]
    (an148,) = _transfer(dataset, "UKR", "RUS", "sipri-sys-an148")
    assert an148.kind is TransferKind.licensed_production  # "produced under licence in Russia"


def test_actor_names_map_to_iso3_historic_states_and_non_state_actors(trade_register) -> None:
    _, _, dataset = trade_register
    actors = dataset.actors
    assert actors["CSK"].name == "Czechoslovakia" and actors["SUN"].kind.value == "state"
    assert "not an ISO 3166 code" in actors["XNY"].notes
    assert actors["sipri-hezbollah-lebanon"].kind.value == "non_state"
    assert actors["sipri-african-union"].kind.value == "organisation"
    assert "not known" in actors["sipri-unknown-supplier-s"].notes


def test_weapon_descriptions_give_categories(trade_register) -> None:
    _, _, dataset = trade_register
    systems = dataset.systems
    assert systems["sipri-sys-2s9120mm"].category.value == "self_propelled_howitzer"
    assert systems["sipri-sys-iristsl"].category.value == "air_defence_system"
    assert systems["sipri-sys-5v55u"].category.value == "missile"
    assert systems["sipri-sys-shipengine"].category.value == "engine"


def test_designation_spellings_of_releases_meet_on_one_system() -> None:
    spellings = ["K2 Black Panther", "K-2 Black Panther", "K-2 -", "k2  black-panther"]
    assert {designation_key(s) for s in spellings} == {"k2blackpanther"}


# --------------------------------------------------------------------------- backfills


def test_replacement_comment_becomes_a_backfill_claim_citing_the_comment(trade_register) -> None:
    _, _, dataset = trade_register
    claims = {c.replacing[0]: c for c in dataset.backfills.values()}
    slovakia = claims["sipri-svk-deu-2022-leopard2a4"]
    assert slovakia.enabled == ["svk-ukr-bmp1-2022"]  # the curated leg, not SIPRI's copy of it
    assert slovakia.kind.value == "ring_exchange"
    assert "as replacement for 30 BMP-1 IFV delivered v to Ukraine" in slovakia.notes
    greece = claims["sipri-grc-deu-2022-marder1a3"]
    assert greece.enabled == ["sipri-ukr-grc-2022-bmp1"]
    assert greece.sources == ["sipri-tr-2025-03"]


def test_unresolvable_hints_are_listed_as_candidates(trade_register) -> None:
    _, out, _ = trade_register
    report = json.loads((out / "import-report.json").read_text())
    bulgaria = [c for c in report["candidates"] if c["transfer"].startswith("sipri-bgr-deu-2024")]
    assert bulgaria and bulgaria[0]["phrase"] == "as compensation for"
    assert "no transfer BGR -> UKR" in bulgaria[0]["unresolved"]
    assert report["counts"]["backfill_candidates"] == len(report["candidates"])


# --------------------------------------------------------------------------- damaged input


def test_damaged_file_imports_every_sound_row_and_reports_each_rejected_line(tmp_path: Path) -> None:
    path = DATA / "trade-register-damaged-excerpt.csv"
    outcome = runner.invoke(app, ["import", "sipri", str(path), "-o", str(tmp_path), "--curated", str(CURATED)])
    assert outcome.exit_code == 0, outcome.output
    for line in (10, 11, 13, 14, 15, 16):
        assert f"{path}:{line}: rejected:" in outcome.stderr
    assert "15 rows read, 9 imported, 6 rejected" in outcome.stdout
    assert "no 'Data generated' line" in outcome.stderr
    report = json.loads((tmp_path / "import-report.json").read_text())
    assert [r["line"] for r in report["rejected"]] == [10, 11, 13, 14, 15, 16]
    assert not check_dataset([CURATED, tmp_path]).errors
    strict = runner.invoke(app, ["import", "sipri", str(path), "-o", str(tmp_path), "--no-curated", "--strict"])
    assert strict.exit_code == 1


def test_bad_rows_are_rejected_with_their_line_and_reason(tmp_path: Path) -> None:
    header = (DATA / "trade-register-excerpt.csv").read_bytes().decode("latin-1").split("\n")[11]
    rows = [
        "Poland,South Korea,20x2,,1,,K9,self-propelled gun,0,,,New,,1,1,0",
        "Atlantis,South Korea,2022,,1,,K9,self-propelled gun,0,,,New,,1,1,0",
        "Poland,South Korea,2022,,1,,K9,self-propelled gun,0,,,Used,,1,1,0",
        "Poland,South Korea,2022,,1,,K9,self-propelled gun,0,,,New,a,b,1,1,0",
        "Poland,Poland,2022,,1,,K9,self-propelled gun,0,,,New,,1,1,0",
        "Poland,South Korea,2022,,1,,K9,self-propelled gun,0,,,New,,1,1,0",
    ]
    path = tmp_path / "bad.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = import_sipri(path, tmp_path / "out", curated_dirs=[])
    reasons = {r.line: r.reason for r in result.rejected}
    assert "not a year" in reasons[2]
    assert "unknown recipient name 'Atlantis'" in reasons[3]
    assert "status 'Used'" in reasons[4]
    assert "17 fields, expected 16" in reasons[5]
    assert "same actor (POL)" in reasons[6]
    assert result.rows_imported == 1 and result.rows_read == 6


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        import_sipri(DATA / "trade-register-excerpt.csv", out, curated_dirs=[CURATED])
    names = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert names == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_rerunning_replaces_an_earlier_import_but_never_a_foreign_folder(tmp_path: Path) -> None:
    import_sipri(DATA / "trade-register-excerpt.csv", tmp_path / "out", curated_dirs=[])
    (tmp_path / "out" / "transfers" / "ZZZ.yaml").write_text("transfers: []\n")
    import_sipri(DATA / "trade-register-excerpt.csv", tmp_path / "out", curated_dirs=[])
    assert not (tmp_path / "out" / "transfers" / "ZZZ.yaml").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        import_sipri(DATA / "trade-register-excerpt.csv", tmp_path / "mine", curated_dirs=[])
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


# --------------------------------------------------------------------------- the transfers export


def test_transfers_export_groups_delivery_years_by_deal_id(tmp_path: Path) -> None:
    result = import_sipri(DATA / "transfers-excerpt.csv", tmp_path, curated_dirs=[CURATED])
    assert result.layout == "transfers" and result.generated.startswith("12 Feb 2026")
    dataset = load_dataset([CURATED, tmp_path], cache=False)
    k2 = dataset.transfers["sipri-at-63491"]
    assert (k2.supplier, k2.recipient, k2.system) == ("KOR", "POL", "k2")  # "K-2 -" is the curated K2
    assert k2.deliveries == {2022: 10, 2023: 18, 2024: 56}
    assert k2.quantity_delivered.value == 84 and k2.quantity_delivered.qualifier is Qualifier.about
    assert k2.kind is TransferKind.licensed_production  # Local production: Yes
    assert k2.same_as == "kor-pol-k2-exec1-2022"
    export = read_export(DATA / "transfers-excerpt.csv")
    deal_ids = {row.fields[0] for row in export.rows}
    assert result.counts["transfers"] == len(deal_ids)
    source = dataset.sources[result.source]
    assert str(source.date) == "2026-02-12"


def test_the_registry_names_both_importers() -> None:
    assert set(IMPORTERS) == {"sipri", "kiel"}
    assert get_importer("sipri").credit == CREDIT
    with pytest.raises(UsageError, match="known: kiel, sipri"):
        get_importer("sipro")


def test_iso3_table_covers_comment_spellings() -> None:
    assert [state_code(n) for n in ("USA", "FRG", "UK", "Turkiye", "Viet Nam", "East Germany (GDR)")] == [
        "USA", "DEU", "GBR", "TUR", "VNM", "DDR"]


# --------------------------------------------------------------------------- properties

_field = st.text(alphabet=st.characters(blacklist_characters=',\n\r";', blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(st.tuples(_field.filter(lambda s: s.strip() != ""), _field, _field, st.booleans()),
                        min_size=1, max_size=8),
       crlf=st.booleans())
def test_records_split_after_their_comments_are_joined_back(records, crlf) -> None:
    header = "Recipient,Supplier,Year of order, ,Weapon designation,Comments,SIPRI TIV per unit"
    newline = "\r\n" if crlf else "\n"
    lines = ["preamble", header]
    expected = []
    for first, comment, tiv, split in records:
        first = "R" + first  # a record never starts with a comma
        fields = [first, "S", "2022", "", "K2", comment, tiv]
        expected.append([f.strip() for f in fields])
        text = ",".join(fields)
        if split:
            head, _, tail = text.rpartition(",")
            lines.extend([head, "," + tail])
        else:
            lines.append(text)
    export = read_export_text(newline.join(lines) + newline)
    assert [[f.strip() for f in row.fields] for row in export.rows] == expected
    assert not export.rejected


@settings(max_examples=80, deadline=None)
@given(
    amount=st.decimals(min_value="0.1", max_value="9999", places=1, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(["m", "b", "tr"]),
    currency=st.sampled_from(["$", "EUR", "KRW", "PLN", "DKR"]),
    part_of=st.booleans(),
    space=st.booleans(),
)
def test_deal_values_are_read_in_millions_of_their_currency(amount, unit, currency, part_of, space) -> None:
    text = f"{'Part of ' if part_of else ''}{currency}{amount}{' ' if space else ''}{unit} deal; aid"
    values, unknown = parse_money(text)
    assert not unknown and len(values) == 1
    value = values[0]
    scale = {"m": 1, "b": 1000, "tr": 1_000_000}[unit]
    assert value.millions == pytest.approx(float(amount) * scale)
    assert value.currency == CURRENCY_CODES.get(currency, currency)
    assert value.part_of is part_of and value.deal
    facts = mine_comment(text)
    assert facts.aid and (facts.deal_value is None) is part_of


def _mined_by_the_patterns_alone(comment: str) -> CommentFacts:
    """:func:`mine_comment` as it was before its substring shortcuts: every pattern always tried."""
    if not comment:
        return CommentFacts()
    values, unknown = parse_money(comment)
    financed = [name for match in comments._FINANCED.finditer(comment) for name in comments._payers(match[1])]
    outside = comments._FINANCED.sub(" ", comment)
    lowered = comment.casefold()
    return CommentFacts(
        values=tuple(values),
        unknown_currencies=tuple(unknown),
        aid=bool(comments._AID.search(outside)),
        financed_by=tuple(dict.fromkeys(financed)),
        lease=bool(comments._LEASE.search(lowered)),
        loan=bool(comments._LOAN.search(lowered)),
        licensed=bool(comments._LICENSED.search(lowered)),
        not_yet_ordered=bool(comments._NOT_YET_ORDERED.search(lowered)),
        backfill=tuple(
            BackfillHint(m[1].casefold(), " ".join(m[2].split())) for m in comments._BACKFILL.finditer(comment)
        ),
    )


_COMMENT_WORDS = ["aid", "AID", "Financed by", "financed  by", "USA", "Denmark and Norway", "as replacement for",
                  "In return for", "as compensation for", "to replace", "lease", "leased", "leasing", "on loan",
                  "loaned", "loan", "produced under licence", "not yet ordered", "not yet signed", "$3.3 b deal",
                  "EUR650 m", "(\u0024750 m)", "part of", ";", "(", ")", " ", "\u212aRW1 tr", "lea\u017fed",
                  "A\u0130D", "in return \u017fOR", "2022", "BMP-1 IFV delivered to Ukraine"]


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(_COMMENT_WORDS), st.text(max_size=6)), max_size=12))
def test_mining_shortcuts_change_no_result(parts: list[str]) -> None:
    comment = " ".join(parts)
    assert mine_comment(comment) == _mined_by_the_patterns_alone(comment)


@pytest.mark.parametrize("name", ["trade-register-excerpt.csv", "trade-register-damaged-excerpt.csv"])
def test_mining_shortcuts_change_no_result_on_real_comments(name: str) -> None:
    export = read_export(DATA / name)
    column = export.column("Comments")
    for row in export.rows:
        comment = " ".join(row.fields[column].split())
        assert mine_comment(comment) == _mined_by_the_patterns_alone(comment), comment


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), _text,
              st.floats(allow_nan=False, allow_infinity=False, width=32)),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(document=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), _value, min_size=1, max_size=4))
def test_written_yaml_reads_back_unchanged(document) -> None:
    text = dump_document(document)
    assert yaml.safe_load(text) == document
    parsed = read_yaml_text(text, "x.yaml")
    assert not parsed.problems and parsed.value == document


# --------------------------------------------------------------------------- the whole files

SIPRI_DIR = os.environ.get("ARMSGRAPH_SIPRI_DIR")
needs_full_files = pytest.mark.skipif(
    not SIPRI_DIR, reason="ARMSGRAPH_SIPRI_DIR is not set: the full SIPRI exports are not in the repository"
)


@needs_full_files
def test_full_trade_register_imports_every_deal_and_loads_beside_the_seeds(tmp_path: Path) -> None:
    assert SIPRI_DIR is not None
    result = import_sipri(Path(SIPRI_DIR) / "trade-register-2025-03.csv", tmp_path, curated_dirs=[SEEDS])
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (29515, 29515, 0)
    report = check_dataset([SEEDS, tmp_path])
    assert not report.errors, "\n".join(map(str, report.errors[:5]))
    assert report.dataset is not None
    assert sum(1 for t in report.dataset.transfers if t.startswith("sipri-")) == 29515


@needs_full_files
def test_full_damaged_file_rejects_exactly_the_four_cut_records(tmp_path: Path) -> None:
    assert SIPRI_DIR is not None
    result = import_sipri(Path(SIPRI_DIR) / "trade-register-damaged.csv", tmp_path, curated_dirs=[])
    assert [r.line for r in result.rejected] == [5334, 5335, 20952, 20953, 25156, 25157, 27932, 27933]
    assert result.rows_read == result.rows_imported + result.rows_rejected


@needs_full_files
def test_full_transfers_export_gives_one_transfer_per_deal_id(tmp_path: Path) -> None:
    assert SIPRI_DIR is not None
    result = import_sipri(Path(SIPRI_DIR) / "transfers-1995-2025.csv", tmp_path, curated_dirs=[])
    assert result.counts["transfers"] == 12571 and result.rows_rejected == 0
    assert not check_dataset([tmp_path]).errors


def test_docs_list_every_mapping_table_entry_and_importer() -> None:
    from graph.importers.kiel import KIEL_CATEGORIES
    from graph.importers.names import DESCRIPTION_CATEGORIES, USER_ASSIGNED_CODES

    text = (Path(__file__).parent.parent / "docs" / "importers.md").read_text().casefold()
    missing = [d for d in DESCRIPTION_CATEGORIES if d not in text]
    missing += [code for code in USER_ASSIGNED_CODES if code.casefold() not in text]
    missing += [c for c in KIEL_CATEGORIES if c not in text]
    missing += [f"armsgraph import {name}" for name in IMPORTERS if f"armsgraph import {name}" not in text]
    assert not missing, f"docs/importers.md does not mention: {missing}"


def test_curated_data_defaults_to_armsgraph_data_and_json_gives_the_counts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ARMSGRAPH_DATA", str(CURATED))
    outcome = runner.invoke(app, ["import", "sipri", str(DATA / "trade-register-excerpt.csv"),
                                  "-o", str(tmp_path), "--json"])
    assert outcome.exit_code == 0, outcome.output
    summary = json.loads(outcome.stdout)
    assert summary["source"] == "sipri-tr-2025-03"  # found in $ARMSGRAPH_DATA
    assert (summary["rows_read"], summary["rows_rejected"]) == (28, 0)
    assert summary["same_as"]["sipri-pol-kor-2022-k2blackpanther"] == "kor-pol-k2-exec1-2022"
