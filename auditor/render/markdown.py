"""report.md: the summary and every verdict, for a reviewer or a wiki page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.text import md_cell
from auditor.model import PathName, Status
from auditor.render import ReportData

FILENAME = "report.md"

_STATUSES = (Status.FAIL, Status.INCONCLUSIVE, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)


_MERMAID_UNSAFE = frozenset("\"'`[]{}()<>|#;&\\")


def mermaid_label(text: object, limit: int = 80) -> str:
    """A cloud string made safe for a quoted Mermaid label: one line, no quotes,
    brackets, entity or link syntax, cut to ``limit`` characters."""
    s = "".join(
        " " if not ch.isprintable() else ("" if ch in _MERMAID_UNSAFE else ch) for ch in str(text)
    )
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def mermaid_crossings(crossings: Iterable[Mapping[str, Any]]) -> list[str]:
    """A ``flowchart LR`` block of zone-to-zone crossings (counted by edge kind).

    Node ids are synthetic (``z0``, ``z1``, ...); cloud strings appear only
    inside quoted labels, cleaned by :func:`mermaid_label`.
    """
    pairs: dict[tuple[str, str], Counter[str]] = {}
    for c in crossings:
        key = (mermaid_label(c["from_zone"]), mermaid_label(c["to_zone"]))
        pairs.setdefault(key, Counter())[mermaid_label(c["kind"])] += 1
    zones = sorted({z for pair in pairs for z in pair})
    ids = {z: f"z{i}" for i, z in enumerate(zones)}
    lines = ["```mermaid", "flowchart LR"]
    lines += [f'    {ids[z]}["{z}"]' for z in zones]
    for (a, b), kinds in sorted(pairs.items()):
        label = mermaid_label(", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())), 120)
        lines.append(f'    {ids[a]} -->|"{label}"| {ids[b]}')
    lines.append("```")
    return lines


def _summary(report: ReportData) -> list[str]:
    """The heading, what was audited, and the verdict counts per path and status."""
    inv = report.inventory
    counts = Counter((v.path, v.status) for v in report.verdicts)
    lines = [
        f"# Boundary audit: {md_cell(report.declaration_name)}",
        "",
        f"- Pattern: {md_cell(report.pattern)}",
        f"- Declaration sha256: `{report.declaration_hash}`",
        f"- Rule pack: {md_cell(report.pack)}; evaluated on {report.evaluated_on}",
        f"- Scope: accounts {', '.join(inv.scope.accounts) or '-'}; "
        f"regions {', '.join(inv.scope.regions) or '-'}",
        f"- Resources collected: {len(inv.resources)}; relations: {len(inv.relations)}; "
        f"crossings: {len(report.crossings)}; gaps: {len(report.gaps)}",
        "",
        "## Verdicts by path",
        "",
        "| path | " + " | ".join(s.value for s in _STATUSES) + " |",
        "|---|" + "---|" * len(_STATUSES),
    ]
    for path in PathName:
        row = " | ".join(str(counts.get((path, s), 0)) for s in _STATUSES)
        lines.append(f"| {path.value} | {row} |")
    lines.append("")
    return lines


def _gaps(report: ReportData) -> list[str]:
    """What could not be read (the reason for INCONCLUSIVE verdicts); nothing without gaps."""
    if not report.gaps:
        return []
    lines = [
        "## Collection gaps",
        "",
        "Verdicts that depend on these are INCONCLUSIVE.",
        "",
        "| account | region | service | operation | error | resource |",
        "|---|---|---|---|---|---|",
    ]
    for g in report.gaps:
        lines.append(
            f"| {g.account} | {g.region} | {md_cell(g.service)} | {md_cell(g.operation)} | "
            f"{md_cell(g.error_code)} | {md_cell(g.resource or '-')} |"
        )
    lines.append("")
    return lines


def _not_judged(report: ReportData) -> list[str]:
    """Exported types no rule reads (imports only); nothing when every type was read."""
    if not report.not_judged:
        return []
    lines = [
        "## Not judged",
        "",
        "The exports hold resources of these types, which no normaliser reads: no rule "
        "judged them. They are outside every collection unit, so they are not gaps.",
        "",
        "| type | resources |",
        "|---|---|",
    ]
    lines += [f"| {md_cell(t)} | {n} |" for t, n in report.not_judged.items()]
    lines.append("")
    return lines


def _verdicts(report: ReportData) -> list[str]:
    """One table of verdicts per status that has any, worst status first."""
    lines: list[str] = []
    for status in _STATUSES:
        chosen = [v for v in report.verdicts if v.status is status]
        if not chosen:
            continue
        lines += [
            f"## {status.value} ({len(chosen)})",
            "",
            "| rule | severity | resource | finding |",
            "|---|---|---|---|",
        ]
        for v in chosen:
            lines.append(
                f"| {v.rule} | {v.severity.value} | {md_cell(v.resource)} | {md_cell(v.message)} |"
            )
        lines.append("")
    return lines


def _accountability(report: ReportData) -> list[str]:
    """Who owns, can modify, logs and encrypts each resource; nothing without a map."""
    if not report.accountability:
        return []
    lines = [
        "## Accountability map",
        "",
        "| resource | kind | account | party | region | can modify | trail | key |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in report.accountability:
        lines.append(
            f"| {md_cell(a.resource)} | {md_cell(a.kind)} | {md_cell(a.account)} | "
            f"{md_cell(a.party)} | {md_cell(a.region)} | "
            f"{md_cell('; '.join(a.modifiers) or '-')} | "
            f"{md_cell('; '.join(a.trails) or 'none')} | "
            f"{md_cell('; '.join(a.keys) or '-')} |"
        )
    lines.append("")
    return lines


def _crossings(report: ReportData) -> list[str]:
    """Every zone crossing as a table, then one diagram per path; nothing without crossings."""
    if not report.crossings:
        return []
    lines = [
        "## Zone crossings",
        "",
        "| from | to | edge | reason |",
        "|---|---|---|---|",
    ]
    for c in report.crossings:
        lines.append(
            f"| {md_cell(c['from_zone'])} | {md_cell(c['to_zone'])} | {md_cell(c['kind'])} | "
            f"{md_cell(c['reason'])} |"
        )
    lines.append("")
    lines += ["## Zone crossing diagrams", ""]
    for path in PathName:
        crossed = [c for c in report.crossings if str(c["kind"]).split(".")[0] == path.value]
        lines += [f"### {path.value}", ""]
        if crossed:
            lines += mermaid_crossings(crossed)
        else:
            lines.append(f"No {path.value} edge crosses a zone.")
        lines.append("")
    return lines


def render(report: ReportData) -> bytes:
    """``report.md``: summary, gaps, verdicts by status, accountability map, zone crossings."""
    lines = [
        *_summary(report),
        *_gaps(report),
        *_not_judged(report),
        *_verdicts(report),
        *_accountability(report),
        *_crossings(report),
    ]
    return ("\n".join(lines) + "\n").encode()
