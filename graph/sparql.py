"""Read-only SPARQL over the armsgraph store: named queries, parameters bound by the engine, limits.

Queries run on Oxigraph. Every query is checked before it runs: SPARQL Update is refused,
a syntax error becomes one line with its line and column, and evaluation stops after
``timeout`` seconds (in a child process that is killed, see :mod:`graph.query_worker`) and
after ``limit`` rows. Parameters are bound by the engine (SEP-0007 substitution in
pyoxigraph), never pasted into the query text; a bound variable must be one the query selects.

The named queries live in ``graph/queries/*.rq``; each starts with a comment block::

    # Transfers to or from an actor
    #
    # What it answers, in a few lines.
    #
    # @param actor (actor, required, example POL): the actor whose legs to list.

The parameter name is the variable it binds (``?actor``); its type says how a value is read
(:data:`PARAMETER_TYPES`: an actor id becomes the actor's IRI).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("https://w3id.org/armsgraph/id/actor/POL"),
...                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Poland")))
>>> result = run_query(store, "SELECT ?actor ?name WHERE { ?actor rdfs:label ?name }",
...                    bindings={"actor": record_iri("actors", "POL")}, timeout=None)
>>> result.columns, result.records()
(('actor', 'name'), [{'actor': 'agid:actor/POL', 'name': 'Poland'}])
>>> print(result.to_csv(), end="")
actor,name
https://w3id.org/armsgraph/id/actor/POL,Poland
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Literal as RdfLiteral
from rdflib import URIRef

from .errors import ArmsgraphError, UsageError
from .model import ID_PATTERN, Category
from .query_worker import QueryTimeout, evaluate_with_timeout
from .vocab import PREFIXES, category_iri, record_iri

if TYPE_CHECKING:
    from .dataset import Dataset
    from .endpoint import Endpoint

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_TIMEOUT",
    "PARAMETER_TYPES",
    "QUERIES_DIR",
    "NamedQuery",
    "Parameter",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "ReadOnlyError",
    "check_query",
    "named_queries",
    "named_query",
    "prefetch_store",
    "reference_markdown",
    "run_named_query",
    "run_query",
    "store_for",
    "term_text",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds a query may run before it is stopped."""
DEFAULT_LIMIT = 10_000
"""Rows (or triples) returned at most; the result says when more were cut."""
QUERIES_DIR = Path(__file__).resolve().parent / "queries"
"""Where the named queries (``*.rq``) live."""

XSD = "http://www.w3.org/2001/XMLSchema#"


class QuerySyntaxError(UsageError):
    """The query is not valid SPARQL; the message gives the line and column."""


class ReadOnlyError(UsageError):
    """The text is a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP ...): armsgraph only reads."""


# --------------------------------------------------------------------------- parameters

Term = ox.NamedNode | ox.Literal | ox.BlankNode


def _id_term(section: str) -> Callable[[str, Dataset | None], Term]:
    singular = section.rstrip("s")

    def convert(value: str, dataset: Dataset | None) -> Term:
        if not re.match(ID_PATTERN, value):
            raise UsageError(f"{value!r} is not a valid {singular} id (letters, digits, '.', '_' and '-')")
        if dataset is not None:
            records = getattr(dataset, section)
            if value not in records:
                value = dataset._lookup(records, value, singular).id  # unknown -> names close matches
        return ox.NamedNode(str(record_iri(section, value)))

    return convert


def _category_term(value: str, dataset: Dataset | None) -> Term:
    try:
        return ox.NamedNode(str(category_iri(Category(value).value)))
    except ValueError:
        import difflib

        close = difflib.get_close_matches(value, [c.value for c in Category], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; one of {', '.join(c.value for c in Category)}"
        raise UsageError(f"unknown category {value!r}{hint}") from None


def _integer_term(value: str, dataset: Dataset | None) -> Term:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{value!r} is not a whole number") from None
    return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))


def _string_term(value: str, dataset: Dataset | None) -> Term:
    return ox.Literal(value)


