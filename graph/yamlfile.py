"""Safe YAML reading that remembers where every value was written.

Built on libyaml's event stream (PyYAML's C parser), so nothing is ever
constructed from a tag: the values are plain dicts, lists, strings, ints,
floats, booleans and ``None``. On top of safe loading it refuses what curated
data never needs and attackers like:

- duplicate keys in a mapping (YAML says they are an error; PyYAML keeps the last);
- aliases (``*name``), so an alias bomb costs nothing;
- tags other than the core ones (``!!python/object`` ...);
- nesting deeper than :data:`MAX_DEPTH`, and files over :data:`MAX_BYTES`;
- YAML 1.1 booleans such as ``no`` (``NO`` is Norway) and implicit timestamps:
  only ``true``/``false`` are booleans, and dates stay text for the schema to read.

>>> doc = read_yaml_text("a: 1\\nb: [x, 2022-08-26]\\n", "demo.yaml", track=True)
>>> doc.value, doc.position(("b", 1))
({'a': 1, 'b': ['x', '2022-08-26']}, (2, 8))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem

try:  # libyaml's parser; the pure-Python one is a slower fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Track", "YamlDocument", "read_yaml", "read_yaml_text"]

MAX_DEPTH = 32
MAX_BYTES = 64 * 1024 * 1024

Path_ = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_NULLS = frozenset({"~", "null", "Null", "NULL", ""})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$")


@dataclass
class YamlDocument:
    """A parsed file: its value, and positions (1-based line, column) of values and keys.

    Positions are kept for the sections and the records in them always, for every
    value when read with ``track=True``, or for the given paths (and their parents)
    with ``track=frozenset({...})``; :meth:`position` falls back to the nearest
    enclosing value that has one.
    """

    path: str
    value: Any
    problems: list[Problem] = field(default_factory=list)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def knows(self, path: Path_, *, key: bool = False) -> bool:
        """Whether the exact position of the value at ``path`` (or of its key) was kept."""
        return path in (self.keys if key else self.values)

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at ``path`` (or of its key, with ``key=True``)."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """The :class:`Location` of the value at ``path``."""
        line, column = self.position(path, key=key)
        return Location(self.path, line, column)


class _Refused(Exception):
    def __init__(self, mark: Any, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.mark, self.code, self.message, self.hint = mark, code, message, hint


def _shown_tag(tag: str) -> str:
    """A tag as it was written: ``!!python/object/apply:os.system``, not its expanded URI."""
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _refuse_tag(mark: Any, tag: str) -> _Refused:
    return _Refused(
        mark,
        "E003",
        f"tag {_shown_tag(tag)} is not allowed: seed files hold plain data, never objects",
        "remove the tag",
    )


_SCALAR_KINDS = frozenset({"str", "int", "float", "bool", "null"})


# Only plain scalars starting with one of these can be a null, a boolean or a number; the rest are text
# (a shortcut that skips the regular expressions for almost every value: names, ids, categories).
_MAYBE_NOT_TEXT = frozenset("0123456789+-.~nNtTfF")


def _scalar(event: yaml.ScalarEvent) -> Any:
    text = event.value
    tag = event.tag
    if tag and tag != "!":
        kind = tag[len(_CORE) :] if tag.startswith(_CORE) else None
        if kind not in _SCALAR_KINDS:
            raise _refuse_tag(event.start_mark, tag)
        if kind == "str":
            return text
        if kind == "int" and _INT.match(text):
            return int(text)
        if kind == "float" and _FLOAT.match(text):
            return float(text)
        if kind == "bool" and text in _BOOL:
            return _BOOL[text]
        if kind == "null" and _NULL.match(text):
            return None
        raise _Refused(
            event.start_mark, "E003", f"tag {_shown_tag(tag)} does not fit the value {text!r}", "remove the tag"
        )
    if event.style or not event.implicit[0]:
        return text  # quoted or block scalars are always text
    if text and text[0] not in _MAYBE_NOT_TEXT:
        return text
    if text in _NULLS:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if text.isascii():
        if text.isdigit():
            return int(text)
        if "-" in text[1:] and "e" not in text and "E" not in text:
            return text  # a date such as 2022-08-26: a minus sign inside a number needs an exponent
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _check_collection_tag(event: Any) -> None:
    tag = event.tag
    if tag and tag not in (_CORE + "map", _CORE + "seq", "!"):
        raise _refuse_tag(event.start_mark, tag)


def _key_identity(value: Any, mark: Any) -> str:
    """What makes two keys the same: ``2022`` and ``"2022"`` are (the schema reads both as 2022).

    Only text and whole numbers may be keys: ``true``, ``1.5`` or an empty key
    mean nothing in seed data, and Python would merge ``1`` with ``true``.
    """
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    written = {None: "null", True: "true", False: "false"}.get(value, repr(value))
    raise _Refused(mark, "E004", f"mapping key {written} must be text or a whole number", "quote the key")


_NOT_A_KEY = "mapping keys must be plain values, not lists or mappings"
_DUPLICATE_HINT = "a mapping holds each key once; YAML would silently keep only one: remove or rename one"


Track = bool | frozenset[Path_]
"""Which positions to keep: ``False`` the records' (fast), ``True`` every value's, or those of the given paths."""

# What a collection keeps of its children's positions.
_NONE, _CONTAINERS, _ALL, _WANTED = range(4)


def _prefixes(paths: frozenset[Path_]) -> frozenset[Path_]:
    return frozenset(path[:end] for path in paths for end in range(len(path) + 1))


def _build(parser: Any, doc: YamlDocument, track: Track) -> Any:
    """Turn the event stream of one document into plain values, iteratively (no recursion to exhaust).

    This loop is the hot path of every load, hence its flat shape: one pass, type checks by identity,
    and paths built only for the values whose positions are kept. The fast pass keeps the positions
    of the sections and of the records (collections two levels down) only, so memory stays
    proportional to the data even for a file of a million scalars.
    """
    values, keys = doc.values, doc.keys
    wanted = _prefixes(track) if isinstance(track, frozenset) else frozenset()
    # A frame per open collection: [container, its path, pending key (value, mark) or None,
    # key -> line for the duplicate check, is a mapping, what it keeps of its children's positions]
    stack: list[list[Any]] = []
    root: Any = None
    get_event = parser.get_event
    maybe_not_text = _MAYBE_NOT_TEXT
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            mark = event.start_mark
            if kind is scalar_event:
                # Untagged text (quoted, or plain and not starting like a number, null or boolean) is
                # most of any file: take it here, as _scalar would, without a call.
                text = event.value
                if not event.tag and (event.style or (text and text[0] not in maybe_not_text)):
                    value: Any = text
                else:
                    value = _scalar(event)
                opens = False
            else:
                _check_collection_tag(event)
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(mark, "E006", f"nesting deeper than {MAX_DEPTH} levels", "flatten the data")
                value = {} if kind is mapping_start else []
                opens = True
            child: Path_ = ()
            if not stack:
                root = value
                values[()] = _pos(mark)
            else:
                frame = stack[-1]
                keeps = frame[5]
                if frame[4]:  # a mapping: this value is either a key or the value of the pending key
                    pending = frame[2]
                    if pending is None:
                        if opens:
                            raise _Refused(mark, "E004", _NOT_A_KEY)
                        identity = value if type(value) is str else _key_identity(value, mark)
                        first_line = frame[3].get(identity)
                        if first_line is not None:
                            raise _Refused(
                                mark,
                                "E005",
                                f"duplicate key {value!r} (first written at line {first_line})",
                                _DUPLICATE_HINT,
                            )
                        frame[3][identity] = mark.line + 1
                        frame[2] = (value, mark)
                        continue
                    key, key_mark = pending
                    frame[2] = None
                    frame[0][key] = value
                else:
                    container = frame[0]
                    key, key_mark = len(container), None
                    container.append(value)
                if keeps is not _NONE or opens:
                    child = (*frame[1], key)
                    if keeps is _ALL or (keeps is _CONTAINERS and opens) or (keeps is _WANTED and child in wanted):
                        values[child] = _pos(mark)
                        if key_mark is not None:
                            keys[child] = _pos(key_mark)
            if opens:
                if track is True:
                    keeps = _ALL
                elif wanted:
                    keeps = _WANTED
                else:  # the fast pass: every section, and the records inside them
                    keeps = _ALL if not child else _CONTAINERS if len(child) == 1 else _NONE
                stack.append([value, child, None, {}, kind is mapping_start, keeps])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            raise _Refused(
                event.start_mark,
                "E007",
                f"aliases (*{event.anchor}) are not allowed",
                "write the value out in full; aliases make facts hard to review",
            )
        elif kind is yaml.DocumentEndEvent:
            return root
        # StreamStart/DocumentStart carry nothing we need; anchors without aliases are harmless.


def read_yaml_text(text: str, path: str, *, track: Track = False) -> YamlDocument:
    """Parse YAML text safely; problems are returned on the document, never raised.

    By default only the positions of the sections and the records are kept (the fast pass).
    With ``track=True`` the position of every value is kept; with a set of paths, those of
    these paths (how the loader locates problems deeper than a record, in a second pass).
    """
    doc = YamlDocument(path=path, value=None)
    try:
        parser = _Loader(text)
    except UnicodeEncodeError as exc:  # a lone surrogate: only possible in text that did not come from a file
        line, column = _text_position(text, exc.start)
        doc.problems.append(
            Problem(Location(path, line, column), "E011", "text is not valid Unicode (a lone surrogate)")
        )
        return doc
    try:
        documents = 0
        while True:
            event = parser.peek_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Refused(
                        event.start_mark, "E008", "a seed file holds one YAML document, found a second '---'"
                    )
                parser.get_event()
                doc.value = _build(parser, doc, track)
            else:
                parser.get_event()
    except _Refused as refused:
        line, column = _pos(refused.mark)
        doc.problems.append(Problem(Location(path, line, column), refused.code, refused.message, hint=refused.hint))
        doc.value = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _pos(mark) if mark else (1, 1)
        message = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            started = exc.context_mark
            since = f" started at line {started.line + 1}" if started and mark and started.line != mark.line else ""
            message += f" ({exc.context}{since})"
        hint = "check indentation, colons and quotes"
        if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
            hint = "indent with spaces; YAML does not allow tabs there"
        doc.problems.append(Problem(Location(path, line, column), "E001", message, hint=hint))
        doc.value = None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as a control character
        line, column = _text_position(text, exc.position)
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        message = f"YAML syntax: character U+{ord(character):04X} is not allowed ({exc.reason})"
        doc.problems.append(Problem(Location(path, line, column), "E001", message, hint="remove the character"))
        doc.value = None
    except yaml.YAMLError as exc:  # pragma: no cover - every libyaml error above carries a mark
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        doc.problems.append(Problem(Location(path, 1, 1), "E001", f"YAML syntax: {first_line}"))
        doc.value = None
    finally:
        parser.dispose()
    return doc


def _text_position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def read_yaml(path: Path, *, display: str | None = None, track: Track = False) -> YamlDocument:
    """Read and parse one YAML file; size and encoding problems become located problems."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            problem = Problem(
                Location(shown),
                "E009",
                f"file is {size:,} bytes; the limit is {MAX_BYTES:,}",
                hint="split it into several files",
            )
            return YamlDocument(shown, None, [problem])
        with path.open("rb") as handle:  # bounded, should the file grow after stat or lie about its size
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            problem = Problem(
                Location(shown), "E009", f"file is over {MAX_BYTES:,} bytes", hint="split it into several files"
            )
            return YamlDocument(shown, None, [problem])
    except OSError as exc:
        return YamlDocument(shown, None, [Problem(Location(shown), "E010", f"cannot read file: {exc.strerror}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        problem = Problem(
            Location(shown, line, column),
            "E011",
            f"file is not valid UTF-8 (byte 0x{byte:02X})",
            hint="save it as UTF-8",
        )
        return YamlDocument(shown, None, [problem])
    return read_yaml_text(text, shown, track=track)
