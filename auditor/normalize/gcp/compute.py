"""Compute Engine instances, managed instance groups and health checks.

An instance's external address is the ``natIP`` of an access config on one of
its interfaces; its network tags and service accounts decide which firewall
rules and routes apply to it. A managed instance group is a scaling group
(``desired_capacity`` its target size); its instances name it in their
``created-by`` metadata, and its ``launch_template`` is the instance template
whose ``machineType`` sizes the instances it starts (an ``instance_template``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.edges import MEMBER_OF, SCALES
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import (
    SOURCE,
    data,
    full_name,
    labels,
    last,
    location,
    project_of,
    region_of,
    sorted_str,
    zone_of,
)

_STATES = {"RUNNING": "running", "TERMINATED": "stopped", "STOPPED": "stopped"}


def _metadata(d: Mapping[str, Any], key: str) -> str | None:
    for item in (d.get("metadata") or {}).get("items") or []:
        if item.get("key") == key:
            return str(item.get("value") or "") or None
    return None


def _group_of(instance_id: str, created_by: str | None) -> str | None:
    """The full name of the group that created an instance (same project as the instance).

    ``created-by`` names the project by number; the group lives in the instance's project.
    """
    if not created_by or "/instanceGroupManagers/" not in created_by:
        return None
    where = created_by.split("/", 2)[-1] if created_by.startswith("projects/") else created_by
    return f"//compute.googleapis.com/projects/{project_of(instance_id)}/{where}"


def _interface(nic: dict[str, Any]) -> JSONValue:
    """One network interface: its internal address, network, subnetwork and external
    address (an access config's ``natIP``; Cloud NAT never translates such an interface)."""
    configs = nic.get("accessConfigs") or []
    nat_ips = [str(ac["natIP"]) for ac in configs if ac.get("natIP")]
    return {
        "private_ip": nic.get("networkIP"),
        "network": full_name(nic.get("network")),
        "subnet_id": full_name(nic.get("subnetwork")),
        "external": bool(configs),
        "public_ip": nat_ips[0] if nat_ips else None,
    }


@normalizes("gcp", "compute.googleapis.com/Instance")
def instance(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    iid = str(rec.data["name"])
    zone = last(d.get("zone")) or location(rec)
    nics = d.get("networkInterfaces") or []
    public_ips = sorted(
        {
            str(ac["natIP"])
            for nic in nics
            for ac in nic.get("accessConfigs") or []
            if ac.get("natIP")
        }
    )
    # No networkInterfaces in the answer: whether it has an external IP is unknown.
    has_access_config = any(nic.get("accessConfigs") for nic in nics) if nics else None
    nets = [n for nic in nics if (n := full_name(nic.get("network")))]
    subs = [s for nic in nics if (s := full_name(nic.get("subnetwork")))]
    group = _group_of(iid, _metadata(d, "created-by"))
    raw_state = str(d.get("status") or "")
    attrs: dict[str, JSONValue] = {
        "instance_id": iid,
        "state": _STATES.get(raw_state, raw_state.lower() or None),
        "instance_type": last(d.get("machineType")) or None,
        "vpc_id": nets[0] if nets else None,
        "subnet_id": subs[0] if subs else None,
        "subnet_ids": sorted(set(subs)),
        "network_ids": sorted(set(nets)),
        "private_ip": nics[0].get("networkIP") if nics else None,
        "public_ip": public_ips[0] if public_ips else None,
        "public_ips": public_ips,
        "has_external_access": has_access_config,
        "interfaces": [_interface(nic) for nic in nics],
        "network_tags": sorted_str((d.get("tags") or {}).get("items")),
        "service_accounts": sorted_str(sa.get("email") for sa in d.get("serviceAccounts") or []),
        "security_group_ids": [],
        "interface_ids": [],
        "iam_instance_profile": None,
        "az": zone_of(zone),
        "asg_name": last(group) if group else None,
        "group_id": group,
    }
    out.resource(
        id=iid,
        cloud="gcp",
        kind=Kind.INSTANCE,
        account=rec.account,
        region=region_of(zone),
        name=str(d.get("name") or last(iid)),
        tags=labels(d),
        attributes=attrs,
        source=SOURCE,
    )
    for s in sorted(set(subs)):
        out.relation(iid, s, MEMBER_OF, f"interface in {last(s)}")
    if group:
        out.relation(group, iid, SCALES, f"managed instance group {last(group)}")


def _mig(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    gid = str(rec.data["name"])
    where = last(d.get("zone")) or last(d.get("region")) or location(rec)
    target = d.get("targetSize")
    out.resource(
        id=gid,
        cloud="gcp",
        kind=Kind.SCALING_GROUP,
        account=rec.account,
        region=region_of(where),
        name=str(d.get("name") or last(gid)),
        tags=labels(d),
        attributes={
            "name": str(d.get("name") or last(gid)),
            "min_size": None,
            "max_size": None,
            "desired_capacity": int(target) if target is not None else None,
            "subnet_ids": None,
            "instance_ids": None,
            "launch_template": full_name(d.get("instanceTemplate")),
            "target_group_arns": [],
            "zones": sorted_str(
                last(z.get("zone")) for z in (d.get("distributionPolicy") or {}).get("zones") or []
            )
            or ([where] if zone_of(where) else []),
        },
        source=SOURCE,
    )


normalizes("gcp", "compute.googleapis.com/InstanceGroupManager")(_mig)
normalizes("gcp", "compute.googleapis.com/RegionInstanceGroupManager")(_mig)


@normalizes("gcp", "compute.googleapis.com/HealthCheck")
def health_check(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    hid = str(rec.data["name"])
    kind = str(d.get("type") or "")
    spec: Mapping[str, Any] = d.get(f"{kind.lower()}HealthCheck") or {}
    out.resource(
        id=hid,
        cloud="gcp",
        kind=Kind.HEALTH_CHECK,
        account=rec.account,
        region=region_of(last(d.get("region")) or location(rec)),
        name=str(d.get("name") or last(hid)),
        attributes={
            "health_check_id": hid,
            "type": kind or None,
            "target": spec.get("host"),
            "port": spec.get("port"),
            "resource_path": spec.get("requestPath"),
            "failure_threshold": d.get("unhealthyThreshold"),
            "request_interval": d.get("checkIntervalSec"),
        },
        source=SOURCE,
    )


@normalizes("gcp", "compute.googleapis.com/InstanceTemplate")
def instance_template(rec: RawRecord, out: Builder) -> None:
    """The machine type a managed instance group starts, for capacity in vCPUs and memory."""
    d = data(rec)
    tid = str(rec.data["name"])
    out.resource(
        id=tid,
        cloud="gcp",
        kind="instance_template",
        account=rec.account,
        region=region_of(last(d.get("region")) or location(rec) or "global"),
        name=str(d.get("name") or last(tid)),
        # Its properties.labels label the instances it starts, not the template.
        tags={},
        attributes={
            "name": str(d.get("name") or last(tid)),
            "machine_type": last((d.get("properties") or {}).get("machineType")) or None,
            "instance_labels": labels(d.get("properties") or {}),
        },
        source=SOURCE,
    )
