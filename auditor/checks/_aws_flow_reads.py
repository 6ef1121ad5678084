"""What AWS flow log reads cover and say: the VPCs a read records, the listener
interfaces flows reached, and why a read may not hold every record.

Shared by the observed-flow rules (``network.observed-*``, ``data.observed-egress``),
so each judges "fully observed" and "incomplete" alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.analysis.network import local_id
from auditor.base.edges import PROTECTED_BY
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


def vpc_of(graph: BoundaryGraph, read: Resource, resource_id: str) -> str:
    """The VPC a flow log's resource (VPC, subnet or interface) lies in ("" if unknown)."""
    if resource_id.startswith("vpc-"):
        return resource_id
    kind = "subnet" if resource_id.startswith("subnet-") else "network-interface"
    res = graph.get(f"arn:aws:ec2:{read.region}:{read.account}:{kind}/{resource_id}")
    return str(res.attributes.get("vpc_id") or "") if res is not None else ""


def covered(graph: BoundaryGraph, read: Resource) -> dict[str, bool]:
    """The VPCs whose traffic a read's flow logs record: True where one of them records
    every accepted flow of the whole VPC (a VPC-level log of ALL or ACCEPT traffic), False
    where they see only part (a subnet's or an interface's, REJECT only, type unknown)."""
    out = dict.fromkeys((str(v) for v in read.attributes.get("vpc_ids") or []), False)
    for log_id in read.attributes.get("flow_log_ids") or []:
        fl = graph.get(f"arn:aws:ec2:{read.region}:{read.account}:vpc-flow-log/{log_id}")
        if fl is None:
            continue
        target = str(fl.attributes.get("resource_id") or "")
        vpc = vpc_of(graph, read, target)
        whole = target.startswith("vpc-") and str(
            fl.attributes.get("traffic_type") or ""
        ).upper() in ("ALL", "ACCEPT")
        out[vpc] = out.get(vpc, False) or whole
    out.pop("", None)
    return out


def listener_interfaces(graph: BoundaryGraph, platform: Sequence[Resource]) -> dict[str, str]:
    """Interface id (``eni-...``) -> the platform listener it carries: the interface
    itself, its instance's, a load balancer's (AWS describes those ``ELB net/NAME/ID``: a
    network load balancer needs no security group), or one sharing a listener's group."""
    out: dict[str, str] = {}
    instances = {local_id(r.id): r.id for r in platform if r.kind == Kind.INSTANCE}
    balancers = {
        f"ELB {r.id.partition(':loadbalancer/')[2]}": r.id
        for r in platform
        if r.kind == Kind.LOAD_BALANCER and ":loadbalancer/" in r.id
    }
    group_of: dict[str, str] = {}
    for r in platform:
        if r.kind in (Kind.KAFKA_CLUSTER, Kind.LOAD_BALANCER):
            for sg in graph.targets(r.id, PROTECTED_BY):
                group_of.setdefault(local_id(sg.id), r.id)
    ids = {r.id for r in platform}
    for eni in graph.of_kind(Kind.INTERFACE):
        if eni.cloud != "aws":
            continue
        own = local_id(eni.id)
        attached = str(eni.attributes.get("attached_to") or "")
        if eni.id in ids:
            out[own] = eni.id
        elif attached in instances:
            out[own] = instances[attached]
        elif str(eni.attributes.get("description") or "") in balancers:
            out[own] = balancers[str(eni.attributes.get("description"))]
        else:
            for g in eni.attributes.get("security_group_ids") or []:
                if str(g) in group_of:
                    out[own] = group_of[str(g)]
                    break
    return out


def read_resources(read: Resource) -> list[str]:
    """What a failed read's gaps name: its log group, or its bucket and objects."""
    a = read.attributes
    if a.get("log_group_arn"):
        return [str(a["log_group_arn"])]
    if a.get("location_arn"):
        return [str(a["location_arn"]), *(str(o) for o in a.get("failed_objects") or [])]
    if a.get("storage_account"):  # Azure: the containers and blobs its gaps name
        failed = [*(a.get("failed_containers") or []), *(a.get("failed_objects") or [])]
        return [str(x) for x in failed] or [read.id]
    if a.get("log_name"):  # GCP: the project's vpc_flows log its gap names
        return [str(a["log_name"])]
    return [read.id]


def failed_text(read: Resource) -> str:
    """A failed read as a reviewer reads it: its name, and why when the read says (an AWS
    bucket no account of the scan could read: its owner account was not scanned)."""
    why = read.attributes.get("reason")
    return f"{read.name} ({why})" if why else read.name


def incomplete(reads: Sequence[Resource], listener_enis: set[str] | None) -> str:
    """Why the records read may not be all there was ("" when they are). The sample cap
    counts on ``listener_enis`` only, or on every interface when None."""
    parts: list[str] = []
    for r in sorted(reads, key=lambda x: x.id):
        a = r.attributes
        if a.get("status") == "not-read":
            parts.append(f"{r.name} was not read ({a.get('reason')})")
            continue
        if int(str(a.get("malformed") or 0)):
            parts.append(f"{a.get('malformed')} malformed line(s) in {r.name}")
        if a.get("unread_objects"):
            unread = [str(u) for u in a.get("unread_objects") or []]
            parts.append(
                f"{len(unread)} object(s) of {r.name} not read: the read budget of "
                f"{a.get('read_budget')} bytes was spent: {', '.join(unread[:3])}"
            )
        if a.get("malformed_objects") or a.get("cut_objects"):
            bad = [*(a.get("malformed_objects") or []), *(a.get("cut_objects") or [])]
            parts.append(
                f"{len(bad)} object(s) of {r.name} not read in full (corrupt, not the default "
                f"format, or over the size cap): {', '.join(str(b) for b in bad[:3])}"
            )
        capped = [
            str(s)
            for s in a.get("capped_streams") or []
            if listener_enis is None
            or "-".join(str(s).split("-")[:2]) in listener_enis  # streams: eni-ID-all
        ] + [
            str(i)
            for i in a.get("capped_interfaces") or []
            if listener_enis is None or str(i) in listener_enis
        ]
        if capped:
            parts.append(
                f"the sample cap of {a.get('cap')} records per interface was reached for "
                f"{', '.join(capped)}"
            )
    return "; ".join(parts)
