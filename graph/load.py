"""Load seed directories into a validated :class:`~graph.dataset.Dataset`, or report every problem.

Every ``.yaml``/``.yml`` file under each data directory is read safely
(:mod:`graph.yamlfile`), each record is validated against the schema
(:mod:`graph.model`), then the rules (:mod:`graph.rules`) run over all files
together. Any error means no dataset at all: data is never half-loaded.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "bad.yaml").write_text("actors:\\n  - id: POL\\n    name: Poland\\n    kind: stat\\n")
>>> report = check_dataset([folder])
>>> print(report.problems[0])  # doctest: +ELLIPSIS
/.../bad.yaml:4:11: error E102: actors[0].kind: must be one of state, organisation, company, non_state (got 'stat')
    hint: did you mean 'state'?
"""

from __future__ import annotations

import atexit
import difflib
import gc
import hashlib
import os
import pickle
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import forking
from .dataset import Dataset
from .errors import DataError, Location, Problem, Severity, UsageError
from .model import ID_PATTERN, SECTIONS, Quantity, Record, SeedFile
from .rules import run_rules
from .yamlfile import YamlDocument, read_yaml

__all__ = [
    "DEFAULT_DATA_DIR",
    "LoadReport",
    "cache_dir",
    "cached_projection",
    "check_dataset",
    "data_files",
    "fingerprint",
    "load_dataset",
    "resolve_data_dirs",
]

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "seeds"
"""The bundled curated seeds."""

_CACHE_FORMAT = "1"

T = TypeVar("T")


