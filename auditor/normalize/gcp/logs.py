"""Cloud Logging: sinks (``log_sink``), log buckets (``log_bucket``), Data Access audit
configuration (``audit_config``) and subnetwork flow logs (``flow_log``).

A sink's destination is one of ``storage.googleapis.com/BUCKET``,
``bigquery.googleapis.com/projects/P/datasets/D``,
``pubsub.googleapis.com/projects/P/topics/T`` or
``logging.googleapis.com/projects/P/locations/L/buckets/B``; ``destination_id``
is its Cloud Asset full name. Audit configs and flow logs are not assets of their
own: the IAM policy and subnetwork normalisers call :func:`audit_config` and
:func:`subnet_flow_log`.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.base.edges import LOGS_TO
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import IAM_SOURCE, SOURCE, data, last, location, region_of

_DEST = re.compile(r"^(?P<service>[a-z]+)\.googleapis\.com/(?P<rest>.+)$")
_PROJECT = re.compile(r"^projects/([^/]+)/")
_PARENT = re.compile(r"//logging\.googleapis\.com/((?:projects|folders|organizations)/[^/]+)/")


def destination_parts(dest: str) -> tuple[str | None, str | None, str | None]:
    """(type, full name, project) of a sink destination; Nones when it cannot be read."""
    m = _DEST.match(dest.strip())
    if not m:
        return None, None, None
    service, rest = m.group("service"), m.group("rest")
    project = _PROJECT.match(rest)
    if service == "storage":
        return "storage", f"//storage.googleapis.com/{rest}", None
    if service in ("bigquery", "pubsub", "logging"):
        return service, f"//{service}.googleapis.com/{rest}", project.group(1) if project else None
    return None, None, None


def _parent(name: str) -> str:
    m = _PARENT.match(name)
    return m.group(1) if m else ""


@normalizes("gcp", "logging.googleapis.com/LogSink")
def log_sink(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    sid = str(rec.data["name"])
    dest = str(d.get("destination") or "")
    dtype, dest_id, project = destination_parts(dest)
    exclusions = [
        x for x in d.get("exclusions") or [] if isinstance(x, dict) and not x.get("disabled")
    ]
    out.resource(
        id=sid,
        cloud="gcp",
        kind="log_sink",
        account=rec.account,
        region="global",
        name=str(d.get("name") or last(sid)),
        attributes={
            "destination": dest or None,
            "destination_id": dest_id,
            "destination_project": project,
            "destination_type": dtype,
            "disabled": bool(d.get("disabled")),
            "exclusions": sorted(str(x.get("name") or "") for x in exclusions),
            "exclusion_filters": sorted(str(x.get("filter") or "") for x in exclusions),
            "filter": str(d.get("filter") or ""),
            "include_children": bool(d.get("includeChildren")),
            "parent": _parent(sid) or None,
            "writer_identity": d.get("writerIdentity"),
        },
        source=SOURCE,
    )
    if dest_id:
        out.relation(sid, dest_id, LOGS_TO, f"log sink routes to {dtype}")


@normalizes("gcp", "logging.googleapis.com/LogBucket")
def log_bucket(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    bid = str(rec.data["name"])
    days = d.get("retentionDays")
    loc = last(str(d.get("name") or "").split("/buckets/", 1)[0]) or location(rec)
    out.resource(
        id=bid,
        cloud="gcp",
        kind="log_bucket",
        account=rec.account,
        region=region_of(loc) if loc and loc != "global" else "global",
        name=last(bid),
        attributes={
            "bucket_name": last(bid),
            "locked": bool(d.get("locked")),
            "parent": _parent(bid) or None,
            "retention_days": days if isinstance(days, int) else None,
        },
        source=SOURCE,
    )


def audit_config(rec: RawRecord, out: Builder) -> None:
    """The ``auditConfigs`` of a project, folder or organisation IAM policy, as ``audit_config``.

    Written whenever the policy was read, so an absent config (no Data Access logs
    beyond the defaults) is known, not unknown.
    """
    atype = str(rec.data.get("assetType") or "")
    if not atype.startswith("cloudresourcemanager.googleapis.com/"):
        return
    target = str(rec.data["name"])
    services: dict[str, JSONValue] = {}
    for cfg in (rec.data.get("iamPolicy") or {}).get("auditConfigs") or []:
        if not isinstance(cfg, dict):
            continue
        types: list[str] = []
        exempted: dict[str, JSONValue] = {}
        for lc in cfg.get("auditLogConfigs") or []:
            lt = str((lc or {}).get("logType") or "")
            if lt:
                types.append(lt)
                if lc.get("exemptedMembers"):
                    exempted[lt] = sorted(str(m) for m in lc["exemptedMembers"])
        services[str(cfg.get("service") or "")] = {
            "log_types": sorted(set(types)),
            "exempted": exempted,
        }
    out.resource(
        id=f"{target}/auditConfigs",
        cloud="gcp",
        kind="audit_config",
        account=rec.account,
        region="global",
        name=f"{last(target)} audit config",
        attributes={"services": services, "target": target},
        source=IAM_SOURCE,
    )


_VALID_PURPOSES = (None, "", "PRIVATE", "PRIVATE_RFC_1918", "PRIVATE_NAT")


def subnet_flow_log(rec: RawRecord, out: Builder, subnet: str, region: str) -> None:
    """The flow log of a subnetwork (its ``logConfig``; ``enableFlowLogs`` on old answers).

    Proxy-only and Private Service Connect subnets carry no flow logs: none is written.
    """
    d: Any = data(rec)
    if d.get("purpose") not in _VALID_PURPOSES:
        return
    cfg = d.get("logConfig") or {}
    enabled = cfg.get("enable", d.get("enableFlowLogs"))
    sampling = cfg.get("flowSampling")
    out.resource(
        id=f"{subnet}/logConfig",
        cloud="gcp",
        kind=Kind.FLOW_LOG,
        account=rec.account,
        region=region,
        name=f"{last(subnet)} flow logs",
        attributes={
            "resource_id": subnet,
            "enabled": bool(enabled),
            "aggregation_interval": cfg.get("aggregationInterval"),
            "sampling": sampling if isinstance(sampling, int | float) else None,
            "metadata": cfg.get("metadata"),
            "filter": cfg.get("filterExpr") or None,
            "destination": None,
            "destination_type": "logging",
            "traffic_type": "ALL",
        },
        source=SOURCE,
    )
