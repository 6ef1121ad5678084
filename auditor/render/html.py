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
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from auditor.base.serialize import text_chunks
from auditor.model import PathName, Status, Verdict
from auditor.render import ReportData

FILENAME = "report.html"

STATUSES = (Status.FAIL, Status.INCONCLUSIVE, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)
TRAFFIC_CLASSES = ("clients", "replication", "operations", "support")
TRAFFIC_RULE = "network.traffic-class"

# Diagram geometry (SVG user units).
_BOX_W = 300
_BOX_H = 28
_ROW = 40
_GAP = 220
_PAD = 10


def clean(value: object) -> str:
    """A cloud string with control and bidi-format characters removed (escaping is Jinja's)."""
    text = "" if value is None else str(value)
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )


def short(value: object, limit: int = 40) -> str:
    """A cleaned string cut to ``limit`` characters, for a diagram box."""
    text = clean(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


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
    x_right = _PAD + _BOX_W + _GAP
    sources = tuple(Box(short(z), z, _PAD, _PAD + i * _ROW) for i, z in enumerate(froms))
    targets = tuple(Box(short(z), z, x_right, _PAD + i * _ROW) for i, z in enumerate(tos))
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


@dataclass(frozen=True)
class FlowRow:
    status: str
    severity: str
    resource: str
    message: str
    hops: tuple[str, ...]


def traffic_classes(verdicts: Sequence[Verdict]) -> list[tuple[str, str, list[FlowRow]]]:
    """(class, anchor, rows): the traffic-class verdicts grouped by class, with their hops.

    The declared classes come first, always; any other class name (from the
    evidence, so never trusted) follows, with an anchor of its own making.
    """
    by: dict[str, list[FlowRow]] = {c: [] for c in TRAFFIC_CLASSES}
    for v in verdicts:
        if v.rule != TRAFFIC_RULE:
            continue
        cls = v.evidence.attributes.get("class")
        name = clean(cls) if isinstance(cls, str) and cls else "unattributed"
        hops = tuple(
            f"{clean(s)} \u2014{clean(k)}\u2192 {clean(t)}" for s, t, k in v.evidence.edges
        )
        by.setdefault(name, []).append(
            FlowRow(v.status.value, v.severity.value, clean(v.resource), clean(v.message), hops)
        )
    ordered = list(TRAFFIC_CLASSES) + sorted(set(by) - set(TRAFFIC_CLASSES))
    return [(c, c if c in TRAFFIC_CLASSES else f"other-{i}", by[c]) for i, c in enumerate(ordered)]


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
    by_path = [(p.value, [v for v in report.verdicts if v.path is p]) for p in PathName]
    diagrams = [
        (
            p.value,
            zone_diagram(
                c for c in report.crossings if str(c.get("kind", "")).split(".")[0] == p.value
            ),
        )
        for p in PathName
    ]
    template = _environment().get_template("report.html.j2")
    texts = template.generate(
        report=report,
        scope_accounts=", ".join(inv.scope.accounts) or "-",
        scope_regions=", ".join(inv.scope.regions) or "-",
        resources=len(inv.resources),
        relations=len(inv.relations),
        statuses=[s.value for s in STATUSES],
        summary=summary,
        by_path=by_path,
        diagrams=diagrams,
        traffic=traffic_classes(report.verdicts),
        box_w=_BOX_W,
        box_h=_BOX_H,
    )
    return text_chunks(texts)
