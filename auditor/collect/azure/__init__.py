"""Azure collection: Resource Manager and Resource Graph through the real Azure SDKs.

Every module here defines ``COLLECTOR`` (an
:class:`~auditor.collect.azure._context.AzureCollector`); discovery finds
them. :func:`collect_azure` plans them as units of the one collection runner
(:mod:`auditor.collect.units`: checkpoint and resume, scheduler, threads, quota
pacing): it enters the declared subscriptions (``containers``), then runs each
Resource Graph collector over all entered subscriptions at once, paging with
the skip token, then each subscription's ARM reads. Every failure is a
:class:`~auditor.model.Gap` (cloud ``azure``), never a crash, never a PASS.
Azure SDKs are imported lazily: importing this package loads none of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib
import json
import pkgutil
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from auditor.base.redact import redact_text
from auditor.collect.azure._context import (
    GLOBAL,
    AzureCollector,
    AzureContext,
    error_code,
    row_record,
)
from auditor.collect.azure._options import AzureScanOptions
from auditor.collect.progress import Progress
from auditor.collect.runner import CollectionResult
from auditor.collect.worker import ClientSettings, UnitResult, WorkUnit
from auditor.extras import import_extra
from auditor.model import RawRecord

SDK_MODULES = (
    "azure.core",
    "azure.identity",
    "azure.mgmt.resource",
    "azure.mgmt.resourcegraph",
    "azure.storage.blob",  # flow log blobs (--flows-since)
)
"""The Azure SDK packages a scan uses (the ``azure`` extra)."""


def require_sdk() -> None:
    """Raise :class:`~auditor.extras.MissingExtra` unless every Azure SDK a scan uses imports."""
    for module in SDK_MODULES:
        import_extra(module, "azure")


def collectors() -> list[AzureCollector]:
    """Every Azure collector in this package, sorted by name."""
    found: list[AzureCollector] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        c = getattr(module, "COLLECTOR", None)
        if isinstance(c, AzureCollector):
            found.append(c)
    return sorted(found, key=lambda c: c.name)


def _credential(opts: AzureScanOptions) -> Any:
    if opts.credential is not None:
        return opts.credential
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


class _EndlessPages(Exception):
    """An ARM listing whose ``nextLink`` came back: it would page forever."""


def _all_pages(pager: Any) -> list[Any]:
    """Every item of an azure-core ``ItemPaged``; a repeated ``nextLink`` raises _EndlessPages.

    azure-core follows ``nextLink`` for as long as there is one, even the same one.
    """
    from auditor.collect.azure._context import MAX_PAGES, jsonable

    pages = pager.by_page()
    items: list[Any] = []
    seen: set[str] = set()
    for n, page in enumerate(pages):
        items.extend(jsonable(item) for item in page)
        link = pages.continuation_token
        if not link:
            break
        if link in seen or n >= MAX_PAGES:
            raise _EndlessPages(f"the page link {str(link)[:120]} came back")
        seen.add(link)
    return items


def _subscriptions(ctx: AzureContext, declared: list[str]) -> dict[str, tuple[str, ...]]:
    """Which declared subscriptions Resource Graph shows: the containers units' inputs.

    Each subscription's inputs are ``visible``, ``hidden`` or ``unknown`` (the query
    failed: a gap for every subscription), then its ``resourcecontainers`` rows (JSON).
    """
    from auditor.collect.azure import containers

    c = containers.COLLECTOR
    operation = f"resourcegraph:{c.table}"
    failed: list[tuple[str, str]] = []
    rows: dict[str, list[str]] = {sub: [] for sub in declared}
    for row in ctx.query_rows(c.query(), declared, operation, _appender(failed)):
        sub = str(row.get("subscriptionId") or "")
        if sub in rows:
            rows[sub].append(json.dumps(row, sort_keys=True, default=str))
    for code, msg in failed:
        for sub in declared:
            ctx.gap(sub, "*", operation, code, f"subscriptions could not be listed: {msg}")
    out: dict[str, tuple[str, ...]] = {}
    for sub in declared:
        state = "unknown" if failed else ("visible" if rows[sub] else "hidden")
        out[sub] = (state, *rows[sub])
    return out


def _run_containers(ctx: AzureContext, unit: WorkUnit) -> None:
    """Enter one subscription: its rows, its resource groups; covered when entered."""
    from azure.core.exceptions import AzureError

    from auditor.collect.azure import containers

    c = containers.COLLECTOR
    sub = unit.account
    operation = f"resourcegraph:{c.table}"
    state, *rows = unit.inputs
    for row in rows:
        ctx.emit(row_record(json.loads(row), c.name, operation))
    ctx.sink.count("resources:ResourceGroups.List")
    try:
        groups = _all_pages(ctx.resource_client(sub).resource_groups.list())
    except (AzureError, _EndlessPages) as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        ctx.gap(
            sub,
            "*",
            "ResourceGroups.List",
            "RepeatedPageToken" if isinstance(exc, _EndlessPages) else error_code(exc),
            f"subscription {sub} cannot be entered: {first}",
        )
        return
    if state == "hidden":
        ctx.gap(
            sub,
            "*",
            operation,
            "SubscriptionNotVisible",
            f"Resource Graph does not show subscription {sub} to these credentials",
        )
        return
    for g in groups:
        if isinstance(g, dict):
            ctx.emit(
                row_record(containers.resource_group_row(g, sub), c.name, "ResourceGroups.List")
            )
    ctx.ran(sub, c.name)


def _run_graph(ctx: AzureContext, unit: WorkUnit, c: AzureCollector) -> None:
    """One Resource Graph table over every entered subscription (``unit.inputs``)."""
    entered = list(unit.inputs)
    operation = f"resourcegraph:{c.table}"
    failed: list[tuple[str, str]] = []
    for row in ctx.query_rows(c.query(), entered, operation, _appender(failed)):
        ctx.emit(row_record(row, c.name, operation))
    for sub in entered:
        if failed:
            code, msg = failed[0]
            ctx.gap(sub, c.gap_service, operation, code, msg)
        else:
            ctx.ran(sub, c.name)


def _run_unit(scan: AzureContext, unit: WorkUnit, settings: ClientSettings) -> UnitResult:
    """Collect one Azure unit on the scan's credential and pacer; errors become gaps."""
    from auditor.collect.azure import containers, diagnostics, eventhub_dr, flow_records

    started = time.monotonic()
    ctx = scan.for_unit()
    if unit.service == containers.COLLECTOR.name:
        _run_containers(ctx, unit)
    elif unit.service == flow_records.COLLECTOR.name:
        flow_records.collect(ctx, unit.account, unit.inputs)
    elif unit.service == diagnostics.COLLECTOR.name:
        diagnostics.collect(ctx, [unit.account], unit.inputs)
    elif unit.service == eventhub_dr.COLLECTOR.name:
        targets = [tuple(t.split("\t", 1)) for t in unit.inputs]
        eventhub_dr.collect(ctx, [unit.account], [(t[0], t[-1]) for t in targets])
    else:
        _run_graph(ctx, unit, next(c for c in collectors() if c.name == unit.service))
    return UnitResult(
        unit=unit,
        records=tuple(ctx.sink.records),
        gaps=tuple(ctx.sink.gaps),
        calls=dict(ctx.sink.calls),
        seconds=time.monotonic() - started,
        covered=tuple(ctx.sink.units),
    )


