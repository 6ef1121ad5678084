"""The Azure half of ``network.observed-closed-path``: what the model says of an observed source.

Azure listeners are the NICs of platform VMs (:func:`_observed_azure.listener_interfaces`),
keyed by NIC id as Azure flow records name them. Whether a source can reach a listener
is the per-network Azure model (:mod:`auditor.analysis.network.cloud_flows`): a private
source from the networks holding it (one VNet, peering, VPN or ExpressRoute) through the
NSGs of the NIC and its subnet; a public source from the VM's exposure (its NIC's public
IP, or a public load balancer whose backend pool holds the NIC), held to the internet
ranges the NSGs admit; Azure's platform address 168.63.129.16 (load balancer health
probes) through the NSGs alone (the ``AzureLoadBalancer`` tag; a rule's destination is
not held to the NIC there). Not modelled, so a flow they carry reads as closed ("model
drift or an unmodelled feature"): Azure Firewall DNAT, Application Gateway, Bastion,
and routes through a network virtual appliance. Flows at a NIC the scan did
not collect (``mac:...``: a scale set instance's that ``computeresources`` did not list)
cannot be held to a listener; a platform scale set's instance NIC that it did list is its
own listener (:func:`._observed_azure.listener_interfaces`).
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network

from auditor.analysis.network.addresses import is_internet_cidr, nets_of, parse_net
from auditor.analysis.network.answers import Exposure, Reach
from auditor.analysis.network.cloud_flows import cloud_paths
from auditor.analysis.network.cross_traffic import internet_path
from auditor.analysis.network.path_model import Hop, Path
from auditor.analysis.network.view import network_view
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.checks._observed_azure import listener_interfaces
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

__all__ = ["listener_interfaces", "paths", "probe_path", "unmapped"]
TCP = 6
PLATFORM_IP = "168.63.129.16"
"""Azure's platform address: load balancer health probes come from it, over no network."""
PLATFORM_NET = ip_network(f"{PLATFORM_IP}/32")


def _admits(e: Exposure, src: str) -> Exposure:
    """``e`` for one public source: NO when the admitted internet ranges leave it out."""
    ip = parse_net(src)
    nets = nets_of(e.sources)
    if e.reach is not Reach.YES or not nets or ip is None:
        return e
    if any(ip.version == n.version and ip.subnet_of(n) for n in nets):  # type: ignore[arg-type]
        return e
    return replace(
        e,
        reach=Reach.NO,
        reason=f"{e.reason}; it admits only {', '.join(e.sources[:3])} from the internet, "
        f"not {src}",
    )


def _balancers(graph: BoundaryGraph, target: Resource) -> list[Resource]:
    """Load balancers whose backend pools hold a NIC of ``target``."""
    pools: set[str] = set()
    for nid in target.attributes.get("interface_ids") or []:
        nic = graph.get(str(nid))
        if nic is not None:
            pools.update(str(p) for p in nic.attributes.get("lb_backend_pool_ids") or [])
    return [
        lb
        for lb in graph.of_kind(Kind.LOAD_BALANCER)
        if lb.cloud == "azure"
        and pools & {str(p) for p in lb.attributes.get("backend_pool_ids") or []}
    ]


def _nsgs(graph: BoundaryGraph, target: Resource) -> list[Resource]:
    """The NSGs a flow into ``target`` (a VM or a NIC) passes: each NIC's subnet's, its own."""
    nics = [graph.get(str(n)) for n in target.attributes.get("interface_ids") or []]
    if target.kind == Kind.INTERFACE:
        nics = [target]
    ids: list[str] = []
    for nic in (n for n in nics if n is not None):
        subnet = graph.get(str(nic.attributes.get("subnet_id") or ""))
        if subnet is not None and subnet.attributes.get("nsg_id"):
            ids.append(str(subnet.attributes["nsg_id"]))
        ids.extend(str(g) for g in nic.attributes.get("security_group_ids") or [])
    return [n for i in dict.fromkeys(ids) if (n := graph.get(i)) is not None]


