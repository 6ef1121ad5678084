"""Azure observed flows: one ``flow_read`` per storage account read, one ``observed_flow``
per aggregate, joined to its NIC (found by MAC address) by a ``network.observed`` edge."""

from __future__ import annotations

from typing import Any

from auditor.base.edges import OBSERVED
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid
from auditor.normalize.observed_flows import flow_attributes, observed_reason, utc

_LISTS = {
    "FailedBlobs": "failed_objects",
    "MalformedBlobs": "malformed_objects",
    "CutBlobs": "cut_objects",
    "CappedInterfaces": "capped_interfaces",
    "FailedContainers": "failed_containers",
}


def _interface(raw: str) -> str:
    """A NIC id lower-cased (canonical); a MAC the scan found no NIC for stays ``mac:...``."""
    return lid(raw) if raw.startswith("/") else raw


@normalizes("azure", "microsoft.network/flowrecords")
def flow_records(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    read_id = lid(d["id"])
    account = str(d.get("subscriptionId") or rec.account).lower()
    region = str(d.get("location") or "").lower() or "global"
    storage = lid(d.get("StorageAccount"))
    attrs: dict[str, JSONValue] = {
        "status": str(d["Status"]),
        "flow_log_ids": sorted(lid(i) for i in d.get("FlowLogIds") or []),
        "target_ids": sorted(lid(i) for i in d.get("TargetIds") or []),
        "since": utc(int(d["Since"])),
        "until": utc(int(d["Until"])),
        "cap": d.get("Cap"),
        "reason": d.get("Reason"),
    }
    read = bool(storage)  # a flow log not read has no storage account read: nulls
    attrs.update(
        {
            "storage_account": storage or None,
            "blob_endpoint": d.get("BlobEndpoint"),
            "objects": d.get("Blobs"),
            "objects_listed": d.get("BlobsListed"),
            "records": d.get("Records"),
            "other_records": d.get("OtherRecords"),
            "outside_window": d.get("OutsideWindow"),
            "malformed": d.get("Malformed"),
            "malformed_examples": list(d.get("MalformedExamples") or []) if read else None,
        }
    )
    for key, name in _LISTS.items():
        attrs[name] = (
            sorted(
                _interface(str(x)) if key == "CappedInterfaces" else str(x)
                for x in d.get(key) or []
            )
            if read
            else None
        )
    name = storage.rsplit("/", 1)[-1] if storage else read_id.split("#")[0].rsplit("/", 1)[-1]
    out.resource(
        id=read_id,
        cloud="azure",
        kind=FLOW_READ,
        account=account,
        region=region,
        name=name,
        attributes=attrs,
        source=rec.operation or "Blob.Get",
    )
    for f in d.get("Flows") or []:
        _flow(out, f, read_id, account, region, rec.operation or "Blob.Get")


def _flow(
    out: Builder, f: dict[str, Any], read_id: str, account: str, region: str, source: str
) -> None:
    iface = _interface(str(f["interface"]))
    short = iface.rsplit("/", 1)[-1]
    key = f"{short}/{f['src']}->{f['dst']}:{f['dst_port']}/{f['protocol']}/{f['action']}"
    fid = f"{read_id}/{key}"
    out.resource(
        id=fid,
        cloud="azure",
        kind=OBSERVED_FLOW,
        account=account,
        region=region,
        name=key,
        attributes=flow_attributes(f, read_id=read_id, interface=iface),
        source=source,
    )
    if iface.startswith("/"):
        out.relation(
            fid,
            iface,
            OBSERVED,
            observed_reason(f, "tuple"),
        )
