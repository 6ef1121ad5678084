"""Observed flows: one ``flow_read`` per log group read, one ``observed_flow`` per aggregate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import OBSERVED
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.aws.ec2_network import ec2_arn
from auditor.normalize.observed_flows import flow_attributes, observed_reason, utc


def _vpcs(resource_ids: list[Any]) -> list[JSONValue]:
    return sorted({str(r) for r in resource_ids if str(r).startswith("vpc-")})


def _s3_attrs(d: Mapping[str, Any]) -> dict[str, JSONValue]:
    """What a read of S3-delivered flow log objects says beyond a log group's read."""
    lists = {
        "FailedObjects": "failed_objects",
        "MalformedObjects": "malformed_objects",
        "CutObjects": "cut_objects",
        "UnreadObjects": "unread_objects",
        "CappedInterfaces": "capped_interfaces",
    }
    out: dict[str, JSONValue] = {
        "bucket": d.get("Bucket"),
        "location": d.get("Location"),
        "location_arn": d.get("LocationArn"),
        "cap": d.get("Cap"),
        "objects": d.get("Objects"),
        "objects_listed": d.get("ObjectsListed"),
        "outside_window": d.get("OutsideWindow"),
        "read_budget": d.get("ReadBudget"),
    }
    for key, name in lists.items():
        out[name] = sorted(str(x) for x in d.get(key) or [])
    return out


@normalizes("aws", "logs:flow_records")
def flow_records(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    log_ids = sorted(str(i) for i in d.get("FlowLogIds") or [])
    group = str(d.get("LogGroupName") or "")
    bucket = str(d.get("Bucket") or "")
    if group:
        read_id = f"arn:aws:logs:{rec.region}:{rec.account}:log-group:{group}#flows"
    elif bucket:
        read_id = f"arn:aws:s3:::{bucket}/{d.get('Location')}#flows"
    else:
        read_id = ec2_arn(rec.region, rec.account, log_ids[0], "vpc-flow-log") + "#flows"
    status = str(d["Status"])
    location = f"s3://{bucket}/{d.get('Location')}" if bucket else ""
    name = group or location or (log_ids[0] if log_ids else read_id)
    source = "logs:FilterLogEvents" if group else "s3:GetObject" if bucket else ""
    source = str(d.get("ReadWith") or source or "ec2:DescribeFlowLogs")  # --flows-insights
    attrs: dict[str, JSONValue] = {
        "status": status,
        "flow_log_ids": list(log_ids),
        "vpc_ids": _vpcs(list(d.get("ResourceIds") or [])),
        "since": utc(int(d["Since"]) / 1000),
        "until": utc(int(d["Until"]) / 1000),
        "reason": d.get("Reason"),
    }
    if d.get("HeldBy"):  # a log archive account of the scan held them (read as that account)
        attrs["held_by"] = str(d["HeldBy"])
    if group:
        attrs["log_group"] = group
        attrs["log_group_arn"] = d.get("LogGroupArn")
        attrs["cap"] = d.get("Cap")
        attrs["streams"] = d.get("Streams")
        attrs["idle_streams"] = d.get("IdleStreams")
        if "ReadWith" in d:  # --flows-insights: which way the group was read, and why
            attrs["read_with"] = d["ReadWith"]
            attrs["insights_fallback"] = d.get("InsightsFallback")
            attrs["insights_bytes_scanned"] = d.get("InsightsBytesScanned")
    if bucket:
        attrs.update(_s3_attrs(d))
    if "Records" in d:  # an S3 read that failed on some objects keeps what the others held
        attrs.update(
            {
                "records": d["Records"],
                "malformed": d["Malformed"],
                "malformed_examples": list(d.get("MalformedExamples") or []),
                "no_data": d.get("NoData"),
                "skip_data": d.get("SkipData"),
                "capped_streams": sorted(str(s) for s in d.get("CappedStreams") or []),
            }
        )
    out.resource(
        id=read_id,
        cloud="aws",
        kind=FLOW_READ,
        account=rec.account,
        region=rec.region,
        name=name,
        attributes=attrs,
        source=source,
    )
    _flows(rec, out, read_id, source)


def _flows(rec: RawRecord, out: Builder, read_id: str, source: str) -> None:
    """One ``observed_flow`` per aggregate of the read, joined to its interface."""
    for f in rec.data.get("Flows") or []:
        iface = str(f["interface"])
        key = f"{iface}/{f['src']}->{f['dst']}:{f['dst_port']}/{f['protocol']}/{f['action']}"
        fid = f"{read_id}/{key}"
        out.resource(
            id=fid,
            cloud="aws",
            kind=OBSERVED_FLOW,
            account=rec.account,
            region=rec.region,
            name=key,
            attributes=flow_attributes(f, read_id=read_id, interface=iface),
            source=source,
        )
        out.relation(
            fid,
            ec2_arn(rec.region, rec.account, iface, "network-interface"),
            OBSERVED,
            observed_reason(f),
        )