def _iri_term(value: str, dataset: Dataset | None) -> Term:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise UsageError(f"{value!r} is not an absolute IRI ({exc})") from None


PARAMETER_TYPES: dict[str, Callable[[str, Dataset | None], Term]] = {
    "actor": _id_term("actors"),
    "system": _id_term("systems"),
    "source": _id_term("sources"),
    "transfer": _id_term("transfers"),
    "deployment": _id_term("deployments"),
    "backfill": _id_term("backfills"),
    "category": _category_term,
    "integer": _integer_term,
    "string": _string_term,
    "iri": _iri_term,
}
"""Parameter type -> how a value given as text becomes an RDF term (record ids become IRIs)."""


@dataclass(frozen=True)
class Parameter:
    """A named query's parameter: the variable it binds, its type, and an example value."""

    name: str
    type: str
    required: bool
    example: str
    description: str

    def term(self, value: str, dataset: Dataset | None = None) -> Term:
        """The RDF term ``value`` stands for; :class:`UsageError` when it does not fit the type.

        >>> Parameter("actor", "actor", True, "POL", "").term("POL")
        <NamedNode value=https://w3id.org/armsgraph/id/actor/POL>
        """
        try:
            return PARAMETER_TYPES[self.type](value, dataset)
        except UsageError as exc:
            raise UsageError(f"parameter {self.name}: {exc}") from None


@dataclass(frozen=True)
class NamedQuery:
    """A query from ``graph/queries/``, with what it answers and its parameters."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    def bindings(self, values: Mapping[str, str], dataset: Dataset | None = None) -> dict[str, Term]:
        """Terms for the given parameter values; :class:`UsageError` for unknown or missing ones."""
        known = {p.name: p for p in self.parameters}
        for name in values:
            if name not in known:
                listed = ", ".join(known) or "none"
                raise UsageError(f"query {self.name!r} has no parameter {name!r} (parameters: {listed})")
        missing = [p.name for p in self.parameters if p.required and p.name not in values]
        if missing:
            example = " ".join(f"--param {p.name}={p.example}" for p in self.parameters if p.name in missing)
            raise UsageError(f"query {self.name!r} needs {', '.join(missing)}; for example: {example}")
        return {name: known[name].term(value, dataset) for name, value in values.items()}

    def examples(self) -> dict[str, str]:
        """Each parameter's example value, by name."""
        return {p.name: p.example for p in self.parameters}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``--list --json`` and the app)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.__dict__ for p in self.parameters],
        }


_PARAM_RE = re.compile(
    r"^@param\s+(?P<name>[A-Za-z_]\w*)\s+\((?P<type>\w+),\s*(?P<need>required|optional),\s*example\s+"
    r"(?P<example>[^)]+)\):\s*(?P<description>.+)$"
)


def _parse_header(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    comments: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line[1:].strip())
    where = f"{path.name}: "
    if not comments or not comments[0]:
        raise ArmsgraphError(f"{where}a named query must start with a '# Title' comment line")
    parameters: list[Parameter] = []
    paragraphs: list[str] = []
    current: list[str] = []
    for line in comments[1:]:
        if line.startswith("@param"):
            match = _PARAM_RE.match(line)
            if not match:
                raise ArmsgraphError(
                    f"{where}cannot read {line!r}; write '@param NAME (TYPE, required, example X): ...'"
                )
            if match["type"] not in PARAMETER_TYPES:
                known = ", ".join(PARAMETER_TYPES)
                raise ArmsgraphError(f"{where}unknown parameter type {match['type']!r}; one of {known}")
            parameters.append(
                Parameter(
                    match["name"], match["type"], match["need"] == "required", match["example"].strip(),
                    match["description"].strip(),
                )
            )
        elif line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return NamedQuery(
        name=path.stem,
        title=comments[0],
        description="\n\n".join(paragraphs),
        parameters=tuple(parameters),
        text=text,
        path=path,
    )


@cache
def _load_named_queries(directory: Path) -> tuple[NamedQuery, ...]:
    return tuple(_parse_header(path) for path in sorted(directory.glob("*.rq")))


