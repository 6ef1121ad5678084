"""Azure outbound reach of one VM: its NICs' routes, way out, and NSG outbound rules.

For each NIC, the destination is carved by every route of its subnet and each piece
takes the longest match (a user route beats a system route of the same prefix):

- system routes: the VNet's ranges (``local``), an active peering's remote ranges
  with network access allowed (``peering``), the private ranges 10/8, 172.16/12,
  192.168/16 and 100.64/10 (dropped: next hop None), 0.0.0.0/0 (Internet);
- user routes of the subnet's route table: next hop ``Internet``, ``None``
  (dropped), ``VnetLocal``; a ``VirtualAppliance`` (an Azure Firewall or another
  appliance, whose policies are not modelled) or a virtual network gateway leaves
  the piece UNKNOWN, naming that.

A piece routed to the Internet leaves through the subnet's NAT gateway (``nat``),
else the NIC's public IP (``internet``), else a Standard load balancer's outbound rule
for a backend pool of the NIC (``internet``), else the subnet's default outbound access
(``internet``; disabled: no way out; not set: UNKNOWN, as its default depends on when
the subnet was created): Azure's order, :mod:`.outbound_azure_way`. Then the NSG
outbound rules, the NIC's then the subnet's, each by priority with Azure's default
rules (AllowVnetOutBound, AllowInternetOutBound, DenyAllOutBound), the first match
deciding each address; no NSG lets everything out. ``VirtualNetwork`` is the VNet's
and its peers' ranges. A rule naming another service tag, or application security
groups, covers addresses the auditor does not list: what it would decide is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.network.addresses import (
    Net,
    carve,
    collapse,
    fmt_nets,
    internet_space,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_cloud import network_cidrs
from auditor.analysis.network.index import local_id
from auditor.analysis.network.outbound_azure_way import Route as _Route
from auditor.analysis.network.outbound_azure_way import (
    active_peerings,
    best,
    internet_way,
    routes,
)
from auditor.analysis.network.outbound_model import Dest, OutPath, named_public, public_dest
from auditor.analysis.network.path_model import Hop
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

APPLIANCE = (
    "Azure Firewall and network virtual appliance policies (a user route's next hop "
    "VirtualAppliance: what the appliance lets out is not modelled)"
)
GATEWAY = "outbound routes to a virtual network gateway (VPN / ExpressRoute)"
SERVICE_TAGS = "public address sets of Azure service tags in NSG rules"
ASGS = "NSG rules by application security group (their members' addresses)"
DEFAULT_ACCESS = (
    "default outbound access of a subnet that does not set defaultOutboundAccess (on or "
    "off by default depending on when the subnet was created)"
)
_ANY = frozenset({"*", "any", "0.0.0.0/0"})


def _hop(node: str, what: str, detail: str, reach: Reach = Reach.YES, why: str = "") -> Hop:
    return Hop(node=node, what=what, detail=detail, reach=reach, unmodelled=why)


def _get(graph: BoundaryGraph, rid: object) -> Resource | None:
    if not rid:
        return None
    res = graph.get(str(rid)) or graph.get(str(rid).lower())
    return None if res is None or res.attributes.get("stub") else res


def azure_outbound(
    graph: BoundaryGraph, res: Resource, network: str, dest: Dest, port: int
) -> list[OutPath]:
    """Outcomes of the Azure VM ``res`` (grouped under ``network``) towards ``dest``."""
    base = OutPath(source=res.id, network=network, dest=dest.label, port=port, reach=Reach.UNKNOWN)
    nic_ids = sorted(str(n) for n in res.attributes.get("interface_ids") or [])
    nics = [_get(graph, n) for n in nic_ids]
    gone = [i for i, n in zip(nic_ids, nics, strict=True) if n is None]
    if gone or not nics:
        return [
            replace(
                base,
                reason=f"the network interfaces of {res.name or res.id} were not collected",
                missing=tuple(gone) or (res.id,),
            )
        ]
    return nics_outbound(graph, res, [n for n in nics if n is not None], base, dest)


def nics_outbound(
    graph: BoundaryGraph, res: Resource, nics: Sequence[Resource], base: OutPath, dest: Dest
) -> list[OutPath]:
    """Outcomes of ``res`` through each of its NICs (a VM's, or a scale set's IP
    configurations read as NICs) towards ``dest``; a named destination through the
    public internet's ranges."""
    out: list[OutPath] = []
    for nic in nics:
        if dest.name:
            got = nic_outbound(graph, res, nic, base, public_dest().nets)
            out.extend(named_public(got, dest))
        else:
            out.extend(nic_outbound(graph, res, nic, base, dest.nets))
    return out


