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

__all__ = ["MAX_BYTES", "MAX_DEPTH", "YamlDocument", "read_yaml", "read_yaml_text"]

MAX_DEPTH = 32
MAX_BYTES = 64 * 1024 * 1024

Path_ = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$")


@dataclass
class YamlDocument:
    """A parsed file: its value, and positions (1-based line, column) of values and keys.

    Positions are kept for the records (depth 2) always, and for every value
    when read with ``track=True``; :meth:`position` falls back to the nearest
    enclosing value that has one.
    """

    path: str
    value: Any
    problems: list[Problem] = field(default_factory=list)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

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


def _scalar(event: yaml.ScalarEvent) -> Any:
    text = event.value
    tag = event.tag
    if tag and tag != "!":
        if not tag.startswith(_CORE):
            raise _Refused(
                event.start_mark, "E003", f"tag {tag!r} is not allowed", "remove the tag; seed files are plain data"
            )
        kind = tag[len(_CORE) :]
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
        raise _Refused(event.start_mark, "E003", f"tag {tag!r} does not fit the value {text!r}")
    if event.style or not event.implicit[0]:
        return text  # quoted or block scalars are always text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
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
        raise _Refused(
            event.start_mark, "E003", f"tag {tag!r} is not allowed", "remove the tag; seed files are plain data"
        )


def _build(parser: Any, doc: YamlDocument, track: bool) -> Any:
    """Turn the event stream of one document into plain values, iteratively."""
    # Each frame: [container, path, pending_key_or_None, key_positions_for_dup_check]
    stack: list[list[Any]] = []
    root: Any = None
    keep_depth = None if track else 2

    def attach(value: Any, mark: Any, is_container: bool) -> bool:
        """Put a finished or new value in its parent; return False when it was a key."""
        nonlocal root
        if not stack:
            root = value
            doc.values[()] = _pos(mark)
            return True
        frame = stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            child = (*path, len(container))
            container.append(value)
        else:
            if frame[2] is None:  # this value is a key
                if is_container:
                    raise _Refused(mark, "E004", "mapping keys must be plain values, not lists or mappings")
                if value in frame[3]:
                    first = frame[3][value]
                    raise _Refused(
                        mark,
                        "E005",
                        f"duplicate key {value!r} (first written at line {first[0]})",
                        "YAML keeps only one of the two; remove or rename one",
                    )
                frame[3][value] = _pos(mark)
                frame[2] = (value, mark)
                return False
            key, key_mark = frame[2]
            frame[2] = None
            child = (*path, key)
            container[key] = value
            if keep_depth is None or len(child) <= keep_depth:
                doc.keys[child] = _pos(key_mark)
        if keep_depth is None or len(child) <= keep_depth:
            doc.values[child] = _pos(mark)
        return True

    def child_path() -> Path_:
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame[0], list):
            return (*frame[1], len(frame[0]))
        return (*frame[1], frame[2][0])

    while True:
        event = parser.get_event()
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                pass  # an anchor without aliases is harmless
            attach(_scalar(event), event.start_mark, False)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            _check_collection_tag(event)
            if len(stack) >= MAX_DEPTH:
                raise _Refused(event.start_mark, "E006", f"nesting deeper than {MAX_DEPTH} levels")
            container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                raise _Refused(event.start_mark, "E004", "mapping keys must be plain values, not lists or mappings")
            path = child_path()
            attach(container, event.start_mark, True)
            stack.append([container, path, None, {}])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
        elif isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                "E007",
                f"aliases (*{event.anchor}) are not allowed",
                "write the value out in full; aliases make facts hard to review",
            )
        elif isinstance(event, yaml.DocumentEndEvent):
            return root
        # StreamStart/DocumentStart carry nothing we need.


def read_yaml_text(text: str, path: str, *, track: bool = False) -> YamlDocument:
    """Parse YAML text safely; problems are returned on the document, never raised.

    With ``track=True`` the position of every value is kept (slower; used to
    locate errors precisely after a fast first pass found some).
    """
    doc = YamlDocument(path=path, value=None)
    parser = _Loader(text)
    try:
        documents = 0
        while True:
            event = parser.peek_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Refused(event.start_mark, "E008", "a seed file holds one YAML document, found a second '---'")
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
            message += f" ({exc.context})"
        doc.problems.append(
            Problem(Location(path, line, column), "E001", message, hint="check indentation, colons and quotes")
        )
        doc.value = None
    except yaml.YAMLError as exc:  # reader errors: bad characters
        doc.problems.append(Problem(Location(path, 1, 1), "E001", f"YAML: {exc}"))
        doc.value = None
    finally:
        parser.dispose()
    return doc


def read_yaml(path: Path, *, display: str | None = None, track: bool = False) -> YamlDocument:
    """Read and parse one YAML file; size and encoding problems become located problems."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            problem = Problem(
                Location(shown), "E009", f"file is {size:,} bytes; the limit is {MAX_BYTES:,}", hint="split it into several files"
            )
            return YamlDocument(shown, None, [problem])
        raw = path.read_bytes()
    except OSError as exc:
        return YamlDocument(shown, None, [Problem(Location(shown), "E010", f"cannot read file: {exc.strerror}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problem = Problem(Location(shown, line, column), "E011", "file is not valid UTF-8", hint="save it as UTF-8")
        return YamlDocument(shown, None, [problem])
    return read_yaml_text(text, shown, track=track)