class _Take:
    """Finished units' records: handed to ``on_records`` in batches (or kept), and the
    scopes the later wave reads (diagnostic settings, geo-DR aliases) noted."""

    def __init__(self, on_records: Callable[[list[RawRecord]], None] | None, batch: int) -> None:
        self.on_records = on_records
        self.batch = max(1, batch)
        self.handed = 0
        self.targets: list[str] = []
        self.namespaces: list[tuple[str, str]] = []
        self.flow_inputs: list[tuple[str, str]] = []
        """(subscription, line) the flow records unit reads (flow logs, storage, NICs)."""

    def __call__(self, result: UnitResult) -> UnitResult:
        from auditor.collect.azure import diagnostics, eventhub_dr, flow_records

        for rec in result.records:
            if rec.operation.startswith("resourcegraph:") and isinstance(rec.data, dict):
                if (target := diagnostics.target_of(rec.data)) is not None:
                    self.targets.append(target)
                if (line := flow_records.target_of(rec.data)) is not None:
                    self.flow_inputs.append((rec.account.lower(), line))
                if (namespace := eventhub_dr.target_of(rec.data)) is not None:
                    self.namespaces.append(namespace)
        if self.on_records is None:
            return result
        records = list(result.records)
        for start in range(0, len(records), self.batch):
            self.on_records(records[start : start + self.batch])
            self.handed += 1
        return dataclasses.replace(result, records=())


def _label(entered: list[str]) -> str:
    """The account of a unit over several subscriptions: their count and a digest."""
    digest = hashlib.sha256(",".join(entered).encode()).hexdigest()[:12]
    return f"{len(entered)}-subscriptions-{digest}"


def _unit(account: str, service: str, inputs: tuple[str, ...] = ()) -> WorkUnit:
    return WorkUnit(cloud="azure", account=account, region=GLOBAL, service=service, inputs=inputs)


def _waves(ctx: AzureContext, run: Any, take: _Take) -> list[str]:
    """Enter the subscriptions, query every table, then read ARM; the entered subscriptions."""
    from auditor.collect.azure import containers, diagnostics, eventhub_dr, flow_records
    from auditor.collect.units import run_wave

    declared = list(dict.fromkeys(ctx.opts.subscriptions))
    inputs = _subscriptions(ctx, declared)
    entering = run_wave(run, [_unit(s, containers.COLLECTOR.name, inputs[s]) for s in declared])
    entered = sorted(r.unit.account for r in entering if r.coverage())
    if not entered:
        return entered
    tables = [
        c
        for c in collectors()
        if c.table != "resourcecontainers" and not c.table.startswith("arm:")
        if not c.opt_in or ctx.opts.flows_since is not None
    ]
    run_wave(run, [_unit(_label(entered), c.name, tuple(entered)) for c in tables])
    arm: list[WorkUnit] = []
    for sub in entered:
        low = sub.lower()
        mine = sorted({t for t in take.targets if t.split("/")[2].lower() == low})
        arm.append(_unit(sub, diagnostics.COLLECTOR.name, tuple(mine)))
        spaces = sorted({n for n in take.namespaces if n[0].split("/")[2].lower() == low})
        dr = tuple(f"{n}\t{loc}" for n, loc in spaces)
        arm.append(_unit(sub, eventhub_dr.COLLECTOR.name, dr))
        if ctx.opts.flows_since is not None:  # --flows-since: the flow log blobs
            arm.append(
                _unit(
                    sub,
                    flow_records.COLLECTOR.name,
                    flow_records.unit_inputs(take.flow_inputs, low),
                )
            )
    run_wave(run, arm)
    return entered