@dataclass
class LoadReport:
    """What loading found: the dataset (None if any error) and every problem, sorted."""

    dataset: Dataset | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the load."""
        return [p for p in self.problems if p.severity is Severity.error]

    @property
    def warnings(self) -> list[Problem]:
        """Suspicious but possible data."""
        return [p for p in self.problems if p.severity is Severity.warning]

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return self.dataset is not None


# --------------------------------------------------------------------------- files


def resolve_data_dirs(data_dirs: Sequence[str | Path] | None = None) -> list[Path]:
    """The data directories to read: those given, else ``$ARMSGRAPH_DATA`` (``:``-separated), else the seeds."""
    if data_dirs:
        return [Path(d) for d in data_dirs]
    env = os.environ.get("ARMSGRAPH_DATA")
    if env:
        return [Path(d) for d in env.split(os.pathsep) if d]
    return [DEFAULT_DATA_DIR]


def data_files(data_dirs: Sequence[str | Path]) -> list[Path]:
    """Every YAML file under the directories (a file may be named directly), sorted, without repeats."""
    found: list[Path] = []
    for folder in map(Path, data_dirs):
        if folder.is_file():
            found.append(folder)
        elif folder.is_dir():
            found.extend(sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            raise UsageError(f"data directory {str(folder)!r} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        shown = ", ".join(map(str, data_dirs))
        raise UsageError(f"no .yaml or .yml files under {shown}")
    return unique


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- schema errors


def _got(value: Any) -> str:
    """A value as the user wrote it, shortened: ``'lots'``, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_path(path: Sequence[str | int]) -> str:
    r"""``("transfers", 0, "quantity_ordered")`` -> ``transfers[0].quantity_ordered``.

    A key that is not a plain name is quoted, so that a control character or a newline
    in a key can neither break the one-line message nor reach the terminal raw.

    >>> _field_path(["actors", 0, "na me\x1b[2J"])
    "actors[0]['na me\\x1b[2J']"
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_NAME.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


_PATTERN_MESSAGES: dict[str, tuple[str, str | None]] = {
    "url": ("must be an http:// or https:// address", "leave the url out when the exact address is not known"),
    "currency": ("must be a three-letter ISO 4217 code such as USD, EUR or PLN (TIV for SIPRI values)", None),
    "wikidata": ("must be a Wikidata QID such as Q36", "leave it out unless certain"),
    "language": ("must be a two-letter ISO 639-1 code such as pl", None),
}
_ID_MESSAGE: tuple[str, str | None] = (
    "must be an id: letters, digits, '.', '_' or '-' (up to 120), starting with a letter or digit",
    "ids look like POL, K2 or kor-pol-k2-2022",
)
_QUANTITY_HINT = "write a count such as 180, or a mapping such as {value: 200, qualifier: at_least}"


def _user_loc(error: dict[str, Any], item: Any) -> tuple[str | int, ...]:
    """The part of a pydantic error's ``loc`` that is a path in the user's data.

    Pydantic adds markers of its own (``[key]``, ``function-after[...]``); a user's key may
    look like one, so a part is kept when it is really in the data (or names the missing field).

    >>> _user_loc({"loc": ("deliveries", "x", "[key]"), "type": "int_parsing"}, {"deliveries": {"x": 1}})
    ('deliveries', 'x')
    >>> _user_loc({"loc": ("[",), "type": "extra_forbidden"}, {"[": None})
    ('[',)
    """
    loc = error["loc"]
    path: list[str | int] = []
    current = item
    for index, part in enumerate(loc):
        in_mapping = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_mapping or in_list:
            current = current[part]
        elif not (index == len(loc) - 1 and error["type"] == "missing"):
            continue  # a marker pydantic added
        path.append(part)
    return tuple(path)


def _describe(
    error: dict[str, Any], model_type: type[BaseModel], loc: Sequence[str | int] | None = None
) -> tuple[str, str, str | None]:
    """Turn one pydantic error into (code, message, hint) in our words.

    >>> from graph.model import Transfer
    >>> try:
    ...     Transfer.model_validate({"quantity_ordered": "lots"})
    ... except ValidationError as exc:
    ...     error = next(e for e in exc.errors() if e["loc"][0] == "quantity_ordered")
    >>> _describe(error, Transfer)[:2]
    ('E102', "must be a whole number >= 0 (got 'lots')")
    """
    kind = error["type"]
    raw_loc = error["loc"]
    if loc is None:
        loc = [part for part in raw_loc if not (isinstance(part, str) and "[" in part)]
    name = str(next((p for p in reversed(loc) if isinstance(p, str)), ""))
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = f"(got {_got(value)})"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model_type, loc[:-1])
        suggestion = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {suggestion[0]!r}?" if suggestion else f"known fields: {', '.join(allowed)}"
        return "E101", f"unknown field {loc[-1]!r}", hint
    if kind == "missing":
        info = _field_info(model_type, loc)
        described = f": {_sentence_part(info.description)}" if info is not None and info.description else ""
        return "E103", f"missing required field {name!r}", f"add a {name!r} field{described}"
    if kind == "invalid_key":
        return "E102", f"field names must be text {got}", None
    if list(raw_loc).count("[key]") > list(loc).count("[key]"):  # a mapping key is wrong, not its value
        if kind == "int_parsing":
            return "E102", f"keys must be whole numbers, such as years {got}", None
        return "E102", f"keys must be text {got}", None
    if value is None and kind.endswith("_type"):
        return "E102", "must not be empty", "write a value after the colon, or remove the field"
    if kind == "enum":
        expected = [m.strip("'") for m in ctx.get("expected", "").replace(" or ", ", ").split(", ")]
        close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
        return "E102", f"must be one of {', '.join(expected)} {got}", f"did you mean {close[0]!r}?" if close else None
    if kind == "quantity" and str(error.get("msg", "")).startswith("must be a whole number >= 0"):
        return "E102", f"must be a whole number >= 0 {got}", _QUANTITY_HINT
    if kind == "quantity" and isinstance(value, dict) and "upper" in value:
        return "E102", f"must be >= value (got upper {value['upper']!r}, value {value.get('value')!r})", None
    if kind == "state_id" and isinstance(value, dict):
        return "E102", f"a state's id must be its ISO 3166-1 alpha-3 code (got {_got(value.get('id'))})", "such as POL"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "E102", f"must be a whole number{_lower_bound(model_type, loc)} {got}", None
    if kind in ("float_parsing", "float_type", "finite_number"):
        return "E102", f"must be a number {got}", None
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        sign = ">=" if "ge" in ctx else ">"
        what = "a whole number " if isinstance(value, int) and isinstance(bound, int) else ""
        return "E102", f"must be {what}{sign} {bound} {got}", None
    if kind == "string_pattern_mismatch":
        if name in _PATTERN_MESSAGES:
            form, advice = _PATTERN_MESSAGES[name]
        elif ctx.get("pattern") == ID_PATTERN:
            form, advice = _ID_MESSAGE
        else:  # pragma: no cover - every pattern in the schema is named above
            form, advice = f"must match {ctx.get('pattern')}", None
        return "E102", f"{form} {got}", advice
    if kind in ("string_type", "str_type"):
        scalar = isinstance(value, int | float)
        return "E102", f"must be text {got}", "quote it" if scalar else None
    if kind == "string_too_short":
        return "E102", "must not be empty text", "write a value, or remove the field"
    if kind == "string_too_long":
        return "E102", f"must be at most {ctx.get('max_length')} characters (got {len(str(value)):,})", None
    if kind == "too_short":
        if name == "sources":
            return "E102", "must cite at least one source", "add sources: [<source id>] and define the source"
        return "E102", "needs at least one item", None
    if kind in ("list_type", "tuple_type"):
        return "E102", f"must be a list {got}", "write [a, b] or one '- item' per line"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "E102", f"must be a mapping {got}", None
    if kind in ("bool_type", "bool_parsing"):
        return "E102", f"must be true or false {got}", None
    if kind == "partial_date":
        if "not a real date" in str(error.get("msg", "")):
            return "E102", f"is not a real date {got}", "months run 01-12 and days to the end of the month"
        return "E102", f"must be a date written YYYY, YYYY-MM or YYYY-MM-DD {got}", "for example 2022-08-26"
    message = str(error.get("msg", kind)).removeprefix("Value error, ")
    if isinstance(value, dict | list) or _got(value) in message:
        return "E102", message, None
    return "E102", f"{message} {got}", None


def _sentence_part(description: str) -> str:
    """``"How far we trust it."`` -> ``"how far we trust it"``, leaving ``ISO`` alone."""
    text = description.rstrip(".")
    return text[0].lower() + text[1:] if text[1:2].islower() else text


def _lower_bound(model_type: type[BaseModel], loc: Sequence[str | int]) -> str:
    """`` >= 0`` when the field has that bound, so the first message already says the whole rule."""
    info = _field_info(model_type, loc)
    for constraint in getattr(info, "metadata", ()):
        if getattr(constraint, "ge", None) is not None:
            return f" >= {constraint.ge}"
    return ""


def _pointed_field(error: dict[str, Any]) -> tuple[str, ...]:
    """A check over a whole record or value (a model validator) that concerns one field: point at that field."""
    if error["type"] == "state_id":
        return ("id",)
    if error["type"] == "quantity" and str(error.get("msg", "")).startswith("upper"):
        return ("upper",)
    return ()


def _field_info(model_type: type[BaseModel], loc: Sequence[str | int]) -> Any:
    current: Any = model_type
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return None
        info = fields[part]
        current = _inner_model(info.annotation)
    return info


def _inner_model(annotation: Any) -> Any:
    import typing

    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in typing.get_args(arg):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _allowed_fields(model_type: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = model_type
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        current = _inner_model(info.annotation) if info is not None else None
    return list(getattr(current, "model_fields", {}))


# --------------------------------------------------------------------------- reading one file


@dataclass
class _Entry:
    record: Record
    doc: _FileView
    path: tuple[str | int, ...]


class _FileView:
    """One file: its fast parse, which knows where its sections and records are."""

    def __init__(self, path: Path, display: str, doc: YamlDocument | None = None) -> None:
        self.path, self.display = path, display
        self.doc: YamlDocument = doc if doc is not None else read_yaml(path, display=display)

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Location:
        """Where a section or record is (deeper paths: see :class:`_Problems`)."""
        return self.doc.location(tuple(path), key=key)


@dataclass
class _Pending:
    view: _FileView
    path: tuple[str | int, ...]
    key: bool
    problem: Problem  # with a provisional location


class _Problems:
    """Problems as they are found; those deeper than a record are located afterwards, in one pass per file.

    The fast parse keeps only the positions of sections and records, so memory follows the data;
    a second, targeted parse of a file with problems keeps exactly the positions they need.
    """

    def __init__(self) -> None:
        self.located: list[Problem] = []
        self.pending: list[_Pending] = []

    def extend(self, problems: Iterable[Problem]) -> None:
        self.located.extend(problems)

    def add(
        self,
        view: _FileView,
        path: Sequence[str | int],
        code: str,
        message: str,
        severity: Severity = Severity.error,
        *,
        key: bool = False,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        path = tuple(path)
        problem = Problem(view.locate(path, key=key), code, message, severity, field=field, hint=hint)
        if view.doc.knows(path, key=key):
            self.located.append(problem)
        else:
            self.pending.append(_Pending(view, path, key, problem))

    def resolve(self) -> list[Problem]:
        """Every problem with its exact place, sorted."""
        by_view: dict[int, list[_Pending]] = {}
        for pending in self.pending:
            by_view.setdefault(id(pending.view), []).append(pending)
        located = list(self.located)
        for group in by_view.values():
            view = group[0].view
            precise = read_yaml(view.path, display=view.display, track=frozenset(p.path for p in group))
            exact = precise if not precise.problems else view.doc  # the file changed meanwhile: keep the record's place
            for pending in group:
                place = exact.location(pending.path, key=pending.key)
                located.append(replace(pending.problem, location=place))
        return sorted(located)


def _read_file(view: _FileView, problems: _Problems, entries: list[_Entry], failed_ids: set[str]) -> None:
    """Validate one file's records; collect the good ones, the problems, and the ids of records that failed."""
    doc = view.doc
    problems.extend(doc.problems)
    if doc.problems or doc.value is None:
        return
    value = doc.value
    if not isinstance(value, dict):
        problems.add(view, (), "E104", "a seed file must be a mapping of sections (actors:, transfers: ...)")
        return
    for key, section in value.items():
        if key == "description":
            if section is not None and not isinstance(section, str):
                problems.add(view, (key,), "E102", "description must be text", field=key)
            continue
        if key not in SECTIONS:
            allowed = list(SeedFile.model_fields)
            suggestion = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {suggestion[0]!r}?" if suggestion else f"known sections: {', '.join(allowed)}"
            problems.add(view, (key,), "E101", f"unknown section {key!r}", key=True, hint=hint)
            continue
        if section is None:
            continue
        if not isinstance(section, list):
            shape = "a mapping" if isinstance(section, dict) else _got(section)
            problems.add(
                view,
                (key,),
                "E104",
                f"must be a list of records (got {shape})",
                field=key,
                hint="start each record with '- '",
            )
            continue
        model_type = SECTIONS[key]
        for index, item in enumerate(section):
            where = (key, index)
            if not isinstance(item, dict):
                problems.add(
                    view, where, "E104", f"each record must be a mapping (got {_got(item)})", field=_field_path(where)
                )
                continue
            try:
                record = model_type.model_validate(item)
            except ValidationError as exc:
                if isinstance(item.get("id"), str):
                    failed_ids.add(item["id"])
                for details in exc.errors(include_url=False):
                    error: dict[str, Any] = dict(details)
                    loc = _user_loc(error, item)
                    code, message, advice = _describe(error, model_type, loc)
                    loc += _pointed_field(error)
                    full = (*where, *loc)
                    missing = error["type"] == "missing"  # nothing to point at but the record
                    problems.add(
                        view,
                        where if missing else full,
                        code,
                        message,
                        key=error["type"] == "extra_forbidden",
                        field=_field_path(full),
                        hint=advice,
                    )
                continue
            entries.append(_Entry(record, view, where))