def nic_outbound(
    graph: BoundaryGraph, res: Resource, nic: Resource, base: OutPath, nets: Sequence[Net]
) -> list[OutPath]:
    subnet = _get(graph, nic.attributes.get("subnet_id"))
    vnet = _get(graph, subnet.attributes.get("vpc_id")) if subnet is not None else None
    if subnet is None or vnet is None:
        what = "subnet" if subnet is None else "virtual network"
        return [
            replace(
                base,
                reason=f"the {what} of NIC {nic.name} was not collected",
                missing=(str(nic.attributes.get("subnet_id") or nic.id),),
            )
        ]
    table_id = subnet.attributes.get("route_table_id")
    table = _get(graph, table_id)
    if table_id and table is None:
        return [
            replace(
                base,
                reason=f"route table {local_id(str(table_id))} of subnet {subnet.name} was not "
                "collected",
                missing=(str(table_id),),
            )
        ]
    rs = _routes(graph, vnet, table)
    src = _hop(res.id, "source", res.name or local_id(res.id))
    out: list[OutPath] = []
    todo = list(collapse(nets))
    while todo:
        d = todo.pop()
        pieces = carve(d, [r.net for r in rs])
        if len(pieces) > 1:
            todo.extend(pieces)
            continue
        step = replace(base, nets=(d,), hops=(src,))
        out.extend(_routed(graph, nic, subnet, vnet, step, best(rs, d)))
    return sorted(out, key=lambda p: [(int(n.network_address), n.prefixlen) for n in p.nets])


def _routes(graph: BoundaryGraph, vnet: Resource, table: Resource | None) -> list[_Route]:
    """The system routes of ``vnet`` and the user routes of ``table``."""
    return routes(vnet.id, _space(graph, vnet), _peerings(graph, vnet), table)


def _space(graph: BoundaryGraph, vnet: Resource) -> tuple[Net, ...]:
    return collapse(nets_of(network_cidrs(graph, vnet)))


def _peerings(graph: BoundaryGraph, vnet: Resource) -> list[tuple[Resource, tuple[Net, ...]]]:
    """Active peerings of ``vnet`` allowing network access, with their remote ranges."""
    return active_peerings(graph.of_kind(Kind.PEERING), vnet.id)


def _routed(
    graph: BoundaryGraph,
    nic: Resource,
    subnet: Resource,
    vnet: Resource,
    step: OutPath,
    r: _Route | None,
) -> list[OutPath]:
    """One piece (``step.nets``) by the route ``r`` chosen for it."""
    (d,) = step.nets
    if r is None or r.hop == "none":
        node = r.node if r is not None and r.user else vnet.id
        why = f"user route {r.name} drops it" if r is not None and r.user else "no route holds it"
        return [
            replace(
                step,
                reach=Reach.NO,
                hops=(*step.hops, _hop(node, "route", f"{d}: {why}", Reach.NO)),
                reason=f"{d} is not routed out of {vnet.name}: {why} (next hop None)",
                blocker=node,
            )
        ]
    chose = (r.node,) if r.user else ()
    if r.hop == "local":
        return _nsgs(graph, nic, subnet, vnet, replace(step, via=("local",), route=chose))
    if r.hop == "peering":
        hop = _hop(r.node, "peering", f"{r.name} into {d}")
        nxt = replace(step, via=("peering",), hops=(*step.hops, hop), route=(r.node,))
        return _nsgs(graph, nic, subnet, vnet, nxt)
    if r.hop == "internet":
        return _internet(graph, nic, subnet, vnet, replace(step, route=chose))
    why = APPLIANCE if r.hop == "appliance" else GATEWAY if r.hop == "vpn" else ""
    what = f"user route {r.name} sends {d} to {r.hop} {r.target}".rstrip()
    return [
        replace(
            step,
            hops=(*step.hops, _hop(r.node, "route", what, Reach.UNKNOWN, why)),
            reason=f"{what}, which is not modelled",
            unmodelled=why or f"Azure user routes with next hop type {r.hop}",
        )
    ]