STREAM_BATCH = 1000
"""Records handed to ``on_records`` at a time (about one Resource Graph page)."""


def collect_azure(
    opts: AzureScanOptions,
    progress: Progress | None = None,
    *,
    on_records: Callable[[list[RawRecord]], None] | None = None,
    batch: int = STREAM_BATCH,
) -> CollectionResult:
    """Collect every declared subscription; never raises for cloud errors.

    Three waves of units through :func:`~auditor.collect.units.run_wave`: each
    subscription entered (``azure-containers``), each Resource Graph table over
    every entered subscription, then each subscription's ARM reads (diagnostic
    settings, geo-DR aliases) of what the tables listed. With ``on_records`` each
    finished unit's records are handed over in batches of about ``batch`` (the
    scan normalises them into its spool) and the result carries none; without
    it, the result carries them all. Raises :class:`~auditor.extras.MissingExtra`
    when the ``azure`` extra is not installed.
    """
    require_sdk()
    from azure.core.exceptions import ClientAuthenticationError

    from auditor.collect.pacing import QuotaPacer
    from auditor.collect.units import Limits, UnitRun, open_checkpoint

    try:
        credential = _credential(opts)
    except (ClientAuthenticationError, ValueError) as exc:
        result = CollectionResult()
        for sub in opts.subscriptions:
            result.gaps.append(
                _credential_gap(sub, error_code(exc), f"no usable Azure credentials: {exc}")
            )
        return result
    ctx = AzureContext(opts=opts, credential=credential, pacer=QuotaPacer(enabled=opts.pacing))
    notes: list[str] = []
    checkpoint, started = open_checkpoint(
        opts.checkpoint,
        resume=opts.resume,
        scope=opts.scope_key(),
        started=dt.datetime.now(dt.UTC).replace(microsecond=0),
        notes=notes,
    )
    if opts.flows_since is not None and opts.flows_until is None:
        # the flow window ends at the scan's start (kept by a checkpoint across a resume)
        ctx.opts = dataclasses.replace(opts, flows_until=int(started.timestamp()))
    take = _Take(on_records, batch)
    run = UnitRun(
        limits=Limits(max_workers=opts.max_workers, per_key=opts.max_workers),
        take=take,
        run=functools.partial(_run_unit, ctx),
        checkpoint=checkpoint,
        resume=opts.resume,
        progress=progress,
        notes=notes,
    )

    entered = _waves(ctx, run, take)  # an interrupted wave releases the checkpoint
    if on_records is not None and not take.handed:
        on_records([])
    return _merged(ctx, run, entered, started, checkpoint)


def _merged(
    ctx: AzureContext, run: Any, entered: list[str], started: dt.datetime, checkpoint: Any
) -> CollectionResult:
    """One result from the scan's own calls and every unit's, in unit order."""
    calls: Counter[str] = Counter(ctx.sink.calls)
    records: list[RawRecord] = list(ctx.sink.records)
    gaps = list(ctx.sink.gaps)
    units = []
    for r in sorted(run.results, key=lambda r: r.unit):
        records.extend(r.records)
        gaps.extend(r.gaps)
        calls.update(r.calls)
        units.extend(r.coverage())
    return CollectionResult(
        records=records,
        gaps=gaps,
        api_calls=dict(calls),
        units=units,
        accounts_entered=entered,
        caller_account=None,
        accounts=list(dict.fromkeys(ctx.opts.subscriptions)),
        resumed_units=run.resumed,
        started=started,
        checkpoint=run.checkpoint if run.checkpoint is not None else checkpoint,
        notes=run.notes,
        unit_seconds={r.unit.label: r.seconds for r in run.results if r.ran and not r.resumed},
        pacer=ctx.pacer,
    )


def _appender(into: list[tuple[str, str]]) -> Callable[[str, str], None]:
    def add(code: str, message: str) -> None:
        into.append((code, message))

    return add


def _credential_gap(sub: str, code: str, message: str) -> Any:
    from auditor.model import Gap

    return Gap(
        cloud="azure",
        account=sub,
        region="*",
        service="*",
        operation="GetToken",
        error_code=code,
        message=redact_text(message)[:300],
    )


__all__ = ["AzureCollector", "AzureScanOptions", "collect_azure", "collectors"]
