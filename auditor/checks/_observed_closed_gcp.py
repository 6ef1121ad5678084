"""``network.observed-closed-path`` on GCP: each accepted flow into a VM listener held against
the GCP network model, for the exact source address the record shows.

A record the destination VM reported (``ACCEPT``), or a connection a logged ingress
firewall rule ``ALLOWED`` at it (Firewall Rules Logging, :mod:`._observed_firewall_gcp`),
on TCP to a declared Kafka port, at one of its addresses, is a connection the VM took.
Its source is walked as itself
(``SRC/32``), not as its network's whole space:

- an address of a collected network (any cloud's, a GCP network by its subnetworks'
  primary and alias ranges): every private connection from that network to the VM's
  (one network, peering, VPN, Interconnect: :func:`~auditor.analysis.network.
  cross_cloud.connections`), then the VM's ingress firewall rules for that address;
- an address behind a site link of the VM's network (an on-premises range): that link,
  then the firewall;
- Google's front ends (health checks and proxies ``35.191.0.0/16``,
  ``130.211.0.0/22``; IAP TCP forwarding ``35.235.240.0/20``): they reach the VM's
  internal address whatever its external IP, so only the firewall decides;
- any other public address: the VM's external IP, a route of its network to the
  default internet gateway, then the firewall;
- anything else: no collected network, peering or link brings it (closed).

Listeners other than VMs (Managed Kafka, forwarding rules) write no VPC Flow Logs
records: they are named INCONCLUSIVE (the model cannot see what reached them).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import platform_networks
from auditor.analysis.network.addresses import cidr_within, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_cloud import connections, network_cidrs
from auditor.analysis.network.cross_traffic import (
    admits,
    behind_links,
    cidr_path,
    network_path,
    target_networks,
)
from auditor.analysis.network.gcp import internet_routed, routes_for
from auditor.analysis.network.path_model import Hop, Path, hops_reach
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.checks._admission import listener
from auditor.checks._observed_firewall_gcp import ACCEPTED
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource

TCP = 6
FRONT_ENDS = ("35.191.0.0/16", "130.211.0.0/22", "35.235.240.0/20")
"""Google's health check / proxy ranges and IAP's, which reach a VM's internal address."""


@dataclass
class GcpNet:
    """One GCP platform network: the flows the model closes or cannot decide, per VM."""

    network: Resource
    listeners: list[str] = field(default_factory=list)
    closed: dict[str, list[tuple[Resource, Path]]] = field(default_factory=dict)
    unknown: dict[str, list[tuple[Resource, Path]]] = field(default_factory=dict)
    judged: int = 0


def _hop(node: str, what: str, detail: str, reach: Reach = Reach.YES) -> Hop:
    return Hop(node=node, what=what, detail=detail, reach=reach)


def _path(source: str, vm: Resource, port: int, via: str, hops: Sequence[Hop]) -> Path:
    blocked = next((h for h in hops if h.reach is not Reach.YES), None)
    return Path(
        source=source,
        target=vm.id,
        port=port,
        reach=hops_reach(hops),
        via=(via,) if via else (),
        hops=tuple(hops),
        reason="reachable" if blocked is None else f"{blocked.what} {blocked.detail}",
    )


def _firewall(graph: BoundaryGraph, vm: Resource, port: int, src: str) -> Hop:
    r, why, rule = admits(graph, vm, port, nets_of([src]))
    return _hop(rule or vm.id, "firewall", why, r)


def _from_internet(graph: BoundaryGraph, vm: Resource, port: int, src: str) -> Path:
    a = vm.attributes
    name = vm.name or vm.id
    hops = [_hop(INTERNET_ID, "source", src)]
    ext = a.get("has_external_access")
    if ext is not True:
        why = "external access not recorded" if ext is None else f"{name} has no external IP"
        hops.append(_hop(vm.id, "external IP", why, Reach.UNKNOWN if ext is None else Reach.NO))
        return _path(src, vm, port, "internet", hops)
    tags = {str(t) for t in a.get("network_tags") or []}
    routed, used = internet_routed(routes_for(graph, str(a.get("vpc_id") or ""), tags))
    if not cidr_within(src, [str(n) for n in routed]):
        detail = f"no route of {name}'s network sends {src} to the default internet gateway"
        hops.append(_hop(str(a.get("vpc_id") or vm.id), "route", detail, Reach.NO))
        return _path(src, vm, port, "internet", hops)
    hops.append(_hop(used[0].id, "route", "to the default internet gateway"))
    hops.append(_firewall(graph, vm, port, src))
    hops.append(_hop(vm.id, "target", f"{name} port {port}"))
    return _path(src, vm, port, "internet", hops)


