"""An import's result and its output directory.

An output directory holds only what an import wrote: a marker file
(``.armsgraph-import``), the YAML facts, ``README.md`` with the credit line, and
``import-report.json`` (rejected lines, backfill candidates, links to curated legs,
names that could not be mapped). Re-running an import into the same directory replaces
its files, so the directory always reflects one release; a directory that holds other
files is never touched.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .sipricsv import Rejection

__all__ = ["MARKER", "ImportResult", "prepare_output", "write_files"]

MARKER = ".armsgraph-import"


@dataclass
class ImportResult:
    """What an import read, wrote and rejected."""

    importer: str
    input: str
    output: str
    layout: str
    source: str
    generated: str | None
    rows_read: int = 0
    rows_imported: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    same_as: dict[str, str] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        """Rejected lines (a record split over lines counts once)."""
        return len(self.rejected)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the ``--json`` output and ``import-report.json``)."""
        data = asdict(self)
        data["rows_rejected"] = self.rows_rejected
        data["rejected"] = [asdict(r) for r in self.rejected]
        return data


def prepare_output(out_dir: Path) -> None:
    """Make ``out_dir`` ready: create it, or clear an earlier import there; refuse anything else."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file; give a directory with -o")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).exists():
            raise UsageError(
                f"{out_dir} is not empty and holds no earlier import ({MARKER} missing); "
                "choose a new or empty directory with -o"
            )
        for child in out_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def write_files(out_dir: Path, files: Mapping[str, str], result: ImportResult) -> None:
    """Write the files (relative path -> text), the marker and the JSON report."""
    (out_dir / MARKER).write_text(f"written by armsgraph import {result.importer}; re-running replaces this folder\n")
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        result.files.append(relative)
    report = json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str)
    (out_dir / "import-report.json").write_text(report + "\n", encoding="utf-8")
