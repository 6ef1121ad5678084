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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.boundary import Declaration, declaration_hash
from auditor.checks import Rule, all_rules
from auditor.checks.engine import evaluate
from auditor.checks.pack import RulePack
from auditor.collect.runner import AwsScanOptions, CollectionResult, Progress
from auditor.evidence.bundle import write_bundle
from auditor.evidence.serialize import canonical_json, gap_to_dict, inventory_jsonl, verdicts_json
from auditor.graph.build import BoundaryGraph
from auditor.graph.export import crossings_document, graph_document
from auditor.model import Inventory, PathName, RawRecord, Scope, Status, Verdict
from auditor.normalize.spool import InventorySpool
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


def collect_aws_inventory(
    opts: AwsScanOptions,
    progress: Progress | None = None,
    raw: list[RawRecord] | None = None,
    on_result: Callable[[CollectionResult], None] | None = None,
) -> Inventory:
    """Collect one AWS scan and normalise it (see :func:`collect_inventory`)."""
    return collect_inventory(ScanTargets(aws=opts), progress, raw, on_result)


@dataclass(frozen=True, kw_only=True)
class ScanTargets:
    """The clouds one scan reads and how to reach each; None means not scanned.

    ``azure`` is an :class:`~auditor.collect.azure.AzureScanOptions` and ``gcp`` a
    :class:`~auditor.collect.gcp.GcpScanOptions` (typed loosely so that this module
    imports neither package). ``regions`` holds the declared regions of Azure and
    GCP: their collection is not per region, the scope still names them.
    """

    aws: AwsScanOptions | None = None
    azure: Any = None
    gcp: Any = None
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def clouds(self) -> tuple[str, ...]:
        return tuple(c for c in ("aws", "azure", "gcp") if getattr(self, c) is not None)


def collect_inventory(
    targets: ScanTargets,
    progress: Progress | None = None,
    raw: list[RawRecord] | None = None,
    on_result: Callable[[CollectionResult], None] | None = None,
) -> Inventory:
    """Collect every targeted cloud and normalise all of it into one inventory.

    Normalised resources are streamed to a private temporary spool as collection
    goes (:mod:`auditor.normalize.spool`): an AWS unit as soon as it finishes,
    Azure rows about a Resource Graph page at a time, GCP assets once every
    scope has listed (they wait on disk: an IAM policy takes its location from
    its resource's asset); raw records are then dropped, unless
    ``raw`` (``--keep-raw``) asks for them. ``on_result`` sees the AWS collection
    result (discovered accounts, resumed units, start time) before the merge. The
    scope is what was targeted: declared accounts (plus discovered ones) of every
    cloud, and every region scanned.
    """
    results: list[CollectionResult] = []
    accounts: list[str] = []
    regions: list[str] = []
    keep = raw is not None
    with InventorySpool() as spool:
        if targets.aws is not None:
            from auditor.collect.runner import collect_aws

            opts = targets.aws
            result = collect_aws(opts, progress, spool=spool, keep_records=keep)
            if on_result is not None:
                on_result(result)
            results.append(result)
            accounts += result.accounts or opts.accounts
            aws_regions = opts.regions
            if opts.all_regions:  # each account's enabled regions: the scope is their union
                aws_regions = (
                    tuple(sorted({r for rs in result.regions.values() for r in rs})) or aws_regions
                )
            regions += aws_regions
        if targets.azure is not None:
            from auditor.collect.azure import collect_azure

            to_spool = _BatchesToSpool(spool, keep)
            azure = collect_azure(targets.azure, progress, on_records=to_spool)
            azure.records = to_spool.kept
            results.append(azure)
            accounts += targets.azure.subscriptions
            regions += targets.regions.get("azure", ())
        if targets.gcp is not None:
            from auditor.collect.gcp import collect_gcp

            to_spool = _BatchesToSpool(spool, keep)
            gcp = collect_gcp(targets.gcp, progress, on_records=to_spool, work_dir=spool.folder)
            gcp.records = to_spool.kept
            results.append(gcp)
            accounts += targets.gcp.projects
            regions += targets.regions.get("gcp", ())
        if raw is not None:
            raw.extend(rec for r in results for rec in r.records)
        calls: Counter[str] = Counter()
        for r in results:
            calls.update(r.api_calls)
        return spool.inventory(
            scope=Scope(
                accounts=tuple(dict.fromkeys(accounts)),
                regions=tuple(dict.fromkeys(regions)),
                cloud="+".join(targets.clouds),
            ),
            gaps=[g for r in results for g in r.gaps],
            api_calls=dict(calls),
            collected=[u for r in results for u in r.units],
        )


class _BatchesToSpool:
    """Raw records handed over in batches: normalised into the spool, kept if asked."""

    def __init__(self, spool: InventorySpool, keep: bool) -> None:
        self._spool, self._keep = spool, keep
        self.kept: list[RawRecord] = []

    def __call__(self, batch: list[RawRecord]) -> None:
        self._spool.add(batch)
        if self._keep:
            self.kept.extend(batch)


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
    raw: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every file of a bundle but SHA256SUMS. ``provenance`` notes a replay's source.

    ``raw`` holds the redacted raw API responses (``raw/...`` members, see
    :mod:`auditor.evidence.raw`); the manifest lists them.
    """
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
    if raw is not None:
        manifest["raw"] = {"redacted": True, "files": sorted(raw)}
    files: dict[str, bytes] = {
        "manifest.json": canonical_json(manifest),
        "declaration.yaml": decl_text.encode(),
        "inventory.jsonl": inventory_jsonl(inv),
        "graph.json": canonical_json(graph_document(ev.graph)),
        "verdicts.json": verdicts_json(ev.verdicts),
        **(raw or {}),
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
    raw: Mapping[str, bytes] | None = None,
) -> Path:
    files = bundle_files(
        decl=decl,
        decl_text=decl_text,
        ev=ev,
        started=started.isoformat().replace("+00:00", "Z"),
        finished=finished.isoformat().replace("+00:00", "Z"),
        provenance=provenance,
        raw=raw,
    )
    base = f"{decl.name}-{started.strftime('%Y%m%dT%H%M%SZ')}"
    name, n = base, 1
    while (out_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return write_bundle(out_dir, name, files, signer)
