"""Turn rule findings into verdicts: gaps, waivers, severities, order.

Fail-closed by construction:

- a finding about a resource whose data is incomplete (a gap in a service
  the rule requires, in that account and region, or about that resource)
  becomes INCONCLUSIVE, unless it is a FAIL proven by what was seen; a rule's own
  INCONCLUSIVE keeps its message and names those gaps as what lies behind it;
- each scope-wide gap the rule depends on yields its own INCONCLUSIVE
  verdict, so a scan that could not see a region never reads as all-PASS;
- a rule that finds nothing to judge says INCONCLUSIVE, not PASS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from auditor.boundary import Waiver
from auditor.checks import Judgement, Rule, RuleContext
from auditor.checks.findings import assign_findings
from auditor.checks.pack import RulePack
from auditor.gc_pause import gc_paused
from auditor.graph.build import BoundaryGraph
from auditor.model import Evidence, Gap, Status, Verdict


def scope_id(cloud: str, account: str, region: str) -> str:
    """The id a verdict about a whole account/region carries."""
    return f"scope:{cloud}/{account}/{region}"


def _gap_label(g: Gap) -> str:
    where = g.resource or f"{g.account}/{g.region}"
    return f"{g.service}:{g.operation} {g.error_code} ({where})"


def _locate(graph: BoundaryGraph, f: Judgement) -> tuple[str, str, str]:
    res = graph.get(f.resource)
    if res is not None and res.account and not res.attributes.get("stub"):
        return res.cloud, res.account, res.region
    if f.resource.startswith("scope:"):  # scope:{cloud}/{account}/{region}
        cloud = f.resource.removeprefix("scope:").split("/", 1)[0]
        return cloud, f.account or "*", f.region or "*"
    # Not a collected resource (a declared name that was not found, say): any cloud's
    # gaps may be why it is missing, so all of them apply.
    return "*", f.account or "*", f.region or "*"


def _relevant_gaps(rule: Rule, gaps: Sequence[Gap]) -> list[Gap]:
    services = set(rule.requires)
    return [g for g in gaps if g.service == "*" or g.service in services]


def _apply_gaps(graph: BoundaryGraph, f: Judgement, gaps: Sequence[Gap]) -> Judgement:
    judged = f.status in (Status.PASS, Status.FAIL)
    unsure = f.status is Status.INCONCLUSIVE
    if not (judged or unsure or (f.status is Status.NOT_APPLICABLE and f.nothing_found)):
        return f
    if not gaps:
        return f
    cloud, account, region = _locate(graph, f)
    hit: list[Gap] = []
    for g in gaps:
        if cloud != "*" and g.cloud != cloud:
            continue
        ids = (f.resource, *f.depends_on)
        if g.resource:
            if g.resource in ids:
                hit.append(g)
            continue
        if (account == "*" or g.account in ("*", account)) and (
            region == "*" or g.region in ("*", "global", region)
        ):
            hit.append(g)
    if not hit:
        return f
    labels = tuple(sorted({_gap_label(g) for g in hit}))
    evidence = Evidence(
        nodes=f.evidence.nodes,
        edges=f.evidence.edges,
        attributes=f.evidence.attributes,
        gaps=tuple(sorted(set(f.evidence.gaps) | set(labels))),
    )
    if unsure or (f.status is Status.FAIL and f.definite):
        # an INCONCLUSIVE keeps its own message; the gaps are named as what lies behind it
        return replace(f, evidence=evidence)
    message = f"{f.message} — but collection was incomplete: {labels[0]}"
    if len(labels) > 1:
        message += f" (+{len(labels) - 1} more)"
    return replace(f, status=Status.INCONCLUSIVE, message=message, evidence=evidence)


def _scope_gap_findings(rule: Rule, gaps: Sequence[Gap]) -> list[Judgement]:
    by_scope: dict[tuple[str, str, str], list[Gap]] = {}
    for g in gaps:
        if not g.resource:
            by_scope.setdefault((g.cloud, g.account, g.region), []).append(g)
    out: list[Judgement] = []
    for (cloud, account, region), group in sorted(by_scope.items()):
        labels = tuple(sorted({_gap_label(g) for g in group}))
        out.append(
            Judgement(
                resource=scope_id(cloud, account, region),
                status=Status.INCONCLUSIVE,
                message=(
                    f"{rule.id} could not see all of {account}/{region}: {labels[0]}"
                    + (f" (+{len(labels) - 1} more)" if len(labels) > 1 else "")
                ),
                evidence=Evidence(gaps=labels),
                account=account,
                region=region,
            )
        )
    return out


def _waive(
    f: Judgement, rule: Rule, waivers: Sequence[Waiver], today: dt.date
) -> tuple[Status, str, dict[str, str] | None]:
    if f.status not in (Status.FAIL, Status.INCONCLUSIVE):
        return f.status, f.message, None
    for i, w in enumerate(waivers):
        if not w.covers(rule.id, f.resource, f.evidence.nodes):
            continue
        info = {
            "reason": w.reason,
            "approved_by": w.approved_by,
            "expires": w.expires.isoformat(),
            "resource": w.resource,
            "clause": f"exceptions.{i}",
        }
        if w.expires < today:
            return (
                f.status,
                f"{f.message} (waiver expired on {w.expires.isoformat()})",
                {
                    **info,
                    "expired": "true",
                },
            )
        return Status.WAIVED, f"{f.message} (waived: {w.reason})", info
    return f.status, f.message, None


def evaluate(
    graph: BoundaryGraph,
    pack: RulePack,
    rules: dict[str, Rule],
    *,
    today: dt.date,
) -> list[Verdict]:
    """Run the pack's rules over the graph; verdicts in a stable order, each FAIL and
    WAIVED one carrying the id of its root-cause finding (:mod:`auditor.checks.findings`)."""
    with gc_paused():  # long-lived objects: see auditor/gc_pause.py
        return assign_findings(_evaluate(graph, pack, rules, today=today))


def _evaluate(
    graph: BoundaryGraph, pack: RulePack, rules: dict[str, Rule], *, today: dt.date
) -> list[Verdict]:
    decl = graph.declaration
    verdicts: list[Verdict] = []
    for entry in pack.entries(rules):
        r = rules[entry.id]
        ctx = RuleContext(
            rule=r, graph=graph, declaration=decl, params={**r.params, **entry.params}
        )
        gaps = _relevant_gaps(r, graph.inventory.gaps)
        findings: list[Judgement] = [_apply_gaps(graph, f, gaps) for f in r.evaluate(ctx)]
        findings += _scope_gap_findings(r, gaps)
        if not findings:
            findings = [
                Judgement(
                    resource=scope_id("aws", "*", "*"),
                    status=Status.INCONCLUSIVE,
                    message=f"{r.id} found nothing in scope to judge",
                    # the rule said neither what it judged nor why nothing: name that
                    unmodelled=f"what {r.id} judges: the rule gave no verdict and no reason",
                )
            ]
        severity = entry.severity or r.severity
        for f in _dedupe(findings):
            status, message, waiver = _waive(f, r, decl.exceptions, today)
            verdicts.append(
                Verdict(
                    rule=r.id,
                    path=r.path,
                    status=status,
                    resource=f.resource,
                    severity=severity,
                    message=message,
                    evidence=f.evidence,
                    waiver=waiver,
                    aspect=f.aspect,
                    causes=f.causes,
                    affects=f.affects,
                    unmodelled=f.unmodelled,
                )
            )
    return sorted(verdicts, key=lambda v: (v.path.value, v.rule, v.resource, v.status, v.message))


def _dedupe(findings: Iterable[Judgement]) -> list[Judgement]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Judgement] = []
    for f in findings:
        key = (f.resource, f.status.value, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
