"""The SPARQL query behind a view: the transfers a :class:`TransferFilter` keeps, asked of the RDF.

The Export page offers it for download, so an analyst can take a view from the app to any
SPARQL endpoint holding the exported graph. The query and :func:`~graph.views.filters.filter_transfers`
select the same transfers (the tests check both on the same data). Values are the schema's
enum values and ids checked by the filter, written as IRIs or quoted literals.

>>> from graph.model import Category, TransferKind
>>> text = view_query(TransferFilter(kinds=frozenset({TransferKind.donation})))
>>> 'FILTER(?kind IN ("donation"))' in text
True
"""

from __future__ import annotations

import json

from ..model import Confidence
from ..vocab import AG, PREFIXES, category_iri, record_iri
from .filters import TransferFilter

__all__ = ["view_query"]

_DATES = " | ".join(f"<{AG[name]}>" for name in ("announced", "signed", "firstDelivery", "lastDelivery"))


def _literals(values: object) -> str:
    return ", ".join(json.dumps(str(v)) for v in sorted(str(v) for v in values))  # type: ignore[attr-defined]


def _year_exists(comparison: str) -> str:
    """A transfer has some date or yearly delivery whose year satisfies ``comparison`` on ``?y``."""
    return (
        "  FILTER EXISTS {\n"
        f"    {{ ?transfer {_DATES} ?d . BIND(xsd:integer(SUBSTR(STR(?d), 1, 4)) AS ?y) }}\n"
        "    UNION { ?transfer ag:delivery/ag:year ?y }\n"
        f"    FILTER(?y {comparison})\n"
        "  }\n"
    )


def view_query(view: TransferFilter) -> str:
    """A SPARQL SELECT listing the transfers ``view`` keeps, one row each, ordered by id."""
    lines = [f"PREFIX {name}: <{PREFIXES[name]}>" for name in ("ag", "rdfs")]
    lines.append("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>")
    lines += [
        "",
        "# The transfers shown by an armsgraph view; run it on the exported graph.",
        "SELECT ?transfer ?label ?kind ?status ?confidence ?category ?sortDate WHERE {",
        "  ?transfer a ag:Transfer ; ag:supplier ?supplier ; ag:recipient ?recipient ; ag:system ?system ;",
        "            ag:transferKind ?kind ; ag:status ?status ; ag:confidence ?confidence .",
        "  OPTIONAL { ?transfer rdfs:label ?label }",
        "  OPTIONAL { ?system ag:category ?category }",
        "  OPTIONAL { ?transfer ag:sortDate ?sortDate }",
    ]
    body = ""
    if view.kinds:
        body += f"  FILTER(?kind IN ({_literals(k.value for k in view.kinds)}))\n"
    if view.statuses:
        body += f"  FILTER(?status IN ({_literals(s.value for s in view.statuses)}))\n"
    if view.min_confidence is not Confidence.low:
        kept = [c.value for c in Confidence if c.rank >= view.min_confidence.rank]
        body += f"  FILTER(?confidence IN ({_literals(kept)}))\n"
    if view.categories:
        iris = ", ".join(f"<{category_iri(c.value)}>" for c in sorted(view.categories))
        body += f"  FILTER(?category IN ({iris}))\n"
    if view.countries:
        iris = ", ".join(f"<{record_iri('actors', c)}>" for c in sorted(view.countries))
        body += (
            "  FILTER EXISTS {\n"
            "    { ?transfer ag:supplier ?end } UNION { ?transfer ag:recipient ?end }\n"
            "    OPTIONAL { ?end ag:country ?endCountry }\n"
            f"    FILTER(?end IN ({iris}) || (BOUND(?endCountry) && ?endCountry IN ({iris})))\n"
            "  }\n"
        )
    if view.year_from is not None:
        body += _year_exists(f">= {int(view.year_from)}")
    if view.year_to is not None:
        body += _year_exists(f"<= {int(view.year_to)}")
    return "\n".join(lines) + "\n" + body + "}\nORDER BY ?transfer\n"