def _internet(
    graph: BoundaryGraph, nic: Resource, subnet: Resource, vnet: Resource, step: OutPath
) -> list[OutPath]:
    """A piece routed to the Internet: out through the NAT gateway, public IP, load balancer
    outbound rule or default outbound access (:func:`.outbound_azure_way.internet_way`),
    then the NSGs."""
    (d,) = step.nets
    if not net_intersect([d], internet_space(d.version)):
        return [
            replace(
                step,
                reach=Reach.NO,
                reason=f"{d} is private: the Internet next hop does not deliver it",
                blocker=step.route[0] if step.route else vnet.id,
            )
        ]
    pips = [str(p) for p in nic.attributes.get("public_ip_ids") or []]
    pools = [str(p) for p in nic.attributes.get("lb_backend_pool_ids") or []]
    out = internet_way(subnet, pips, pools, graph.of_kind(Kind.LOAD_BALANCER))
    if out.how == "nat":
        hop = _hop(out.node, "NAT gateway", f"{local_id(out.node)} of subnet {subnet.name}")
        way: tuple[str, str, Hop] = ("nat", out.node, hop)
    elif out.how == "public ip":
        # A scale set's per-instance public IP has no resource: the scale set stands for it.
        what = "per-instance public IP" if step.source == out.node else "public IP"
        way = ("internet", out.node, _hop(out.node, what, f"of NIC {nic.name}"))
    elif out.how == "load balancer":
        hop = _hop(out.node, "load balancer", f"outbound rule {out.rule} of {local_id(out.node)}")
        way = ("internet", out.node, hop)
    elif out.how == "unknown":
        return [
            replace(
                step,
                reason=f"whether subnet {subnet.name} (no NAT gateway, no public IP on NIC "
                f"{nic.name}) has default outbound access is not recorded",
                unmodelled=DEFAULT_ACCESS,
            )
        ]
    elif out.how == "none":
        return [
            replace(
                step,
                reach=Reach.NO,
                hops=(*step.hops, _hop(subnet.id, "subnet", "no way out", Reach.NO)),
                reason=f"subnet {subnet.name} has no NAT gateway and default outbound access "
                f"disabled, and NIC {nic.name} has no public IP",
                blocker=subnet.id,
            )
        ]
    else:
        hop = _hop(subnet.id, "default outbound access", f"of subnet {subnet.name}")
        way = ("internet", subnet.id, hop)
    via, node, hop = way
    nxt = replace(step, via=(via,), hops=(*step.hops, hop), route=(*step.route, node))
    return _nsgs(graph, nic, subnet, vnet, nxt)


def _nsgs(
    graph: BoundaryGraph, nic: Resource, subnet: Resource, vnet: Resource, step: OutPath
) -> list[OutPath]:
    """``step`` through the NSG outbound rules, the NIC's then the subnet's."""
    ids = [str(g) for g in nic.attributes.get("security_group_ids") or []]
    ids += [str(subnet.attributes["nsg_id"])] if subnet.attributes.get("nsg_id") else []
    nsgs = [_get(graph, g) for g in ids]
    gone = tuple(g for g, n in zip(ids, nsgs, strict=True) if n is None)
    if gone:
        return [replace(step, reason=f"NSG {local_id(gone[0])} was not collected", missing=gone)]
    vnet_space = collapse(
        [*_space(graph, vnet), *(n for _, ns in _peerings(graph, vnet) for n in ns)]
    )
    nets: tuple[Net, ...] = step.nets
    rules: list[str] = []
    out: list[OutPath] = []
    for g in [n for n in nsgs if n is not None]:
        allowed, denied, unknown = nsg_outbound(g, nic, step.port, nets, vnet_space)
        if denied:
            out.append(_denied(step, g, denied[0], denied[1]))
        if unknown:
            out.append(
                replace(
                    step,
                    nets=unknown[1],
                    hops=(*step.hops, _hop(g.id, "NSG", f"rule {unknown[0]}", Reach.UNKNOWN)),
                    reason=f"NSG {g.name} rule {unknown[0]} names addresses the auditor does "
                    "not list",
                    unmodelled=unknown[2],
                )
            )
        if allowed:
            rules.append(g.id)
        nets = allowed
        if not nets:
            return out
    shown = ", ".join(fmt_nets(nets)[:3])
    hops = (*step.hops, *(_hop(g, "NSG", f"allows tcp {step.port} out") for g in rules))
    return [
        *out,
        replace(
            step,
            reach=Reach.YES,
            nets=nets,
            hops=hops,
            reason=f"leaves over {', '.join(step.via)} to {shown}",
            rule=tuple(rules) or (subnet.id,),
        ),
    ]


