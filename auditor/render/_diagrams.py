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

TRAFFIC_CLASSES = ("clients", "replication", "operations", "support", "monitoring", "egress")
"""The declared traffic classes, always shown (in this order) even when none was judged."""
TRAFFIC_RULE = "network.traffic-class"
MAX_FLOW_NODES = 40
"""A class diagram draws at most this many resources; the rest are counted under it."""

_ELLIPSIS = "\u2026"


def clean(value: object) -> str:
    """A cloud string with control and bidi-format characters made spaces."""
    text = "" if value is None else str(value)
    if text.isprintable():  # no Cc/Cf/Zl/Zp in it (all unprintable): most strings, at C speed
        return text
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
    edges: tuple[tuple[str, str, str], ...]
    """(from, to, state): ``reaches`` when a verdict found the class reaching its target
    along it, ``blocked`` when every path over it was found closed, else ``unknown``."""
    verdicts: int
    omitted: int = 0
    """Resources left out past :data:`MAX_FLOW_NODES`."""


def _node_labels(nodes: Sequence[str], resources: Mapping[str, Resource]) -> dict[str, str]:
    """Resource id -> ``name, kind, region`` (the id when not collected), no two alike.

    Resources sharing a name (three brokers tagged alike) get the end of their id.
    """
    labels: dict[str, str] = {}
    for node in nodes:
        res = resources.get(node)
        if res is None:
            labels[node] = fit(clean(node), 48)
            continue
        region = f", {res.region}" if res.region and res.region != "global" else ""
        rest = clean(f", {res.kind}{region}")
        labels[node] = fit(clean(res.name or res.id), max(48 - len(rest), 12)) + rest
    shared: dict[str, list[str]] = {}
    for node, label in labels.items():
        shared.setdefault(label, []).append(node)
    for group in shared.values():
        if len(group) > 1:
            for node in sorted(group):
                tail = clean(node).replace(":", "/").rsplit("/", 1)[-1]
                labels[node] = f"{labels[node]} {fit(tail, 20)}"
            if len({labels[n] for n in group}) < len(group):
                for i, node in enumerate(sorted(group), 1):
                    labels[node] = f"{labels[node]} ~{i}"
    return labels


def _columns(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Breadth-first depth from the nodes nothing leads to; a part of the graph that only
    cycles is laid out from its first node (in id order) the same way."""
    out: dict[str, list[str]] = {n: [] for n in nodes}
    indeg = dict.fromkeys(nodes, 0)
    for a, b in edges:
        out[a].append(b)
        indeg[b] += 1
    column: dict[str, int] = {}
    starts = [n for n in nodes if indeg[n] == 0]
    while True:
        frontier = [n for n in starts if n not in column]
        for n in frontier:
            column[n] = 0
        while frontier:
            nxt: list[str] = []
            for n in frontier:
                for m in sorted(out[n]):
                    if m not in column:
                        column[m] = column[n] + 1
                        nxt.append(m)
            frontier = nxt
        rest = [n for n in nodes if n not in column]
        if not rest:
            return column
        starts = rest[:1]


REACHES, UNKNOWN, BLOCKED = "reaches", "unknown", "blocked"
_STATE_RANK = {REACHES: 0, UNKNOWN: 1, BLOCKED: 2}


def _state(v: Verdict) -> str:
    """Whether a traffic-class verdict's paths reach their target (``paths[].reach``)."""
    paths = v.evidence.attributes.get("paths")
    reach = (
        [p.get("reach") for p in paths if isinstance(p, dict)] if isinstance(paths, list) else []
    )
    if "yes" in reach:
        return REACHES
    if reach and all(r == "no" for r in reach):
        return BLOCKED
    return UNKNOWN


def traffic_flows(verdicts: Sequence[Verdict], resources: Mapping[str, Resource]) -> list[Flow]:
    """One flow per traffic class: the declared classes first, then any other the evidence names.

    An edge two verdicts share takes the more open state (reaches, then unknown, then blocked).
    """
    hops: dict[str, dict[tuple[str, str], str]] = {c: {} for c in TRAFFIC_CLASSES}
    targets: dict[str, dict[str, str]] = {c: {} for c in TRAFFIC_CLASSES}
    counts: dict[str, int] = dict.fromkeys(TRAFFIC_CLASSES, 0)
    rank = {s.value: i for i, s in enumerate(Status)}
    for v in verdicts:
        if v.rule != TRAFFIC_RULE:
            continue
        raw = v.evidence.attributes.get("class")
        cls = clean(raw) if isinstance(raw, str) and raw else "unattributed"
        state = _state(v)
        seen = hops.setdefault(cls, {})
        for s, t, _ in v.evidence.edges:
            key = (clean(s), clean(t))
            old = seen.get(key)
            if key[0] != key[1] and (old is None or _STATE_RANK[state] < _STATE_RANK[old]):
                seen[key] = state
        counts[cls] = counts.get(cls, 0) + 1
        marks = targets.setdefault(cls, {})
        target = clean(v.resource)
        old = marks.get(target)
        if old is None or rank[v.status.value] < rank[old]:
            marks[target] = v.status.value
    ordered = list(TRAFFIC_CLASSES) + sorted(set(hops) - set(TRAFFIC_CLASSES))
    flows = []
    for i, cls in enumerate(ordered):
        edges = sorted(hops[cls])
        names = sorted({n for e in edges for n in e} | set(targets.get(cls, {})))
        column = _columns(names, edges)
        kept = sorted(names, key=lambda n: (column[n], n))[:MAX_FLOW_NODES]
        order = {n: i for i, n in enumerate(kept)}
        labels = _node_labels(kept, resources)
        nodes = tuple(
            FlowNode(
                id=n,
                label=labels[n],
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
                edges=tuple(
                    sorted(
                        ((a, b, hops[cls][a, b]) for a, b in edges if a in order and b in order),
                        key=lambda e: (order[e[0]], order[e[1]]),
                    )
                ),
                verdicts=counts.get(cls, 0),
                omitted=len(names) - len(kept),
            )
        )
    return flows