# --------------------------------------------------------------------------- the whole load


def _quantity_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a record model that hold a :class:`~graph.model.Quantity`."""
    return tuple(name for name, info in model.model_fields.items() if _inner_model(info.annotation) is Quantity)


_QUANTITY_FIELDS = {model: _quantity_fields(model) for model in SECTIONS.values()}


def _share_quantities(record: Record, shared: dict[tuple[Any, ...], Quantity]) -> None:
    """Let equal quantities be one object: a dataset repeats the same few hundred counts tens of thousands of times.

    Quantities are frozen, so sharing is invisible, except that the cache file holds each once
    (a warm start reads 30k transfers a quarter faster). Two count as equal only if every field
    and the set of fields the user wrote are the same.
    """
    fields = record.__dict__
    for name in _QUANTITY_FIELDS[type(record)]:
        quantity = fields[name]
        if quantity is not None:
            key = (quantity.value, quantity.qualifier, quantity.upper, frozenset(quantity.model_fields_set))
            # Writing the record's own field storage: the value is equal, and nobody has seen the record yet.
            fields[name] = shared.setdefault(key, quantity)


@contextmanager
def _collector_paused(*, keep: bool = False) -> Iterator[None]:
    """Pause the garbage collector: it slows the building of many small objects a lot and frees nothing here.

    With ``keep=True`` the objects alive at the end (the loaded dataset) are moved out of the
    collector's reach with :func:`gc.freeze`: they live as long as the program, and otherwise the
    first collection after the pause would scan every one of them (about 0.3 s for 30k transfers)
    and later full collections again. Reference counting still frees them if they are dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if keep:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


