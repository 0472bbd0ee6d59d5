"""One root error, and the located problems that bad data produces.

Problems point at the source: ``seeds/kor-pol.yaml:12:5: error E102:
transfers[3].quantity_ordered: must be a whole number >= 0 (got "lots")``.
They are collected (all files, all records) and reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum

__all__ = ["ArmsgraphError", "DataError", "Location", "Problem", "Severity", "UsageError"]


class ArmsgraphError(Exception):
    """Root of every error armsgraph raises on purpose; the CLI shows its message in one line."""

    exit_code = 1


class UsageError(ArmsgraphError):
    """The user asked for something that does not exist (an unknown id, format or file)."""

    exit_code = 2


class Severity(StrEnum):
    """``error`` stops the data from loading; ``warning`` is suspicious but possible."""

    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where something is written: a file and a 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, where it is, and how to fix it."""

    location: Location
    code: str
    message: str
    severity: Severity = Severity.error
    field: str | None = None
    hint: str | None = dataclass_field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        text = _printable(f"{self.location}: {self.severity.value} {self.code}: {where}{self.message}")
        if self.hint:
            text += f"\n    hint: {_printable(self.hint)}"
        return text

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "severity": self.severity.value,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


def _printable(text: str) -> str:
    r"""Escape characters that would break a line or drive the terminal (a newline, ``ESC``) in text from data.

    >>> _printable("bad\nkey\x1b[2J")
    'bad\\nkey\\x1b[2J'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class DataError(ArmsgraphError):
    """The data has errors; nothing was loaded. ``problems`` holds every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity is Severity.error]
        first = str(errors[0]).splitlines()[0] if errors else "invalid data"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")
