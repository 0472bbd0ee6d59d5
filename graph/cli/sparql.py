"""Commands for SPARQL: ``query``, ``serve`` and ``push``."""

from __future__ import annotations
