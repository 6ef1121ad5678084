"""The data-movement map section of report.md and report.html (observed flows only).

Built from :func:`auditor.analysis.data_movement.movement_map` over the report's
inventory; absent (no lines, no table) when no flow records were read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.analysis.data_movement import Crossing, MovementMap, movement_map
from auditor.base.text import md_cell
from auditor.render import ReportData
from auditor.render._diagrams import zone_labels

HEADING = "Data movement (observed flows)"
INTRO = (
    "Bytes the flow records read carried across a boundary in the window: to or from the "
    "internet, another cloud, account, region or availability zone; each flow logged at both "
    "ends is counted once. Medium is what the addresses show; the cost is an estimate at the "
    "list prices of the sending cloud's price table ({tables}), never fetched; "
    "ingress at the receiving cloud's. A crossing to another cloud is priced as the sender's "
    'internet egress, as the clouds bill it. "{unpriced}" where the table has no published '
    "figure for the class or the sender's region."
)
UNPRICED = "not priced"


def data_movement(report: ReportData) -> MovementMap | None:
    """The report's map; None when no flow records were read."""
    return movement_map(report.inventory.resources)


def intro(m: MovementMap) -> str:
    tables = "; ".join(
        f"{cloud} as of {as_of}, {m.currency} per {unit}" for cloud, as_of, unit in m.prices
    )
    return INTRO.format(tables=tables or "no table used", unpriced=UNPRICED)


def cost(c: Crossing, currency: str) -> str:
    """A crossing's estimated cost, or that it is not priced."""
    return UNPRICED if c.cost is None else f"{c.cost:.4f} {currency}"


Label = Callable[[object, int], str]
"""Makes text safe inside a quoted mermaid label (``markdown.mermaid_label``)."""


def markdown(report: ReportData, mermaid_label: Label) -> list[str]:
    """The section's lines (empty without flow records): a table, then a mermaid diagram."""
    m = data_movement(report)
    if m is None:
        return []
    lines = [f"## {HEADING}", "", intro(m), "", f"Window: {m.since} to {m.until}.", ""]
    if not m.crossings:
        return [*lines, "No observed flow crossed a boundary in the window.", ""]
    lines += [
        "| crossing | from | to | medium | bytes | flows | cost class | est. cost |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in m.crossings:
        lines.append(
            f"| {md_cell(c.kind)} | {md_cell(c.source)} | {md_cell(c.target)} | "
            f"{md_cell(c.medium)} | {c.bytes} | {c.flows} | {md_cell(c.cost_class)} | "
            f"{cost(c, m.currency)} |"
        )
    return [*lines, "", *diagram(m, mermaid_label), ""]


def diagram(m: MovementMap, label: Label) -> list[str]:
    """A mermaid flowchart: one node per place, one arrow per crossing (bytes, medium)."""
    places = sorted({p for c in m.crossings for p in (c.source, c.target)})
    names = zone_labels(places, 80, lambda z: label(z, len(z) + 1))
    ids = {p: f"m{i}" for i, p in enumerate(places)}
    out = ["```mermaid", "flowchart LR"]
    out += [f'    {ids[p]}["{names[p]}"]' for p in places]
    for c in m.crossings:
        text = label(f"{c.kind}: {_size(c.bytes)} via {c.medium}", 120)
        out.append(f'    {ids[c.source]} -->|"{text}"| {ids[c.target]}')
    return [*out, "```"]


def _size(n: int) -> str:
    for unit, step in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{n} B"


def rows(m: MovementMap) -> Sequence[tuple[str, ...]]:
    """The table's cells for report.html."""
    return [
        (
            c.kind,
            c.source,
            c.target,
            c.medium,
            str(c.bytes),
            str(c.flows),
            c.cost_class,
            cost(c, m.currency),
        )
        for c in m.crossings
    ]