def named_queries(directory: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every named query, sorted by name, with its title, description and parameters.

    >>> [q.name for q in named_queries()][:2]
    ['backfill-chains', 'donations-by-year']
    """
    return list(_load_named_queries(directory))


def named_query(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    """The named query called ``name`` (file name without ``.rq``); :class:`UsageError` naming close matches."""
    queries = {q.name: q for q in named_queries(directory)}
    if name in queries:
        return queries[name]
    import difflib

    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.4)
    listed = f"; see 'armsgraph query --list' ({len(queries)} queries)"
    hint = f"; did you mean {', '.join(close)}?" if close else listed
    raise UsageError(f"no named query {name!r}{hint}")


# --------------------------------------------------------------------------- results


@lru_cache(maxsize=65_536)
def _compact(iri: str) -> str:
    """``agid:actor/POL`` for the actor's IRI: the longest known namespace becomes its prefix.

    Cached: a result names the same few actors, systems and types in row after row, and a table
    of ten thousand rows would otherwise try every prefix on each of its IRIs.
    """
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def term_text(term: Any) -> str:
    """A short human form of a term: ``agid:actor/POL``, ``Poland``, ``_:b0``; empty for unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return _compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _csv_text(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            found["datatype"] = term.datatype.value
        return found
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE.

    Terms are pyoxigraph terms (``NamedNode``, ``Literal``, ``BlankNode``); an unbound value is None.
    ``truncated`` is True when the row limit cut the result.
    """

    form: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False
    seconds: float = 0.0
    limit: int | None = None
    where: str = field(default="embedded store", compare=False)

    def __len__(self) -> int:
        return len(self.triples) if self.form == "graph" else len(self.rows)

    def records(self) -> list[dict[str, str]]:
        """Rows as ``{column: short text}`` (empty text when unbound): ready for a table widget."""
        return [dict(zip(self.columns, (term_text(t) for t in row), strict=True)) for row in self.rows]

    def values(self, column: str) -> list[Any]:
        """The terms in one column, in row order."""
        index = self.columns.index(column)
        return [row[index] for row in self.rows]

    def to_json_dict(self) -> dict[str, Any]:
        """SPARQL 1.1 Query Results JSON, as a mapping."""
        if self.form == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        self._require_solutions("json")
        return {
            "head": {"vars": list(self.columns)},
            "results": {
                "bindings": [
                    {c: _json_term(t) for c, t in zip(self.columns, row, strict=True) if t is not None}
                    for row in self.rows
                ]
            },
        }

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON text."""
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV text (values without their types)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if self.form == "ask":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
            return buffer.getvalue()
        self._require_solutions("csv")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_text(t) for t in row])
        return buffer.getvalue()

    def to_rdf(self, format: str = "ttl") -> str:
        """CONSTRUCT/DESCRIBE triples as Turtle (``ttl``) or N-Triples (``nt``), sorted so output is stable."""
        if self.form != "graph":
            raise UsageError("only CONSTRUCT and DESCRIBE queries return RDF; use --format table, json or csv")
        rdf_format = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}[format]
        triples = sorted(self.triples, key=str)
        prefixes = PREFIXES if rdf_format is ox.RdfFormat.TURTLE else None
        data = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
        return data.decode("utf-8") if data else ""

    def _require_solutions(self, format: str) -> None:
        if self.form == "graph":
            raise UsageError(f"CONSTRUCT and DESCRIBE queries return RDF, not {format}; use --format ttl or nt")


# --------------------------------------------------------------------------- checking


_EMPTY_STORE = ox.Store()


