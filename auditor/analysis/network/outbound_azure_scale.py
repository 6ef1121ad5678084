"""Azure VM scale sets as outbound sources: every instance gets the NICs of the scale
set's model, so each IP configuration of its network profile (subnet, the NIC
configuration's NSG, a per-instance public IP, application security groups) is walked
as a VM's NIC is (:func:`.outbound_azure.nic_outbound`).

A per-instance public IP (``publicIPAddressConfiguration``) has no public IP resource
of its own: the scale set is the hop and what must change. A scale set whose row
carries no network profile is UNKNOWN, saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from auditor.analysis.network.answers import Reach
from auditor.analysis.network.outbound_azure import nics_outbound
from auditor.analysis.network.outbound_model import Dest, OutPath
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, Resource


def scale_set_nics(res: Resource) -> list[Resource] | None:
    """One NIC view per IP configuration of the scale set's model (None: not recorded)."""
    confs = res.attributes.get("nic_configurations")
    if not isinstance(confs, list):
        return None
    out: list[Resource] = []
    for n in confs:
        if not isinstance(n, Mapping):
            continue
        for ip in n.get("ip_configurations") or []:
            if not isinstance(ip, Mapping):
                continue
            name = f"{n.get('name')}/{ip.get('name')}"
            attrs: dict[str, JSONValue] = {
                "subnet_id": ip.get("subnet_id"),
                "private_ips": [],
                "public_ip_ids": [res.id] if ip.get("public_ip") else [],
                "security_group_ids": list(n.get("security_group_ids") or []),
                "application_security_group_ids": list(
                    ip.get("application_security_group_ids") or []
                ),
            }
            out.append(
                Resource(
                    id=f"{res.id}/networkinterfaceconfigurations/{name}",
                    cloud="azure",
                    kind=Kind.INTERFACE,
                    account=res.account,
                    region=res.region,
                    name=f"{res.name} {name}",
                    attributes=attrs,
                )
            )
    return out


def scale_set_outbound(
    graph: BoundaryGraph, res: Resource, network: str, dest: Dest, port: int
) -> list[OutPath]:
    """Outcomes of the Azure scale set ``res`` (grouped under ``network``) towards ``dest``."""
    base = OutPath(source=res.id, network=network, dest=dest.label, port=port, reach=Reach.UNKNOWN)
    nics = scale_set_nics(res)
    if not nics:
        return [
            replace(
                base,
                reason=f"the network profile of scale set {res.name or res.id} was not recorded"
                if nics is None
                else f"scale set {res.name or res.id} has no IP configuration",
                missing=(res.id,) if nics is None else (),
                unmodelled="" if nics is None else "scale sets without an IP configuration",
            )
        ]
    return nics_outbound(graph, res, nics, base, dest)
