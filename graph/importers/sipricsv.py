"""Reading SIPRI's CSV exports: encoding, preamble, header, and records split over lines.

SIPRI's exports are not plain CSV. This module turns one into a list of rows of fields,
each with the number of the line it starts on, and a list of every line it had to
reject, with the reason. It knows two layouts, found by their header (never by line
number or file name):

- the **Trade Register** (one row per deal): ``Recipient,Supplier,Year of order, ,...``;
- the **transfers** export (one row per deal and delivery year): ``SIPRI AT Database ID,...``.

What it copes with: UTF-8 (with or without BOM) or ISO-8859-1/Windows-1252; CRLF, LF or a mix;
any number of preamble lines (the ``Data generated:`` date is kept); blank-named columns
(``?`` flags for the column to their left, named ``<left> ?`` here); a trailing ``;`` on every
line; records split by a line break inside Comments (the continuation starts with ``,``),
which are joined back; and fragments of such records that a hand edit padded to full width,
which are rejected together with the record they were cut from.

>>> text = "Title line\\nData generated: 13 Mar 2025 10:02:49 AM\\n" + \\
...     "Recipient,Supplier,Year of order, ,Weapon designation,Comments,SIPRI TIV per unit\\n" + \\
...     "Poland,South Korea,2022,,K2 Black Panther,$3.3 b deal; incl\\n,4.75\\n"
>>> export = read_export_text(text)
>>> export.layout, str(export.generated_date), export.rows[0].line
('trade_register', '2025-03-13', 4)
>>> export.rows[0].fields
['Poland', 'South Korea', '2022', '', 'K2 Black Panther', '$3.3 b deal; incl', '4.75']
>>> export.columns[3]
'Year of order ?'
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

__all__ = ["Export", "Rejection", "Row", "decode", "read_export", "read_export_text"]

TRADE_REGISTER = "trade_register"
TRANSFERS = "transfers"

_GENERATED = re.compile(r"Data generated:\s*(\d{1,2}\s+[A-Za-z]{3}\s+\d{4})(?:\s+([0-9:]+\s*[AP]M))?")


@dataclass(frozen=True)
class Row:
    """One record: the 1-based line it starts on, and its fields (stripped of the trailing ``;``)."""

    line: int
    fields: list[str]
    lines: int = 1  # how many physical lines it spanned


@dataclass(frozen=True)
class Rejection:
    """A line that could not be imported, why, and its text (shortened)."""

    line: int
    reason: str
    text: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" + (f": {self.text}" if self.text else "")


@dataclass
class Export:
    """A parsed export: its layout, columns, generation date, rows and rejected lines."""

    path: str
    layout: str
    columns: list[str]
    encoding: str
    generated: str | None = None
    generated_date: dt.date | None = None
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def records_read(self) -> int:
        """Records found after the header: rows plus rejected lines (a joined record counts once)."""
        return len(self.rows) + len(self.rejected)

    def column(self, name: str) -> int:
        """Index of a column by its (case-insensitive) name; :class:`UsageError` when missing."""
        wanted = name.casefold()
        for index, column in enumerate(self.columns):
            if column.casefold() == wanted:
                return index
        raise UsageError(f"{self.path}: the {self.layout} header has no column {name!r}")

    def has_column(self, name: str) -> bool:
        """Whether a column of that name exists."""
        return any(c.casefold() == name.casefold() for c in self.columns)


def decode(raw: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (BOM or not), else Windows-1252 over ISO-8859-1.

    ISO-8859-1 text with accented letters is almost never valid UTF-8, so trying UTF-8
    first is safe. Windows-1252 differs from ISO-8859-1 only in bytes 0x80-0x9F, which are
    control characters in ISO-8859-1; any byte Windows-1252 leaves undefined stays as in ISO-8859-1.

    >>> decode("Türkiye".encode("utf-8")), decode("Türkiye".encode("latin-1"))
    (('Türkiye', 'utf-8'), ('Türkiye', 'iso-8859-1'))
    >>> decode(b"Rheinmetall" + bytes([0x92]) + b"s")
    ('Rheinmetall’s', 'windows-1252')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = raw.decode("latin-1")
    if re.search("[\x80-\x9f]", text):
        return text.translate(_CP1252), "windows-1252"
    return text, "iso-8859-1"


def _cp1252_table() -> dict[int, str]:
    table = {}
    for code in range(0x80, 0xA0):
        with contextlib.suppress(UnicodeDecodeError):  # undefined in Windows-1252: left as in ISO-8859-1
            table[code] = bytes([code]).decode("cp1252")
    return table


_CP1252 = _cp1252_table()


def _split(line: str) -> list[str]:
    """Fields of one line; the csv module only when quotes appear (SIPRI writes none)."""
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]))


def _layout(fields: list[str]) -> str | None:
    names = [f.strip().casefold() for f in fields]
    if names[:3] == ["recipient", "supplier", "year of order"] and "weapon designation" in names:
        return TRADE_REGISTER
    if names and names[0] == "sipri at database id" and "supplier" in names and "recipient" in names:
        return TRANSFERS
    return None


def _columns(fields: list[str]) -> list[str]:
    """Column names, a blank one named after the column to its left (``Year of order ?``)."""
    columns: list[str] = []
    for index, name in enumerate(fields):
        name = name.strip()
        if not name and index:
            name = f"{columns[index - 1]} ?"
        columns.append(name)
    return columns


def read_export(path: str | Path) -> Export:
    """Read and parse a SIPRI export file; :class:`UsageError` if it is neither layout."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return read_export_text(raw, str(path))


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_export_text(data: str | bytes, path: str = "<text>") -> Export:
    """Parse the text (or bytes) of a SIPRI export; see the module docstring."""
    if isinstance(data, bytes):
        text, encoding = decode(data)
    else:
        text, encoding = data, "utf-8"
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    export: Export | None = None
    generated = None
    header_at = -1
    for number, line in enumerate(lines[:200]):
        clean = line.rstrip("\r")
        match = _GENERATED.search(clean)
        if match:
            generated = " ".join(g for g in match.groups() if g)
        fields = _split(clean.rstrip(";"))
        layout = _layout(fields)
        if layout:
            export = Export(path, layout, _columns(fields), encoding)
            header_at = number
            break
    if export is None:
        raise UsageError(
            f"{path}: no SIPRI header found (expected a line starting 'Recipient,Supplier,Year of order' "
            "for the Trade Register or 'SIPRI AT Database ID' for the transfers export)"
        )
    if generated:
        export.generated = generated
        try:
            export.generated_date = dt.datetime.strptime(" ".join(generated.split()[:3]), "%d %b %Y").date()
        except ValueError:
            export.generated_date = None
    _collect_rows(export, lines, header_at + 1)
    return export


