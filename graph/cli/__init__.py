"""The ``armsgraph`` command line.

Each module registers its commands on :data:`~graph.cli.base.app` when imported:
:mod:`.data` (validate, stats, export), :mod:`.chains` (chains, paths, impact),
:mod:`.sparql` (query, serve, push) and :mod:`.imports` (import sipri, import kiel).
Domain errors become one-line messages in :mod:`.base`, and only there, with exit codes
0 success, 1 invalid data (or a failed check), 2 usage error (unknown id, file or option).
"""

from . import chains, data, imports, sparql  # noqa: F401  (registers the commands)
from .base import app, main

__all__ = ["app", "main"]
