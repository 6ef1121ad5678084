"""collect -> normalise -> build -> evaluate -> emit: every run goes through here.

A scan is a :class:`ScanRequest` (built and checked by :func:`scan_request`)
given to :func:`run_scan`, which returns a :class:`ScanResult`; ``scan``,
``snapshot``, ``demo`` and the tests all use it, and the command line only
parses options and prints. Collection (:func:`collect_inventory`) drives the
AWS, Azure and GCP collectors; everything after it is a pure function of the
inventory, the declaration, the rule pack and the evaluation date, so a bundle
re-evaluates to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.base.exit_codes import ExitCode
from auditor.base.serialize import (
    canonical_json,
    inventory_jsonl_chunks,
    verdicts_json_chunks,
)
from auditor.base.yaml_lines import key_lines
from auditor.boundary import Declaration, declaration_hash
from auditor.checks import Rule, all_rules
from auditor.checks.engine import evaluate
from auditor.checks.findings import findings_of
from auditor.checks.pack import RulePack
from auditor.collect.clouds import CloudCollection
from auditor.collect.runner import AwsScanOptions, CollectionResult, Progress
from auditor.coverage import Unread, unread_accounts
from auditor.evidence.bundle import Member, member_bytes, write_bundle
from auditor.evidence.digests import EvidenceDigests
from auditor.evidence.manifest import manifest_document
from auditor.evidence.timings import ScanClock, TimedSink, bundle_timing
from auditor.gc_pause import gc_paused
from auditor.graph.build import BoundaryGraph
from auditor.graph.export import crossings_document, graph_json_chunks
from auditor.model import (
    Finding,
    Inventory,
    RawRecord,
    Scope,
    Severity,
    Status,
    Verdict,
)
from auditor.normalize.spool import InventorySpool
from auditor.render import ReportData, renderers
from auditor.render.accountability import accountability_table
from auditor.render.recovery import recovery_table
from auditor.render.sarif import home_page
from auditor.scan_request import (
    CORE_MEMBERS,
    OutputChoice,
    ScanError,
    ScanRequest,
    ScanTargets,
    aws_scope,
    collection_settings,
    scan_request,
)

__all__ = [
    "CORE_MEMBERS",
    "OutputChoice",
    "ScanError",
    "ScanRequest",
    "ScanTargets",
    "aws_scope",
    "collection_settings",
    "scan_request",
]


def tool_version() -> str:
    try:
        return importlib.metadata.version("boundary-auditor")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def tool_uri() -> str:
    """The package's public page from its ``Project-URL`` metadata ("" when none)."""
    try:
        urls = importlib.metadata.metadata("boundary-auditor").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return ""
    return home_page(urls)


def collect_aws_inventory(
    opts: AwsScanOptions, progress: Progress | None = None, raw: list[RawRecord] | None = None
) -> Inventory:
    """Collect one AWS scan and normalise it (see :func:`collect_inventory`)."""
    return collect_inventory(ScanTargets(aws=opts), progress, raw)


def collect_inventory(
    targets: ScanTargets,
    progress: Progress | None = None,
    raw: list[RawRecord] | None = None,
    on_collected: Callable[[CloudCollection], None] | None = None,
    clock: ScanClock | None = None,
) -> Inventory:
    """Collect every targeted cloud and normalise all of it into one inventory.

    Normalised resources are streamed to a private temporary spool as collection
    goes (:mod:`auditor.normalize.spool`): an AWS unit as soon as it finishes,
    Azure rows about a Resource Graph page at a time, GCP assets once every
    scope has listed (they wait on disk: an IAM policy takes its location from
    its resource's asset); raw records are then dropped, unless
    ``raw`` (``--keep-raw``) asks for them. ``on_collected`` sees each cloud's
    collection (its result and the accounts it targeted) before the merge. The
    scope is what was targeted: declared accounts (plus discovered ones) of every
    cloud, and every region scanned. ``clock`` times collection and normalising.
    """
    from auditor.collect.clouds import cloud_collectors  # imports each cloud's module

    clock = clock or ScanClock()
    with clock.phase("collect"):
        known = cloud_collectors()
        chosen = [(known[c], targets.options(c)) for c in targets.clouds]
        for collector, _ in chosen:  # a missing extra found after an hour of AWS wastes it
            collector.require_sdk()
    results: list[CollectionResult] = []
    accounts: list[str] = []
    regions: list[str] = []
    keep = raw is not None
    with InventorySpool() as spool:
        sink = TimedSink(spool, clock)
        for collector, options in chosen:
            began = time.perf_counter()
            got = collector.collect(
                options,
                progress,
                sink,
                keep_records=keep,
                work_dir=spool.folder,
                declared_regions=tuple(targets.regions.get(collector.cloud, ())),
            )
            clock.collected(collector.cloud, time.perf_counter() - began, got.result)
            if on_collected is not None:
                on_collected(got)
            results.append(got.result)
            accounts += got.accounts
            regions += got.regions
        if raw is not None:
            raw.extend(rec for r in results for rec in r.records)
        calls: Counter[str] = Counter()
        for r in results:
            calls.update(r.api_calls)
        with clock.phase("normalise"):
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


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    graph: BoundaryGraph
    verdicts: list[Verdict]
    rules: dict[str, Rule]
    pack: RulePack
    evaluated_on: dt.date

    @functools.cached_property
    def findings(self) -> list[Finding]:
        """The root-cause findings of the verdicts, most severe first, with the rules' fixes."""
        return findings_of(self.verdicts, {r.id: r.remediation for r in self.rules.values()})


