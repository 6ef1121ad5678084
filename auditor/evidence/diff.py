"""What changed between two bundles: findings, verdicts, crossings, access, resources, relations.

Pure functions over loaded bundle content, so ``auditor diff`` and
``scan --baseline`` share one definition of "new failure". Everything is
sorted: the same two bundles always give the same diff, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.base.edges import CAN_ACT_ON, CAN_ASSUME
from auditor.base.text import md_cell
from auditor.checks.findings import findings_of
from auditor.model import Finding, Relation, Resource, Severity, Status, Verdict

# The worst status first: it stands for a (rule, resource) pair judged more than once.
_STATUS_ORDER = (
    Status.FAIL,
    Status.INCONCLUSIVE,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)

VERDICT_CATEGORIES = (
    "new_failure",
    "waiver_expired",
    "newly_inconclusive",
    "fixed",
    "newly_waived",
    "resolved",
    "other",
)
"""How a verdict changed, in the order a reader cares about."""


@dataclass(frozen=True, kw_only=True)
class ResourceChange:
    id: str
    kind: str
    changes: tuple[tuple[str, Any, Any], ...]
    """(field, old, new); field is ``attributes.X``, ``tags.X`` or a top-level field."""


@dataclass(frozen=True, kw_only=True)
class VerdictChange:
    rule: str
    resource: str
    aspect: str = ""
    """The facet judged, when a rule judges one resource more than once (a traffic class)."""
    severity: str
    category: str
    old_status: str | None
    new_status: str | None
    message: str


@dataclass(frozen=True, kw_only=True)
class FindingChange:
    """A root-cause finding that appeared or went away, by its stable id."""

    id: str
    severity: str
    summary: str
    verdicts: int
    """How many (rule, resource) verdicts the finding holds (in the bundle it is in)."""


@dataclass(frozen=True, kw_only=True)
class BundleDiff:
    old: str
    new: str
    resources_added: tuple[tuple[str, str], ...] = ()
    """(id, kind)."""
    resources_removed: tuple[tuple[str, str], ...] = ()
    resources_changed: tuple[ResourceChange, ...] = ()
    relations_added: tuple[tuple[str, str, str], ...] = ()
    """(source, kind, target)."""
    relations_removed: tuple[tuple[str, str, str], ...] = ()
    crossings_added: tuple[Mapping[str, str], ...] = ()
    crossings_removed: tuple[Mapping[str, str], ...] = ()
    access_added: tuple[Mapping[str, str], ...] = ()
    """Access paths (``control.can_assume`` / ``control.can_act_on`` graph edges) gained."""
    access_removed: tuple[Mapping[str, str], ...] = ()
    verdicts: tuple[VerdictChange, ...] = field(default=())
    findings_new: tuple[FindingChange, ...] = ()
    """Findings failing in the new bundle that the old one did not have failing."""
    findings_fixed: tuple[FindingChange, ...] = ()
    """Findings failing in the old bundle that the new one does not have at all."""

    def by_category(self, category: str) -> list[VerdictChange]:
        return [v for v in self.verdicts if v.category == category]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.resources_added,
                self.resources_removed,
                self.resources_changed,
                self.relations_added,
                self.relations_removed,
                self.crossings_added,
                self.crossings_removed,
                self.access_added,
                self.access_removed,
                self.verdicts,
                self.findings_new,
                self.findings_fixed,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "resources": {
                "added": [{"id": i, "kind": k} for i, k in self.resources_added],
                "removed": [{"id": i, "kind": k} for i, k in self.resources_removed],
                "changed": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "changes": [{"field": f, "old": o, "new": n} for f, o, n in c.changes],
                    }
                    for c in self.resources_changed
                ],
            },
            "relations": {
                "added": [_rel_dict(r) for r in self.relations_added],
                "removed": [_rel_dict(r) for r in self.relations_removed],
            },
            "crossings": {
                "added": [dict(c) for c in self.crossings_added],
                "removed": [dict(c) for c in self.crossings_removed],
            },
            "access": {
                "added": [dict(c) for c in self.access_added],
                "removed": [dict(c) for c in self.access_removed],
            },
            "findings": {
                "new": [_finding_dict(f) for f in self.findings_new],
                "fixed": [_finding_dict(f) for f in self.findings_fixed],
            },
            "verdicts": {
                cat: [
                    {
                        "rule": v.rule,
                        "resource": v.resource,
                        "aspect": v.aspect,
                        "severity": v.severity,
                        "old_status": v.old_status,
                        "new_status": v.new_status,
                        "message": v.message,
                    }
                    for v in self.by_category(cat)
                ]
                for cat in VERDICT_CATEGORIES
            },
        }


def _finding_dict(f: FindingChange) -> dict[str, Any]:
    return {"id": f.id, "severity": f.severity, "summary": f.summary, "verdicts": f.verdicts}


def _rel_dict(r: tuple[str, str, str]) -> dict[str, str]:
    return {"source": r[0], "kind": r[1], "target": r[2]}


_UNSET = object()


def _resource_changes(old: Resource, new: Resource) -> tuple[tuple[str, Any, Any], ...]:
    out: list[tuple[str, Any, Any]] = []
    for name in ("kind", "account", "region", "name", "cloud", "source"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append((name, a, b))
    for prefix, a_map, b_map in (
        ("tags", old.tags, new.tags),
        ("attributes", old.attributes, new.attributes),
    ):
        for key in sorted(set(a_map) | set(b_map)):
            a = a_map.get(key, _UNSET)
            b = b_map.get(key, _UNSET)
            if a != b:
                out.append(
                    (f"{prefix}.{key}", None if a is _UNSET else a, None if b is _UNSET else b)
                )
    return tuple(out)


def _relation_keys(relations: Iterable[Relation]) -> set[tuple[str, str, str]]:
    return {(r.source, r.kind, r.target) for r in relations}


ACCESS_KINDS = (CAN_ASSUME, CAN_ACT_ON)
"""Derived graph edges that are access paths: who can become whom, who can act on what."""


def crossings_of_graph(graph_doc: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, str]]:
    """Crossing edges of a ``graph.json`` document, keyed by (source, kind, target)."""
    return _edges_of_graph(graph_doc, lambda e: bool(e.get("crossing")))


def access_of_graph(graph_doc: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, str]]:
    """Access-path edges (:data:`ACCESS_KINDS`) of a ``graph.json``, crossing a zone or not."""
    out = _edges_of_graph(graph_doc, lambda e: e.get("kind") in ACCESS_KINDS)
    crossing = crossings_of_graph(graph_doc)
    return {k: {**v, "crossing": "yes" if k in crossing else "no"} for k, v in out.items()}


def _edges_of_graph(
    graph_doc: Mapping[str, Any], keep: Callable[[Mapping[str, Any]], bool]
) -> dict[tuple[str, str, str], dict[str, str]]:
    zones: dict[str, str] = {}
    for node in graph_doc.get("nodes") or ():
        z = node.get("zone") or {}
        party = str(z.get("party", ""))
        zones[str(node.get("id"))] = (
            "internet"
            if party == "internet"
            else f"{party}/{z.get('cloud', '')}/{z.get('account', '')}/{z.get('region', '')}"
        )
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for e in graph_doc.get("edges") or ():
        if not keep(e):
            continue
        src, kind, dst = str(e["source"]), str(e["kind"]), str(e["target"])
        out[(src, kind, dst)] = {
            "source": src,
            "kind": kind,
            "target": dst,
            "from_zone": zones.get(src, ""),
            "to_zone": zones.get(dst, ""),
            "reason": str(e.get("reason", "")),
        }
    return out


def representative(verdicts: Iterable[Verdict]) -> dict[tuple[str, str, str], Verdict]:
    """One verdict per (rule, resource, aspect): the worst status, then the first message."""
    out: dict[tuple[str, str, str], Verdict] = {}
    for v in verdicts:
        key = (v.rule, v.resource, v.aspect)
        cur = out.get(key)
        if cur is None or (_STATUS_ORDER.index(v.status), v.message) < (
            _STATUS_ORDER.index(cur.status),
            cur.message,
        ):
            out[key] = v
    return out


def waiver_expired(v: Verdict) -> bool:
    return bool(v.waiver) and str((v.waiver or {}).get("expired", "")) == "true"


def _category(old: Verdict | None, new: Verdict | None) -> str | None:
    o = old.status if old else None
    n = new.status if new else None
    if new is not None and n is Status.FAIL:
        if waiver_expired(new) and not (old is not None and waiver_expired(old)):
            return "waiver_expired"
        if o is not Status.FAIL:
            return "new_failure"
        return None
    if o == n:
        return None
    if n is Status.INCONCLUSIVE:
        return "newly_inconclusive"
    if o is Status.FAIL and n in (Status.PASS, None):
        return "fixed"
    if n is Status.WAIVED:
        return "newly_waived"
    if o is Status.INCONCLUSIVE and n is Status.PASS:
        return "resolved"
    return "other"


def verdict_changes(old: Iterable[Verdict], new: Iterable[Verdict]) -> list[VerdictChange]:
    """Every (rule, resource) whose status changed, or whose failure is an expired waiver."""
    a, b = representative(old), representative(new)
    out: list[VerdictChange] = []
    for key in sorted(set(a) | set(b)):
        ov, nv = a.get(key), b.get(key)
        cat = _category(ov, nv)
        if cat is None:
            continue
        shown = nv or ov
        assert shown is not None
        out.append(
            VerdictChange(
                rule=key[0],
                resource=key[1],
                aspect=key[2],
                severity=shown.severity.value,
                category=cat,
                old_status=ov.status.value if ov else None,
                new_status=nv.status.value if nv else None,
                message=shown.message,
            )
        )
    return sorted(
        out, key=lambda c: (VERDICT_CATEGORIES.index(c.category), c.rule, c.resource, c.aspect)
    )


def _change(f: Finding) -> FindingChange:
    return FindingChange(
        id=f.id, severity=f.severity.value, summary=f.summary, verdicts=len(f.verdicts)
    )


def finding_changes(
    old: Sequence[Verdict], new: Sequence[Verdict]
) -> tuple[list[FindingChange], list[FindingChange]]:
    """(new, fixed) findings by id, most severe first.

    Both sides are grouped from their verdicts' causes (:mod:`auditor.checks.findings`),
    so a bundle written before verdicts carried finding ids is grouped by resource.
    New: failing now and not failing before (a waiver that expired counts). Fixed:
    failing before and gone now; a finding now waived is neither.
    """
    before = {f.id: f for f in findings_of(old)}
    after = {f.id: f for f in findings_of(new)}
    added = [
        _change(f)
        for f in after.values()
        if f.status is Status.FAIL
        and (f.id not in before or before[f.id].status is not Status.FAIL)
    ]
    fixed = [_change(f) for f in before.values() if f.status is Status.FAIL and f.id not in after]
    return added, fixed


def diff_bundles(
    *,
    old_name: str,
    new_name: str,
    old_resources: Sequence[Resource],
    new_resources: Sequence[Resource],
    old_relations: Sequence[Relation],
    new_relations: Sequence[Relation],
    old_graph: Mapping[str, Any],
    new_graph: Mapping[str, Any],
    old_verdicts: Sequence[Verdict],
    new_verdicts: Sequence[Verdict],
) -> BundleDiff:
    a = {r.id: r for r in old_resources}
    b = {r.id: r for r in new_resources}
    changed = []
    for rid in sorted(set(a) & set(b)):
        ch = _resource_changes(a[rid], b[rid])
        if ch:
            changed.append(ResourceChange(id=rid, kind=b[rid].kind, changes=ch))
    ra, rb = _relation_keys(old_relations), _relation_keys(new_relations)
    ca, cb = crossings_of_graph(old_graph), crossings_of_graph(new_graph)
    aa, ab = access_of_graph(old_graph), access_of_graph(new_graph)
    found, fixed = finding_changes(old_verdicts, new_verdicts)
    return BundleDiff(
        old=old_name,
        new=new_name,
        resources_added=tuple(sorted((i, b[i].kind) for i in set(b) - set(a))),
        resources_removed=tuple(sorted((i, a[i].kind) for i in set(a) - set(b))),
        resources_changed=tuple(changed),
        relations_added=tuple(sorted(rb - ra)),
        relations_removed=tuple(sorted(ra - rb)),
        crossings_added=tuple(cb[k] for k in sorted(set(cb) - set(ca))),
        crossings_removed=tuple(ca[k] for k in sorted(set(ca) - set(cb))),
        access_added=tuple(ab[k] for k in sorted(set(ab) - set(aa))),
        access_removed=tuple(aa[k] for k in sorted(set(aa) - set(ab))),
        verdicts=tuple(verdict_changes(old_verdicts, new_verdicts)),
        findings_new=tuple(found),
        findings_fixed=tuple(fixed),
    )


@dataclass(frozen=True, kw_only=True)
class BaselineFailure:
    verdict: Verdict
    reason: str
    """``new`` (not failing in the baseline) or ``waiver expired``."""


def baseline_failures(
    verdicts: Iterable[Verdict], baseline: Iterable[Verdict], *, fail_on: str
) -> list[BaselineFailure]:
    """FAILs at or above ``fail_on`` that the baseline did not already have.

    A failure whose waiver has expired always counts, even if the baseline
    already failed it: an expired waiver is a failure again.
    """
    threshold = Severity(fail_on).rank
    before = {key for key, v in representative(baseline).items() if v.status is Status.FAIL}
    out: list[BaselineFailure] = []
    for v in verdicts:
        if v.status is not Status.FAIL or v.severity.rank < threshold:
            continue
        if waiver_expired(v):
            out.append(BaselineFailure(verdict=v, reason="waiver expired"))
        elif (v.rule, v.resource, v.aspect) not in before:
            out.append(BaselineFailure(verdict=v, reason="new"))
    return out


# --- rendering --------------------------------------------------------------

_TITLES = {
    "new_failure": "New failures",
    "waiver_expired": "Failing again: waiver expired",
    "newly_inconclusive": "Newly inconclusive",
    "fixed": "Fixed",
    "newly_waived": "Newly waived",
    "resolved": "Resolved (was inconclusive)",
    "other": "Other status changes",
}


def plain(text: object) -> str:
    """A cloud-supplied string safe for a terminal: control characters become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def _short(value: Any) -> str:
    import json

    if value is None:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _edge_lines(title: str, edges: Sequence[Mapping[str, str]]) -> list[str]:
    if not edges:
        return []
    lines = [f"{title} ({len(edges)}):"]
    for c in edges:
        mark = "  [crosses zones]" if c.get("crossing") == "yes" else ""
        lines.append(
            f"  {plain(c['from_zone'])} -> {plain(c['to_zone'])} {plain(c['kind'])}: "
            f"{plain(c['source'])} -> {plain(c['target'])}{mark}"
        )
    return lines