def _denied(step: OutPath, nsg: Resource, rule: str, nets: tuple[Net, ...]) -> OutPath:
    return replace(
        step,
        reach=Reach.NO,
        nets=nets,
        hops=(*step.hops, _hop(nsg.id, "NSG", f"rule {rule} denies it", Reach.NO)),
        reason=f"NSG {nsg.name} rule {rule} denies tcp {step.port} to "
        f"{', '.join(fmt_nets(nets)[:3])}",
        blocker=nsg.id,
    )


def nsg_outbound(
    nsg: Resource, nic: Resource, port: int, nets: Sequence[Net], vnet_space: Sequence[Net]
) -> tuple[
    tuple[Net, ...], tuple[str, tuple[Net, ...]] | None, tuple[str, tuple[Net, ...], str] | None
]:
    """What of ``nets`` one NSG's outbound rules let out on tcp ``port`` (first match per
    address, by priority): (allowed, (first deny rule, denied), (rule, undecidable, the
    unmodelled feature))."""
    remaining = collapse(nets)
    allowed: list[Net] = []
    deny: tuple[str, list[Net]] | None = None
    rules = [r for r in nsg.attributes.get("rules") or [] if r.get("direction") == "outbound"]
    for rule in sorted(rules, key=lambda r: int(r.get("priority") or 0)):
        if not remaining:
            break
        if rule.get("protocol") not in ("tcp", "-1") or not _port_in(rule, port):
            continue
        if not _source_matches(rule, nic):
            continue
        dst, opaque = _destinations(rule, vnet_space)
        if opaque:
            tags = not rule.get("destination_asgs")
            kind = "service tag" if tags else "application security group"
            label = f"{rule.get('name')} ({kind} {', '.join(opaque)})"
            return (
                collapse(allowed),
                _deny(deny),
                (label, remaining, SERVICE_TAGS if tags else ASGS),
            )
        hit = net_intersect(remaining, dst)
        if not hit:
            continue
        if rule.get("access") == "allow":
            allowed.extend(hit)
        else:
            deny = deny or (str(rule.get("name")), [])
            deny[1].extend(hit)
        remaining = net_subtract(remaining, hit)
    return collapse(allowed), _deny(deny), None


def _deny(deny: tuple[str, list[Net]] | None) -> tuple[str, tuple[Net, ...]] | None:
    return (deny[0], collapse(deny[1])) if deny else None


def _port_in(rule: Mapping[str, Any], port: int) -> bool:
    return any(int(lo) <= port <= int(hi) for lo, hi in rule.get("ports") or [])


def _source_matches(rule: Mapping[str, Any], nic: Resource) -> bool:
    """Whether an outbound rule's source covers the NIC (no recorded address: covered)."""
    if rule.get("source_asgs"):
        asgs = {str(a) for a in nic.attributes.get("application_security_group_ids") or []}
        return bool(asgs & {str(a) for a in rule["source_asgs"]})
    ips = nets_of(f"{i}/32" for i in nic.attributes.get("private_ips") or [])
    for p in rule.get("source_prefixes") or []:
        low = str(p).lower()
        if low in _ANY or low == "virtualnetwork":
            return True
        n = parse_net(str(p))
        if n is not None and (not ips or net_intersect(ips, [n])):
            return True
    return False


def _destinations(
    rule: Mapping[str, Any], vnet_space: Sequence[Net]
) -> tuple[tuple[Net, ...], list[str]]:
    """(addresses an outbound rule's destination covers, names of sets it cannot list)."""
    if rule.get("destination_asgs"):
        return (), [local_id(str(a)) for a in rule["destination_asgs"]]
    out: list[Net] = []
    opaque: list[str] = []
    for p in rule.get("destination_prefixes") or []:
        low = str(p).strip().lower()
        if low in _ANY:
            out.extend(nets_of(["0.0.0.0/0"]))
        elif low == "internet":
            out.extend(internet_space(4))
        elif low == "virtualnetwork":
            out.extend(vnet_space)
        elif (n := parse_net(str(p))) is not None:
            out.append(n)
        else:
            opaque.append(str(p))
    return collapse(out), opaque
