"""report.md: a first page for a reviewer, then every verdict, for a wiki page or a ticket.

The first page holds the scope, what was collected per cloud (and what not), the
evidence's digests and signer, the counts, the findings most severe first, and
the RPO/RTO table. Failing verdicts follow grouped by rule with the rule's
remediation; passing ones are counted per rule (verdicts.csv has every message).
Diagrams: zone crossings per path and resources per traffic class, in Mermaid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.text import md_cell
from auditor.model import PathName, Status
from auditor.render import ReportData, _movement
from auditor.render._diagrams import BLOCKED, REACHES, UNKNOWN, Flow, traffic_flows, zone_labels
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

FILENAME = "report.md"

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
    inside quoted labels, cleaned by :func:`mermaid_label`. Zones are told apart
    by their full names, and their labels are distinct (see ``zone_labels``).
    """
    pairs: dict[tuple[str, str], Counter[str]] = {}
    for c in crossings:
        key = (str(c["from_zone"]), str(c["to_zone"]))
        pairs.setdefault(key, Counter())[mermaid_label(c["kind"])] += 1
    zones = sorted({z for pair in pairs for z in pair})
    labels = zone_labels(zones, 80, lambda z: mermaid_label(z, len(z) + 1))
    ids = {z: f"z{i}" for i, z in enumerate(zones)}
    lines = ["```mermaid", "flowchart LR"]
    lines += [f'    {ids[z]}["{labels[z]}"]' for z in zones]
    for (a, b), kinds in sorted(pairs.items()):
        label = mermaid_label(", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())), 120)
        lines.append(f'    {ids[a]} -->|"{label}"| {ids[b]}')
    lines.append("```")
    return lines


def mermaid_flow(flow: Flow) -> list[str]:
    """A ``flowchart LR`` block of one traffic class: resources, hops, judged targets.

    A judged target's label ends with its verdict; FAIL targets are drawn red. A solid
    arrow is a hop the class reaches over, a dotted one a hop it was judged not to pass.
    """
    ids = {n.id: f"n{i}" for i, n in enumerate(flow.nodes)}
    lines = ["```mermaid", "flowchart LR"]
    for n in flow.nodes:
        mark = f": {n.status}" if n.status else ""
        lines.append(f'    {ids[n.id]}["{mermaid_label(n.label + mark, 90)}"]')
    arrow = {REACHES: "-->", BLOCKED: "-.->|blocked|", UNKNOWN: "-.->|unknown|"}
    lines += [f"    {ids[a]} {arrow[state]} {ids[b]}" for a, b, state in flow.edges]
    failed = [ids[n.id] for n in flow.nodes if n.status == Status.FAIL.value]
    if failed:
        lines.append("    classDef fail stroke:#b42318,stroke-width:2px")
        lines.append(f"    class {','.join(failed)} fail")
    lines.append("```")
    return lines


def _scope(report: ReportData) -> list[str]:
    """Page one, part one: what was audited, when, by which tool."""
    clouds = [c for c in coverage(report) if c.cloud != RECORDED]
    lines = [
        f"# Boundary audit: {md_cell(report.declaration_name)}",
        "",
        "## Scope",
        "",
        "| | |",
        "|---|---|",
        f"| declaration | {md_cell(report.declaration_name)}, sha256 `{report.declaration_hash}` |",
        f"| pattern | {md_cell(report.pattern)} |",
        f"| clouds | {', '.join(md_cell(c.cloud) for c in clouds) or 'none'} |",
    ]
    for c in clouds:
        lines.append(
            f"| {md_cell(c.cloud)} {c.account_word} | {md_cell(', '.join(c.accounts) or 'none')} |"
        )
    for c in clouds:
        lines.append(f"| {md_cell(c.cloud)} regions | {md_cell(', '.join(c.regions) or 'none')} |")
    lines += [
        f"| evaluated on | {md_cell(report.evaluated_on)} (rule pack {md_cell(report.pack)}) |",
        f"| tool | boundary-auditor {md_cell(report.tool_version or 'version not recorded')} |",
        "",
    ]
    return lines


def _evidence(report: ReportData) -> list[str]:
    """Page one: the digests of the evidence described here, and who signs the bundle."""
    lines = ["## Evidence", "", "| file | SHA-256 |", "|---|---|"]
    if report.evidence_sha256:
        lines += [f"| {md_cell(n)} | `{h}` |" for n, h in sorted(report.evidence_sha256.items())]
    else:
        lines.append("| (not computed) | - |")
    signer = (
        f"signed by the Ed25519 key `{md_cell(report.signed_by)}` (its fingerprint)"
        if report.signed_by
        else "not signed (no signing key was given)"
    )
    lines += ["", f"Bundle: {signer}.", "", EVIDENCE_NOTE, ""]
    return lines


def _coverage(report: ReportData) -> list[str]:
    """Page one: per cloud, what was collected, how much, and what could not be read."""
    lines = [
        "## Coverage per cloud",
        "",
        "| cloud | accounts | regions | units collected | services | resources (kinds) | gaps |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in coverage(report):
        lines.append(
            f"| {md_cell(c.cloud)} | {len(c.accounts)} | {len(c.regions)} | {c.units} | "
            f"{md_cell(', '.join(c.services) or '-')} | {c.resources} ({c.kinds}) | {c.gaps} |"
        )
    lines += [
        "",
        "A unit is one (account, region, service) the collector ran; `recorded` resources "
        "are drill records, read from files, not from a cloud.",
        "",
    ]
    if report.not_judged:
        total = sum(report.not_judged.values())
        lines += [
            f"Exported but not judged: {total} resources of {len(report.not_judged)} types "
            "no normaliser reads (outside every collection unit, so not gaps):",
            "",
            "| type | resources |",
            "|---|---|",
            *(f"| {md_cell(t)} | {n} |" for t, n in sorted(report.not_judged.items())),
            "",
        ]
    else:
        lines += ["Exported but not judged: none.", ""]
    return lines


def _counts(report: ReportData) -> list[str]:
    """Page one: findings by severity, verdicts by status and by path."""
    fc = finding_counts(report)
    vc = verdict_counts(report.verdicts)
    findings = ", ".join(f"{n} {s.value}" for s, n in fc.items())
    counts = Counter((v.path, v.status) for v in report.verdicts)
    lines = [
        "## Summary",
        "",
        f"- Findings (root causes): {len(report.findings)}" + (f" ({findings})" if fc else ""),
        "- Verdicts: " + ", ".join(f"{n} {s.value}" for s, n in vc.items()),
        f"- Resources: {len(report.inventory.resources)}; relations: "
        f"{len(report.inventory.relations)}; zone crossings: {len(report.crossings)}; "
        f"collection gaps: {len(report.gaps)}",
        "",
        "| path | " + " | ".join(s.value for s in STATUSES) + " |",
        "|---|" + "---|" * len(STATUSES),
    ]
    for path in PathName:
        row = " | ".join(str(counts.get((path, s), 0)) for s in STATUSES)
        lines.append(f"| {path.value} | {row} |")
    lines.append("")
    return lines


def _findings(report: ReportData) -> list[str]:
    """Page one: the root causes, most severe first, each with its fix."""
    lines = ["## Top risks", ""]
    failing = sum(1 for v in report.verdicts if v.status is Status.FAIL)
    if not report.findings:
        if failing:
            lines += [
                f"No findings were computed for this report; the {failing} failing verdicts "
                "follow, grouped by rule with their remediation.",
                "",
            ]
        else:
            lines += ["No finding: no verdict failed.", ""]
        return lines
    lines += [
        "| # | severity | status | finding | fix | causes | verdicts |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, f in enumerate(top_findings(report), 1):
        lines.append(
            f"| {i} | {f.severity.value} | {f.status.value} | {md_cell(f.summary)} "
            f"(`{md_cell(f.id)}`) | {md_cell(' '.join(f.fix.split()))} | "
            f"{md_cell('; '.join(f.causes) or '-')} | {len(f.verdicts)} |"
        )
    lines.append("")
    return lines


def _recovery(report: ReportData) -> list[str]:
    """Page one: the objectives beside what drills measured and what DNS allows."""
    rec = report.recovery
    lines = ["## Recovery objectives", ""]
    if rec is None:
        return [*lines, "Not computed for this report.", ""]
    rto, rto_drill = rec.worst_drill("recovery_seconds")
    lag, lag_drill = rec.worst_drill("replication_lag_seconds")
    loss, loss_drill = rec.worst_drill("data_loss_seconds")
    n = len(rec.drills)
    if not n:
        drill_rpo = drill_rto = "no drill recorded"
    else:
        drill_rpo = (
            f"replication lag {seconds(lag)}"
            + (f" ({md_cell(lag_drill)})" if lag_drill else "")
            + f"; data loss {seconds(loss)}"
            + (f" ({md_cell(loss_drill)})" if loss_drill else "")
        )
        drill_rto = f"{seconds(rto)}" + (f" ({md_cell(rto_drill)})" if rto_drill else "")
    if not rec.dns_declared:
        dns_rto = "no DNS failover declared"
    else:
        dns_rto = "; ".join(f"{md_cell(r.name)}: {switch(r)}" for r in rec.dns)
    lines += [
        "| | RPO (data loss) | RTO (downtime) |",
        "|---|---|---|",
        f"| declared | {seconds(rec.rpo_seconds)} | {seconds(rec.rto_seconds)} |",
        f"| drill-measured (worst of {n}) | {drill_rpo} | {drill_rto} |",
        f"| DNS allows (PRIMARY TTL + health-check detection) | - (DNS does not bound "
        f"data loss) | {dns_rto} |",
        "",
    ]
    if rec.drills:
        lines += [
            "| drill | started | outcome | from -> to | recovery | replication lag | "
            "data loss | DNS switch |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for d in rec.drills:
            lines.append(
                f"| {md_cell(d.drill)} | {md_cell(d.started)} | {md_cell(d.outcome)} | "
                f"{md_cell(d.from_region)} -> {md_cell(d.to_region)} | "
                f"{seconds(d.recovery_seconds)} | {seconds(d.replication_lag_seconds)} | "
                f"{seconds(d.data_loss_seconds)} | {seconds(d.dns_switch_seconds)} |"
            )
        lines.append("")
    if rec.dns:
        lines += [
            "| DNS name | record sets | PRIMARY TTL | longest TTL | health check | detection "
            "(threshold x interval) | PRIMARY TTL + detection | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rec.dns:
            lines.append(
                f"| {md_cell(r.name)} | {r.records} | {seconds(r.primary_ttl_seconds)} | "
                f"{seconds(r.longest_ttl_seconds)} | {md_cell(r.health_check or 'none')} | "
                f"{seconds(r.detection_seconds)} | {switch(r)} | {md_cell(r.note or '-')} |"
            )
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
        "| cloud | account | region | service | operation | error | resource |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in report.gaps:
        lines.append(
            f"| {md_cell(g.cloud)} | {md_cell(g.account)} | {md_cell(g.region)} | "
            f"{md_cell(g.service)} | {md_cell(g.operation)} | "
            f"{md_cell(g.error_code)} | {md_cell(g.resource or '-')} |"
        )
    lines.append("")
    return lines


def _failing(report: ReportData) -> list[str]:
    """Every FAIL, grouped by rule (most severe first) under the rule's remediation."""
    groups = by_rule(report, Status.FAIL)
    if not groups:
        return []
    total = sum(len(g.verdicts) for g in groups)
    lines = [f"## FAIL ({total})", ""]
    for g in groups:
        lines += [f"### {md_cell(g.rule)} ({g.severity}, {len(g.verdicts)})", ""]
        if g.title:
            lines += [md_cell(g.title), ""]
        lines += [
            f"**Remediation:** {md_cell(g.remediation) or 'none documented'}",
            "",
            "| resource | why | finding |",
            "|---|---|---|",
        ]
        for v in g.verdicts:
            lines.append(
                f"| {md_cell(v.resource)} | {md_cell(v.message)} | {md_cell(v.finding or '-')} |"
            )
        lines.append("")
    return lines


def _listed(report: ReportData, status: Status) -> list[str]:
    """Every verdict of ``status``, one row each, with what stands behind it."""
    chosen = [v for v in report.verdicts if v.status is status]
    if not chosen:
        return []
    lines = [
        f"## {status.value} ({len(chosen)})",
        "",
        "| rule | severity | resource | why |",
        "|---|---|---|---|",
    ]
    for v in chosen:
        why = v.message + (f" (not modelled: {v.unmodelled})" if v.unmodelled else "")
        if v.waiver:
            why += " (waiver: " + "; ".join(f"{k}: {val}" for k, val in sorted(v.waiver.items()))
            why += ")"
        lines.append(
            f"| {md_cell(v.rule)} | {v.severity.value} | {md_cell(v.resource)} | {md_cell(why)} |"
        )
    lines.append("")
    return lines


def _passed(report: ReportData) -> list[str]:
    """PASS verdicts counted per rule with the resources judged (messages: verdicts.csv)."""
    groups = by_rule(report, Status.PASS)
    if not groups:
        return []
    total = sum(len(g.verdicts) for g in groups)
    lines = [
        f"## PASS ({total})",
        "",
        "Each rule that held, and on which resources; every message is in verdicts.csv.",
        "",
        "| rule | severity | held on |",
        "|---|---|---|",
    ]
    for g in sorted(groups, key=lambda g: g.rule):
        lines.append(
            f"| {md_cell(g.rule)} | {g.severity} | "
            f"{md_cell(', '.join(sorted({v.resource for v in g.verdicts})))} |"
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
        "`not modelled`: the model cannot say (the auditor does not model every principal, "
        "trail or key there); `none`: looked for and absent; `not collected`: a collection "
        "gap hid it; `not applicable`: no such control exists for the kind.",
        "",
        "| resource | kind | account | party | region | can modify | trail | key |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in report.accountability:
        modify, trail, key = cells(a)
        lines.append(
            f"| {md_cell(a.resource)} | {md_cell(a.kind)} | {md_cell(a.account)} | "
            f"{md_cell(a.party)} | {md_cell(a.region)} | {md_cell(modify)} | "
            f"{md_cell(trail)} | {md_cell(key)} |"
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


def _traffic(report: ReportData) -> list[str]:
    """One diagram per traffic class, from the hops the traffic-class verdicts name."""
    resources = {r.id: r for r in report.inventory.resources}
    lines = [
        "## Traffic class diagrams",
        "",
        "The resources each traffic class crosses, from the hops the `network.traffic-class` "
        "verdicts name; a judged target shows its verdict. A solid arrow is a hop the class "
        "reaches over, a dotted one a path found closed (`blocked`) or not decided (`unknown`).",
        "",
    ]
    for flow in traffic_flows(report.verdicts, resources):
        cls = md_cell(mermaid_label(flow.cls))
        lines += [f"### {cls} ({flow.verdicts} verdicts)", ""]
        if not flow.nodes:
            lines += [f"No {cls} traffic was judged.", ""]
            continue
        lines += mermaid_flow(flow)
        if flow.omitted:
            lines.append(f"{flow.omitted} more resource(s) not drawn (see verdicts.json).")
        lines.append("")
    return lines


def render(report: ReportData) -> bytes:
    """``report.md``: the first page, then verdicts, accountability and diagrams."""
    lines = [
        *_scope(report),
        *_evidence(report),
        *_coverage(report),
        *_counts(report),
        *_findings(report),
        *_recovery(report),
        *_gaps(report),
        *_failing(report),
        *_listed(report, Status.INCONCLUSIVE),
        *_listed(report, Status.WAIVED),
        *_passed(report),
        *_listed(report, Status.NOT_APPLICABLE),
        *_accountability(report),
        *_crossings(report),
        *_traffic(report),
        *_movement.markdown(report, mermaid_label),
    ]
    return ("\n".join(lines) + "\n").encode()
