"""Commands for backfill chains, paths and impact: ``chains``, ``paths``, ``impact``.

With ``--json`` each prints the contract other tools build on (``docs/chains.md``):
``chains`` a list of chain objects, ``paths`` a list of path objects, ``impact`` one
object. Without it, a table. Unknown actors, transfers or categories are one-line
errors naming close matches (exit 2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

import typer
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from ..chains import DEFAULT_MAX_LEGS, DEFAULT_WINDOW_DAYS, BackfillChain, ChainLeg, find_chains, impact
from ..paths import DEFAULT_MAX_HOPS, find_paths
from .base import DataOption, JsonOption, command, open_dataset, out, print_json

__all__ = ["chains_command", "impact_command", "paths_command"]

WindowOption = Annotated[
    int,
    typer.Option(
        "--window",
        help="Days two linked legs may be apart (inferred chains: either way; paths: after the previous leg).",
        min=0,
    ),
]
CategoryOption = Annotated[
    str | None,
    typer.Option("--category", help="Capability category, as a value or label: main_battle_tank, 'main battle tank'."),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only legs dated on or after this day: YYYY, YYYY-MM or YYYY-MM-DD.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Only legs dated on or before this day: YYYY, YYYY-MM or YYYY-MM-DD.")
]
ChainSinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only chains running on or after this day (the latest leg dated then or later): YYYY, YYYY-MM or "
        "YYYY-MM-DD.",
    ),
]
ChainUntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only chains running on or before this day (the earliest leg dated then or earlier): YYYY, YYYY-MM "
        "or YYYY-MM-DD.",
    ),
]


def _leg_text(leg: ChainLeg) -> str:
    arrow = "=>" if leg.relation == "deployed_to" else "->"
    quantity = f"{leg.quantity} " if leg.quantity else ""
    status = f" [{leg.status}]" if leg.status in ("offered", "cancelled") else ""
    when = leg.when or "undated"
    return f"{leg.supplier} {arrow} {leg.recipient}: {quantity}{leg.system} ({when}){status}"


class _Trimmed:
    """A renderable printed without the spaces a grid pads its shorter cells with at the end of each line."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for line in console.render_lines(self.renderable, options, pad=False):
            yield from _without_trailing_spaces(line)
            yield Segment.line()


def _without_trailing_spaces(line: list[Segment]) -> list[Segment]:
    """The segments of one line, the blanks at its end left off."""
    kept = list(line)
    while kept and not kept[-1].control and not kept[-1].text.rstrip():
        kept.pop()
    if kept and not kept[-1].control:
        last = kept[-1]
        kept[-1] = Segment(last.text.rstrip(), last.style)
    return kept