def _probe_rule(nsg: Resource, port: int) -> dict[str, object] | None:
    """The first inbound rule of ``nsg`` by priority on TCP ``port`` whose sources hold
    Azure's platform address (the ``AzureLoadBalancer`` tag, any, or a range holding it)."""
    rules = [r for r in nsg.attributes.get("rules") or [] if r.get("direction") == "inbound"]
    for r in sorted(rules, key=lambda x: int(x.get("priority") or 0)):
        if r.get("protocol") not in ("tcp", "-1"):
            continue
        if not any(int(lo) <= port <= int(hi) for lo, hi in r.get("ports") or []):
            continue
        for p in r.get("source_prefixes") or []:
            low = str(p).strip().lower()
            n = parse_net(str(p))
            if low in ("*", "any", "azureloadbalancer") or (
                n is not None and n.version == 4 and PLATFORM_NET.subnet_of(n)  # type: ignore[arg-type]
            ):
                return dict(r)
    return None


def probe_path(graph: BoundaryGraph, target: Resource, port: int) -> Path:
    """Azure's platform address (load balancer health probes) into ``target``: no network
    path, only the NSGs, which admit it by the ``AzureLoadBalancer`` tag (a default rule)."""
    hops = [Hop(node=PLATFORM_IP, what="source", detail="Azure platform (health probes)")]
    for nsg in _nsgs(graph, target):
        rule = _probe_rule(nsg, port)
        ok = rule is not None and rule.get("access") == "allow"
        verb = "admits" if ok else "denies"
        why = f"rule {rule.get('name')} {verb} it" if rule else "no rule admits it"
        hops.append(Hop(node=nsg.id, what="NSG", detail=why, reach=Reach.YES if ok else Reach.NO))
    hops.append(Hop(node=target.id, what="target", detail=f"{target.name} port {port}"))
    reach = Reach.NO if any(h.reach is Reach.NO for h in hops) else Reach.YES
    blocked = next((h for h in hops if h.reach is not Reach.YES), None)
    return Path(
        source=PLATFORM_IP,
        target=target.id,
        port=port,
        reach=reach,
        via=("azure-platform",),
        hops=tuple(hops),
        reason="reachable" if blocked is None else f"{blocked.what} {blocked.detail}",
    )


def paths(graph: BoundaryGraph, src: str, target: Resource, port: int) -> list[Path]:
    """The model's candidate paths from the address ``src`` to ``target`` on ``port``."""
    if src == PLATFORM_IP:
        return [probe_path(graph, target, port)]
    if not is_internet_cidr(f"{src}/32"):
        return cloud_paths(graph, f"{src}/32", target, port)
    view = network_view(graph)
    out: list[Path] = []
    for e in view.exposures(target, [port]):
        out.append(internet_path(target, _admits(e, src)))
    for lb in _balancers(graph, target):
        fronts = sorted(
            {
                int(r.get("frontend_port") or 0)
                for r in lb.attributes.get("rules") or []
                if int(r.get("backend_port") or 0) == port
            }
        )
        for e in view.exposures(lb, fronts):
            out.append(internet_path(target, _admits(e, src)))
    return out


def unmapped(graph: BoundaryGraph, net: Resource, ports: set[int]) -> list[Resource]:
    """Accepted TCP flows to ``ports`` into ``net``'s address space seen at a NIC the scan did
    not collect (``mac:...``, a scale set instance's not listed): no listener can be held
    to them."""
    nets = nets_of([str(c) for c in net.attributes.get("cidrs") or []])
    out: list[Resource] = []
    for f in sorted(graph.of_kind(OBSERVED_FLOW), key=lambda x: x.id):
        a = f.attributes
        if f.cloud != "azure" or not str(a.get("interface_id") or "").startswith("mac:"):
            continue
        if (
            a.get("action") != "ACCEPT"
            or a.get("protocol") != TCP
            or a.get("dst_port") not in ports
        ):
            continue
        dst = parse_net(str(a.get("dst")))
        if dst is not None and any(
            dst.version == n.version and dst.subnet_of(n)  # type: ignore[arg-type]
            for n in nets
        ):
            out.append(f)
    return out