def _near(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return "end of query"
    rest = lines[line - 1][max(column - 1, 0) :].strip()
    return repr(rest[:25]) if rest else "end of line"


def _syntax_message(message: str, text: str) -> str:
    """``error at 3:5: expected one of ...`` -> one readable line naming line and column."""
    match = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if not match:
        return "SPARQL syntax error: " + " ".join(message.split())
    line, column, reason = int(match[1]), int(match[2]), " ".join(match[3].split())
    if "Prefix not found" in reason:
        lines = text.splitlines()
        before = lines[line - 1][: max(column - 1, 0)] if line <= len(lines) else ""
        # The parser reports the position after the prefixed name: look back for "name:".
        found = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*\s*$", before)
        name = f"{found[1] or ''}:" if found else "a prefix"
        reason = f"unknown prefix {name} (declare it with PREFIX; built in: {', '.join(sorted(PREFIXES))})"
    elif reason.startswith("expected one of "):
        # Keep the keywords; the grammar's character classes read as noise to a person.
        items = [i.strip() for i in reason[len("expected one of ") :].split(", ")]
        words = [i for i in items if re.fullmatch(r"[A-Za-z][A-Za-z ]*", i)]
        reason = "expected one of " + ", ".join(words[:8]) + (", ..." if len(words) > 8 else "") if words else (
            "unexpected text"
        )
    message = f"SPARQL syntax error at line {line}, column {column}: {reason} (near {_near(text, line, column)})"
    return message + _slash_hint(text)


def _slash_hint(text: str) -> str:
    """A hint when the query writes a prefixed name with a bare ``/``, as results show them (``agid:actor/POL``).

    >>> _slash_hint("DESCRIBE agid:actor/POL")
    '; a prefixed name cannot hold a bare /: write agid:actor\\\\/POL or <https://w3id.org/armsgraph/id/actor/POL>'
    >>> _slash_hint("SELECT * WHERE { SERVICE <http://localhost:7878/query> { ?s ?p ?o } }")
    ''
    """
    outside_iris = re.sub(r"<[^<>\s]*>", " ", text)
    found = re.search(r"(?<![\w<])([A-Za-z][\w.-]*)?:([\w.-]+(?:/[\w.-]+)+)", outside_iris)
    if not found:
        return ""
    prefix, local = found[1] or "", found[2]
    written = f"{prefix}:{local.replace('/', chr(92) + '/')}"
    full = f" or <{PREFIXES[prefix]}{local}>" if prefix in PREFIXES else ""
    return f"; a prefixed name cannot hold a bare /: write {written}{full}"


def _is_update(text: str) -> bool:
    """True when the text parses as SPARQL Update (asked of rdflib's parser; nothing is executed)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def check_query(text: str, bindings: Mapping[str, Any] | None = None) -> str:
    """Check ``text`` is a read-only SPARQL query and return its form: ``select``, ``ask`` or ``graph``.

    :class:`ReadOnlyError` for SPARQL Update, :class:`QuerySyntaxError` (with line and column)
    for anything else that does not parse.

    >>> check_query("ASK { ?s ?p ?o }")
    'ask'
    >>> check_query("DELETE WHERE { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.sparql.ReadOnlyError: SPARQL Update is refused: armsgraph queries are read-only ...
    """
    if not re.sub(r"#[^\n]*", "", text).strip():  # an empty text parses as an empty update
        raise QuerySyntaxError("the query is empty: give a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    substitutions: dict[ox.Variable, Any] | None = {ox.Variable(k): v for k, v in _terms(bindings).items()} or None
    try:
        # Parsing happens when the query is evaluated; on an empty store that costs microseconds.
        result = _EMPTY_STORE.query(text, prefixes=PREFIXES, substitutions=substitutions)
    except SyntaxError as exc:
        if _is_update(text):
            raise ReadOnlyError(
                "SPARQL Update is refused: armsgraph queries are read-only (use SELECT, ASK, CONSTRUCT or DESCRIBE)"
            ) from None
        raise QuerySyntaxError(_syntax_message(str(exc), text)) from None
    except RuntimeError as exc:  # e.g. binding a variable the query does not select
        missing = re.search(r"variable \?(\w+)", str(exc))
        if missing:
            raise UsageError(f"cannot bind ?{missing[1]}: the query must SELECT it (SEP-0007 substitution)") from None
        raise UsageError(f"cannot bind parameters: {' '.join(str(exc).split())}") from None
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "select" if isinstance(result, ox.QuerySolutions) else "graph"


def _terms(bindings: Mapping[str, Any] | None) -> dict[str, Term]:
    """Bindings as pyoxigraph terms; rdflib terms are accepted too."""
    found: dict[str, Term] = {}
    for name, value in (bindings or {}).items():
        name = name.lstrip("?$")
        if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
            found[name] = value
        elif isinstance(value, URIRef):
            found[name] = ox.NamedNode(str(value))
        elif isinstance(value, RdfLiteral):
            if value.language:
                found[name] = ox.Literal(str(value), language=value.language)
            elif value.datatype:
                found[name] = ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
            else:
                found[name] = ox.Literal(str(value))
        else:
            raise UsageError(f"binding {name!r} must be an RDF term (IRI or literal), got {type(value).__name__}")
    return found


# --------------------------------------------------------------------------- running

_STORES: OrderedDict[int, tuple[Any, Future[ox.Store]]] = OrderedDict()
"""Dataset id -> (the dataset, its store being built or built); the two used last are kept."""
_STORES_LOCK = threading.Lock()


def store_for(target: Any) -> ox.Store:
    """The pyoxigraph store behind a target: a store itself, an rdflib graph over Oxigraph, or a
    :class:`~graph.dataset.Dataset` (built once with :func:`graph.rdf.build_store` and kept; a
    call made while the store is being built, by :func:`prefetch_store` or another thread, waits
    for that build instead of starting its own)."""
    if isinstance(target, ox.Store):
        return target
    inner = getattr(getattr(target, "store", None), "_inner", None)  # rdflib Graph on oxrdflib
    if isinstance(inner, ox.Store):
        return inner
    from .dataset import Dataset

    if not isinstance(target, Dataset):
        raise TypeError(f"cannot query a {type(target).__name__}: give a Dataset, a pyoxigraph Store or an Endpoint")
    future, build = _claim_store(target)
    if build:
        _build_store_into(future, target)
    return future.result()


def prefetch_store(dataset: Dataset) -> bool:
    """Start loading the dataset's store in a background thread when its N-Triples are cached.

    Loading a cached store is Oxigraph's bulk load, which runs outside the interpreter lock, so
    the caller goes on (building the network, drawing a page) while it loads, and the first
    :func:`store_for` of the dataset only waits for what is left. Returns whether a load was
    started; without a cache nothing starts, since generating the triples would hold the lock
    and slow the caller down (the first :func:`store_for` builds them).
    """
    from .rdf import store_cached

    if not store_cached(dataset):
        return False
    future, build = _claim_store(dataset)
    if build:
        threading.Thread(target=_build_store_into, args=(future, dataset), name="armsgraph-store", daemon=True).start()
    return build


def _claim_store(dataset: Dataset) -> tuple[Future[ox.Store], bool]:
    """The future of the dataset's store, and whether the caller must build it (no one has started)."""
    with _STORES_LOCK:
        kept = _STORES.get(id(dataset))
        if kept is not None and kept[0] is dataset:
            _STORES.move_to_end(id(dataset))
            return kept[1], False
        future: Future[ox.Store] = Future()
        _STORES[id(dataset)] = (dataset, future)  # the dataset is kept too, so its id is not reused
        while len(_STORES) > 2:
            _STORES.popitem(last=False)
        return future, True


def _build_store_into(future: Future[ox.Store], dataset: Dataset) -> None:
    from .rdf import build_store

    try:
        future.set_result(build_store(dataset))
    except BaseException as exc:
        # A failed build is not kept: the next call tries again (the waiting ones see this error).
        with _STORES_LOCK:
            if _STORES.get(id(dataset), (None, None))[1] is future:
                del _STORES[id(dataset)]
        future.set_exception(exc)


def run_query(
    target: Dataset | ox.Store | Endpoint | Any,
    text: str,
    *,
    bindings: Mapping[str, Any] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    limit: int | None = DEFAULT_LIMIT,
) -> QueryResult:
    """Run a read-only SPARQL query and return at most ``limit`` rows within ``timeout`` seconds.

    ``target`` is a :class:`~graph.dataset.Dataset`, a pyoxigraph ``Store``, an rdflib graph over
    Oxigraph, or a remote :class:`~graph.endpoint.Endpoint`. ``bindings`` maps variable names
    (without ``?``) to RDF terms; the engine substitutes them, so a value can never change the
    query's structure. The prefixes of :data:`graph.vocab.PREFIXES` (``ag:``, ``agid:``, ``rdfs:``
    ...) need no declaration. ``timeout=None`` runs without a time limit, in this process.

    Raises :class:`ReadOnlyError`, :class:`QuerySyntaxError` (both usage errors, exit code 2),
    :class:`QueryTimeout`, or :class:`~graph.errors.ArmsgraphError` for engine and endpoint errors.
    """
    if limit is not None and limit < 0:
        raise UsageError("the row limit must be >= 0")
    from .endpoint import Endpoint

    terms = _terms(bindings)
    form = check_query(text, terms)
    if isinstance(target, Endpoint):
        return target.query(text, form=form, bindings=terms, timeout=timeout, limit=limit)
    store = store_for(target)
    started = time.perf_counter()  # the query's own time: building the store on first use is not the query's
    try:
        evaluation = evaluate_with_timeout(store, text, terms or None, limit, timeout, PREFIXES)
    except SyntaxError as exc:  # e.g. a substitution the parser only rejects with the real store
        raise QuerySyntaxError(_syntax_message(str(exc), text)) from None
    except OSError as exc:
        raise ArmsgraphError(f"the query failed: {exc}") from None
    return QueryResult(
        form=evaluation.form,
        columns=evaluation.columns,
        rows=evaluation.rows,
        boolean=evaluation.boolean,
        triples=evaluation.triples,
        truncated=evaluation.truncated,
        seconds=time.perf_counter() - started,
        limit=limit,
    )


def run_named_query(
    target: Dataset | ox.Store | Endpoint | Any,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    limit: int | None = DEFAULT_LIMIT,
) -> QueryResult:
    """Run the named query ``name`` with parameter values given as text (``{"actor": "POL"}``).

    Ids are checked against the dataset when ``target`` is a :class:`~graph.dataset.Dataset`
    (an unknown id is a usage error naming close matches).
    """
    from .dataset import Dataset

    query = named_query(name)
    bindings = query.bindings(params or {}, target if isinstance(target, Dataset) else None)
    return run_query(target, query.text, bindings=bindings, timeout=timeout, limit=limit)


# --------------------------------------------------------------------------- reference


def reference_markdown(queries: Sequence[NamedQuery] | None = None) -> str:
    """The named-query reference for ``docs/sparql.md``, generated from the ``.rq`` comments."""
    lines: list[str] = []
    for query in queries if queries is not None else named_queries():
        lines += [f"### `{query.name}`: {query.title}", "", query.description, ""]
        if query.parameters:
            lines += ["| parameter | type | required | example | meaning |", "|---|---|---|---|---|"]
            for p in query.parameters:
                lines.append(
                    f"| `{p.name}` | {p.type} | {'yes' if p.required else 'no'} | `{p.example}` | {p.description} |"
                )
            lines.append("")
        example = " ".join(f"--param {p.name}={p.example}" for p in query.parameters)
        lines += ["```sh", f"armsgraph query --name {query.name}{' ' + example if example else ''}", "```", ""]
    return "\n".join(lines)


def _write_reference(path: Path) -> bool:
    """Rewrite the generated part of ``path`` between its markers; True when it changed."""
    start, end = "<!-- named-queries:start -->", "<!-- named-queries:end -->"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n\n{reference_markdown()}{end}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m graph.sparql docs/sparql.md
    import sys

    target_path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/sparql.md")
    print(("updated " if _write_reference(target_path) else "up to date: ") + str(target_path))
