"""The ``armsgraph`` command line: the Typer app, shared options, and error handling.

Domain errors become one-line messages here, and only here, with documented exit codes:
0 success, 1 invalid data (or a failed check), 2 usage error (unknown id, file or option).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from ..dataset import Dataset
from ..errors import ArmsgraphError, DataError, UsageError
from ..load import load_dataset

__all__ = ["DataOption", "JsonOption", "app", "command", "err", "main", "open_dataset", "out", "print_json"]

app = typer.Typer(
    name="armsgraph",
    help="Trace who arms whom, with what, when, on whose word, and the backfill chains between them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        help="Data directory or YAML file (repeatable). Default: $ARMSGRAPH_DATA, else the bundled seeds/.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (the contract other tools build on).")]

T = TypeVar("T")


@contextmanager
def _errors_as_messages() -> Iterator[None]:
    """Turn armsgraph's own errors into one line (or one per data problem) and an exit code."""
    try:
        yield
    except DataError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        errors = sum(1 for p in exc.problems if p.severity.value == "error")
        err.print(f"{errors} error(s); nothing was loaded.", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except ArmsgraphError as exc:
        err.print(f"armsgraph: {exc}", markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register a command whose armsgraph errors are reported as one-line messages."""

    def register(function: Callable[..., T]) -> Callable[..., T]:
        import functools

        @functools.wraps(function)
        def wrapped(*a: Any, **k: Any) -> T:
            with _errors_as_messages():
                return function(*a, **k)

        app.command(*args, **kwargs)(wrapped)
        return function

    return register


def open_dataset(data: list[Path] | None) -> Dataset:
    """Load the dataset for a command, with a spinner when it is not cached."""
    with err.status("Loading data...", spinner="dots"):
        return load_dataset(data)


def print_json(value: Any) -> None:
    """Write JSON to stdout (UTF-8, two-space indent)."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def main() -> None:
    """Entry point of the ``armsgraph`` console script."""
    try:
        app()
    except UsageError as exc:  # raised outside a command (option parsing)
        err.print(f"armsgraph: {exc}", markup=False)
        sys.exit(2)