def render_new_paths(d: BundleDiff) -> str:
    """Zone crossings and access paths that ``d.new`` has and ``d.old`` lacked (incidents)."""
    lines = [f"NEW SINCE {plain(d.old)}:"]
    # An access path that crosses zones is listed once, with the access paths.
    crossings = [c for c in d.crossings_added if c["kind"] not in ACCESS_KINDS]
    lines += _edge_lines("New zone crossings", crossings)
    lines += _edge_lines("New access paths", d.access_added)
    if not d.crossings_added and not d.access_added:
        lines.append("  no new zone crossings or access paths")
    return "\n".join(lines) + "\n"


def render_text(d: BundleDiff, *, without_new_paths: bool = False) -> str:
    """The diff as text; ``without_new_paths`` leaves out what :func:`render_new_paths` shows."""
    lines = [f"diff {plain(d.old)} -> {plain(d.new)}"]
    if d.empty:
        lines.append("no changes")
        return "\n".join(lines) + "\n"
    for title, found in (("New findings", d.findings_new), ("Fixed findings", d.findings_fixed)):
        if found:
            lines.append(f"{title} ({len(found)}):")
            lines += [
                f"  {f.severity:<8} {f.id} ({f.verdicts} verdict(s)): {plain(f.summary)}"
                for f in found
            ]
    for cat in VERDICT_CATEGORIES:
        chosen = d.by_category(cat)
        if not chosen:
            continue
        lines.append(f"{_TITLES[cat]} ({len(chosen)}):")
        for v in chosen:
            lines.append(
                f"  {v.severity:<8} {v.rule} {plain(v.resource)}: "
                f"{v.old_status or '-'} -> {v.new_status or '-'}  {plain(v.message)}"
            )
    if not without_new_paths:
        lines += _edge_lines("Crossings added", d.crossings_added)
    lines += _edge_lines("Crossings removed", d.crossings_removed)
    if not without_new_paths:
        lines += _edge_lines("Access paths added", d.access_added)
    lines += _edge_lines("Access paths removed", d.access_removed)
    for title, ress in (
        ("Resources added", d.resources_added),
        ("Resources removed", d.resources_removed),
    ):
        if ress:
            lines.append(f"{title} ({len(ress)}):")
            lines += [f"  {plain(k)} {plain(i)}" for i, k in ress]
    if d.resources_changed:
        lines.append(f"Resources changed ({len(d.resources_changed)}):")
        for rc in d.resources_changed:
            lines.append(f"  {plain(rc.kind)} {plain(rc.id)}")
            for f, o, n in rc.changes:
                lines.append(f"    {plain(f)}: {plain(_short(o))} -> {plain(_short(n))}")
    for title, rels in (
        ("Relations added", d.relations_added),
        ("Relations removed", d.relations_removed),
    ):
        if rels:
            lines.append(f"{title} ({len(rels)}):")
            lines += [f"  {plain(s)} -[{plain(k)}]-> {plain(t)}" for s, k, t in rels]
    return "\n".join(lines) + "\n"