_PARALLEL_MIN_BYTES = 4 * 1024 * 1024
"""Below this much YAML, a second process costs more than it saves (the bundled seeds are far below)."""


def _parsed_views(files: Sequence[Path]) -> Iterator[_FileView]:
    """The files parsed, in order; the later half (by size) in a second process when that pays.

    Files parse independently, so on a machine with two cores a forked child parses the tail
    while this process parses (and the caller validates) the head; the child sends its plain
    parsed documents back through a pipe. The results are the same either way: the documents are
    the very values :func:`read_yaml` returns, handled in the same order.
    """
    shown = [_display(path) for path in files]
    split = _parallel_split(files)
    child = None
    if split is not None:
        tail = list(zip(files[split:], shown[split:], strict=True))
        with suppress(OSError):  # no process to spare (a limit reached): everything is parsed here
            child = forking.Forked(lambda: [read_yaml(path, display=display) for path, display in tail])
    if split is None or child is None:
        for path, display in zip(files, shown, strict=True):
            yield _FileView(path, display)
        return
    try:
        for path, display in zip(files[:split], shown[:split], strict=True):
            yield _FileView(path, display)
        docs = child.result()
        if docs is forking.FAILED:  # out of memory, killed ...: parse here instead
            docs = [read_yaml(path, display=display) for path, display in tail]
        for (path, display), doc in zip(tail, docs, strict=True):
            yield _FileView(path, display, doc)
    finally:
        child.stop()


