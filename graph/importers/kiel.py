"""Import the Kiel Ukraine Support Tracker's heavy-weapons table as aggregated facts.

The file (``donor,category,number_of_weapons,monetary_value_eur,weapons_list``) gives, per
donor and Kiel category (Tanks, IFV, Howitzers, MLRS, Air Defense), the number of items the
tracker counts as allocated to Ukraine, their value in euros, and the items as
``Name (count); Name (count)``. Each item becomes one transfer ``donor -> UKR`` of kind
``donation`` and status ``contracted`` whose ``quantity_ordered`` is Kiel's count: the tracker
counts items pledged or delivered, without dates, so no delivery is claimed. The donor and
category totals and the euro value are kept in the notes. Items whose name matches a curated
system (name or alias) use it; the others get a ``kiel-sys-...`` system whose category comes
from the Kiel category. A curated leg with the same donor and system gets ``same_as``.

So the three sources line up for a donor: curated legs, SIPRI legs (``sipri-...``) and
Kiel legs (``kiel-...``) of the same supplier, recipient and system, each citing its source.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from ..dataset import Dataset
from ..errors import UsageError
from ..model import Category, Confidence, Quantity, Source, SourceKind, System, Transfer, TransferKind, TransferStatus
from .curated import CuratedIndex, Resolver, imported_ids, load_curated
from .names import designation_key, slug
from .output import ImportResult, prepare_output, write_files
from .sipricsv import Rejection, decode
from .yamltext import dump_document

__all__ = ["KIEL_CATEGORIES", "convert_kiel", "import_kiel", "parse_weapons_list"]

TITLE = "Ukraine Support Tracker"
PUBLISHER = "Kiel Institute for the World Economy"
COLUMNS = ("donor", "category", "number_of_weapons", "monetary_value_eur", "weapons_list")

KIEL_CATEGORIES: dict[str, tuple[Category, ...]] = {
    "tanks": (Category.main_battle_tank,),
    "ifv": (Category.infantry_fighting_vehicle,),
    "howitzers": (Category.self_propelled_howitzer, Category.towed_artillery),
    "mlrs": (Category.mlrs,),
    "air defense": (Category.air_defence_system,),
}
"""Kiel category (lower case) -> our categories it spans, for comparing counts by donor and category."""

_ITEM = re.compile(r"^(?P<name>.+?)\s*\((?P<count>\d+)\)$")
_SELF_PROPELLED = re.compile(r"self[- ]propelled|panzerhaubitze", re.IGNORECASE)
_TOWED = re.compile(r"\btowed\b", re.IGNORECASE)

Progress = Callable[[int, int], None]


def parse_weapons_list(text: str) -> list[tuple[str, int]]:
    """``"BMP-2 (80); CV9035 MKIIIC (20)"`` -> ``[("BMP-2", 80), ("CV9035 MKIIIC", 20)]``.

    A name may itself hold brackets: only the last ``(count)`` is the count.

    >>> parse_weapons_list("Modified T-72 tank (T-72A/T-72M1/M1R) (270); PT-91 Twardy (34)")
    [('Modified T-72 tank (T-72A/T-72M1/M1R)', 270), ('PT-91 Twardy', 34)]
    """
    items = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        match = _ITEM.match(part)
        if not match:
            raise ValueError(f"item {part!r} is not 'Name (count)'")
        items.append((match["name"].strip(), int(match["count"])))
    return items


def import_kiel(
    path: str | Path,
    out_dir: str | Path,
    *,
    curated_dirs: Sequence[str | Path] = (),
    release: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a Kiel heavy-weapons CSV into ``out_dir``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    curated = load_curated(curated_dirs)
    imported = imported_ids(curated, curated_dirs) if curated is not None else set()
    result, files = convert_kiel(raw, str(path), curated, release=release, progress=progress, imported=imported)
    out = Path(out_dir)
    prepare_output(out)
    result.output = str(out)
    write_files(out, files, result)
    return result


def _category(kiel_category: str, item: str) -> Category:
    spans = KIEL_CATEGORIES.get(kiel_category.casefold().strip(), ())
    if len(spans) == 1:
        return spans[0]
    if Category.self_propelled_howitzer in spans:
        if _SELF_PROPELLED.search(item):
            return Category.self_propelled_howitzer
        if _TOWED.search(item):
            return Category.towed_artillery
    return Category.other


def convert_kiel(
    raw: bytes,
    path: str,
    curated: Dataset | None,
    *,
    release: str | None = None,
    progress: Progress | None = None,
    imported: set[str] | None = None,
) -> tuple[ImportResult, dict[str, str]]:
    """Turn the CSV bytes into seed files (relative path -> YAML text) and a result.

    ``imported`` holds ids of transfers in ``curated`` that came from earlier imports.
    """
    text, _ = decode(raw)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [h.strip().casefold() for h in next(reader)]
        rows = list(reader)
    except StopIteration:
        raise UsageError(f"{path}: empty file") from None
    except csv.Error as exc:  # a binary file, or a stray carriage return inside a field
        raise UsageError(f"{path}:{reader.line_num}: not a CSV table the Kiel importer can read ({exc})") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UsageError(f"{path}: not a Kiel heavy-weapons table (missing columns: {', '.join(missing)})")
    col = {name: header.index(name) for name in COLUMNS}
    index = CuratedIndex.of(curated, imported or set())
    resolver = Resolver(index, prefix="kiel")
    source_id, source = _source(index, release, raw, path)
    ukraine = resolver.actor("Ukraine")
    assert ukraine is not None
    rejected: list[Rejection] = []
    transfers: list[Transfer] = []
    new_systems: dict[str, System] = {}
    used: set[str] = set(index.ids)
    links: dict[str, str] = {}
    read = 0
    release_part = f"r{slug(release)}-" if release else ""
    for number, fields in enumerate(rows, start=2):
        if progress:
            progress(number - 1, len(rows))
        if not any(f.strip() for f in fields):
            continue
        read += 1
        line = ",".join(fields)
        if len(fields) != len(header):
            rejected.append(Rejection(number, f"{len(fields)} fields, expected {len(header)}", line[:100]))
            continue
        donor_name, category = fields[col["donor"]].strip(), fields[col["category"]].strip()
        donor = resolver.actor(donor_name)
        if donor is None:
            rejected.append(Rejection(number, f"unknown donor {donor_name!r}; add it to graph/importers/names.py",
                                      line[:100]))
            continue
        if category.casefold() not in KIEL_CATEGORIES:
            rejected.append(Rejection(number, f"unknown Kiel category {category!r}", line[:100]))
            continue
        try:
            total = int(fields[col["number_of_weapons"]])
            value = float(fields[col["monetary_value_eur"]] or 0)
            items = parse_weapons_list(fields[col["weapons_list"]])
        except ValueError as exc:
            rejected.append(Rejection(number, f"bad number or item list: {exc}", line[:100]))
            continue
        counted = sum(count for _, count in items)
        context = (
            f"Kiel Ukraine Support Tracker, {donor_name}, {category}: {total:,} items in all, valued at "
            f"EUR {value / 1e6:,.1f} m for the whole category (line {number})."
        )
        if counted != total:
            context += f" The items listed add up to {counted:,}, not {total:,}."
        for item, count in items:
            key = designation_key(item)
            system = index.systems_by_key.get(key)
            if system is None:
                system = f"kiel-sys-{key[:100]}"
                if system not in new_systems:
                    new_systems[system] = System(
                        id=system, name=item, category=_category(category, item),
                        notes=f"Item as the Kiel Ukraine Support Tracker names it (category {category}).",
                    )
            base = f"kiel-{release_part}{donor.lower()}-{slug(category)}-{key}"[:110]
            transfer_id, n = base, 1
            while transfer_id in used:
                n += 1
                transfer_id = f"{base}-{n}"
            used.add(transfer_id)
            same = index.same_leg(donor, ukraine, system, None, count)
            if same:
                links[transfer_id] = same
            transfers.append(
                Transfer(
                    id=transfer_id,
                    supplier=donor,
                    recipient=ukraine,
                    system=system,
                    kind=TransferKind.donation,
                    status=TransferStatus.contracted,
                    quantity_ordered=Quantity(value=count),
                    same_as=same,
                    confidence=Confidence.medium,
                    notes=f'Kiel item "{item}" ({count}). {context} An aggregate without dates: the tracker '
                    "counts items pledged or delivered.",
                    sources=[source_id],
                )
            )
    result = ImportResult(
        importer="kiel", input=path, output="", layout="kiel_heavy_weapons", source=source_id, generated=None,
        rows_read=read, rows_imported=read - len(rejected), rejected=rejected, same_as=links,
    )
    if not release:
        result.notes.append("no --release given: the source record does not name the tracker release")
    result.counts = {
        "transfers": len(transfers),
        "new_actors": len(resolver.new_actors),
        "new_systems": len(new_systems),
        "same_as_curated": len(links),
    }
    return result, _files(path, release, source, resolver, new_systems, transfers)


def _source(index: CuratedIndex, release: str | None, raw: bytes, path: str) -> tuple[str, Source | None]:
    if release:
        for source in sorted(index.sources.values(), key=lambda s: s.id):
            if TITLE.casefold() in source.title.casefold() and re.search(
                rf"\brelease\s+{re.escape(release)}\b", source.title, re.IGNORECASE
            ):
                return source.id, None
        source_id = f"kiel-ust-release-{slug(release)}"
        title = f"{TITLE}, Release {release}: heavy weapons"
    else:
        source_id = f"kiel-ust-{hashlib.sha256(raw).hexdigest()[:8]}"
        title = f"{TITLE}: heavy weapons"
    notes = f"Heavy weapons by donor and category, imported by armsgraph from {Path(path).name}."
    return source_id, Source(id=source_id, publisher=PUBLISHER, title=title, kind=SourceKind.database, notes=notes)


def _files(path: str, release: str | None, source: Source | None, resolver: Resolver,
           new_systems: dict[str, System], transfers: list[Transfer]) -> dict[str, str]:
    from .sipri import _dump

    header = [
        f"Imported by `armsgraph import kiel` from {Path(path).name}"
        + (f" (Release {release})." if release else "."),
        "Source: Kiel Institute for the World Economy, Ukraine Support Tracker. Do not edit: re-run the import.",
    ]
    files: dict[str, str] = {}
    if source is not None:
        files["sources.yaml"] = dump_document({"sources": [_dump(source)]}, header=header)
    if resolver.new_actors:
        files["actors.yaml"] = dump_document(
            {"actors": [_dump(a) for _, a in sorted(resolver.new_actors.items())]}, header=header
        )
    if new_systems:
        files["systems.yaml"] = dump_document(
            {"systems": [_dump(s) for _, s in sorted(new_systems.items())]}, header=header
        )
    by_donor: dict[str, list[Transfer]] = defaultdict(list)
    for transfer in transfers:
        by_donor[transfer.supplier].append(transfer)
    for donor, legs in sorted(by_donor.items()):
        files[f"transfers/{donor}.yaml"] = dump_document(
            {"description": f"Kiel heavy weapons from {donor} to Ukraine (aggregated).",
             "transfers": [_dump(t) for t in sorted(legs, key=lambda t: t.id)]},
            header=header,
        )
    files["README.md"] = (
        "# Kiel import\n\nImported by `armsgraph import kiel` from "
        f"`{Path(path).name}`{f' (Release {release})' if release else ''}.\n\nSource: Kiel Institute for the "
        "World Economy, Ukraine Support Tracker. Its licence is not stated in its repository.\n"
    )
    return files
