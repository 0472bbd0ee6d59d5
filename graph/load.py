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

import difflib
import gc
import hashlib
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .dataset import Dataset
from .errors import DataError, Location, Problem, Severity, UsageError
from .model import SECTIONS, Record, SeedFile
from .rules import run_rules
from .yamlfile import YamlDocument, read_yaml

__all__ = ["DEFAULT_DATA_DIR", "LoadReport", "check_dataset", "data_files", "load_dataset", "resolve_data_dirs"]

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "seeds"
"""The bundled curated seeds."""

_CACHE_FORMAT = "1"


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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_path(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_PATTERN_MESSAGES = {
    "id": ("must be letters, digits, '.', '_' or '-' (up to 120), starting with a letter or digit", None),
    "url": ("must be an http:// or https:// address", "leave the url out when the exact address is not known"),
    "currency": ("must be a three-letter ISO 4217 code such as USD, EUR or PLN (TIV for SIPRI values)", None),
    "wikidata": ("must be a Wikidata QID such as Q36", "leave it out unless certain"),
    "language": ("must be a two-letter ISO 639-1 code such as pl", None),
}


def _describe(error: dict[str, Any], model_type: type[BaseModel]) -> tuple[str, str, str | None]:
    """Turn one pydantic error into (code, message, hint) in our words."""
    kind = error["type"]
    loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
    name = str(next((p for p in reversed(loc) if isinstance(p, str)), ""))
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model_type, loc[:-1])
        suggestion = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {suggestion[0]!r}?" if suggestion else f"known fields: {', '.join(allowed)}"
        return "E101", f"unknown field {loc[-1]!r}", hint
    if kind == "missing":
        info = _field_info(model_type, loc)
        hint = info.description if info is not None else None
        return "E103", f"missing required field {name!r}", hint
    if kind == "enum":
        expected = [m.strip("'") for m in ctx.get("expected", "").replace(" or ", ", ").split(", ")]
        suggestion = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.5)
        hint = f"did you mean {suggestion[0]!r}?" if suggestion else None
        return "E102", f"must be one of {', '.join(expected)} (got {_got(value)})", hint
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "E102", f"must be a whole number (got {_got(value)})", None
    if kind in ("float_parsing", "float_type"):
        return "E102", f"must be a number (got {_got(value)})", None
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        sign = ">=" if "ge" in ctx else ">"
        return "E102", f"must be {sign} {bound} (got {_got(value)})", None
    if kind == "string_pattern_mismatch":
        message, hint = _PATTERN_MESSAGES.get(name, ("has the wrong form", None))
        return "E102", f"{message} (got {_got(value)})", hint
    if kind in ("string_type", "str_type"):
        return "E102", f"must be text (got {_got(value)})", "quote it"
    if kind in ("string_too_short", "string_too_long"):
        return "E102", f"must be {'non-empty' if kind.endswith('short') else 'shorter'} text", None
    if kind == "too_short":
        if name == "sources":
            return "E102", "must cite at least one source", "add sources: [<source id>] and define the source"
        return "E102", "needs at least one item", None
    if kind in ("list_type", "tuple_type"):
        return "E104" if not loc[1:] else "E102", f"must be a list (got {_got(value)})", None
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "E102", f"must be a mapping (got {_got(value)})", None
    if kind == "bool_type" or kind == "bool_parsing":
        return "E102", f"must be true or false (got {_got(value)})", None
    message = str(error.get("msg", kind))
    message = message.removeprefix("Value error, ")
    return "E102", f"{message} (got {_got(value)})" if not isinstance(value, dict | list) else message, None


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
    """One file: its fast parse, and a precise one made only when a problem needs locating."""

    def __init__(self, path: Path, display: str) -> None:
        self.path, self.display = path, display
        self.doc: YamlDocument = read_yaml(path, display=display)
        self._tracked: YamlDocument | None = None

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Location:
        if len(path) > 2 and self._tracked is None:
            self._tracked = read_yaml(self.path, display=self.display, track=True)
        doc = self._tracked if len(path) > 2 and self._tracked is not None else self.doc
        return doc.location(tuple(path), key=key)