def _parallel_split(files: Sequence[Path]) -> int | None:
    """Where the second process's share starts, or None when parsing in one process is better or safer."""
    sizes = _sizes(files)
    if len(files) < 2 or not _worth_forking(sizes):
        return None
    return _split_at_half(sizes)


def _sizes(files: Sequence[Path]) -> list[int]:
    """The files' sizes in bytes (0 for one that cannot be read: :func:`read_yaml` reports it, in order)."""
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _worth_forking(sizes: Sequence[int]) -> bool:
    """Whether a second process pays for files of these sizes, and is safe here (:func:`graph.forking.can_fork`)."""
    return sum(sizes) >= _PARALLEL_MIN_BYTES and forking.can_fork()


def _split_at_half(sizes: Sequence[int]) -> int:
    """The index that splits the files into two parts of sizes closest to equal (the later part the larger on a tie:
    this process also validates every record, so the child may take more). At least one file on each side.

    >>> _split_at_half([10, 10, 10, 40, 10, 20]), _split_at_half([5, 1]), _split_at_half([1, 1, 1, 1])
    (3, 1, 2)
    """
    total = sum(sizes)
    best, best_gap, head = 1, None, 0
    for index in range(1, len(sizes)):
        head += sizes[index - 1]
        gap = abs(total - 2 * head)
        if best_gap is None or gap < best_gap:
            best, best_gap = index, gap
    return best