def _finding_tables(d: BundleDiff) -> list[str]:
    lines: list[str] = []
    for title, found in (("New findings", d.findings_new), ("Fixed findings", d.findings_fixed)):
        if found:
            lines += [
                f"## {title} ({len(found)})",
                "",
                "| finding | severity | verdicts | summary |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {f.id} | {f.severity} | {f.verdicts} | {md_cell(f.summary)} |" for f in found
            ]
            lines.append("")
    return lines


def render_markdown(d: BundleDiff) -> str:
    lines = [f"# Boundary diff: {md_cell(d.old)} → {md_cell(d.new)}", ""]
    if d.empty:
        return "\n".join([*lines, "No changes.", ""])
    lines += _finding_tables(d)
    for cat in VERDICT_CATEGORIES:
        chosen = d.by_category(cat)
        if not chosen:
            continue
        lines += [
            f"## {_TITLES[cat]} ({len(chosen)})",
            "",
            "| rule | severity | resource | was | now | finding |",
            "|---|---|---|---|---|---|",
        ]
        for v in chosen:
            lines.append(
                f"| {md_cell(v.rule)} | {v.severity} | {md_cell(v.resource)} | "
                f"{v.old_status or '-'} | {v.new_status or '-'} | {md_cell(v.message)} |"
            )
        lines.append("")
    for title, crossings in (
        ("Crossings added", d.crossings_added),
        ("Crossings removed", d.crossings_removed),
        ("Access paths added", d.access_added),
        ("Access paths removed", d.access_removed),
    ):
        if crossings:
            lines += [
                f"## {title} ({len(crossings)})",
                "",
                "| from | to | edge | source | target |",
                "|---|---|---|---|---|",
            ]
            for c in crossings:
                lines.append(
                    f"| {md_cell(c['from_zone'])} | {md_cell(c['to_zone'])} | "
                    f"{md_cell(c['kind'])} | {md_cell(c['source'])} | {md_cell(c['target'])} |"
                )
            lines.append("")
    for title, ress in (
        ("Resources added", d.resources_added),
        ("Resources removed", d.resources_removed),
    ):
        if ress:
            lines += [f"## {title} ({len(ress)})", "", "| kind | id |", "|---|---|"]
            lines += [f"| {md_cell(k)} | {md_cell(i)} |" for i, k in ress]
            lines.append("")
    if d.resources_changed:
        lines += [
            f"## Resources changed ({len(d.resources_changed)})",
            "",
            "| resource | field | was | now |",
            "|---|---|---|---|",
        ]
        for rc in d.resources_changed:
            for f, o, n in rc.changes:
                lines.append(
                    f"| {md_cell(rc.id)} | {md_cell(f)} | {md_cell(_short(o))} | "
                    f"{md_cell(_short(n))} |"
                )
        lines.append("")
    for title, rels in (
        ("Relations added", d.relations_added),
        ("Relations removed", d.relations_removed),
    ):
        if rels:
            lines += [
                f"## {title} ({len(rels)})",
                "",
                "| source | edge | target |",
                "|---|---|---|",
            ]
            lines += [f"| {md_cell(s)} | {md_cell(k)} | {md_cell(t)} |" for s, k, t in rels]
            lines.append("")
    return "\n".join(lines)