def _read_file(view: _FileView, problems: list[Problem], entries: list[_Entry]) -> None:
    doc = view.doc
    problems.extend(doc.problems)
    if doc.problems or doc.value is None:
        return
    value = doc.value
    if not isinstance(value, dict):
        problems.append(
            Problem(view.locate(()), "E104", "a seed file must be a mapping of sections (actors:, transfers: ...)")
        )
        return
    for key, section in value.items():
        if key == "description":
            if not isinstance(section, str):
                problems.append(Problem(view.locate((key,)), "E102", "description must be text", field=key))
            continue
        if key not in SECTIONS:
            allowed = list(SeedFile.model_fields)
            suggestion = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {suggestion[0]!r}?" if suggestion else f"known sections: {', '.join(allowed)}"
            problems.append(Problem(view.locate((key,), key=True), "E101", f"unknown section {key!r}", hint=hint))
            continue
        if section is None:
            continue
        if not isinstance(section, list):
            problems.append(
                Problem(view.locate((key,)), "E104", f"{key} must be a list of records (got {_got(section)})", field=key)
            )
            continue
        model_type = SECTIONS[key]
        for index, item in enumerate(section):
            where = (key, index)
            if not isinstance(item, dict):
                problems.append(
                    Problem(view.locate(where), "E104", f"each record must be a mapping (got {_got(item)})",
                            field=_field_path(where))
                )
                continue
            try:
                record = model_type.model_validate(item)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    code, message, hint = _describe(error, model_type)
                    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
                    full = (*where, *loc)
                    if error["type"] == "missing":
                        location = view.locate(where)
                    else:
                        location = view.locate(full, key=error["type"] == "extra_forbidden")
                    problems.append(Problem(location, code, message, field=_field_path(full), hint=hint))
                continue
            entries.append(_Entry(record, view, where))


# --------------------------------------------------------------------------- the whole load


def check_dataset(data_dirs: Sequence[str | Path] | None = None) -> LoadReport:
    """Read and validate every file; return the dataset (if no error) and every problem.

    Raises :class:`UsageError` only when a directory is missing or holds no YAML.
    """
    files = data_files(resolve_data_dirs(data_dirs))
    problems: list[Problem] = []
    entries: list[_Entry] = []
    views: list[_FileView] = []
    # The collector slows large loads a lot and frees nothing here: pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in files:
            view = _FileView(path, _display(path))
            views.append(view)
            _read_file(view, problems, entries)
        by_id: dict[str, Record] = {}
        for entry in entries:
            by_id.setdefault(entry.record.id, entry.record)
        where = {id(entry.record): entry for entry in entries}
        for found_rule, finding in run_rules([e.record for e in entries], by_id):
            entry = where[id(finding.record)]
            full = (*entry.path, *finding.field)
            problems.append(
                Problem(
                    entry.doc.locate(full),
                    found_rule.code,
                    finding.message,
                    found_rule.severity,
                    field=_field_path(full),
                    hint=finding.hint,
                )
            )
        problems.sort()
        if any(p.severity is Severity.error for p in problems):
            return LoadReport(None, problems)
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        locations: dict[str, Location] = {}
        for entry in entries:
            sections[entry.record.SECTION][entry.record.id] = entry.record
            locations[entry.record.id] = entry.doc.locate(entry.path)
        dataset = Dataset(
            actors=sections["actors"],
            systems=sections["systems"],
            sources=sections["sources"],
            transfers=sections["transfers"],
            deployments=sections["deployments"],
            backfills=sections["backfills"],
            locations=locations,
            files=tuple(v.display for v in views),
            fingerprint=fingerprint(files),
            warnings=tuple(p for p in problems if p.severity is Severity.warning),
        )
        return LoadReport(dataset, problems)
    finally:
        if was_enabled:
            gc.enable()


def fingerprint(files: Iterable[Path]) -> str:
    """A hash of the files' names and bytes and of the code that reads them: the cache key."""
    digest = hashlib.sha256(_CACHE_FORMAT.encode())
    code_dir = Path(__file__).parent
    for code in ("model.py", "load.py", "rules.py", "yamlfile.py", "dataset.py"):
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

    >>> dataset = load_dataset()
    >>> dataset.transfers["kor-pol-k2-exec1-2022"].recipient  # doctest: +SKIP
    'POL'
    """
    files = data_files(resolve_data_dirs(data_dirs))
    key = fingerprint(files)
    cached = cache_dir() / f"dataset-{key[:32]}.pickle"
    if cache and cached.exists():
        try:
            with cached.open("rb") as handle:
                dataset = pickle.load(handle)
            if isinstance(dataset, Dataset) and dataset.fingerprint == key:
                return dataset
        except Exception:  # noqa: BLE001 - a stale or broken cache is rebuilt, never trusted
            pass
    report = check_dataset(data_dirs)
    if report.dataset is None:
        raise DataError(report.problems)
    if cache:
        _write_cache(cached, report.dataset)
    return report.dataset


def _write_cache(path: Path, dataset: Dataset) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(dataset, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)  # atomic: a reader never sees half a file
    except OSError:
        pass  # a read-only home only costs speed


