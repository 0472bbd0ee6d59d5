"""Commands over the data itself: ``validate``, ``stats`` and ``export``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..dataset import Dataset
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
        if report.dataset is not None:
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
    from .rdf import build_store

    return len(build_store(dataset))