def _table(*columns: str, title: str) -> Table:
    """A table that folds long ids onto more lines instead of cutting them (users copy them)."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _chains_view(chains: Sequence[BackfillChain]) -> Group:
    """One block per chain: its id, a line of facts, then its legs, so it reads at 80 columns.

    A seven-column table folded every leg into a column a dozen characters wide.
    """
    blocks: list[RenderableType] = [Text(f"backfill chains ({len(chains)})", style="bold")]
    for chain in chains:
        kind = chain.kind if chain.rule is None else f"{chain.kind} {chain.rule}"
        gaps = ", ".join("?" if gap is None else str(gap) for gap in chain.gaps)
        facts = (
            f"{kind} · score {chain.score:.2f} · {chain.status} · gap {gaps or '?'} days · "
            f"{len(chain.sources)} source(s)"
        )
        legs = Table.grid(padding=(0, 1))
        legs.add_column(style="dim", no_wrap=True)
        legs.add_column(overflow="fold")
        if chain.financier:
            legs.add_row("financed by", chain.financier)
        for leg in chain.legs:
            legs.add_row(leg.role, _leg_text(leg))
        blocks += [
            Text(""),
            Text(chain.id, style="bold cyan", overflow="fold"),
            Padding(Text(facts), (0, 0, 0, 2), expand=False),
            Padding(legs, (0, 0, 0, 2), expand=False),
        ]
    return Group(*blocks)


@command("chains")
def chains_command(
    from_: Annotated[
        str | None, typer.Option("--from", help="Origin actor id (supplier of the replacing kit).")
    ] = None,
    via: Annotated[str | None, typer.Option("--via", help="Intermediary actor id.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Destination actor id (recipient of the enabled kit).")] = None,
    category: CategoryOption = None,
    since: ChainSinceOption = None,
    until: ChainUntilOption = None,
    curated_only: Annotated[bool, typer.Option("--curated-only", help="Only chains from backfill claims.")] = False,
    inferred_only: Annotated[bool, typer.Option("--inferred-only", help="Only chains inferred by rules.")] = False,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Inference rule code (repeatable; default: all rules).")
    ] = None,
    window: WindowOption = DEFAULT_WINDOW_DAYS,
    max_legs: Annotated[int, typer.Option("--max-legs", help="Longest multi-hop chain, in legs.", min=2)] = (
        DEFAULT_MAX_LEGS
    ),
    limit: Annotated[int | None, typer.Option("--limit", help="Show only the best N chains.", min=1)] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Leave out chains scoring below this (0 to 1).", min=0.0, max=1.0)
    ] = 0.0,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """List backfill chains, curated and inferred, best first, each with its legs, score and evidence.

    --since/--until keep a chain that runs through any part of the period, even with no leg dated inside it.

    Example: armsgraph chains --from KOR --via POL --to UKR --category main_battle_tank --json
    """
    dataset = open_dataset(data)
    chains = find_chains(
        dataset,
        limit=limit,
        rules=rule,
        window_days=window,
        max_legs=max_legs,
        from_=from_,
        via=via,
        to=to,
        category=category,
        since=since,
        until=until,
        curated_only=curated_only,
        inferred_only=inferred_only,
        min_score=min_score,
    )
    if as_json:
        print_json([chain.as_dict() for chain in chains])
        return
    if not chains:
        out.print("No chains match.", markup=False)
        return
    out.print(_Trimmed(_chains_view(chains)), soft_wrap=False, highlight=False)


@command("paths")
def paths_command(
    source: Annotated[str, typer.Argument(metavar="FROM", help="Actor id the path starts from.")],
    target: Annotated[str, typer.Argument(metavar="TO", help="Actor id the path ends at.")],
    k: Annotated[int, typer.Option("--k", help="How many paths (fewest hops first).", min=1)] = 5,
    max_hops: Annotated[int, typer.Option("--max-hops", help="Longest path, in legs.", min=1)] = DEFAULT_MAX_HOPS,
    window: WindowOption = DEFAULT_WINDOW_DAYS,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Transfer kind (repeatable): sale, donation, loan ...")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Transfer status (repeatable; default: all but offered and cancelled)."),
    ] = None,
    min_confidence: Annotated[
        str | None, typer.Option("--min-confidence", help="Lowest confidence of any leg: low, medium or high.")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the k shortest time-respecting paths of transfers from one actor to another.

    Each leg starts where the previous one ended, no earlier than it and at most --window days after it.

    Example: armsgraph paths KOR UKR --k 3 --max-hops 3 --json
    """
    dataset = open_dataset(data)
    paths = find_paths(
        dataset,
        source,
        target,
        k=k,
        max_hops=max_hops,
        window_days=window,
        category=category,
        since=since,
        until=until,
        kinds=kind,
        statuses=status,
        min_confidence=min_confidence,
    )
    if as_json:
        print_json([path.as_dict() for path in paths])
        return
    if not paths:
        out.print(f"No time-respecting path from {source} to {target} within {max_hops} hops.", markup=False)
        return
    table = _table("#", "route", "hops", "legs", "days", title=f"paths from {paths[0].source} to {paths[0].target}")
    for number, path in enumerate(paths, start=1):
        legs = "\n".join(_leg_text(leg) for leg in path.legs)
        table.add_row(str(number), " -> ".join(path.actors), str(path.hops), legs, str(path.span_days))
    out.print(table)


@command("impact")
def impact_command(
    transfer: Annotated[str, typer.Argument(metavar="TRANSFER_ID", help="Transfer (or deployment) id.")],
    window: WindowOption = DEFAULT_WINDOW_DAYS,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show everything downstream of a transfer through backfill chains, curated and inferred.

    "If the K2 contract slips, which donations lose their backfill?" A framework includes its contracts.

    Example: armsgraph impact kor-pol-k2-exec1-2022 --json
    """
    dataset = open_dataset(data)
    found = impact(dataset, transfer, window_days=window)
    if as_json:
        print_json(found.as_dict())
        return
    out.print(f"{found.record.transfer}: {_leg_text(found.record)}", markup=False, highlight=False)
    if found.includes:
        out.print(f"including its contracts: {', '.join(found.includes)}", markup=False, highlight=False)
    if not found.dependents:
        out.print("Nothing downstream depends on it through any chain.", markup=False)
        return
    blocks: list[RenderableType] = [Text(f"downstream legs ({len(found.dependents)})", style="bold")]
    for dependent in found.dependents:
        facts = Table.grid(padding=(0, 1))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column(overflow="fold")
        facts.add_row("leg", _leg_text(dependent.leg))
        facts.add_row("depends on", f"{dependent.because_of} ({dependent.kind}, score {dependent.score:.2f})")
        facts.add_row("chains", "\n".join(dependent.chains))
        blocks += [
            Text(""),
            Text(f"{dependent.leg.transfer} (depth {dependent.depth})", style="bold cyan", overflow="fold"),
            Padding(facts, (0, 0, 0, 2), expand=False),
        ]
    out.print(_Trimmed(Group(*blocks)), soft_wrap=False, highlight=False)