def evaluate_inventory(
    inventory: Inventory,
    decl: Declaration,
    pack: RulePack,
    today: dt.date,
    clock: ScanClock | None = None,
) -> Evaluation:
    clock = clock or ScanClock()
    with clock.phase("build"):
        graph = build_graph(inventory, decl)
    with clock.phase("evaluate"):
        rules = all_rules()
        verdicts = evaluate(graph, pack, rules, today=today)
    return Evaluation(graph=graph, verdicts=verdicts, rules=rules, pack=pack, evaluated_on=today)


def bundle_files(
    *,
    decl: Declaration,
    decl_text: str,
    ev: Evaluation,
    started: str,
    finished: str,
    provenance: Mapping[str, Any] | None = None,
    raw: Mapping[str, bytes] | None = None,
    signed_by: str = "",
) -> dict[str, bytes]:
    """Every file of a bundle but SHA256SUMS, whole, in memory (see :func:`bundle_members`).

    For tests and tools that inspect the files; writing uses the members, which
    holds one file (or one chunk) at a time.
    """
    members = bundle_members(
        decl=decl,
        decl_text=decl_text,
        ev=ev,
        started=started,
        finished=finished,
        provenance=provenance,
        raw=raw,
        signed_by=signed_by,
    )
    return {name: member_bytes(m) for name, m in members.items()}


def bundle_members(
    *,
    decl: Declaration,
    decl_text: str,
    ev: Evaluation,
    started: str,
    finished: str,
    provenance: Mapping[str, Any] | None = None,
    raw: Mapping[str, bytes] | None = None,
    signed_by: str = "",
    formats: frozenset[str] | None = None,
    collection: Mapping[str, Any] | None = None,
) -> dict[str, Member]:
    """Every file of a bundle but SHA256SUMS, each made only when it is written.

    ``provenance`` notes a replay's source. ``raw`` holds the redacted raw API
    responses (``raw/...`` members, see :mod:`auditor.evidence.raw`); the manifest
    lists them. ``inventory.jsonl``, ``graph.json``, ``verdicts.json`` and the
    renderers that offer it come as chunks: a 1M-resource bundle is gigabytes.
    ``signed_by`` is the fingerprint of the key that will sign SHA256SUMS (the
    reports name it). ``collection`` records how a live scan collected (executor and
    workers per cloud, :func:`collection_settings`).
    """
    inv = ev.graph.inventory
    crossings = crossings_document(ev.graph)
    digests = EvidenceDigests(
        {
            "inventory.jsonl": functools.partial(inventory_jsonl_chunks, inv),
            "verdicts.json": functools.partial(verdicts_json_chunks, ev.verdicts),
        }
    )
    report = _report_data(decl, decl_text, ev, crossings, digests, signed_by)
    if provenance and provenance.get("not_judged"):
        report = replace(report, not_judged=dict(provenance["not_judged"]))
    manifest = manifest_document(
        decl=decl,
        decl_text=decl_text,
        inventory=inv,
        pack=ev.pack,
        rules=ev.rules,
        verdicts=ev.verdicts,
        findings=ev.findings,
        evaluated_on=ev.evaluated_on,
        crossings=len(crossings),
        started=started,
        finished=finished,
        tool={"name": "boundary-auditor", "version": tool_version()},
    )
    if provenance:
        manifest["provenance"] = dict(provenance)
    if collection:
        manifest["collection"] = {k: dict(v) for k, v in collection.items()}
    if raw is not None:
        manifest["raw"] = {"redacted": True, "files": sorted(raw)}
    files: dict[str, Member] = {
        "manifest.json": canonical_json(manifest),
        "declaration.yaml": decl_text.encode(),
        "inventory.jsonl": functools.partial(digests.member, "inventory.jsonl"),
        "graph.json": functools.partial(graph_json_chunks, ev.graph),
        "verdicts.json": functools.partial(digests.member, "verdicts.json"),
        **(raw or {}),
    }
    for name, render in renderers().items():
        if formats is None or name in formats:
            files[name] = functools.partial(render, report)
    return files


