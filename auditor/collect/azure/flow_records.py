"""Azure VNet and NSG flow log records read from their storage accounts, bounded by a window.

Only with ``--flows-since`` (:attr:`AzureScanOptions.flows_since`). The flow logs
(``Microsoft.Network/networkWatchers/flowLogs``, from the Resource Graph
``resources`` table) name the storage account they deliver to; its blob endpoint
is the account row's ``primaryEndpoints.blob``. Reads use the scan's credential
(a data-plane bearer token, the data action
``Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read``), never
the account keys, through ``azure-storage-blob`` with the read-only guard.

Documented layout (https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview,
https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview): VNet flow logs
write container ``insights-logs-flowlogflowevent``, NSG flow logs
``insights-logs-networksecuritygroupflowevent``; one block blob per interface and hour,
``<flow log folder>/y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=<MAC>/PT1H.json``. The folder
before ``/y=`` is written differently across Microsoft's own pages, so it is found by
listing with the delimiter ``/y=``, never rebuilt; then only the UTC days the window
touches are listed under each folder, and only blobs whose hour overlaps the window
are fetched (at most :data:`BLOB_CAP` bytes each). Each blob is JSON
``{"records": [...]}``: VNet records carry ``macAddress`` and
``flowRecords.flows[].flowGroups[].flowTuples``; NSG records carry
``properties.Version`` (2 is read) and ``properties.flows[].flows[]`` with ``mac`` and
``flowTuples``. Tuples are parsed strictly (:mod:`auditor.base.flowtuples`) and
aggregated here (:class:`~auditor.base.flowrecords.FlowTally`), at most :data:`CAP`
per interface; a record of a flow log (or NSG) not delivering here is counted, not
taken. Every failure (auth, missing container, a broken read) is a gap naming the
container or blob; a blob that is not the documented JSON is malformed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.collect.azure._context import AzureCollector, AzureContext, row_record
from auditor.collect.azure._flow_blobs import CAP, OPERATION, SERVICE, read_account
from auditor.collect.azure._flow_json import is_nsg, mac_key

RECORD_TYPE = "microsoft.network/flowrecords"
NIC_TYPES = (
    "microsoft.network/networkinterfaces",
    "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces",
)
"""NICs a MAC is matched to: VMs' and scale set instances' (``computeresources``)."""
FLOW_LOG_TYPE = "microsoft.network/networkwatchers/flowlogs"

COLLECTOR = AzureCollector(
    name=SERVICE,
    table="arm:flowrecords",
    types=(),
    actions=(),
    data_actions=("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",),
    gap_service=SERVICE,
    opt_in=True,
)
"""Not a Resource Graph table: ``collect_azure`` runs it after the graph queries, with
``--flows-since`` only."""


def target_of(row: Mapping[str, Any]) -> str | None:
    """What this unit needs from a Resource Graph row (a flow log, a storage account's
    blob endpoint, a NIC's MAC address), as one JSON line, or None."""
    kind = str(row.get("type") or "").lower()
    p = _obj(row.get("properties"))
    if kind == FLOW_LOG_TYPE:
        fmt = _obj(p.get("format"))
        keep = {
            "enabled": p.get("enabled"),
            "target": str(p.get("targetResourceId") or ""),
            "storage": str(p.get("storageId") or ""),
            "version": fmt.get("version"),
        }
        return json.dumps({"flow_log": str(row["id"]), **keep}, sort_keys=True)
    if kind == "microsoft.storage/storageaccounts":
        blob = str(_obj(p.get("primaryEndpoints")).get("blob") or "")
        where = str(row.get("location") or "").lower()
        return json.dumps({"storage": str(row["id"]), "blob": blob, "location": where})
    if kind in NIC_TYPES and p.get("macAddress"):
        return json.dumps({"nic": str(row["id"]), "mac": mac_key(str(p["macAddress"]))})
    return None


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def unit_inputs(lines: Iterable[tuple[str, str]], subscription: str) -> tuple[str, ...]:
    """One subscription's unit inputs: its flow logs, and every storage account and NIC
    seen (a flow log may deliver to an account of another subscription of the tenant)."""
    keep = {
        line
        for sub, line in lines
        if sub == subscription.lower() or "flow_log" not in json.loads(line)
    }
    return tuple(sorted(keep))


@dataclass
class _Inputs:
    flow_logs: list[dict[str, Any]] = field(default_factory=list)
    storage: dict[str, dict[str, str]] = field(default_factory=dict)
    """Storage account id (lower case) -> its row's blob endpoint and location."""
    nics: dict[str, str] = field(default_factory=dict)
    """MAC (:func:`mac_key`) -> NIC id."""


def _inputs(lines: Iterable[str]) -> _Inputs:
    out = _Inputs()
    for line in lines:
        item = json.loads(line)
        if "flow_log" in item:
            out.flow_logs.append(item)
        elif "storage" in item:
            out.storage[str(item["storage"]).lower()] = item
        elif "nic" in item:
            out.nics[str(item["mac"])] = str(item["nic"]).lower()  # the canonical id
    return out


def _not_read(fl: Mapping[str, Any], storage: Mapping[str, str] | None) -> str:
    """Why a flow log is not read ("" when it is)."""
    if fl.get("enabled") is not True:
        return "the flow log is not enabled"
    if is_nsg(str(fl["target"])) and fl.get("version") != 2:
        return f"NSG flow log format version {fl.get('version')!r}: only version 2 is parsed"
    if not fl.get("storage"):
        return "no storage account named"
    if storage is None:
        return "its storage account was not collected (another subscription or tenant)"
    if not storage.get("blob"):
        return "its storage account row names no blob endpoint"
    return ""


def _record(sub: str, location: str, data: dict[str, Any]) -> Any:
    row = {**data, "type": RECORD_TYPE, "subscriptionId": sub, "location": location}
    return row_record(row, COLLECTOR.name, OPERATION)


def collect(ctx: AzureContext, subscription: str, lines: Iterable[str]) -> None:
    """Read the blobs of every flow log of ``subscription`` (``lines``: :func:`target_of`)."""
    if ctx.opts.flows_since is None:
        return
    until = ctx.opts.flows_until or int(dt.datetime.now(dt.UTC).timestamp())
    window = (until - ctx.opts.flows_since, until)
    got = _inputs(lines)
    by_account: dict[str, list[dict[str, Any]]] = {}
    for fl in sorted(got.flow_logs, key=lambda f: str(f["flow_log"]).lower()):
        storage = got.storage.get(str(fl["storage"]).lower())
        why = _not_read(fl, storage)
        if why:
            where = storage["location"] if storage else "global"
            data = {"id": f"{fl['flow_log']}#flows", "Status": "not-read", "Reason": why}
            data.update(_base(window, [fl]))
            ctx.emit(_record(subscription, where, data))
            continue
        by_account.setdefault(str(fl["storage"]).lower(), []).append(fl)
    for account in sorted(by_account):
        storage = got.storage[account]
        data = read_account(ctx, storage, by_account[account], window, got.nics)
        if account.split("/")[2] != subscription.lower():  # another subscription's account
            data["id"] = f"{data['id']}/{subscription.lower()}"  # its own read of it
        data.update(_base(window, by_account[account]))
        ctx.emit(_record(subscription, storage["location"], data))
    ctx.ran(subscription, COLLECTOR.name)


def _base(window: tuple[int, int], flow_logs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "FlowLogIds": sorted(str(f["flow_log"]) for f in flow_logs),
        "TargetIds": sorted({str(f["target"]) for f in flow_logs}),
        "Since": window[0],
        "Until": window[1],
        "Cap": CAP,
    }
