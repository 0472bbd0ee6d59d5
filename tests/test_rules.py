"""The registered semantic rules, each on records whose answer is obvious by inspection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from graph.errors import Severity
from graph.model import Actor, BackfillClaim, Deployment, Record, Source, System, Transfer
from graph.rules import RULES, SCHEMA_CODES, Finding, run_rules

GRAPH = Path(__file__).resolve().parent.parent / "graph"

KOR = Actor(id="KOR", name="South Korea", kind="state")
POL = Actor(id="POL", name="Poland", kind="state")
UKR = Actor(id="UKR", name="Ukraine", kind="state")
K2 = System(id="K2", name="K2 Black Panther", category="main_battle_tank")
T72 = System(id="T-72", name="T-72", category="main_battle_tank")
SOURCE = Source(id="src", publisher="Reuters via Vision Times", title="a title", kind="news")
BASE = [KOR, POL, UKR, K2, T72, SOURCE]


def leg(transfer_id: str = "kor-pol", **fields: Any) -> Transfer:
    values: dict[str, Any] = {
        "id": transfer_id,
        "supplier": "KOR",
        "recipient": "POL",
        "system": "K2",
        "kind": "sale",
        "status": "contracted",
        "confidence": "high",
        "sources": ["src"],
    }
    values.update(fields)
    return Transfer.model_validate(values)


def findings(records: Sequence[Record], code: str) -> list[tuple[str, tuple[str | int, ...], str]]:
    """What rule ``code`` says about ``records``: (record id, field, message) for each finding."""
    by_id: dict[str, Record] = {}
    for record in records:
        by_id.setdefault(record.id, record)
    return [(f.record.id, f.field, f.message) for rule, f in run_rules(records, by_id) if rule.code == code]


def all_findings(records: Sequence[Record]) -> list[tuple[str, Finding]]:
    by_id: dict[str, Record] = {}
    for record in records:
        by_id.setdefault(record.id, record)
    return [(rule.code, finding) for rule, finding in run_rules(records, by_id)]


# --------------------------------------------------------------------------- the registry


def test_every_rule_has_a_code_matching_its_severity_a_name_and_a_description() -> None:
    assert RULES
    for code, registered in RULES.items():
        assert registered.code == code
        expected = Severity.error if code.startswith("E") else Severity.warning
        assert registered.severity is expected, code
        assert re.fullmatch(r"E2\d\d|W3\d\d", code), code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", registered.name), registered.name
        assert len(registered.description) > 20, code


def test_rule_names_and_codes_are_unique_and_apart_from_the_schema_codes() -> None:
    names = [registered.name for registered in RULES.values()]
    assert len(names) == len(set(names))
    assert not set(RULES) & set(SCHEMA_CODES)
    assert all(re.fullmatch(r"E0\d\d|E1\d\d", code) for code in SCHEMA_CODES)


def test_every_code_the_reader_and_loader_emit_is_documented_in_schema_codes() -> None:
    emitted: set[str] = set()
    for module in ("load.py", "yamlfile.py"):
        emitted |= set(re.findall(r'"(E\d{3})"', (GRAPH / module).read_text()))
    assert emitted, "the pattern no longer finds the codes"
    assert emitted <= set(SCHEMA_CODES)
    assert set(SCHEMA_CODES) <= emitted, "a documented code is never emitted"


def test_valid_records_raise_no_finding() -> None:
    claim = BackfillClaim(
        id="bf", kind="replacement", replacing=["kor-pol"], enabled=["pol-ukr"], confidence="medium", sources=["src"]
    )
    records = [*BASE, leg(), leg("pol-ukr", supplier="POL", recipient="UKR", system="T-72", kind="donation"), claim]
    assert all_findings(records) == []


# --------------------------------------------------------------------------- E201 duplicate ids


def test_an_id_used_twice_is_reported_on_the_second_record() -> None:
    second = Actor(id="POL", name="Polska", kind="state")
    assert findings([*BASE, second], "E201") == [("POL", ("id",), "id 'POL' is already used by an actor record")]


def test_an_id_shared_across_sections_is_a_duplicate_too() -> None:
    clash = Source(id="K2", publisher="p", title="t", kind="news")
    assert findings([*BASE, clash], "E201") == [("K2", ("id",), "id 'K2' is already used by a system record")]


# --------------------------------------------------------------------------- E202 references


def test_an_unknown_supplier_is_reported_with_a_close_match() -> None:
    by_id = {r.id: r for r in [*BASE, leg(supplier="KORR")]}
    ((_, finding),) = [(r, f) for r, f in run_rules(list(by_id.values()), by_id) if r.code == "E202"]
    assert (finding.field, finding.message, finding.hint) == (
        ("supplier",),
        "actor 'KORR' is not defined",
        "did you mean 'KOR'?",
    )
    assert finding.reference == "KORR"


def test_every_kind_of_reference_is_checked() -> None:
    deployment = Deployment(
        id="dep", provider="USA", host="POL", system="Patriot", status="active", confidence="low", sources=["nope"]
    )
    claim = BackfillClaim(
        id="bf", kind="financing", replacing=["gone"], enabled=["kor-pol"], confidence="low", sources=["src"]
    )
    records = [*BASE, leg(financed_by=["DNK"], part_of="framework", sources=["src", "missing"]), deployment, claim]
    assert [(rid, field) for rid, field, _ in findings(records, "E202")] == [
        ("kor-pol", ("financed_by", 0)),
        ("kor-pol", ("part_of",)),
        ("kor-pol", ("sources", 1)),
        ("dep", ("provider",)),
        ("dep", ("system",)),
        ("dep", ("sources", 0)),
        ("bf", ("replacing", 0)),
    ]


def test_a_reported_figure_must_cite_a_defined_source() -> None:
    transfer = leg(reported=[{"source": "elsewhere", "quantity": 10}])
    assert findings([*BASE, transfer], "E202") == [
        ("kor-pol", ("reported", 0, "source"), "source 'elsewhere' is not defined")
    ]


def test_a_reference_to_the_wrong_kind_of_record_names_both_kinds() -> None:
    assert findings([*BASE, leg(system="POL")], "E202") == [("kor-pol", ("system",), "'POL' is an actor, not a system")]


def test_a_backfill_may_replace_with_a_deployment_but_enable_only_transfers() -> None:
    deployment = Deployment(id="dep", provider="KOR", host="POL", status="active", confidence="low", sources=["src"])
    claim = BackfillClaim(
        id="bf", kind="replacement", replacing=["dep"], enabled=["dep"], confidence="low", sources=["src"]
    )
    assert findings([*BASE, deployment, claim], "E202") == [
        ("bf", ("enabled", 0), "'dep' is a deployment, not a transfer")
    ]


# --------------------------------------------------------------------------- E203 dates


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({"signed": "2022-08-26", "first_delivery": "2022-07"}, [("first_delivery",)]),
        ({"signed": "2022-08-26", "last_delivery": "2021"}, [("last_delivery",)]),
        ({"first_delivery": "2023-01", "last_delivery": "2022-12-31"}, [("last_delivery",)]),
        ({"signed": "2022-08-26", "first_delivery": "2022-08"}, []),  # the same month may hold both
        ({"signed": "2022", "first_delivery": "2022-01-01"}, []),  # a year overlaps its days
        ({"signed": "2022-08-26", "first_delivery": "2022-08-26"}, []),
        ({"announced": "2023", "signed": "2022"}, []),  # announcements may follow a quiet signature
    ],
)
def test_deliveries_cannot_come_before_the_signature(dates: dict[str, str], expected: list[tuple[str]]) -> None:
    assert [field for _, field, _ in findings([*BASE, leg(**dates)], "E203")] == expected


def test_delivery_years_cannot_come_before_the_signature_year() -> None:
    early = leg(signed="2022-08-26", deliveries={2021: 5, 2022: 5})
    assert findings([*BASE, early], "E203") == [
        ("kor-pol", ("deliveries",), "deliveries in 2021 are before the signature (2022-08-26)")
    ]
    assert findings([*BASE, leg(signed="2022-08-26", deliveries={2022: 10})], "E203") == []


def test_a_deployment_cannot_end_before_it_starts() -> None:
    def deployment(start: str, end: str) -> Deployment:
        return Deployment(
            id="dep",
            provider="KOR",
            host="POL",
            status="ended",
            start=start,
            end=end,
            confidence="low",
            sources=["src"],
        )

    assert findings([*BASE, deployment("2023-05", "2023-04")], "E203") == [
        ("dep", ("end",), "end 2023-04 is before start 2023-05")
    ]
    assert findings([*BASE, deployment("2023-05", "2023")], "E203") == []


# --------------------------------------------------------------------------- E204-E206


def test_a_transfer_to_oneself_is_an_error() -> None:
    assert findings([*BASE, leg(supplier="POL")], "E204") == [
        ("kor-pol", ("recipient",), "supplier and recipient are both 'POL'")
    ]
    same_host = Deployment(id="d", provider="POL", host="POL", status="active", confidence="low", sources=["src"])
    assert [field for _, field, _ in findings([*BASE, same_host], "E204")] == [("host",)]


def test_a_leg_cannot_replace_itself() -> None:
    claim = BackfillClaim(
        id="bf", kind="replacement", replacing=["kor-pol"], enabled=["kor-pol"], confidence="low", sources=["src"]
    )
    assert findings([*BASE, leg(), claim], "E205") == [
        ("bf", ("enabled",), "'kor-pol' is listed as both replacing and enabled")
    ]


def test_a_lineage_loop_is_reported_on_each_system_inside_it_only() -> None:
    def system(system_id: str, based_on: str | None) -> System:
        return System(id=system_id, name=system_id, category="main_battle_tank", based_on=based_on)

    # A is based on B, and B and C on each other: the loop is B-C, A only leads into it.
    records = [system("A", "B"), system("B", "C"), system("C", "B")]
    assert findings(records, "E206") == [
        ("B", ("based_on",), "lineage loops back to itself: B -> C -> B"),
        ("C", ("based_on",), "lineage loops back to itself: C -> B -> C"),
    ]
    assert findings([system("PT-91", "T-72"), system("T-72", None)], "E206") == []
    assert findings([system("X", "X")], "E206") == [("X", ("based_on",), "lineage loops back to itself: X -> X")]


# --------------------------------------------------------------------------- warnings


def test_more_delivered_than_ordered_is_only_a_warning() -> None:
    assert findings([*BASE, leg(quantity_ordered=10, quantity_delivered=12)], "W301") == [
        ("kor-pol", ("quantity_delivered",), "12 delivered is more than 10 ordered")
    ]
    assert RULES["W301"].severity is Severity.warning


def test_a_delivery_inside_an_ordered_range_is_not_suspicious() -> None:
    ranged = leg(quantity_ordered={"value": 54, "upper": 60}, quantity_delivered=58)
    assert findings([*BASE, ranged], "W301") == []
    assert findings([*BASE, leg(quantity_ordered=10, quantity_delivered=10)], "W301") == []


def test_per_year_deliveries_should_add_up_to_an_exact_delivered_count() -> None:
    assert findings([*BASE, leg(quantity_delivered=12, deliveries={2022: 5, 2023: 5})], "W302") == [
        ("kor-pol", ("deliveries",), "deliveries per year add up to 10, but quantity_delivered is 12")
    ]
    about = leg(quantity_delivered={"value": 12, "qualifier": "about"}, deliveries={2022: 5, 2023: 5})
    assert findings([*BASE, about], "W302") == []


def test_a_contract_under_a_framework_shares_its_parties_and_system() -> None:
    framework = leg("framework", status="framework_agreed")
    contract = leg("contract", part_of="framework", recipient="UKR", system="T-72")
    assert findings([*BASE, framework, contract], "W303") == [
        ("contract", ("part_of",), "recipient 'UKR' differs from the framework's 'POL'"),
        ("contract", ("part_of",), "system 'T-72' differs from the framework's 'K2'"),
    ]


def test_a_source_nobody_cites_is_a_warning_and_a_reported_figure_counts_as_citing() -> None:
    extra = Source(id="only-in-figure", publisher="p", title="t", kind="news")
    unused = Source(id="unused", publisher="p", title="t", kind="news")
    transfer = leg(reported=[{"source": "only-in-figure", "quantity": 10}])
    assert findings([*BASE, extra, unused, transfer], "W304") == [
        ("unused", ("id",), "source 'unused' is not cited by any fact")
    ]