def _report_data(
    decl: Declaration,
    decl_text: str,
    ev: Evaluation,
    crossings: list[dict[str, Any]],
    digests: Mapping[str, str],
    signed_by: str = "",
) -> ReportData:
    """What the renderers show, built once per bundle.

    The reports carry the SHA-256 of ``inventory.jsonl`` and ``verdicts.json`` (the
    evidence they describe; the same digests SHA256SUMS lists): a file inside the
    bundle cannot hold the hash of the bundle itself.
    """
    inv = ev.graph.inventory
    return ReportData(
        declaration_name=decl.name,
        declaration_hash=declaration_hash(decl_text),
        declaration_lines=key_lines(decl_text),
        pattern=decl.pattern.value,
        inventory=inv,
        verdicts=ev.verdicts,
        findings=ev.findings,
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
        tool_uri=tool_uri(),
        evidence_sha256=digests,
        signed_by=signed_by,
        recovery=recovery_table(ev.graph, decl),
    )


def signer_fingerprint(signer: Callable[[bytes], bytes] | None) -> str:
    """The fingerprint of the key behind ``signer``; "" without one.

    A signature file names its key on its first line (:func:`auditor.evidence.signing.sign`),
    and Ed25519 signing is deterministic and side-effect free, so signing an empty
    message tells which key will sign SHA256SUMS before the reports are written.
    """
    if signer is None:
        return ""
    return signer(b"").split(b"\n", 1)[0].decode("utf-8", "replace").strip()


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
    output: OutputChoice | None = None,
    collection: Mapping[str, Any] | None = None,
    clock: ScanClock | None = None,
) -> Path:
    """Write the bundle; with ``clock`` (a live scan's) time it and add ``timings.json``."""
    with gc_paused():  # see auditor/gc_pause.py: members are made from the whole graph
        began = time.perf_counter()
        files = bundle_members(
            decl=decl,
            decl_text=decl_text,
            ev=ev,
            started=started.isoformat().replace("+00:00", "Z"),
            finished=finished.isoformat().replace("+00:00", "Z"),
            provenance=provenance,
            raw=raw,
            signed_by=signer_fingerprint(signer),
            formats=output.formats if output else None,
            collection=collection,
        )
        base = (
            output.name if output else None
        ) or f"{decl.name}-{started.strftime('%Y%m%dT%H%M%SZ')}"
        name, n = base, 1
        while (out_dir / name).exists():
            n += 1
            name = f"{base}-{n}"
        if clock is None:
            return write_bundle(out_dir, name, files, signer)
        clock.add("render", time.perf_counter() - began)  # the reports' shared data, made once
        last, timed = bundle_timing(clock, set(renderers()))
        return write_bundle(out_dir, name, files, signer, last=last, timed=timed)


@dataclass(frozen=True, kw_only=True)
class ScanResult:
    """A finished scan: its bundle, what it read, what it judged, what it could not read."""

    bundle: Path
    inventory: Inventory
    evaluation: Evaluation
    unread: tuple[Unread, ...]
    targeted: int
    """Accounts, subscriptions and projects the scan set out to read."""
    aws: CollectionResult | None
    """The AWS collection (discovered accounts, resumed units, its checkpoint)."""
    timings: Mapping[str, Any] = field(default_factory=dict)
    """The bundle's ``timings.json``: where the scan's time went (not deterministic)."""


