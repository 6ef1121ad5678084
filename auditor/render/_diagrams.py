"""What the report diagrams show, shared by report.md (Mermaid) and report.html (SVG).

- :func:`zone_labels`: short labels for zone names that stay distinct. A zone is
  ``party/cloud/account/region``; cutting the end (the old way) made every zone of
  one long Azure subscription id read the same. Long segments are shortened in
  the middle instead, and any label still shared gets a number.
- :func:`traffic_flows`: one flow graph per traffic class, from the hops the
  ``network.traffic-class`` verdicts name as evidence: nodes are resources (by
  name, kind and region when collected), each target marked with its verdict.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.model import Resource, Status, Verdict

TRAFFIC_CLASSES = ("clients", "replication", "operations", "support")
"""The declared traffic classes, always shown (in this order) even when none was judged."""
TRAFFIC_RULE = "network.traffic-class"
MAX_FLOW_NODES = 40
"""A class diagram draws at most this many resources; the rest are counted under it."""

_ELLIPSIS = "\u2026"


def clean(value: object) -> str:
    """A cloud string with control and bidi-format characters made spaces."""
    text = "" if value is None else str(value)
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )


def _middle(text: str, keep: int) -> str:
    """``text`` with its middle replaced by an ellipsis, ``keep`` characters each side."""
    if len(text) <= 2 * keep + 1:
        return text
    return text[:keep] + _ELLIPSIS + text[-keep:]


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, its longest ``/`` segment shortened first.

    Shortening keeps both ends of a segment (``1111…1111``), so names that differ
    only at the end (a region after a long account id) stay apart.
    """
    if len(text) <= limit:
        return text
    parts = text.split("/")
    shown = list(parts)
    while len("/".join(shown)) > limit:
        i = max(range(len(shown)), key=lambda j: (len(shown[j]), -j))
        keep = (len(shown[i]) - 2) // 2
        if keep < 2:
            break
        shown[i] = _middle(parts[i], keep)
    out = "/".join(shown)
    return out if len(out) <= limit else _ELLIPSIS + out[-(limit - 1) :]


def zone_labels(
    names: Iterable[str], limit: int = 40, show: Callable[[str], str] = clean
) -> dict[str, str]:
    """Full name -> label of at most ``limit`` characters, no two names sharing a label.

    ``show`` makes a name displayable (it may drop characters) before it is fitted.
    """
    labels = {n: fit(show(n), limit) for n in sorted(set(names))}
    shared: dict[str, list[str]] = {}
    for n, label in labels.items():
        shared.setdefault(label, []).append(n)
    for group in shared.values():
        if len(group) > 1:
            for i, n in enumerate(group, 1):
                suffix = f" ~{i}"
                labels[n] = fit(show(n), max(limit - len(suffix), 4)) + suffix
    return labels


@dataclass(frozen=True, kw_only=True)
class FlowNode:
    id: str
    """The resource id (or ``internet``) as the evidence names it, cleaned."""
    label: str
    column: int
    """Hops from the nearest node nothing leads to (the sources)."""
    status: str = ""
    """The verdict on this node when it is a judged target; "" for a hop."""


@dataclass(frozen=True, kw_only=True)
class Flow:
    """The resources one traffic class crosses, and the hops between them."""

    cls: str
    anchor: str
    nodes: tuple[FlowNode, ...]
    edges: tuple[tuple[str, str], ...]
    verdicts: int
    omitted: int = 0
    """Resources left out past :data:`MAX_FLOW_NODES`."""


def _node_label(node: str, resources: Mapping[str, Resource]) -> str:
    res = resources.get(node)
    if res is None:
        return fit(clean(node), 48)
    region = f", {res.region}" if res.region and res.region != "global" else ""
    return fit(clean(f"{res.name or res.id} ({res.kind}{region})"), 48)


def _columns(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Breadth-first depth from the nodes nothing leads to; a node only on a cycle gets 0."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    indeg = dict.fromkeys(nodes, 0)
    for a, b in edges:
        out[a].append(b)
        indeg[b] += 1
    column = {n: 0 for n in nodes if indeg[n] == 0}
    if not column and nodes:
        column[nodes[0]] = 0
    frontier = sorted(column)
    while frontier:
        nxt: list[str] = []
        for n in frontier:
            for m in sorted(out[n]):
                if m not in column:
                    column[m] = column[n] + 1
                    nxt.append(m)
        frontier = nxt
    for n in nodes:
        column.setdefault(n, 0)
    return column


def traffic_flows(verdicts: Sequence[Verdict], resources: Mapping[str, Resource]) -> list[Flow]:
    """One flow per traffic class: the declared classes first, then any other the evidence names."""
    hops: dict[str, list[tuple[str, str]]] = {c: [] for c in TRAFFIC_CLASSES}
    targets: dict[str, dict[str, str]] = {c: {} for c in TRAFFIC_CLASSES}
    counts: dict[str, int] = dict.fromkeys(TRAFFIC_CLASSES, 0)
    rank = {s.value: i for i, s in enumerate(Status)}
    for v in verdicts:
        if v.rule != TRAFFIC_RULE:
            continue
        raw = v.evidence.attributes.get("class")
        cls = clean(raw) if isinstance(raw, str) and raw else "unattributed"
        hops.setdefault(cls, []).extend((clean(s), clean(t)) for s, t, _ in v.evidence.edges)
        counts[cls] = counts.get(cls, 0) + 1
        marks = targets.setdefault(cls, {})
        target = clean(v.resource)
        old = marks.get(target)
        if old is None or rank[v.status.value] < rank[old]:
            marks[target] = v.status.value
    ordered = list(TRAFFIC_CLASSES) + sorted(set(hops) - set(TRAFFIC_CLASSES))
    flows = []
    for i, cls in enumerate(ordered):
        edges = sorted({(a, b) for a, b in hops[cls] if a != b})
        names = sorted({n for e in edges for n in e} | set(targets.get(cls, {})))
        column = _columns(names, edges)
        kept = sorted(names, key=lambda n: (column[n], n))[:MAX_FLOW_NODES]
        keep = set(kept)
        nodes = tuple(
            FlowNode(
                id=n,
                label=_node_label(n, resources),
                column=column[n],
                status=targets.get(cls, {}).get(n, ""),
            )
            for n in kept
        )
        flows.append(
            Flow(
                cls=cls,
                anchor=cls if cls in TRAFFIC_CLASSES else f"other-{i}",
                nodes=nodes,
                edges=tuple((a, b) for a, b in edges if a in keep and b in keep),
                verdicts=counts.get(cls, 0),
                omitted=len(names) - len(kept),
            )
        )
    return flows
