"""collect -> normalise -> build -> evaluate -> emit.

Only :func:`collect_aws_inventory` touches a cloud; everything after it is a
pure function of the inventory, the declaration, the rule pack and the
evaluation date, so a bundle re-evaluates to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.boundary import Declaration, declaration_hash
from auditor.checks import Rule, all_rules
from auditor.checks.engine import evaluate
from auditor.checks.pack import RulePack
from auditor.collect.runner import AwsScanOptions, Progress
from auditor.evidence.bundle import write_bundle
from auditor.evidence.serialize import canonical_json, gap_to_dict, inventory_jsonl, verdicts_json
from auditor.graph.build import BoundaryGraph, build_graph
from auditor.graph.export import crossings_document, graph_document
from auditor.model import Inventory, PathName, Scope, Status, Verdict
from auditor.render import ReportData, renderers
from auditor.render.accountability import accountability_table

BUNDLE_FORMAT = 1


def tool_version() -> str:
    try:
        return importlib.metadata.version("boundary-auditor")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def aws_scope(
    decl: Declaration, regions: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Accounts (the customer's) and regions (declared, or as given) to scan."""
    accounts = tuple(decl.accounts("aws", "customer"))
    chosen = regions or tuple(sorted(decl.regions_of("aws")))
    return accounts, chosen


def collect_aws_inventory(opts: AwsScanOptions, progress: Progress | None = None) -> Inventory:
    from auditor.collect.runner import collect_aws
    from auditor.normalize import normalize

    result = collect_aws(opts, progress)
    return normalize(
        result.records,
        scope=Scope(accounts=opts.accounts, regions=opts.regions, cloud="aws"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    graph: BoundaryGraph
    verdicts: list[Verdict]
    rules: dict[str, Rule]
    pack: RulePack
    evaluated_on: dt.date


def evaluate_inventory(
    inventory: Inventory, decl: Declaration, pack: RulePack, today: dt.date
) -> Evaluation:
    graph = build_graph(inventory, decl)
    rules = all_rules()
    verdicts = evaluate(graph, pack, rules, today=today)
    return Evaluation(graph=graph, verdicts=verdicts, rules=rules, pack=pack, evaluated_on=today)


def summary_counts(verdicts: list[Verdict]) -> dict[str, dict[str, int]]:
    c = Counter((v.path.value, v.status.value) for v in verdicts)
    return {p.value: {s.value: c.get((p.value, s.value), 0) for s in Status} for p in PathName}


def bundle_files(
    *,
    decl: Declaration,
    decl_text: str,
    ev: Evaluation,
    started: str,
    finished: str,
    provenance: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """Every file of a bundle but SHA256SUMS. ``provenance`` notes a replay's source."""
    inv = ev.graph.inventory
    crossings = crossings_document(ev.graph)
    report = ReportData(
        declaration_name=decl.name,
        declaration_hash=declaration_hash(decl_text),
        pattern=decl.pattern.value,
        inventory=inv,
        verdicts=ev.verdicts,
        gaps=inv.gaps,
        crossings=crossings,
        rule_titles={r.id: r.title for r in ev.rules.values()},
        pack=ev.pack.name,
        evaluated_on=ev.evaluated_on.isoformat(),
        accountability=accountability_table(ev.graph),
        rule_docs={
            r.id: {
                "title": r.title,
                "rationale": r.rationale,
                "remediation": r.remediation,
                "path": r.path.value,
                "severity": r.severity.value,
            }
            for r in ev.rules.values()
        },
        tool_version=tool_version(),
    )
    used = [e.id for e in ev.pack.entries(ev.rules)]
    manifest: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "tool": {"name": "boundary-auditor", "version": tool_version()},
        "declaration": {"name": decl.name, "sha256": declaration_hash(decl_text)},
        "rules": {"pack": ev.pack.name, "pack_version": ev.pack.version, "ids": used},
        "scope": {
            "cloud": inv.scope.cloud,
            "accounts": list(inv.scope.accounts),
            "regions": list(inv.scope.regions),
        },
        "started": started,
        "finished": finished,
        "evaluated_on": ev.evaluated_on.isoformat(),
        "api_calls": dict(inv.api_calls),
        "api_calls_total": sum(inv.api_calls.values()),
        "resources": len(inv.resources),
        "relations": len(inv.relations),
        "crossings": len(crossings),
        "gaps": [gap_to_dict(g) for g in inv.gaps],
        "complete": not inv.gaps,
        "verdicts": summary_counts(ev.verdicts),
    }
    if provenance:
        manifest["provenance"] = dict(provenance)
    files: dict[str, bytes] = {
        "manifest.json": canonical_json(manifest),
        "declaration.yaml": decl_text.encode(),
        "inventory.jsonl": inventory_jsonl(inv),
        "graph.json": canonical_json(graph_document(ev.graph)),
        "verdicts.json": verdicts_json(ev.verdicts),
    }
    for name, render in renderers().items():
        files[name] = render(report)
    return files


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def write_scan_bundle(
    out_dir: Path,
    *,
    decl: Declaration,
    decl_text: str,
    ev: Evaluation,
    started: dt.datetime,
    finished: dt.datetime,
    signer: Callable[[bytes], bytes] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    files = bundle_files(
        decl=decl,
        decl_text=decl_text,
        ev=ev,
        started=started.isoformat().replace("+00:00", "Z"),
        finished=finished.isoformat().replace("+00:00", "Z"),
        provenance=provenance,
    )
    base = f"{decl.name}-{started.strftime('%Y%m%dT%H%M%SZ')}"
    name, n = base, 1
    while (out_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return write_bundle(out_dir, name, files, signer)