def check_dataset(data_dirs: Sequence[str | Path] | None = None) -> LoadReport:
    """Read and validate every file; return the dataset (if no error) and every problem.

    Raises :class:`UsageError` only when a directory is missing or holds no YAML.
    """
    files = data_files(resolve_data_dirs(data_dirs))
    return _check_files(files)


def _check_files(files: list[Path], key: str | None = None) -> LoadReport:
    """:func:`check_dataset` of these files; ``key`` is their :func:`fingerprint` when already known."""
    found = _Problems()
    entries: list[_Entry] = []
    views: list[_FileView] = []
    failed_ids: set[str] = set()  # records with schema errors: references to them are not errors of their own
    with _collector_paused():
        for view in _parsed_views(files):
            views.append(view)
            _read_file(view, found, entries, failed_ids)
        by_id: dict[str, Record] = {}
        for entry in entries:
            by_id.setdefault(entry.record.id, entry.record)
        where = {id(entry.record): entry for entry in entries}
        for found_rule, finding in run_rules([e.record for e in entries], by_id):
            if finding.reference is not None and finding.reference in failed_ids:
                continue  # the referenced record's own errors say what is wrong
            entry = where[id(finding.record)]
            full = (*entry.path, *finding.field)
            message = finding.message
            if finding.related is not None and id(finding.related) in where:
                other = where[id(finding.related)]
                message += f"; see {other.doc.locate(other.path)}"
            found.add(
                entry.doc,
                full,
                found_rule.code,
                message,
                found_rule.severity,
                field=_field_path(full),
                hint=finding.hint,
            )
        problems = found.resolve()
        if any(p.severity is Severity.error for p in problems):
            return LoadReport(None, problems)
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        locations: dict[str, Location] = {}
        shared: dict[tuple[Any, ...], Quantity] = {}
        for entry in entries:
            sections[entry.record.SECTION][entry.record.id] = entry.record
            locations[entry.record.id] = entry.doc.locate(entry.path)
            _share_quantities(entry.record, shared)
        dataset = Dataset(
            actors=sections["actors"],
            systems=sections["systems"],
            sources=sections["sources"],
            transfers=sections["transfers"],
            deployments=sections["deployments"],
            backfills=sections["backfills"],
            locations=locations,
            files=tuple(v.display for v in views),
            fingerprint=key or fingerprint(files),
            warnings=tuple(p for p in problems if p.severity is Severity.warning),
        )
        return LoadReport(dataset, problems)


