"""Commands for backfill chains, paths and impact: ``chains``, ``paths``, ``impact``."""

from __future__ import annotations
