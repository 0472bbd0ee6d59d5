"""Commands over the data itself: ``validate``, ``stats`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..dataset import Dataset
from ..errors import UsageError
from ..load import check_dataset
from .base import DataOption, JsonOption, command, err, open_dataset, out, print_json


@command("validate")
def validate(
    data: DataOption = None,
    as_json: JsonOption = False,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check every YAML file and report all problems, each as file:line:col.

    Exit 0 when valid, 1 when there are errors (or warnings with --strict), 2 on usage errors.

    Example: armsgraph validate --data seeds/ --data my-facts/
    """
    with err.status("Validating...", spinner="dots"):  # shown on a terminal only
        report = check_dataset(data)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if as_json:
        print_json(
            {
                "valid": not failed,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "problems": [p.as_dict() for p in report.problems],
                "counts": report.dataset.counts() if report.dataset else None,
            }
        )
    else:
        for problem in report.problems:
            err.print(str(problem), markup=False, highlight=False)
        if report.dataset is not None and failed:
            err.print(f"{len(report.warnings)} warning(s), treated as errors (--strict).", markup=False)
        elif report.dataset is not None:
            counts = ", ".join(f"{n} {k}" for k, n in report.dataset.counts().items())
            out.print(f"valid: {counts}; {len(report.warnings)} warning(s)", markup=False)
        else:
            err.print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s); nothing was loaded.")
    if failed:
        raise typer.Exit(1)


@command("stats")
def stats(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Count actors, systems, transfers, backfill claims, sources and triples.

    Example: armsgraph stats --json
    """
    dataset = open_dataset(data)
    counts: dict[str, int] = dict(dataset.counts())
    counts["triples"] = _triple_count(dataset)
    if as_json:
        print_json(counts)
        return
    from rich.table import Table

    table = Table("what", "count", title="armsgraph data")
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    out.print(table)


def _triple_count(dataset: Dataset) -> int:
    from ..rdf import build_store

    return len(build_store(dataset))


def _export_help() -> str:
    from ..export import FORMATS

    lines = "\n\n".join(
        f"{f.name}{' (' + ', '.join(f.aliases) + ')' if f.aliases else ''}: {f.description}; .{f.extension}, "
        f"{f.media_type}"
        for f in FORMATS.values()
    )
    return (
        "Write the graph in a standard format: RDF for triple stores, GraphML/GEXF/CSV for network tools.\n\n"
        "Output is deterministic: the same data gives the same bytes. Without -o it goes to stdout.\n\n"
        f"Formats, with their aliases:\n\n{lines}\n\n"
        "Example: armsgraph export --format ttl -o armsgraph.ttl"
    )


@command("export", help=_export_help())
def export(
    data: DataOption = None,
    format_name: Annotated[
        str, typer.Option("--format", "-f", help="Format name or alias (see the list above).", show_default=True)
    ] = "turtle",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default: stdout.", show_default=False)
    ] = None,
) -> None:
    from ..export import export as write_export
    from ..export import export_format

    fmt = export_format(format_name)  # an unknown format fails before the data is loaded
    if output is None and fmt.extension == "zip" and _stdout_is_terminal():
        raise UsageError(f"the {fmt.name} export is a zip archive; write it to a file: -o armsgraph.zip")
    dataset = open_dataset(data)
    if output is None:
        write_export(dataset, fmt, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        with output.open("wb") as handle:
            write_export(dataset, fmt, handle)
    except OSError as exc:
        raise UsageError(f"cannot write {str(output)!r}: {exc.strerror}") from None
    err.print(f"wrote {output} ({fmt.name})", markup=False, highlight=False)
    if output.suffix.lower() != f".{fmt.extension}":
        err.print(f"note: {fmt.name} is a .{fmt.extension} file ({fmt.media_type})", markup=False, highlight=False)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
