"""The loaded, validated dataset: every record by id, and where each was written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import Location, Problem, UsageError
from .model import Actor, BackfillClaim, Deployment, Record, Source, System, Transfer

__all__ = ["Dataset"]

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Dataset:
    """Validated facts, keyed by id. Built only from data with no errors.

    Treat it as read-only: it is cached and shared (the app serves it to every session).
    """

    actors: Mapping[str, Actor]
    systems: Mapping[str, System]
    sources: Mapping[str, Source]
    transfers: Mapping[str, Transfer]
    deployments: Mapping[str, Deployment]
    backfills: Mapping[str, BackfillClaim]
    locations: Mapping[str, Location] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    fingerprint: str = ""
    warnings: tuple[Problem, ...] = ()

    def records(self) -> Iterator[Record]:
        """Every record, section by section."""
        for section in (self.actors, self.systems, self.sources, self.transfers, self.deployments, self.backfills):
            yield from section.values()

    def get(self, record_id: str) -> Record | None:
        """The record with this id, of any kind, or None."""
        for section in (self.transfers, self.actors, self.systems, self.sources, self.deployments, self.backfills):
            if record_id in section:
                return section[record_id]
        return None

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id; :class:`UsageError` naming close matches when unknown."""
        return self._lookup(self.actors, actor_id, "actor")

    def transfer(self, transfer_id: str) -> Transfer:
        """The transfer with this id; :class:`UsageError` naming close matches when unknown."""
        return self._lookup(self.transfers, transfer_id, "transfer")

    @staticmethod
    def _lookup(section: Mapping[str, R], key: str, what: str) -> R:
        if key in section:
            return section[key]
        import difflib

        folded = {k.casefold(): k for k in section}
        if key.casefold() in folded:
            return section[folded[key.casefold()]]
        close = difflib.get_close_matches(key, list(section), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown {what} {key!r}{hint}")

    def counts(self) -> dict[str, int]:
        """How many records of each kind."""
        return {
            "actors": len(self.actors),
            "systems": len(self.systems),
            "sources": len(self.sources),
            "transfers": len(self.transfers),
            "deployments": len(self.deployments),
            "backfills": len(self.backfills),
        }