def _collect_rows(export: Export, lines: list[str], start: int) -> None:
    width = len(export.columns)
    strip_semicolon = export.layout == TRANSFERS
    rows, rejected = export.rows, export.rejected
    index = start
    total = len(lines)
    while index < total:
        raw = lines[index].rstrip("\r")
        number = index + 1
        index += 1
        if strip_semicolon and raw.endswith(";"):
            raw = raw[:-1]
        if not raw.strip():
            continue
        fields = _split(raw)
        if len(fields) == width:
            following = _peek(lines, index, strip_semicolon)
            if following is not None and following.startswith(",") and len(_split(following)) == width \
                    and not fields[-1].strip():
                # A hand edit padded both halves of a split record to full width: neither half is sound.
                rejected.append(Rejection(number, f"record cut short; its last fields were moved to line {number + 1} "
                                          "(a record split by a line break, then padded)", _shorten(raw)))
                rejected.append(Rejection(number + 1, f"fragment of the record on line {number}, padded to "
                                          f"{width} fields; it cannot be joined back safely", _shorten(following)))
                index += 1
                continue
            if not fields[0].strip() and raw.startswith(","):
                rejected.append(Rejection(number, "line starts with an empty first field (a fragment of another "
                                          "record?)", _shorten(raw)))
                continue
            rows.append(Row(number, fields))
            continue
        if len(fields) > width:
            rejected.append(Rejection(number, f"{len(fields)} fields, expected {width} (an unescaped comma?)",
                                      _shorten(raw)))
            continue
        # Fewer fields: a line break inside Comments. Join the continuation lines (they start with ',').
        joined, used = raw, 1
        while len(_split(joined)) < width and index < total:
            nxt = lines[index].rstrip("\r")
            if strip_semicolon and nxt.endswith(";"):
                nxt = nxt[:-1]
            if not nxt.startswith(","):
                break
            joined += nxt
            index += 1
            used += 1
        joined_fields = _split(joined)
        if len(joined_fields) == width:
            rows.append(Row(number, joined_fields, used))
        else:
            span = f"lines {number}-{number + used - 1}" if used > 1 else "the line"
            rejected.append(Rejection(number, f"{len(joined_fields)} fields in {span}, expected {width}",
                                      _shorten(joined)))


def _peek(lines: list[str], index: int, strip_semicolon: bool) -> str | None:
    if index >= len(lines):
        return None
    text = lines[index].rstrip("\r")
    if strip_semicolon and text.endswith(";"):
        text = text[:-1]
    return text
