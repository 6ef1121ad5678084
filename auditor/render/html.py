"""report.html: one self-contained page for a security review.

The page has no scripts and fetches nothing: CSS is inline, diagrams are
inline SVG and HTML tables. It is rendered by Jinja2 with autoescaping on,
from a template shipped inside the package; every string that came from the
cloud is also stripped of control and bidirectional-format characters before
it is escaped, and none is ever placed in a link or an attribute that a
browser would act on. A Content-Security-Policy meta tag forbids scripts too.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from auditor.base.serialize import text_chunks
from auditor.model import PathName, Status
from auditor.render import ReportData, _movement
from auditor.render._diagrams import (
    TRAFFIC_CLASSES,
    TRAFFIC_RULE,
    Flow,
    clean,
    fit,
    traffic_flows,
    zone_labels,
)
from auditor.render._overview import (
    EVIDENCE_NOTE,
    RECORDED,
    STATUSES,
    by_rule,
    coverage,
    finding_counts,
    seconds,
    switch,
    top_findings,
    verdict_counts,
)
from auditor.render.accountability import cells

FILENAME = "report.html"

__all__ = [
    "FILENAME",
    "TRAFFIC_CLASSES",
    "TRAFFIC_RULE",
    "clean",
    "render",
    "render_chunks",
    "zone_diagram",
]

# Diagram geometry (SVG user units).
_BOX_W = 300
_BOX_H = 28
_ROW = 40
_GAP = 220
_PAD = 10


@dataclass(frozen=True)
class Box:
    label: str
    full: str
    x: int
    y: int


@dataclass(frozen=True)
class Arrow:
    x1: int
    y1: int
    x2: int
    y2: int
    count: int
    title: str
    style: str = ""
    """A CSS class: the state of a traffic-class hop."""


@dataclass(frozen=True)
class Diagram:
    """Zone-to-zone crossings of one path: sources left, targets right."""

    width: int
    height: int
    sources: tuple[Box, ...]
    targets: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    rows: tuple[tuple[str, str, int, str], ...]
    """(from zone, to zone, crossings, edge kinds) for the table beside the picture."""


def zone_diagram(crossings: Iterable[Mapping[str, Any]]) -> Diagram:
    """Lay out the zone pairs of some crossings; same input, same coordinates."""
    pairs: dict[tuple[str, str], Counter[str]] = {}
    for c in crossings:
        key = (clean(c.get("from_zone", "")), clean(c.get("to_zone", "")))
        pairs.setdefault(key, Counter())[clean(c.get("kind", ""))] += 1
    froms = sorted({a for a, _ in pairs})
    tos = sorted({b for _, b in pairs})
    labels = zone_labels([*froms, *tos], 40)
    x_right = _PAD + _BOX_W + _GAP
    sources = tuple(Box(labels[z], z, _PAD, _PAD + i * _ROW) for i, z in enumerate(froms))
    targets = tuple(Box(labels[z], z, x_right, _PAD + i * _ROW) for i, z in enumerate(tos))
    src_y = {b.full: b.y + _BOX_H // 2 for b in sources}
    dst_y = {b.full: b.y + _BOX_H // 2 for b in targets}
    arrows = []
    rows = []
    for (a, b), kinds in sorted(pairs.items()):
        n = sum(kinds.values())
        kind_text = ", ".join(f"{k} \u00d7{v}" for k, v in sorted(kinds.items()))
        arrows.append(
            Arrow(_PAD + _BOX_W, src_y[a], x_right - 6, dst_y[b], n, f"{a} \u2192 {b}: {kind_text}")
        )
        rows.append((a, b, n, kind_text))
    height = _PAD * 2 + max(len(froms), len(tos), 1) * _ROW
    return Diagram(
        width=x_right + _BOX_W + _PAD,
        height=height,
        sources=sources,
        targets=targets,
        arrows=tuple(arrows),
        rows=tuple(rows),
    )


_FLOW_W = 340
_FLOW_CHARS = 50
"""Characters that fit in a traffic-class box (11px monospace)."""
_FLOW_GAP = 60


@dataclass(frozen=True, kw_only=True)
class FlowBox:
    label: str
    full: str
    status: str
    x: int
    y: int


@dataclass(frozen=True, kw_only=True)
class FlowPicture:
    """One traffic class laid out: a column per hop depth, resources stacked in it."""

    cls: str
    anchor: str
    verdicts: int
    omitted: int
    width: int
    height: int
    boxes: tuple[FlowBox, ...]
    arrows: tuple[Arrow, ...]


def flow_picture(flow: Flow) -> FlowPicture:
    """Coordinates for a traffic-class flow; same flow, same coordinates."""
    rows: dict[int, int] = {}
    boxes = []
    where: dict[str, tuple[int, int]] = {}
    for n in flow.nodes:
        row = rows.get(n.column, 0)
        rows[n.column] = row + 1
        x, y = _PAD + n.column * (_FLOW_W + _FLOW_GAP), _PAD + row * _ROW
        where[n.id] = (x, y)
        mark = f" \u2014 {n.status}" if n.status else ""
        label = fit(n.label, _FLOW_CHARS - len(mark)) + mark
        boxes.append(FlowBox(label=label, full=n.id, status=n.status, x=x, y=y))
    arrows = tuple(
        Arrow(
            where[a][0] + _FLOW_W,
            where[a][1] + _BOX_H // 2,
            where[b][0] - 6 if where[b][0] > where[a][0] else where[b][0] + _FLOW_W // 2,
            where[b][1] + (_BOX_H // 2 if where[b][0] > where[a][0] else 0),
            0,
            f"{a} \u2192 {b} ({state})",
            state,
        )
        for a, b, state in flow.edges
    )
    columns = max((n.column for n in flow.nodes), default=0) + 1
    return FlowPicture(
        cls=flow.cls,
        anchor=flow.anchor,
        verdicts=flow.verdicts,
        omitted=flow.omitted,
        width=_PAD * 2 + columns * _FLOW_W + (columns - 1) * _FLOW_GAP,
        height=_PAD * 2 + max(rows.values(), default=1) * _ROW,
        boxes=tuple(boxes),
        arrows=arrows,
    )


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clean"] = clean
    return env


def render(report: ReportData) -> bytes:
    return b"".join(render_chunks(report))


def render_chunks(report: ReportData) -> Iterator[bytes]:
    """The page as chunks, as Jinja2 generates it (the same text ``render`` joins)."""
    inv = report.inventory
    counts = Counter((v.path, v.status) for v in report.verdicts)
    summary = [
        (
            p.value,
            [counts.get((p, s), 0) for s in STATUSES],
            sum(counts.get((p, s), 0) for s in STATUSES),
        )
        for p in PathName
    ]
    diagrams = [
        (
            p.value,
            zone_diagram(
                c for c in report.crossings if str(c.get("kind", "")).split(".")[0] == p.value
            ),
        )
        for p in PathName
    ]
    rec = report.recovery
    clouds = coverage(report)
    resources_by_id = {r.id: r for r in inv.resources}
    movement = _movement.data_movement(report)
    template = _environment().get_template("report.html.j2")
    texts = template.generate(
        report=report,
        clouds=clouds,
        findings=top_findings(report),
        scope_clouds=[c for c in clouds if c.cloud != RECORDED],
        switch=switch,
        evidence_note=EVIDENCE_NOTE,
        finding_counts=[(s.value, n) for s, n in finding_counts(report).items()],
        verdict_counts=[(s.value, n) for s, n in verdict_counts(report.verdicts).items()],
        failing_count=sum(1 for v in report.verdicts if v.status is Status.FAIL),
        recovery=rec,
        drill_rto=rec.worst_drill("recovery_seconds") if rec else (None, ""),
        drill_lag=rec.worst_drill("replication_lag_seconds") if rec else (None, ""),
        drill_loss=rec.worst_drill("data_loss_seconds") if rec else (None, ""),
        seconds=seconds,
        failing=by_rule(report, Status.FAIL),
        passing=sorted(by_rule(report, Status.PASS), key=lambda g: g.rule),
        others=[
            (s.value, [v for v in report.verdicts if v.status is s])
            for s in (Status.INCONCLUSIVE, Status.WAIVED, Status.NOT_APPLICABLE)
        ],
        accountability=[(a, *cells(a)) for a in report.accountability],
        flows=[flow_picture(f) for f in traffic_flows(report.verdicts, resources_by_id)],
        flow_w=_FLOW_W,
        scope_accounts=", ".join(inv.scope.accounts) or "-",
        scope_regions=", ".join(inv.scope.regions) or "-",
        resources=len(inv.resources),
        relations=len(inv.relations),
        statuses=[s.value for s in STATUSES],
        summary=summary,
        diagrams=diagrams,
        box_w=_BOX_W,
        box_h=_BOX_H,
        movement=movement,
        movement_intro=_movement.intro(movement) if movement else "",
        movement_heading=_movement.HEADING,
        movement_rows=_movement.rows(movement) if movement else [],
    )
    return text_chunks(texts)
