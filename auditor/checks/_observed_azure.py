"""The Azure half of ``network.observed-sources``: listener NICs, what a read covers, causes.

Azure flow records name the NIC (found by its MAC address when the scan collected it,
see :mod:`auditor.collect.azure.flow_records`); a read covers the VNets its flow logs
target: the whole VNet for a VNet-level flow log, or when subnet or NSG flow logs record
every subnet of it; part of it otherwise. The cause of an undeclared accepted flow is
the NSG (the subnet's or the NIC's) whose inbound rule admits its source on its port.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.analysis.network.addresses import parse_net
from auditor.analysis.network.azure import nsg_inbound
from auditor.checks import _observed_window_azure
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

SERVICE = "azure-flow-records"


def listener_interfaces(graph: BoundaryGraph, platform: Sequence[Resource]) -> dict[str, str]:
    """NIC id -> the platform listener it carries (a platform NIC, or a platform VM's); a
    platform scale set instance's NIC (collected from ``computeresources``) is its own
    listener: its subnet's and its own NSGs are what admit a flow to it."""
    out: dict[str, str] = {}
    vms = {r.id for r in platform if r.kind == Kind.INSTANCE}
    sets = {r.id for r in platform if r.kind == Kind.SCALING_GROUP}
    for r in platform:
        if r.kind == Kind.INTERFACE:
            out[r.id] = r.id
        elif r.kind == Kind.INSTANCE:
            for nic in r.attributes.get("interface_ids") or []:
                out.setdefault(str(nic).lower(), r.id)
    for nic in graph.of_kind(Kind.INTERFACE):
        attached = str(nic.attributes.get("attached_to") or "")
        if nic.cloud == "azure" and attached in vms:
            out.setdefault(nic.id, attached)
        elif nic.cloud == "azure" and str(nic.attributes.get("scale_set_id") or "") in sets:
            out.setdefault(nic.id, nic.id)
    return out


def covered(graph: BoundaryGraph, read: Resource) -> dict[str, bool]:
    """The VNets a read's flow logs record, True where recorded in whole (a VNet flow log,
    or logged NSGs or subnet logs on every subnet: :mod:`._observed_window_azure`)."""
    return _observed_window_azure.covered(graph, read)


def vnet_of(graph: BoundaryGraph, flow: Resource) -> str:
    """The VNet of the NIC a flow was seen at ("" when the NIC was not collected)."""
    nic = graph.get(str(flow.attributes.get("interface_id") or ""))
    return str(nic.attributes.get("vpc_id") or "") if nic is not None else ""


def admitting(graph: BoundaryGraph, flow: Resource) -> list[str]:
    """NSGs of the flow's NIC (its subnet's, then its own) whose inbound rule admits the
    flow's source on its port (internet sources: :func:`nsg_inbound` judges those)."""
    a = flow.attributes
    nic = graph.get(str(a.get("interface_id") or ""))
    src = parse_net(str(a.get("src")))
    if nic is None or src is None:
        return []
    subnet = graph.get(str(nic.attributes.get("subnet_id") or ""))
    ids = [str(subnet.attributes.get("nsg_id") or "")] if subnet is not None else []
    ids += [str(g) for g in nic.attributes.get("security_group_ids") or []]
    out: list[str] = []
    for gid in dict.fromkeys(i for i in ids if i):
        nsg = graph.get(gid)
        if nsg is None:
            continue
        _admitted, rule, _tags = nsg_inbound(nsg, nic, int(str(a.get("dst_port"))), [src])
        if rule is not None:
            out.append(nsg.id)
    return out
