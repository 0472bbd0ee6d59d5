"""Commands that import real data: ``import sipri`` and ``import kiel``."""

from __future__ import annotations