def run_scan(
    request: ScanRequest,
    progress: Progress | None = None,
    on_result: Callable[[CollectionResult], None] | None = None,
    clock: ScanClock | None = None,
) -> ScanResult:
    """Collect, normalise, evaluate and write the bundle; raises :class:`ScanError`.

    ``on_result`` sees the AWS collection result before the merge (organisation
    discovery, resumed units). The checkpoint is dropped once the bundle holds it all.
    ``clock`` times it (the CLI's counts start-up); the bundle gets ``timings.json``.
    """
    from auditor.collect.executors import ExecutorError
    from auditor.evidence.raw import raw_files
    from auditor.normalize import NormalizationError
    from auditor.normalize.drills import with_drills
    from auditor.normalize.spool import SpoolError

    clock = clock or ScanClock()
    clock.scan_begins()
    started = now_utc()
    raw: list[RawRecord] | None = [] if request.keep_raw else None
    clouds: list[CloudCollection] = []

    def seen(got: CloudCollection) -> None:
        clouds.append(got)
        if got.cloud == "aws" and on_result is not None:
            on_result(got.result)

    try:
        inventory = collect_inventory(request.targets, progress, raw, seen, clock)
    except NormalizationError as exc:
        raise ScanError(f"unexpected API response: {exc}") from None
    except (SpoolError, ExecutorError) as exc:  # a full disk; an unreachable Dask scheduler
        raise ScanError(str(exc)) from None
    aws = next((c.result for c in clouds if c.cloud == "aws"), None)
    if aws is not None and aws.started is not None:
        started = min(started, aws.started)  # a resumed scan began earlier
    finished = now_utc()
    decl = request.declaration
    with clock.phase("normalise"):
        inventory = with_drills(inventory, decl, request.declaration_path, started.date())
    ev, bundle = judge_and_write(
        inventory,
        decl=decl,
        decl_text=request.declaration_text,
        pack=request.pack,
        out_dir=request.out_dir,
        started=started,
        finished=finished,
        signer=request.signer,
        raw=None if raw is None else raw_files(raw),
        output=request.output,
        collection=collection_settings(request.targets),
        clock=clock,
    )
    for got in clouds:  # the bundle holds it all now: drop the raw data
        if got.result.checkpoint is not None:
            got.result.checkpoint.remove()
    wanted = [(c.cloud, account) for c in clouds for account in c.accounts]
    return ScanResult(
        bundle=bundle,
        inventory=inventory,
        evaluation=ev,
        unread=tuple(unread_accounts(inventory, wanted)),
        targeted=len(set(wanted)),
        aws=aws,
        timings=clock.document,
    )


def judge_and_write(
    inventory: Inventory,
    *,
    decl: Declaration,
    decl_text: str,
    pack: RulePack,
    out_dir: Path,
    started: dt.datetime,
    finished: dt.datetime,
    evaluated_on: dt.date | None = None,
    signer: Callable[[bytes], bytes] | None = None,
    provenance: Mapping[str, Any] | None = None,
    raw: Mapping[str, bytes] | None = None,
    output: OutputChoice | None = None,
    collection: Mapping[str, Any] | None = None,
    clock: ScanClock | None = None,
) -> tuple[Evaluation, Path]:
    """Evaluate an inventory in hand and write its bundle; raises :class:`ScanError`.

    Every run ends here: a live scan, an import of exports, a replay of a bundle
    (``provenance`` names its source), the fault matrix. ``evaluated_on``
    defaults to the day the collection started. ``clock`` (a live scan's) adds
    ``timings.json``; replays and imports pass none: the same bytes every time.
    """
    from auditor.evidence.bundle import BundleError

    ev = evaluate_inventory(inventory, decl, pack, evaluated_on or started.date(), clock)
    try:
        bundle = write_scan_bundle(
            out_dir,
            decl=decl,
            decl_text=decl_text,
            ev=ev,
            started=started,
            finished=finished,
            signer=signer,
            provenance=provenance,
            raw=raw,
            output=output,
            collection=collection,
            clock=clock,
        )
    except (BundleError, OSError) as exc:
        raise ScanError(f"cannot write the evidence bundle: {exc}") from None
    return ev, bundle


def scan_exit_code(
    verdicts: list[Verdict],
    inventory: Inventory,
    *,
    fail_on: str,
    strict: bool,
    baseline: list[Verdict] | None = None,
    unread: tuple[Unread, ...] = (),
) -> tuple[ExitCode, list[str]]:
    """The exit code of a scan, and the lines that explain a baseline comparison.

    With ``baseline`` (earlier verdicts) only failures it lacked, or expired
    waivers, count. An unread account outranks a FAIL: the verdicts of a scan
    that missed an account are not a clean result either way.
    """
    threshold = Severity(fail_on).rank
    lines: list[str] = []
    failed = False
    if baseline is not None:
        from auditor.evidence.diff import baseline_failures

        counted = baseline_failures(verdicts, baseline, fail_on=fail_on)
        lines.append(f"versus baseline: {len(counted)} new failure(s) at {fail_on}+")
        for f in counted:
            v = f.verdict
            lines.append(f"  {f.reason}: {v.severity.value} {v.rule} {v.resource}")
        failed = bool(counted)
    else:
        failed = any(v.status is Status.FAIL and v.severity.rank >= threshold for v in verdicts)
    if unread:
        return ExitCode.UNREAD, lines
    if failed:
        return ExitCode.FAIL, lines
    if strict and (inventory.gaps or any(v.status is Status.INCONCLUSIVE for v in verdicts)):
        return ExitCode.INCOMPLETE, lines
    return ExitCode.OK, lines