def fingerprint(files: Iterable[Path]) -> str:
    """A hash of the files' names and bytes and of the code that reads them: the cache key."""
    digest = hashlib.sha256(_CACHE_FORMAT.encode())
    code_dir = Path(__file__).parent
    for code in ("model.py", "load.py", "rules.py", "yamlfile.py", "dataset.py", "errors.py"):
        digest.update((code_dir / code).read_bytes())
    for path in files:
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where built datasets are cached: ``$ARMSGRAPH_CACHE_DIR``, else ``~/.cache/armsgraph``."""
    env = os.environ.get("ARMSGRAPH_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "armsgraph"


def load_dataset(data_dirs: Sequence[str | Path] | None = None, *, cache: bool = True) -> Dataset:
    """Load and validate the data; raise :class:`DataError` listing every problem if any is an error.

    With ``cache=True`` a dataset built before from the same files (same bytes,
    same code) is read back from :func:`cache_dir` instead of being rebuilt.

    >>> dataset = load_dataset()  # the bundled seeds
    >>> k2 = dataset.transfer("kor-pol-k2-exec1-2022")
    >>> k2.supplier, k2.recipient, k2.system
    ('KOR', 'POL', 'k2')
    """
    files = data_files(resolve_data_dirs(data_dirs))
    key = fingerprint(files)
    cached = cache_dir() / f"dataset-{key[:32]}.pickle"
    _finish_writing(cached)  # a child of ours may still be writing this very file
    if cache and _safe_to_unpickle(cached):
        try:
            with cached.open("rb") as handle, _collector_paused(keep=True):  # 3x faster for many small objects
                dataset = pickle.load(handle)
            if isinstance(dataset, Dataset) and dataset.fingerprint == key:
                _mark_used(cached)
                return dataset
        except Exception:
            pass
    with _collector_paused(keep=True):  # the dataset lives as long as the program: see _collector_paused
        report = _check_files(files, key)
        if report.dataset is None:
            raise DataError(report.problems)
    if cache:  # after the freeze, which touches every object: a child forked before it would copy them all
        _save_dataset(cached, report.dataset, background=_worth_forking(_sizes(files)))
    return report.dataset


_DATASETS_KEPT = 6
"""How many cached datasets to keep (the most recently used): one per combination of data folders in use."""

_WRITING: dict[Path, forking.Forked] = {}
"""Cache files being written by a child of this process."""


def _save_dataset(path: Path, dataset: Dataset, *, background: bool) -> None:
    """Write a dataset's cache file, then prune old ones; with ``background``, in a forked child.

    Pickling a big dataset takes a while (0.6 s for 30k transfers) that the caller need not wait
    for: the child has the dataset as it is at the fork, and writes the file atomically. Another
    load of the same files in this process waits for the child first (see :func:`load_dataset`),
    and so does this process before it exits, so the cache is there as if written in place.
    """

    def save() -> bool:
        written = _write_cache(path, dataset)
        if written:
            _prune(path.parent, "dataset-*.pickle", _DATASETS_KEPT)
        return written

    if background:
        _finish_all_writing()  # one writer at a time, each collected
        try:
            _WRITING[path] = forking.Forked(save)
        except OSError:
            pass  # no process to spare: written here
        else:
            atexit.unregister(_finish_all_writing)  # registered once, however many datasets are saved
            atexit.register(_finish_all_writing)
            return
    with _collector_paused():  # many small objects built and dropped: see _collector_paused
        save()


def _finish_writing(path: Path) -> None:
    """Wait until a child of ours writing ``path`` is done."""
    child = _WRITING.pop(path, None)
    if child is not None:
        child.result()


def _finish_all_writing() -> None:
    """Wait until every child of ours writing a cache file is done (at exit, so the cache is complete)."""
    for path in list(_WRITING):
        _finish_writing(path)


def _mark_used(path: Path) -> None:
    """Touch a cache file just read, so that pruning (newest first) keeps the files in use, not the newest built."""
    with suppress(OSError):
        os.utime(path)


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently used files matching ``pattern`` in ``folder``."""
    try:
        older = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[keep:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # another process tidied up at the same time


_PROJECTIONS_KEPT = 8
"""How many cached files of one projection to keep (the newest); filtered views each add one."""


def cached_projection(dataset: Dataset, name: str, version: str, build: Callable[[], T]) -> T:
    """``build()``, a projection of ``dataset`` (the networkx graph ...), kept in :func:`cache_dir`.

    The cache key is the dataset's fingerprint (its files and the loader's code) with
    ``name`` and ``version`` (say, a hash of the module that builds it), so a later start
    on the same files reads the projection back instead of building it again. Each call
    returns a new object: a caller may change it freely. A dataset without a fingerprint
    (built by hand) is never cached.

    >>> calls = []
    >>> dataset = Dataset({}, {}, {}, {}, {}, {})  # no fingerprint: built every time
    >>> cached_projection(dataset, "demo", "1", lambda: calls.append(1) or len(calls))
    1
    """
    if not dataset.fingerprint:
        return build()
    key = hashlib.sha256(f"{dataset.fingerprint}\0{name}\0{version}".encode()).hexdigest()
    cached = cache_dir() / f"{name}-{key[:32]}.pickle"
    if _safe_to_unpickle(cached):
        try:
            with cached.open("rb") as handle, _collector_paused(keep=True):
                projection: T = pickle.load(handle)
            _mark_used(cached)
            return projection
        except Exception:
            pass  # a broken cache is rebuilt, never trusted
    with _collector_paused(keep=True):  # kept as long as the dataset it projects
        built = build()
        written = _write_cache(cached, built)
    if written:
        _prune(cached.parent, f"{name}-*.pickle", _PROJECTIONS_KEPT)
    return built


def _safe_to_unpickle(path: Path) -> bool:
    """Read back only our own cache file that nobody else could have written.

    Unpickling runs code, so a cache file planted by another user (say, in a shared
    ``ARMSGRAPH_CACHE_DIR`` under /tmp) must never be loaded: like ssh with its keys,
    the file has to belong to us and be writable by us alone.
    """
    try:
        status = path.stat()
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or status.st_uid == getuid()  # no owners to compare on Windows
    return owned and not status.st_mode & 0o022


def _rebuilt_model(
    kind: type[BaseModel], names: tuple[str, ...], values: tuple[Any, ...], given: frozenset[str]
) -> Any:
    """A model as :class:`_CompactPickler` wrote it: its fields set directly, as pydantic's own unpickling does."""
    record = object.__new__(kind)
    _set_attribute(record, "__dict__", dict(zip(names, values, strict=True)))
    _set_attribute(record, "__pydantic_fields_set__", set(given))
    _set_attribute(record, "__pydantic_extra__", None)
    _set_attribute(record, "__pydantic_private__", None)
    return record


_set_attribute = object.__setattr__  # the models are frozen: their own __setattr__ refuses


class _CompactPickler(pickle.Pickler):
    """Pickles the schema's models as (type, field names, values, fields given), names shared by all records.

    Pydantic's own pickling writes every model as a dict of field names to values plus three
    more attributes; this writes a third less and is faster both ways (a cache is written on
    every cold start and read on every warm one).
    """

    def __init__(self, file: Any) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        from . import model

        kinds = [k for k in vars(model).values() if isinstance(k, type) and issubclass(k, BaseModel)]
        self.dispatch_table = {kind: self._reduce for kind in kinds if kind is not BaseModel}
        self._names: dict[type, tuple[str, ...]] = {}
        self._given: dict[frozenset[str], frozenset[str]] = {}

    def _reduce(self, record: BaseModel) -> Any:
        fields = record.__dict__
        kind = type(record)
        names = self._names.get(kind)
        if names is None:
            names = self._names[kind] = tuple(fields)
        if record.__pydantic_extra__ or record.__pydantic_private__ or len(fields) != len(names):
            return record.__reduce_ex__(pickle.HIGHEST_PROTOCOL)  # never with our strict models: pydantic's way
        given = frozenset(record.__pydantic_fields_set__)
        given = self._given.setdefault(given, given)  # the same few sets, each written once
        return (_rebuilt_model, (kind, names, tuple(map(fields.__getitem__, names)), given))


def _write_cache(path: Path, value: object) -> bool:
    """Pickle ``value`` to ``path``, privately and atomically; False when the cache cannot be written."""
    temporary = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Private to us whatever the umask, so that _safe_to_unpickle accepts it when read back.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            _CompactPickler(handle).dump(value)
        temporary.replace(path)  # atomic: a reader never sees half a file
    except (OSError, pickle.PicklingError, TypeError, AttributeError, KeyError):
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False  # a read-only home, or a value that cannot be pickled, only costs speed
    return True