_SPACES: weakref.WeakKeyDictionary[BoundaryGraph, list[tuple[Resource, list[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _holders(graph: BoundaryGraph, src: str) -> list[Resource]:
    """The collected networks whose ranges (primary and alias) hold ``src``."""
    spaces = _SPACES.get(graph)
    if spaces is None:
        spaces = [
            (n, cidrs)
            for n in sorted(graph.of_kind(Kind.NETWORK), key=lambda x: x.id)
            if not n.attributes.get("stub") and (cidrs := network_cidrs(graph, n, secondary=True))
        ]
        _SPACES[graph] = spaces
    return [n for n, cidrs in spaces if cidr_within(src, cidrs)]


def observed_paths(graph: BoundaryGraph, address: str, vm: Resource, port: int) -> list[Path]:
    """Every candidate path from the single ``address`` to ``vm`` on TCP ``port``."""
    src = f"{address}/32" if ":" not in address else f"{address}/128"
    if cidr_within(src, list(FRONT_ENDS)):
        hops = [
            _hop(INTERNET_ID, "source", f"{src}, a Google front end (health check, proxy, IAP)"),
            _firewall(graph, vm, port, src),
            _hop(vm.id, "target", f"{vm.name or vm.id} port {port}"),
        ]
        return [_path(src, vm, port, "google-front-end", hops)]
    out: list[Path] = []
    tnets = target_networks(graph, vm)
    for holder in _holders(graph, src):
        one = replace(holder, attributes={**holder.attributes, "cidrs": [src]})
        for tnet in tnets:
            out.extend(
                network_path(graph, src, one, vm, port, c) for c in connections(graph, holder, tnet)
            )
    for tnet in tnets:
        out.extend(cidr_path(graph, src, c, vm, port) for c in behind_links(graph, tnet, src))
    ip = parse_net(src)
    if not out and ip is not None and ip.is_global:
        out.append(_from_internet(graph, vm, port, src))
    return out


def _inbound(
    graph: BoundaryGraph, vms: dict[str, Resource], ports: set[int]
) -> Iterator[tuple[Resource, Resource]]:
    """(flow, VM) for each record a platform VM reported as the destination, on TCP to a
    Kafka port, at one of its own addresses."""
    for flow in sorted(graph.of_kind(OBSERVED_FLOW), key=lambda f: f.id):
        a = flow.attributes
        vm = vms.get(str(a.get("instance_id") or ""))
        if flow.cloud != "gcp" or vm is None or a.get("action") not in ACCEPTED:
            continue
        if a.get("protocol") != TCP or a.get("dst_port") not in ports:
            continue
        own = {
            str(vm.attributes.get("private_ip") or ""),
            *map(str, vm.attributes.get("public_ips") or []),
        }
        if str(a.get("dst")) in own:
            yield flow, vm


def gcp_networks(graph: BoundaryGraph, ports: set[int]) -> list[GcpNet]:
    """The GCP platform networks with their VM listeners' accepted flows judged."""
    platform = [r for r in platform_resources(graph) if r.cloud == "gcp" and listener(r)]
    vms = {r.id: r for r in platform if r.kind == Kind.INSTANCE}
    state = {n.id: GcpNet(network=n) for n in platform_networks(graph).networks if n.cloud == "gcp"}
    for vm in vms.values():
        for nid in vm.attributes.get("network_ids") or []:
            if str(nid) in state:
                state[str(nid)].listeners.append(vm.id)
    cache: dict[tuple[str, str, int], list[Path]] = {}
    for flow, vm in _inbound(graph, vms, ports):
        a = flow.attributes
        key = (str(a.get("src")), vm.id, int(str(a.get("dst_port"))))
        if key not in cache:
            cache[key] = observed_paths(graph, key[0], vm, key[2])
        for nid in a.get("network_ids") or [vm.attributes.get("vpc_id")]:
            st = state.get(str(nid))
            if st is None:
                continue
            st.judged += 1
            paths = cache[key]
            reach = (
                Reach.YES
                if any(p.reach is Reach.YES for p in paths)
                else (Reach.UNKNOWN if any(p.reach is Reach.UNKNOWN for p in paths) else Reach.NO)
            )
            if reach is Reach.YES:
                continue
            shown = [p for p in paths if p.reach is reach]
            into = st.closed if reach is Reach.NO else st.unknown
            into.setdefault(vm.id, []).append((flow, shown[0] if shown else _none(key, vm)))
    return [state[k] for k in sorted(state) if state[k].listeners]


def _none(key: tuple[str, str, int], vm: Resource) -> Path:
    return Path(
        source=key[0],
        target=vm.id,
        port=key[2],
        reach=Reach.NO,
        via=(),
        hops=(),
        reason=f"no collected network, peering, site link or internet path brings {key[0]} "
        f"to {vm.name or vm.id}",
    )


def unseen_listeners(graph: BoundaryGraph) -> list[Resource]:
    """GCP platform listeners that are not VMs: VPC Flow Logs do not show what reached them."""
    return sorted(
        (
            r
            for r in platform_resources(graph)
            if r.cloud == "gcp" and listener(r) and r.kind != Kind.INSTANCE
        ),
        key=lambda r: r.id,
    )
