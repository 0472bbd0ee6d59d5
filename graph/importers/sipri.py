"""Import the SIPRI Arms Transfers Database (Trade Register or transfers export) as seed YAML.

``armsgraph import sipri FILE -o DIR`` calls :func:`import_sipri`. The layout is found by
the header (:mod:`graph.importers.sipricsv`); each Trade Register row becomes one transfer,
and the transfers export's rows are grouped by ``SIPRI AT Database ID`` into one transfer
with its deliveries per year. Every transfer cites the export's source record (a curated one
with the same title and generation date when the curated data has it). What each column
becomes is documented in ``docs/importers.md``.

Output (one release per directory, so two releases diff file by file)::

    DIR/sources.yaml               the SIPRI source (unless curated)
    DIR/actors.yaml                actors the curated data lacks
    DIR/systems.yaml               systems the curated data lacks
    DIR/transfers/<RECIPIENT>.yaml one file per recipient
    DIR/backfills.yaml             backfill claims whose both legs were found
    DIR/import-report.json         rejected lines, candidates, links to curated legs
    DIR/README.md                  the credit line
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..dataset import Dataset
from ..model import (
    BackfillClaim,
    BackfillKind,
    Condition,
    Confidence,
    Money,
    PartialDate,
    Qualifier,
    Quantity,
    Source,
    SourceKind,
    Transfer,
    TransferKind,
    TransferStatus,
)
from .comments import CommentFacts, mine_comment
from .curated import CuratedIndex, Resolver, imported_ids, load_curated
from .names import designation_key, name_key
from .output import ImportResult, prepare_output, write_files
from .sipricsv import TRADE_REGISTER, TRANSFERS, Export, Rejection, Row, read_export
from .yamltext import dump_document

__all__ = ["CREDIT", "convert_export", "import_sipri"]

CREDIT = "Source: SIPRI Arms Transfers Database"
TITLE = "SIPRI Arms Transfers Database"
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI)"

Progress = Callable[[int, int], None]

_CONDITIONS = {
    "new": Condition.new,
    "second hand": Condition.second_hand,
    "second hand but modernized": Condition.modernised,
    "second hand but modernised": Condition.modernised,
}
_YEAR = re.compile(r"^\d{4}$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_FOUR_DIGITS = re.compile(r"\d{4}")
_YEARS = re.compile(r"\d{4}(?:\s*;\s*\d{4})*")
_ID_LIMIT = 120


def import_sipri(
    path: str | Path,
    out_dir: str | Path,
    *,
    curated_dirs: Sequence[str | Path] = (),
    progress: Progress | None = None,
) -> ImportResult:
    """Import a SIPRI export file into ``out_dir``; return what was read, written and rejected."""
    export = read_export(path)
    curated = load_curated(curated_dirs)
    imported = imported_ids(curated, curated_dirs) if curated is not None else set()
    result, files = convert_export(export, curated, progress=progress, imported=imported)
    out = Path(out_dir)
    prepare_output(out)
    result.output = str(out)
    write_files(out, files, result)
    return result


# --------------------------------------------------------------------------- conversion


class _Converter:
    def __init__(self, export: Export, curated: Dataset | None, imported: set[str]) -> None:
        self.export = export
        self.curated = curated
        self.index = CuratedIndex.of(curated, imported)
        self.resolver = Resolver(self.index, prefix="sipri")
        self.rejected: list[Rejection] = list(export.rejected)
        self.transfers: list[Transfer] = []
        self.hints: list[tuple[Transfer, CommentFacts, str]] = []
        self.unresolved_payers: Counter[str] = Counter()
        self.unknown_currencies: Counter[str] = Counter()
        self.source_id, self.source = self._source()
        self.used_ids: set[str] = set()

    # ------------------------------------------------------------------ source

    def _source(self) -> tuple[str, Source | None]:
        export = self.export
        date = PartialDate.parse(export.generated_date) if export.generated_date else None
        kind = "Trade Register" if export.layout == TRADE_REGISTER else "transfers"
        existing = self.index.source_like(kind, date, "SIPRI") if date else None
        if existing and TITLE.casefold() in self.index.sources[existing].title.casefold():
            return existing, None
        raw = Path(export.path).read_bytes() if Path(export.path).exists() else export.path.encode()
        if date is not None:
            source_id = f"sipri-{'tr' if export.layout == TRADE_REGISTER else 'transfers'}-{date}"
            when = f"generated {export.generated}"
        else:
            source_id = f"sipri-{'tr' if export.layout == TRADE_REGISTER else 'transfers'}-undated-" + \
                hashlib.sha256(raw).hexdigest()[:8]
            when = "with no generation date (its preamble was missing)"
        notes = f"{kind} export {when}; imported by armsgraph from {Path(export.path).name}. {CREDIT}."
        source = Source(id=source_id, publisher=PUBLISHER, title=TITLE, date=date, kind=SourceKind.database,
                        notes=notes)
        return source_id, source

    # ------------------------------------------------------------------ shared helpers

    def _new_id(self, base: str) -> str:
        base = base[:_ID_LIMIT - 4].rstrip("-.")
        candidate, n = base, 1
        while candidate in self.used_ids or candidate in self.index.ids:
            n += 1
            candidate = f"{base}-{n}"
        self.used_ids.add(candidate)
        return candidate

    def _actors(self, row: Row, supplier_name: str, recipient_name: str) -> tuple[str, str] | None:
        supplier = self.resolver.actor(supplier_name)
        recipient = self.resolver.actor(recipient_name)
        for name, found, what in ((supplier_name, supplier, "supplier"), (recipient_name, recipient, "recipient")):
            if not name.strip():
                self._reject(row, f"{what} is empty")
                return None
            if found is None:
                self._reject(row, f"unknown {what} name {name!r}; add it to STATE_CODES in graph/importers/names.py")
                return None
        assert supplier is not None and recipient is not None
        if supplier == recipient:
            self._reject(row, f"supplier and recipient are the same actor ({supplier})")
            return None
        return supplier, recipient

    def _reject(self, row: Row, reason: str) -> None:
        text = ",".join(row.fields)
        self.rejected.append(Rejection(row.line, reason, text if len(text) <= 100 else text[:97] + "..."))

    def _payers(self, facts: CommentFacts, supplier: str, recipient: str) -> list[str]:
        payers: list[str] = []
        for name in facts.financed_by:
            found = self.resolver.actor(name, create=True) if _looks_like_actor(name) else None
            if found is None:
                self.unresolved_payers[name] += 1
            elif found not in (supplier, recipient) and found not in payers:
                payers.append(found)
        return payers

    # ------------------------------------------------------------------ Trade Register

    def trade_register(self, progress: Progress | None) -> None:
        export = self.export
        col = {name: export.column(name) for name in (
            "Recipient", "Supplier", "Year of order", "Year of order ?", "Number ordered", "Number ordered ?",
            "Weapon designation", "Weapon description", "Number delivered", "Number delivered ?",
            "Year(s) of delivery", "status", "Comments", "SIPRI TIV per unit", "SIPRI TIV for total order",
            "SIPRI TIV of delivered weapons")}
        total = len(export.rows)
        for done, row in enumerate(export.rows, 1):
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
            f = [value.strip() for value in row.fields]
            problem = _check_trade_register(f, col)
            if problem:
                self._reject(row, problem)
                continue
            actors = self._actors(row, f[col["Supplier"]], f[col["Recipient"]])
            if actors is None:
                continue
            supplier, recipient = actors
            designation, description = f[col["Weapon designation"]], f[col["Weapon description"]]
            system = self.resolver.system(designation, description)
            comment = " ".join(row.fields[col["Comments"]].split())
            facts = mine_comment(comment)
            self.unknown_currencies.update(facts.unknown_currencies)
            order_year = int(f[col["Year of order"]])
            ordered = _quantity(f[col["Number ordered"]], f[col["Number ordered ?"]])
            years = sorted({int(y) for y in _FOUR_DIGITS.findall(f[col["Year(s) of delivery"]])})
            delivered_count = int(f[col["Number delivered"]] or 0)
            delivered = _quantity(f[col["Number delivered"]], f[col["Number delivered ?"]]) \
                if (delivered_count or years) else None
            notes = [f'SIPRI comment: "{comment}".'] if comment else []
            if f[col["Year of order ?"]] == "?":
                notes.append(f"Year of order {order_year} is uncertain (SIPRI '?').")
            if years:
                notes.append("Delivery years: " + ", ".join(map(str, years)) + ".")
            signed: PartialDate | None = _year(order_year)
            if years and years[0] < order_year:
                notes.append(f"SIPRI gives {order_year} as the year of order, after the first delivery.")
                signed = None
            deal = facts.deal_value
            if deal is not None:
                extra = f" (about {deal.usd_millions:,.0f} m USD)" if deal.usd_millions else ""
                notes.append(f"Deal value in the comment: {deal.describe()}{extra}.")
            tiv_unit = f[col["SIPRI TIV per unit"]]
            tiv_total = float(f[col["SIPRI TIV for total order"]] or 0)
            tiv_delivered = float(f[col["SIPRI TIV of delivered weapons"]] or 0)
            value = None
            if tiv_total > 0:
                uncertain = ordered is not None and ordered.qualifier is Qualifier.about
                qualifier = Qualifier.about if uncertain else Qualifier.exact
                value = Money(millions=tiv_total, currency="TIV", qualifier=qualifier)
            elif tiv_delivered > 0:
                value = Money(millions=tiv_delivered, currency="TIV", qualifier=Qualifier.at_least)
            tiv_text = f"SIPRI TIV (millions): {tiv_unit or 'n/a'} per unit"
            if f[col["SIPRI TIV of delivered weapons"]] != "":
                tiv_text += f", {_tiv_delivered_text(f[col['SIPRI TIV of delivered weapons']], bool(years))} delivered"
            notes.append(tiv_text + ".")
            payers = self._payers(facts, supplier, recipient)
            base = f"sipri-{_short(recipient)}-{_short(supplier)}-{order_year}-{designation_key(designation)}"
            transfer = Transfer(
                id=self._new_id(base),
                supplier=supplier,
                recipient=recipient,
                system=system,
                kind=_kind(facts, local_production=False),
                status=_status(facts, ordered, delivered),
                quantity_ordered=ordered,
                quantity_delivered=delivered,
                signed=signed,
                first_delivery=_year(years[0]) if years else None,
                last_delivery=_year(years[-1]) if years else None,
                condition=_CONDITIONS.get(f[col["status"]].casefold()),
                value=value,
                financed_by=payers,
                confidence=Confidence.medium,
                notes=" ".join(notes) if notes else None,
                sources=[self.source_id],
            )
            self.transfers.append(transfer)
            if facts.backfill:
                self.hints.append((transfer, facts, comment))

    # ------------------------------------------------------------------ transfers export

    def transfers_export(self, progress: Progress | None) -> None:
        export = self.export
        col = {name: export.column(name) for name in (
            "SIPRI AT Database ID", "Supplier", "Recipient", "Designation", "Description", "Armament category",
            "Order date", "Order date is estimate", "Numbers delivered", "Numbers delivered is estimate",
            "Delivery year", "Delivery year is estimate", "Status", "SIPRI estimate", "TIV deal unit",
            "TIV delivery values", "Local production")}
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in export.rows:
            deal = row.fields[col["SIPRI AT Database ID"]].strip()
            if not deal.isdigit():
                self._reject(row, f"SIPRI AT Database ID {deal!r} is not a number")
                continue
            groups[deal].append(row)
        last_year = 0
        for rows in groups.values():
            for row in rows:
                year = row.fields[col["Delivery year"]].strip()
                if _YEAR.match(year):
                    last_year = max(last_year, int(year))
        total = len(groups)
        for done, deal in enumerate(sorted(groups, key=int), 1):
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
            self._transfer_group(deal, groups[deal], col, last_year)

    def _transfer_group(self, deal: str, rows: list[Row], col: dict[str, int], last_year: int) -> None:
        first = [value.strip() for value in rows[0].fields]
        same = ("Supplier", "Recipient", "Designation", "Order date", "Status")
        good: list[list[str]] = []
        for row in rows:
            f = [value.strip() for value in row.fields]
            differs = [name for name in same if f[col[name]] != first[col[name]]]
            problem = _check_transfers_row(f, col)
            if differs:
                self._reject(row, f"deal {deal}: {', '.join(differs)} differ from line {rows[0].line}")
            elif problem:
                self._reject(row, f"deal {deal}: {problem}")
            else:
                good.append(f)
        if not good:
            return
        actors = self._actors(rows[0], first[col["Supplier"]], first[col["Recipient"]])
        if actors is None:
            for row in rows[1:]:
                self._reject(row, f"deal {deal}: see line {rows[0].line}")
            return
        supplier, recipient = actors
        system = self.resolver.system(first[col["Designation"]], first[col["Description"]],
                                      first[col["Armament category"]])
        deliveries: dict[int, int] = defaultdict(int)
        estimated = False
        estimated_years: set[int] = set()
        tiv = 0.0
        for f in good:
            year = int(f[col["Delivery year"]])
            deliveries[year] += int(f[col["Numbers delivered"]])
            estimated |= f[col["Numbers delivered is estimate"]].casefold() == "yes"
            if f[col["Delivery year is estimate"]].casefold() == "yes":
                estimated_years.add(year)
            tiv += float(f[col["TIV delivery values"]] or 0)
        years = sorted(deliveries)
        count = sum(deliveries.values())
        delivered = Quantity(value=count, qualifier=Qualifier.about if estimated else Qualifier.exact)
        order_year = int(first[col["Order date"]])
        notes = [f"SIPRI AT Database ID {deal}."]
        if first[col["Order date is estimate"]].casefold() == "yes":
            notes.append(f"Order year {order_year} is an estimate.")
        if estimated_years:
            notes.append("Estimated delivery years: " + ", ".join(map(str, sorted(estimated_years))) + ".")
        signed: PartialDate | None = PartialDate(order_year)
        if years[0] < order_year:
            notes.append(f"SIPRI gives {order_year} as the order date, after the first delivery.")
            signed = None
        notes.append(
            f"SIPRI TIV (millions): {first[col['SIPRI estimate']] or 'n/a'} for a new unit, "
            f"{first[col['TIV deal unit']] or 'n/a'} per unit in this deal."
        )
        local = first[col["Local production"]].casefold() == "yes"
        transfer = Transfer(
            id=self._new_id(f"sipri-at-{deal}"),
            supplier=supplier,
            recipient=recipient,
            system=system,
            kind=TransferKind.licensed_production if local else TransferKind.unspecified,
            status=TransferStatus.delivering if years[-1] >= last_year else TransferStatus.delivered,
            quantity_delivered=delivered,
            signed=signed,
            first_delivery=PartialDate(years[0]),
            last_delivery=PartialDate(years[-1]),
            deliveries={year: deliveries[year] for year in years},
            condition=_CONDITIONS.get(first[col["Status"]].casefold()),
            value=Money(millions=round(tiv, 6), currency="TIV") if tiv > 0 else None,
            confidence=Confidence.medium,
            notes=" ".join(notes),
            sources=[self.source_id],
        )
        self.transfers.append(transfer)

    # ------------------------------------------------------------------ curated overlap and backfills

    def link_curated(self) -> dict[str, str]:
        links = self.index.match_legs(self.transfers)
        for position, transfer in enumerate(self.transfers):
            if transfer.id in links:
                self.transfers[position] = transfer.model_copy(update={"same_as": links[transfer.id]})
        return links

    def backfills(self) -> tuple[list[BackfillClaim], list[dict[str, Any]]]:
        claims: list[BackfillClaim] = []
        candidates: list[dict[str, Any]] = []
        # (supplier, recipient) -> [(transfer id, system id)]
        by_leg: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        by_id = {t.id: t for t in self.transfers}
        for transfer in self.transfers:
            by_leg[(transfer.supplier, transfer.recipient)].append((transfer.id, transfer.system))
        if self.curated is not None:
            for transfer in self.curated.transfers.values():
                by_leg[(transfer.supplier, transfer.recipient)].append((transfer.id, transfer.system))
        keys_of: dict[str, set[str]] = defaultdict(set)
        for key, system_id in self.resolver.system_keys().items():
            keys_of[system_id].add(key)
        for original, facts, comment in self.hints:
            transfer = by_id[original.id]  # the linked copy, with same_as
            for hint in facts.backfill:
                entry = {"transfer": transfer.id, "phrase": hint.phrase, "text": hint.text, "comment": comment}
                found, reason = self._resolve_hint(transfer, hint.text, by_leg, keys_of)
                if not found:
                    candidates.append({**entry, "unresolved": reason})
                    continue
                replacing = transfer.same_as or transfer.id
                enabled = sorted({_curated_id(by_id, leg) for leg in found})
                if all((replacing, leg) in self.index.backfill_pairs for leg in enabled):
                    candidates.append({**entry, "unresolved": "already claimed in the curated data"})
                    continue
                third_party_gift = transfer.kind is TransferKind.donation
                claims.append(
                    BackfillClaim(
                        id=self._new_id(f"{transfer.id}-backfill"),
                        kind=BackfillKind.ring_exchange if third_party_gift else BackfillKind.replacement,
                        replacing=[replacing],
                        enabled=enabled,
                        confidence=Confidence.medium,
                        notes=f'Read from SIPRI\'s comment on {transfer.id}: "{hint.phrase} {hint.text}".',
                        sources=[self.source_id],
                    )
                )
        return claims, candidates

    def _resolve_hint(self, transfer: Transfer, text: str, by_leg: dict[tuple[str, str], list[tuple[str, str]]],
                      keys_of: dict[str, set[str]]) -> tuple[list[str], str]:
        destination_match = re.search(r"\bto ([A-Z][A-Za-z'\- ]+?)(?=\s+(?:as|after|in|for|by|under)\b|[.,;)]|$)", text)
        if not destination_match:
            return [], "no 'to <recipient>' in the text"
        destination = self.resolver.actor(destination_match[1], create=False)
        if destination is None:
            return [], f"recipient {destination_match[1]!r} not known"
        giver = transfer.recipient
        giver_match = re.match(r"([A-Z][A-Za-z'\- ]+?) (?:giving|supplying|delivering|sending|transferring)\b", text)
        if giver_match:
            named = self.resolver.actor(giver_match[1], create=False)
            if named is not None:
                giver = named
        squashed = name_key(text).replace("*", "")
        found = []
        for leg_id, system_id in by_leg.get((giver, destination), []):
            if any(len(key) >= 3 and key in squashed for key in keys_of.get(system_id, ())):
                found.append(leg_id)
        if not found:
            return [], f"no transfer {giver} -> {destination} of a system named in the text"
        return found, ""


# --------------------------------------------------------------------------- row checks and mapping


def _check_trade_register(f: list[str], col: dict[str, int]) -> str | None:
    if not _YEAR.match(f[col["Year of order"]]):
        return f"Year of order {f[col['Year of order']]!r} is not a year"
    for name in ("Year of order ?", "Number ordered ?", "Number delivered ?"):
        if f[col[name]] not in ("", "?"):
            return f"the uncertainty column after {name[:-2]!r} holds {f[col[name]]!r}, not '?' or empty"
    for name in ("Number ordered", "Number delivered"):
        if f[col[name]] and not f[col[name]].isdigit():
            return f"{name} {f[col[name]]!r} is not a whole number"
    years = f[col["Year(s) of delivery"]]
    if years and not _YEARS.fullmatch(years):
        return f"Year(s) of delivery {years!r} is not a list of years"
    if f[col["status"]].casefold() not in _CONDITIONS:
        return f"status {f[col['status']]!r} is not New, Second hand or Second hand but modernized"
    for name in ("SIPRI TIV per unit", "SIPRI TIV for total order", "SIPRI TIV of delivered weapons"):
        if f[col[name]] and not _NUMBER.match(f[col[name]]):
            return f"{name} {f[col[name]]!r} is not a number"
    if not f[col["Weapon designation"]]:
        return "Weapon designation is empty"
    return None


def _check_transfers_row(f: list[str], col: dict[str, int]) -> str | None:
    if not _YEAR.match(f[col["Order date"]]):
        return f"Order date {f[col['Order date']]!r} is not a year"
    if not _YEAR.match(f[col["Delivery year"]]):
        return f"Delivery year {f[col['Delivery year']]!r} is not a year"
    if not f[col["Numbers delivered"]].isdigit():
        return f"Numbers delivered {f[col['Numbers delivered']]!r} is not a whole number"
    if f[col["Status"]].casefold() not in _CONDITIONS:
        return f"Status {f[col['Status']]!r} is not New, Second hand or Second hand but modernized"
    for name in ("SIPRI estimate", "TIV deal unit", "TIV delivery values"):
        if f[col[name]] and not _NUMBER.match(f[col[name]]):
            return f"{name} {f[col[name]]!r} is not a number"
    if not f[col["Designation"]]:
        return "Designation is empty"
    return None


@lru_cache(maxsize=4096)  # the same few hundred counts on most rows; a Quantity is frozen, so one can be shared
def _quantity(number: str, flag: str) -> Quantity | None:
    if not number:
        return None
    return Quantity(value=int(number), qualifier=Qualifier.about if flag == "?" else Qualifier.exact)


@lru_cache(maxsize=1024)
def _year(year: int) -> PartialDate:
    """A year as a date, one shared (immutable) instance per year."""
    return PartialDate(year)


def _tiv_delivered_text(value: str, any_delivery: bool) -> str:
    if value == "0":
        return "under 0.5" if any_delivery else "none"
    return value


def _kind(facts: CommentFacts, *, local_production: bool) -> TransferKind:
    """Lease, loan, aid, licence, a priced deal (sale), in that order; else the terms are not stated."""
    if facts.lease:
        return TransferKind.lease
    if facts.loan:
        return TransferKind.loan
    if facts.aid:
        return TransferKind.donation
    if facts.licensed or local_production:
        return TransferKind.licensed_production
    if facts.deal_value is not None or any(value.deal for value in facts.values):
        return TransferKind.sale
    return TransferKind.unspecified


def _status(facts: CommentFacts, ordered: Quantity | None, delivered: Quantity | None) -> TransferStatus:
    if facts.not_yet_ordered:
        return TransferStatus.offered
    if delivered is not None and delivered.value > 0:
        if ordered is not None and delivered.value >= ordered.value:
            return TransferStatus.delivered
        return TransferStatus.delivering
    return TransferStatus.contracted


def _curated_id(by_id: dict[str, Transfer], leg: str) -> str:
    """The curated leg an imported one is ``same_as``, else the leg itself."""
    transfer = by_id.get(leg)
    return transfer.same_as if transfer is not None and transfer.same_as else leg


def _short(actor_id: str) -> str:
    return actor_id.removeprefix("sipri-").lower()


def _looks_like_actor(name: str) -> bool:
    return bool(name) and len(name) <= 60 and name[:1].isupper()


# --------------------------------------------------------------------------- output


def convert_export(
    export: Export, curated: Dataset | None, *, progress: Progress | None = None, imported: set[str] | None = None
) -> tuple[ImportResult, dict[str, str]]:
    """Turn a parsed export into seed files (relative path -> YAML text) and a result.

    ``imported`` holds ids of transfers in ``curated`` that came from earlier imports.
    """
    converter = _Converter(export, curated, imported or set())
    if export.layout == TRADE_REGISTER:
        converter.trade_register(progress)
    elif export.layout == TRANSFERS:
        converter.transfers_export(progress)
    links = converter.link_curated()
    claims, candidates = converter.backfills()
    result = ImportResult(
        importer="sipri",
        input=export.path,
        output="",
        layout=export.layout,
        source=converter.source_id,
        generated=export.generated,
        rows_read=export.records_read,
        rows_imported=len(export.rows) - (len(converter.rejected) - len(export.rejected)),
        rejected=sorted(converter.rejected, key=lambda r: r.line),
        same_as=links,
        candidates=candidates,
    )
    if export.generated is None:
        result.notes.append("the export has no 'Data generated' line: the source record is undated")
    if converter.unresolved_payers:
        listed = "; ".join(f"{name!r} {count}x" for name, count in converter.unresolved_payers.most_common())
        result.notes.append(f"'financed by' names no known actor (kept in the comment text only): {listed}")
    if converter.unknown_currencies:
        listed = ", ".join(f"{code} {count}x" for code, count in converter.unknown_currencies.most_common())
        result.notes.append(f"currencies not mapped to ISO 4217 (kept in the comment text only): {listed}")
    result.counts = {
        "transfers": len(converter.transfers),
        "new_actors": len(converter.resolver.new_actors),
        "new_systems": len(converter.resolver.new_systems),
        "backfills": len(claims),
        "backfill_candidates": len(candidates),
        "same_as_curated": len(links),
    }
    return result, _files(converter, claims, export)


def _header(export: Export, what: str) -> list[str]:
    return [
        f"{what}: imported by `armsgraph import sipri` from {Path(export.path).name}",
        f"({export.layout.replace('_', ' ')} export, generated {export.generated or 'date not stated'}).",
        "Do not edit: re-run the import instead. SIPRI data: free for non-commercial use with attribution;",
        "figures calculated from it are not SIPRI's.",
        f"{CREDIT}",
    ]


def _dump(record: Any) -> dict[str, Any]:
    """A record as plain data in schema field order, defaults left out, exact counts as bare numbers."""
    data: dict[str, Any] = record.model_dump(mode="python", exclude_defaults=True)
    for name in ("quantity_ordered", "quantity_delivered"):
        quantity = data.get(name)
        if isinstance(quantity, dict) and set(quantity) == {"value"}:
            data[name] = quantity["value"]
    return data


def _files(converter: _Converter, claims: list[BackfillClaim], export: Export) -> dict[str, str]:
    files: dict[str, str] = {}
    if converter.source is not None:
        files["sources.yaml"] = dump_document(
            {"description": f"The SIPRI export these facts were imported from. {CREDIT}.",
             "sources": [_dump(converter.source)]},
            header=_header(export, "Source"),
        )
    if converter.resolver.new_actors:
        actors = [_dump(a) for _, a in sorted(converter.resolver.new_actors.items())]
        files["actors.yaml"] = dump_document(
            {"description": "Actors named by SIPRI that the curated data does not define.", "actors": actors},
            header=_header(export, "Actors"),
        )
    if converter.resolver.new_systems:
        systems = [_dump(s) for _, s in sorted(converter.resolver.new_systems.items())]
        files["systems.yaml"] = dump_document(
            {"description": "Weapon designations from SIPRI that the curated data does not define.",
             "systems": systems},
            header=_header(export, "Systems"),
        )
    by_recipient: dict[str, list[Transfer]] = defaultdict(list)
    for transfer in converter.transfers:
        by_recipient[transfer.recipient].append(transfer)
    for recipient, transfers in sorted(by_recipient.items()):
        transfers.sort(key=lambda t: t.id)
        files[f"transfers/{recipient}.yaml"] = dump_document(
            {"description": f"SIPRI deals with recipient {recipient}.", "transfers": [_dump(t) for t in transfers]},
            header=_header(export, f"Transfers to {recipient}"),
        )
    if claims:
        files["backfills.yaml"] = dump_document(
            {"description": "Backfill claims read from SIPRI's comments, both legs found.",
             "backfills": [_dump(c) for c in sorted(claims, key=lambda c: c.id)]},
            header=_header(export, "Backfill claims"),
        )
    files["README.md"] = (
        f"# SIPRI import\n\nImported by `armsgraph import sipri` from `{Path(export.path).name}` "
        f"({export.layout.replace('_', ' ')} export, generated {export.generated or 'date not stated'}).\n\n"
        f"{CREDIT}. SIPRI's data is free for non-commercial use with attribution; calculations made from it "
        "are not SIPRI's.\n\nSee `import-report.json` for rejected lines, backfill candidates and links to "
        "curated legs, and docs/importers.md for what each column became.\n"
    )
    return files
