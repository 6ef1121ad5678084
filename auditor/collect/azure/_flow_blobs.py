"""One storage account's flow log blobs read over a window (``azure-storage-blob``).

The blob half of :mod:`auditor.collect.azure.flow_records`: list each container's
flow log folders (delimiter ``/y=``), then the days of the window under each, fetch
the blobs whose hour overlaps it (never one over the byte cap), parse and aggregate.
Every failed call is a gap naming the container or blob; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from auditor.base.flowrecords import FlowTally
from auditor.collect.azure._context import AzureContext, error_code
from auditor.collect.azure._flow_json import (
    NSG_CONTAINER,
    VNET_CONTAINER,
    day_prefixes,
    hours,
    is_nsg,
    take,
)

SERVICE = "azure-flow-records"
OPERATION = "Blob.Get"
CAP = 10_000
"""Records (tuples) taken per interface per window."""
BLOB_CAP = 64 * 1024 * 1024
"""Bytes read per blob at most (one interface's hour); a larger blob is cut, not read."""
PAGE = 5000
"""Blobs per listing page (the service's largest)."""


def gap_code(exc: BaseException) -> str:
    """The storage error code of a failed blob call (``ContainerNotFound``...), else the class."""
    code = getattr(exc, "error_code", None)
    return str(code) if code else error_code(exc)


def _client(ctx: AzureContext, endpoint: str) -> Any:
    from azure.storage.blob import BlobServiceClient

    from auditor.collect.azure._guard import ReadOnlyPolicy

    kw: dict[str, Any] = {
        "retry_total": ctx.opts.retry_total,
        "user_agent": "boundary-auditor",
        # the storage pipeline has no per-call slot: the guard runs last, before sending
        "_additional_pipeline_policies": [ReadOnlyPolicy()],
    }
    if ctx.opts.connection_verify is not None:
        kw["connection_verify"] = ctx.opts.connection_verify
    return BlobServiceClient(endpoint, credential=ctx.credential, **kw)


def _errors() -> tuple[type[BaseException], ...]:
    from azure.core.exceptions import AzureError

    return (AzureError, OSError, ValueError)


def _names(ctx: AzureContext, container: Any, prefix: str, *, folders: bool) -> list[Any]:
    """Folder prefixes (delimiter ``/y=``) or blobs under ``prefix``; raises on failure."""
    ctx.sink.count("Blob.List")
    if folders:
        return [b.name for b in container.walk_blobs(name_starts_with=prefix, delimiter="/y=")]
    return list(container.list_blobs(name_starts_with=prefix, results_per_page=PAGE))


def _listed(
    ctx: AzureContext, container: Any, url: str, window: tuple[int, int], sub: str
) -> list[Any] | None:
    """The blobs of the container whose hour overlaps the window (None: a gap recorded)."""
    try:
        folders = [f for f in _names(ctx, container, "", folders=True) if str(f).endswith("/y=")]
        blobs: list[Any] = []
        for folder in sorted(folders):
            for day in day_prefixes(window[0], window[1]):
                blobs += _names(ctx, container, f"{folder}{day}", folders=False)
    except _errors() as exc:
        ctx.gap(sub, SERVICE, "Blob.List", gap_code(exc), _first(exc), url)
        return None
    out = []
    for b in blobs:
        hour = hours(str(b.name))
        if hour is not None and hour[0] + 3600 > window[0] and hour[0] <= window[1]:
            out.append(b)
    return sorted(out, key=lambda b: str(b.name))


def _first(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _fetch(ctx: AzureContext, container: Any, blob: Any, url: str, sub: str) -> bytes | str:
    """The blob's bytes, or ``failed`` (a gap) or ``cut`` (over :data:`BLOB_CAP`)."""
    if int(getattr(blob, "size", 0) or 0) > BLOB_CAP:
        return "cut"
    ctx.sink.count(OPERATION)
    try:
        # at most one byte past the cap: a blob appended to since it was listed stays bounded
        data: bytes = container.download_blob(blob.name, offset=0, length=BLOB_CAP + 1).readall()
    except _errors() as exc:
        ctx.gap(sub, SERVICE, OPERATION, gap_code(exc), _first(exc), url)
        return "failed"
    return "cut" if len(data) > BLOB_CAP else data


def read_account(
    ctx: AzureContext,
    storage: Mapping[str, str],
    flow_logs: list[dict[str, Any]],
    window: tuple[int, int],
    nics: Mapping[str, str],
) -> dict[str, Any]:
    """One raw record: the flow logs' blobs in ``storage`` read over ``window`` (seconds)."""
    sub = str(storage["storage"]).split("/")[2]
    endpoint = str(storage["blob"]).rstrip("/")
    try:
        service, bad = _client(ctx, endpoint), ""
    except ValueError as exc:  # an endpoint the SDK cannot address: each container a gap
        service, bad = None, _first(exc)
    tally = FlowTally(window=window, cap=CAP)
    wanted = {
        VNET_CONTAINER: {str(f["flow_log"]).lower() for f in flow_logs if not is_nsg(f["target"])},
        NSG_CONTAINER: {str(f["target"]).lower() for f in flow_logs if is_nsg(f["target"])},
    }
    outcome: dict[str, list[str]] = {"read": [], "failed": [], "malformed": [], "cut": []}
    listed, other, failed_lists = 0, 0, []
    for name, owners in wanted.items():
        if not owners:
            continue
        url = f"{endpoint}/{name}"
        if service is None:
            ctx.gap(sub, SERVICE, "Blob.List", "InvalidEndpoint", bad, url)
            failed_lists.append(url)
            continue
        container = service.get_container_client(name)
        blobs = _listed(ctx, container, url, window, sub)
        if blobs is None:
            failed_lists.append(url)
            continue
        listed += len(blobs)
        for blob in blobs:
            blob_url = f"{url}/{blob.name}"
            got = _fetch(ctx, container, blob, blob_url, sub)
            if isinstance(got, str):
                outcome[got].append(blob_url)
                continue
            try:
                other += take(tally, json.loads(got), name, owners, nics)
            except ValueError as exc:  # not JSON (JSONDecodeError is one), or not the shape
                tally.bad(f"{blob_url}: {exc}")
                outcome["malformed"].append(blob_url)
                continue
            outcome["read"].append(blob_url)
    return {
        "id": f"{storage['storage']}#flows",
        "StorageAccount": storage["storage"],
        "BlobEndpoint": endpoint,
        "Status": "failed" if outcome["failed"] or failed_lists else "read",
        "FailedContainers": failed_lists,
        "BlobsListed": listed,
        "Blobs": len(outcome["read"]),
        "FailedBlobs": outcome["failed"],
        "MalformedBlobs": outcome["malformed"],
        "CutBlobs": outcome["cut"],
        "CappedInterfaces": sorted(tally.capped),
        "Records": tally.records,
        "OtherRecords": other,
        "OutsideWindow": tally.outside,
        "Malformed": tally.malformed,
        "MalformedExamples": tally.examples,
        "Flows": tally.flows(),
    }
