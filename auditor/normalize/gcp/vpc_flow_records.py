"""GCP observed flows: one ``flow_read`` per project's ``vpc_flows`` read, one
``observed_flow`` per aggregate, joined to the VM that reported it (``network.observed``).
:func:`log_read` is shared with the Firewall Rules Logging read (``firewall_records``)."""

from __future__ import annotations

from typing import Any

from auditor.base.edges import OBSERVED
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.observed_flows import flow_attributes, observed_reason, utc

SOURCE = "logging:ListLogEntries"


def read_id(log_name: str) -> str:
    """The id of a project's read: ``//logging.googleapis.com/projects/P/logs/...#flows``."""
    return f"//logging.googleapis.com/{log_name}#flows"


def _subnet_logs(d: dict[str, Any]) -> list[JSONValue]:
    keys = ("subnetwork", "network", "sampling", "filter", "metadata")
    return [{k: s.get(k) for k in keys} for s in d.get("Subnets") or []]


def _source(d: dict[str, Any]) -> dict[str, JSONValue]:
    """Where the entries were read when not the project's own buckets, and the sinks that
    may route them where they were not read."""
    out: dict[str, JSONValue] = {}
    src = d.get("Source") or {}
    if src:
        out["sink_id"] = str(src["Sink"])
        out["view"] = str(src["View"])
    unread = d.get("UnreadSinks") or []
    if unread:
        keys = ("sink", "destination", "reason")
        out["unread_sinks"] = [{k: str(u.get(k) or "") for k in keys} for u in unread]
    return out


@normalizes("gcp", "logging:vpc_flows")
def vpc_flows(rec: RawRecord, out: Builder) -> None:
    d: dict[str, Any] = dict(rec.data)
    logs = _subnet_logs(d)
    attrs: dict[str, JSONValue] = {
        "subnet_logs": logs,
        "network_ids": sorted({str(s.get("network")) for s in d.get("Subnets") or []} - {""}),
    }
    if "Records" in d:
        attrs["gateway_records"] = d.get("Gateway")
    log_read(rec, out, label="vpc_flows", attributes=attrs)


def log_read(rec: RawRecord, out: Builder, *, label: str, attributes: dict[str, JSONValue]) -> None:
    """One project's read of a flow log (``label``) as a ``flow_read``, with ``attributes``
    of its own, and its aggregates as ``observed_flow`` joined to the VM that logged them."""
    d: dict[str, Any] = dict(rec.data)
    log = str(d["LogName"])
    rid = read_id(log)
    attrs: dict[str, JSONValue] = {
        "status": str(d["Status"]),
        "log_name": log,
        "filter": d.get("Filter"),
        "since": utc(int(d["Since"]) / 1000),
        "until": utc(int(d["Until"]) / 1000),
        "reason": d.get("Reason"),
        "cap": d.get("Cap"),
        **attributes,
        **_source(d),
    }
    if "Records" in d:  # a failed read keeps what its pages held
        attrs.update(
            {
                "pages": d.get("Pages"),
                "entries": d.get("Entries"),
                "records": d["Records"],
                "malformed": d["Malformed"],
                "malformed_examples": list(d.get("MalformedExamples") or []),
                "capped_interfaces": sorted(str(i) for i in d.get("CappedInterfaces") or []),
            }
        )
    out.resource(
        id=rid,
        cloud="gcp",
        kind=FLOW_READ,
        account=rec.account,
        region="global",
        name=f"{log.split('/')[1]} {label}",
        attributes=attrs,
        source=SOURCE,
    )
    _flows(rec, out, rid, d)


def _flows(rec: RawRecord, out: Builder, rid: str, d: dict[str, Any]) -> None:
    networks = d.get("Networks") or {}
    for f in d.get("Flows") or []:
        vm = str(f["interface"])
        key = f"{vm.rsplit('/', 1)[-1]}/{f['src']}->{f['dst']}:{f['dst_port']}/{f['protocol']}"
        key += f"/{f['action']}"
        fid = f"{rid}/{key}"
        zone = vm.split("/zones/", 1)[-1].split("/", 1)[0]
        out.resource(
            id=fid,
            cloud="gcp",
            kind=OBSERVED_FLOW,
            account=rec.account,
            region=zone.rsplit("-", 1)[0],
            name=key,
            attributes={
                "instance_id": vm,
                "network_ids": sorted(str(n) for n in networks.get(vm) or []),
                **flow_attributes(f, read_id=rid, interface=vm),
            },
            source=SOURCE,
        )
        out.relation(
            fid,
            vm,
            OBSERVED,
            observed_reason(f),
        )
