"""Azure collection: Resource Manager and Resource Graph through the real Azure SDKs.

Every module here defines ``COLLECTOR`` (an
:class:`~auditor.collect.azure._context.AzureCollector`); discovery finds
them. :func:`collect_azure` enters the declared subscriptions
(``containers``), then runs each Resource Graph collector over all entered
subscriptions at once, paging with the skip token. Every failure is a
:class:`~auditor.model.Gap` (cloud ``azure``), never a crash, never a PASS.
Azure SDKs are imported lazily: importing this package loads none of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable
from typing import Any

from auditor.base.redact import redact_text
from auditor.collect.azure._context import AzureCollector, AzureContext, error_code, row_record
from auditor.collect.azure._options import AzureScanOptions
from auditor.collect.progress import Progress, ProgressUpdate
from auditor.collect.runner import CollectionResult
from auditor.collect.threads import thread_pool
from auditor.extras import import_extra
from auditor.model import RawRecord

SDK_MODULES = ("azure.core", "azure.identity", "azure.mgmt.resource", "azure.mgmt.resourcegraph")
"""The Azure SDK packages a scan uses (the ``azure`` extra)."""


def require_sdk() -> None:
    """Raise :class:`~auditor.extras.MissingExtra` unless every Azure SDK a scan uses imports."""
    for module in SDK_MODULES:
        import_extra(module, "azure")


def _tick(
    progress: Progress | None, label: str, account: str, done: int, total: int, started: float
) -> None:
    """Report one finished unit in the scheduler's progress shape."""
    if progress is not None:
        progress(
            ProgressUpdate(
                label=label,
                account=account,
                account_done=done,
                account_total=total,
                done=done,
                total=total,
                resumed=0,
                elapsed=time.monotonic() - started,
            )
        )


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


def _enter(ctx: AzureContext, progress: Progress | None, total: int, started: float) -> int:
    """Read subscriptions and resource groups; set ``ctx.entered``. Returns units done."""
    from auditor.collect.azure import containers

    c = containers.COLLECTOR
    declared = list(dict.fromkeys(ctx.opts.subscriptions))
    operation = f"resourcegraph:{c.table}"
    failed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in ctx.query_rows(
        c.query(), declared, operation, lambda code, msg: failed.append((code, msg))
    ):
        sub = str(row.get("subscriptionId") or "")
        if sub in declared:
            seen.add(sub)
            ctx.emit(row_record(row, c.name, operation))
    for code, msg in failed:
        for sub in declared:
            ctx.gap(sub, "*", operation, code, f"subscriptions could not be listed: {msg}")

    def list_groups(sub: str) -> tuple[str, list[dict[str, Any]] | None]:
        from azure.core.exceptions import AzureError

        ctx.sink.count("resources:ResourceGroups.List")
        try:
            client = ctx.resource_client(sub)
            groups = _all_pages(client.resource_groups.list())
        except (AzureError, _EndlessPages) as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            ctx.gap(
                sub,
                "*",
                "ResourceGroups.List",
                "RepeatedPageToken" if isinstance(exc, _EndlessPages) else error_code(exc),
                f"subscription {sub} cannot be entered: {first}",
            )
            return sub, None
        return sub, [g for g in groups if isinstance(g, dict)]

    done = 0
    with thread_pool(ctx.opts.max_workers) as pool:
        for sub, groups in pool.map(list_groups, declared):
            done += 1
            _tick(progress, f"azure/{sub}/resource-groups", sub, done, total, started)
            if groups is None:
                continue
            if not failed and sub not in seen:
                ctx.gap(
                    sub,
                    "*",
                    operation,
                    "SubscriptionNotVisible",
                    f"Resource Graph does not show subscription {sub} to these credentials",
                )
                continue
            ctx.entered.append(sub)
            for g in groups:
                ctx.emit(
                    row_record(containers.resource_group_row(g, sub), c.name, "ResourceGroups.List")
                )
            ctx.ran(sub, c.name)
    return done


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

    With ``on_records`` the raw records are handed over in batches of about
    ``batch`` as rows arrive (the scan normalises them into its spool) and the
    result carries none; without it, the result carries them all. Raises
    :class:`~auditor.extras.MissingExtra` when the ``azure`` extra is not installed.
    """
    require_sdk()
    from azure.core.exceptions import ClientAuthenticationError

    from auditor.collect.azure import diagnostics, eventhub_dr

    graph_collectors = [
        c for c in collectors() if c.table != "resourcecontainers" and not diagnostics.is_arm(c)
    ]
    total = len(opts.subscriptions) + len(graph_collectors) + 2
    try:
        credential = _credential(opts)
    except (ClientAuthenticationError, ValueError) as exc:
        result = CollectionResult()
        for sub in opts.subscriptions:
            result.gaps.append(
                _credential_gap(sub, error_code(exc), f"no usable Azure credentials: {exc}")
            )
        return result
    ctx = AzureContext(opts=opts, credential=credential)
    started = time.monotonic()
    done = _enter(ctx, progress, total, started)
    entered = sorted(ctx.entered)
    targets: list[str] = []
    namespaces: list[tuple[str, str]] = []
    for c in graph_collectors:
        operation = f"resourcegraph:{c.table}"
        failed: list[tuple[str, str]] = []
        if entered:
            for row in ctx.query_rows(c.query(), entered, operation, _appender(failed)):
                ctx.emit(row_record(row, c.name, operation))
                if (target := diagnostics.target_of(row)) is not None:
                    targets.append(target)
                if (namespace := eventhub_dr.target_of(row)) is not None:
                    namespaces.append(namespace)
                if on_records is not None and len(ctx.sink.records) >= batch:
                    on_records(ctx.sink.drain())
        for sub in entered:
            if failed:
                code, msg = failed[0]
                ctx.gap(sub, c.gap_service, operation, code, msg)
            else:
                ctx.ran(sub, c.name)
        done += 1
        _tick(progress, f"azure/{c.name}", "azure", done, total, started)
    if entered:
        diagnostics.collect(ctx, entered, targets)
    _tick(progress, f"azure/{diagnostics.COLLECTOR.name}", "azure", done + 1, total, started)
    if entered:
        eventhub_dr.collect(ctx, entered, namespaces)
    _tick(progress, f"azure/{eventhub_dr.COLLECTOR.name}", "azure", done + 2, total, started)
    if on_records is not None:
        rest = ctx.sink.drain()
        for start in range(0, len(rest), max(1, batch)):
            on_records(rest[start : start + max(1, batch)])
        if not rest:
            on_records([])
    return CollectionResult(
        records=ctx.sink.records,
        gaps=ctx.sink.gaps,
        api_calls=dict(ctx.sink.calls),
        units=ctx.sink.units,
        accounts_entered=entered,
        caller_account=None,
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
