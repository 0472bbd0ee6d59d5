"""Commands that import real data: ``import sipri`` and ``import kiel``.

Both write a directory of seed YAML that loads beside the curated seeds
(``armsgraph validate --data seeds/ --data imports/sipri``), show a progress bar while
converting, then a summary table, every rejected line with its number and reason, and
the count of rows read, imported and rejected.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import UsageError
from ..importers import get_importer
from ..importers.output import ImportResult
from ..load import resolve_data_dirs
from .base import JsonOption, _errors_as_messages, app, err, out, print_json

__all__ = ["import_app"]

import_app = typer.Typer(
    name="import",
    help="Import real datasets (SIPRI, Kiel) as seed YAML that loads beside the curated seeds.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

T = TypeVar("T")

OutputOption = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="Directory to write (created; an earlier import there is replaced).",
                 show_default=False),
]
CuratedOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--curated",
        help="Curated data (repeatable) whose actors, systems, sources and legs are reused, not redefined. "
        "Default: $ARMSGRAPH_DATA, else the bundled seeds/. Give an earlier import too to layer on it.",
        show_default=False,
    ),
]
NoCuratedOption = Annotated[
    bool, typer.Option("--no-curated", help="Import without reading any curated data (the output then stands alone).")
]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 when any line was rejected.")]


def _command(name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def register(function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> T:
            with _errors_as_messages():
                return function(*args, **kwargs)

        import_app.command(name)(wrapped)
        return function

    return register


def _curated_dirs(curated: list[Path] | None, no_curated: bool, output: Path) -> list[Path]:
    if no_curated:
        return []
    dirs = list(curated) if curated else [d for d in resolve_data_dirs(None) if d.exists()]
    target = output.resolve()
    return [d for d in dirs if d.resolve() != target]


def _run(name: str, file: Path, output: Path | None, curated: list[Path] | None, no_curated: bool,
         as_json: bool, strict: bool, **options: Any) -> None:
    importer = get_importer(name)
    if not file.is_file():
        raise UsageError(f"{file} is not a file")
    target = output or Path(importer.default_output)
    dirs = _curated_dirs(curated, no_curated, target)
    with Progress(
        TextColumn(f"[bold]import {name}[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=as_json,
    ) as progress:
        task = progress.add_task(name, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result: ImportResult = importer.load()(file, target, curated_dirs=dirs, progress=advance, **options)
    if as_json:
        print_json(result.as_dict())
    else:
        _report(result, dirs)
    if strict and result.rejected:
        raise typer.Exit(1)


def _report(result: ImportResult, curated: list[Path]) -> None:
    table = Table("what", "count", title=f"import {result.importer}: {Path(result.input).name}")
    table.add_row("layout", result.layout)
    table.add_row("source cited", result.source)
    table.add_row("generated", result.generated or "not stated in the file")
    for key, value in result.counts.items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    table.add_row("curated data read", ", ".join(map(str, curated)) or "none")
    out.print(table)
    for rejection in result.rejected:
        err.print(f"{result.input}:{rejection.line}: rejected: {rejection.reason}"
                  + (f"\n    {rejection.text}" if rejection.text else ""), markup=False, highlight=False)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    out.print(
        f"{result.rows_read:,} rows read, {result.rows_imported:,} imported, {result.rows_rejected:,} rejected; "
        f"written to {result.output} (details in import-report.json)",
        markup=False,
        highlight=False,
    )


@_command("sipri")
def sipri(
    file: Annotated[Path, typer.Argument(help="A SIPRI Trade Register or transfers CSV export.")],
    output: OutputOption = None,
    curated: CuratedOption = None,
    no_curated: NoCuratedOption = False,
    as_json: JsonOption = False,
    strict: StrictOption = False,
) -> None:
    """Import a SIPRI Arms Transfers Database export (layout found by its header).

    One transfer per Trade Register deal, or per SIPRI AT Database ID in the transfers export;
    one YAML file per recipient. Every fact cites "SIPRI Arms Transfers Database" with the
    export's generation date.

    Example: armsgraph import sipri trade-register.csv -o imports/sipri
    """
    _run("sipri", file, output, curated, no_curated, as_json, strict)


@_command("kiel")
def kiel(
    file: Annotated[Path, typer.Argument(help="The Kiel Ukraine Support Tracker heavy-weapons CSV.")],
    output: OutputOption = None,
    curated: CuratedOption = None,
    no_curated: NoCuratedOption = False,
    release: Annotated[
        str | None, typer.Option("--release", help="The tracker release the file comes from, e.g. 29.")
    ] = None,
    as_json: JsonOption = False,
    strict: StrictOption = False,
) -> None:
    """Import the Kiel Ukraine Support Tracker's heavy weapons (donor x category, with items).

    One transfer per donor and item, to Ukraine, as an aggregate without dates.

    Example: armsgraph import kiel weapons.csv --release 29 --curated seeds/ --curated imports/sipri
    """
    _run("kiel", file, output, curated, no_curated, as_json, strict, release=release)
