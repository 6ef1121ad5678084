"""Outbound reach: where the platform's own resources can send traffic, and over what.

The inbound engine asks who reaches a listener; the monitoring-export and egress
traffic classes ask the reverse: from each platform resource, to a destination
(a CIDR, a named endpoint, or the public address space), on a port. One
:class:`OutPath` per source and outcome, three-valued like every answer here.

Per cloud: AWS in this module (route walk of the source subnet's table, the
NACL both ways, the source's security group egress rules), GCP in
:mod:`.outbound_gcp` (routes, external IP or Cloud NAT, egress firewall rules),
Azure in :mod:`.outbound_azure` (system and user routes, NAT gateway, public IP or
default outbound access, NSG outbound rules; appliances such as Azure Firewall
are UNKNOWN, named). The public space over IPv6 (:mod:`.outbound_ipv6`): AWS by the
subnet's IPv6 routes (internet and egress-only internet gateways), NACL and security
groups; GCP and Azure sources in subnets with IPv6 ranges are UNKNOWN, named.

A named endpoint with no private endpoint in the source's network is reached at
public addresses DNS gives; those are not collected, so it is judged over the
whole public space: reached if all of it is, not if none is, UNKNOWN between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network.acl import acl_eval, acl_range
from auditor.analysis.network.addresses import (
    Net,
    collapse,
    covers,
    fmt_nets,
    net_intersect,
    net_subtract,
    nets_of,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_cloud import network_cidrs
from auditor.analysis.network.index import local_id
from auditor.analysis.network.outbound_azure import azure_outbound
from auditor.analysis.network.outbound_azure_scale import scale_set_outbound
from auditor.analysis.network.outbound_gcp import gcp_outbound
from auditor.analysis.network.outbound_ipv6 import (
    INTERNET_TARGETS,
    PUBLIC6,
    UNMODELLED,
    ipv6_ranges,
    public_v6_routes,
    subnets_of,
)
from auditor.analysis.network.outbound_model import (
    Dest,
    OutPath,
    declared_links,
    named_public,
    public_dest,
)
from auditor.analysis.network.path_model import Hop, Origin, Walk
from auditor.analysis.network.paths import PathEngine, path_engine
from auditor.analysis.network.security_groups import sg_decide
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

SOURCE_KINDS = (Kind.INSTANCE, Kind.KAFKA_CLUSTER, Kind.SCALING_GROUP)
"""Platform resources whose outbound traffic is judged (they hold the addresses). A
Kafka cluster counts on AWS only: MSK brokers sit in the customer's subnets behind its
security groups, while Managed Kafka and Event Hubs run in the provider's networks. A
scaling group counts on Azure only (its instances' NICs are not collected: the scale
set's network profile stands for them); AWS and GCP list the instances themselves."""

_ONLY_ON: dict[str, str] = {Kind.KAFKA_CLUSTER: "aws", Kind.SCALING_GROUP: "azure"}


def sources(graph: BoundaryGraph) -> list[Resource]:
    """Platform resources whose outbound traffic is judged, in id order."""
    return sorted(
        (
            r
            for r in platform_resources(graph)
            if r.kind in SOURCE_KINDS and _ONLY_ON.get(r.kind, r.cloud) == r.cloud
        ),
        key=lambda r: r.id,
    )


def outbound(graph: BoundaryGraph, dest: Dest, port: int) -> list[OutPath]:
    """Every platform source's outcomes towards ``dest`` on ``port``, per cloud."""
    engine = path_engine(graph)
    out: list[OutPath] = []
    for res in sources(graph):
        if res.cloud == "aws":
            out.extend(_aws(engine, res, dest, port))
        elif res.cloud == "gcp":
            out.extend(gcp_outbound(graph, res, dest, port))
        elif res.cloud == "azure" and res.kind == Kind.SCALING_GROUP:
            out.extend(scale_set_outbound(graph, res, _azure_network(graph, res), dest, port))
        elif res.cloud == "azure":
            out.extend(azure_outbound(graph, res, _azure_network(graph, res), dest, port))
        if dest.ipv6:
            out.extend(_ipv6(engine, res, dest, port))
    return out


def _ipv6(engine: PathEngine, res: Resource, dest: Dest, port: int) -> list[OutPath]:
    """``res`` towards the public IPv6 space: AWS judged, elsewhere UNKNOWN when one of its
    subnets holds IPv6 ranges (nothing when none does: it holds no IPv6 address)."""
    if res.cloud == "aws":
        return _aws_v6(engine, res, dest, port)
    graph = engine.graph
    subs = subnets_of(graph, res)
    if not subs:  # not collected: the IPv4 walk already says so
        return []
    network = (
        _azure_network(graph, res)
        if res.cloud == "azure"
        else str(res.attributes.get("vpc_id") or res.id)
    )
    dual = [(s, ipv6_ranges(s)) for s in subs]
    dual = [(s, r) for s, r in dual if r is None or r]
    if not dual:
        return []
    s, ranges = dual[0]
    held = ", ".join(fmt_nets(ranges)) if ranges else "IPv6 ranges it does not name"
    return [
        OutPath(
            source=res.id,
            network=network,
            dest=dest.label,
            port=port,
            reach=Reach.UNKNOWN,
            nets=PUBLIC6,
            hops=(engine.hop(res, "source", res.name or local_id(res.id)),),
            reason=f"subnet {s.name or local_id(s.id)} of {res.name or local_id(res.id)} holds "
            f"{held}: its IPv6 path to the internet is not modelled",
            unmodelled=UNMODELLED.get(res.cloud, f"IPv6 egress on {res.cloud}"),
        )
    ]


def _aws_v6(engine: PathEngine, res: Resource, dest: Dest, port: int) -> list[OutPath]:
    """The subnet's routes over the public IPv6 space, each routed piece through the NACL
    and security groups as IPv4 is."""
    vpcs = engine.view.networks_of(res)
    net = vpcs[0].id if vpcs else res.id
    out: list[OutPath] = []
    addrs = res.attributes.get("ipv6_addresses")
    for o in engine.origins_for_resource(res):
        if o.subnet is None or (isinstance(addrs, list) and not addrs):
            continue  # an instance with no IPv6 address sends nothing over IPv6
        ranges = ipv6_ranges(o.subnet)
        if ranges == ():
            continue  # a subnet with no IPv6 range gives no IPv6 address
        table = engine.view.route_table_for(o.subnet)
        if table is None:
            continue  # the IPv4 walk already says no route table decides the subnet
        base = OutPath(source=res.id, network=net, dest=dest.label, port=port, reach=Reach.UNKNOWN)
        if ranges is None:
            routes, _ = public_v6_routes(table)
            if not any(r.target_type != "local" for r in routes):
                continue  # no IPv6 route out: nothing leaves, whatever the ranges
            out.append(
                replace(
                    base,
                    nets=PUBLIC6,
                    reason=f"route table {local_id(table.id)} routes public IPv6 out of subnet "
                    f"{local_id(o.subnet.id)}, whose IPv6 ranges were not recorded",
                    unmodelled="IPv6 ranges of a subnet whose record does not list them",
                )
            )
            continue
        out.extend(_aws_v6_routes(engine, res, o, table, base, addrs, port))
    return out


def _aws_v6_routes(
    engine: PathEngine,
    res: Resource,
    o: Origin,
    table: Resource,
    base: OutPath,
    addrs: object,
    port: int,
) -> list[OutPath]:
    assert o.subnet is not None
    src_hop = engine.hop(res, "source", res.name or local_id(res.id))
    routes, _ = public_v6_routes(table)  # the rest has no route: it does not leave
    acl = engine.view.acl_for(o.subnet)
    out: list[OutPath] = []
    for r in routes:
        if r.target_type == "local":
            continue  # the VPC's own (public) IPv6 range: delivered inside, not egress
        what = f"{r.destination} -> {r.target_id or r.target_type}"
        hop = engine.hop(table, "route table", what)
        step = replace(base, nets=r.nets, hops=(src_hop, hop), route=(table.id,))
        if r.state != "active":
            out.append(
                replace(
                    step,
                    reach=Reach.NO,
                    reason=f"IPv6 route {what} of {local_id(table.id)} is {r.state}",
                    blocker=table.id,
                )
            )
        elif r.target_type not in INTERNET_TARGETS:
            out.append(
                replace(
                    step,
                    reason=f"IPv6 route {what} of {local_id(table.id)} goes to a "
                    f"{r.target_type}, which the IPv6 model does not follow",
                    unmodelled=f"IPv6 routes to a {r.target_type} (AWS)",
                )
            )
        elif not isinstance(addrs, list):
            out.append(
                replace(
                    step,
                    via=("internet",),
                    reason=f"{res.name or local_id(res.id)} sits in a dual-stack subnet whose "
                    f"IPv6 route {what} leaves to the internet; whether it holds an IPv6 "
                    "address was not recorded",
                    unmodelled=f"IPv6 addresses of AWS {res.kind} resources",
                )
            )
        else:
            via = (INTERNET_TARGETS[r.target_type],)
            out.extend(
                _filtered(engine, res, o, acl, base, r.nets, via, step.hops, step.route, port)
            )
    return out


def _azure_network(graph: BoundaryGraph, res: Resource) -> str:
    """The VNet of an Azure source (its own, else its first NIC's), else the source itself."""
    if res.attributes.get("vpc_id"):
        return str(res.attributes["vpc_id"])
    for nic_id in sorted(str(n) for n in res.attributes.get("interface_ids") or []):
        nic = graph.get(nic_id) or graph.get(nic_id.lower())
        if nic is not None and nic.attributes.get("vpc_id"):
            return str(nic.attributes["vpc_id"])
    return res.id


def _aws(engine: PathEngine, res: Resource, dest: Dest, port: int) -> list[OutPath]:
    vpcs = engine.view.networks_of(res)
    net = vpcs[0].id if vpcs else res.id
    origins = engine.origins_for_resource(res)
    if not origins:
        return [
            OutPath(
                source=res.id,
                network=net,
                dest=dest.label,
                port=port,
                reach=Reach.UNKNOWN,
                reason=f"the subnets of {res.name or res.id} were not collected",
                missing=(res.id,),
            )
        ]
    out: list[OutPath] = []
    for o in origins:
        if dest.name:
            out.extend(_aws_named(engine, res, o, net, dest, port))
        else:
            out.extend(_aws_nets(engine, res, o, net, dest, dest.nets, port))
    return out


def _aws_named(
    engine: PathEngine, res: Resource, o: Origin, net: str, dest: Dest, port: int
) -> list[OutPath]:
    """A named service: over its interface endpoint in the VPC, else at public addresses."""
    vid = str(
        res.attributes.get("vpc_id") or (o.subnet.attributes.get("vpc_id") if o.subnet else "")
    )
    for ep in engine.graph.of_kind(Kind.PRIVATE_ENDPOINT):
        a = ep.attributes
        if ep.cloud != "aws" or ep.region != res.region or str(a.get("vpc_id")) != vid:
            continue
        if str(a.get("service_name") or "") != dest.name or a.get("endpoint_type") != "Interface":
            continue
        base = OutPath(source=res.id, network=net, dest=dest.label, port=port, reach=Reach.NO)
        hop = engine.hop(ep, "interface endpoint", dest.name)
        if a.get("state") != "available":
            state = a.get("state")
            return [
                replace(
                    base,
                    reach=Reach.UNKNOWN if state is None else Reach.NO,
                    via=("private-endpoint",),
                    hops=(hop,),
                    reason=f"interface endpoint {local_id(ep.id)} is "
                    f"{state or 'in no known state'}",
                    blocker=ep.id,
                    missing=(ep.id,) if state is None else (),
                )
            ]
        subs = [engine.view.subnet(ep.region, str(s)) for s in a.get("subnet_ids") or []]
        nets = collapse(n for s in subs if s for n in nets_of([s.attributes.get("cidr")]))
        got = _aws_nets(engine, res, o, net, dest, nets, port, endpoint=ep)
        # The endpoint's own security groups must admit the source on the port.
        sgs, missing = engine.view.firewalls_of(ep)
        groups = [str(g.attributes.get("group_id") or local_id(g.id)) for g in o.sgs or ()]
        d = sg_decide(sgs, port, egress=False, nets=o.nets, far_groups=groups)
        if d.admits or not any(p.reach is Reach.YES for p in got):
            return got
        blocker = sgs[0].id if sgs else ep.id
        return [
            replace(
                base,
                reach=Reach.UNKNOWN if missing else Reach.NO,
                via=("private-endpoint",),
                hops=(*got[0].hops, engine.hop(blocker, "security group", "admits no source")),
                reason=f"the security groups of interface endpoint {local_id(ep.id)} do not "
                f"admit {local_id(res.id)} on tcp {port}",
                blocker=blocker,
                missing=tuple(missing),
            )
        ]
    return named_public(_aws_nets(engine, res, o, net, dest, public_dest().nets, port), dest)


def _aws_nets(
    engine: PathEngine,
    res: Resource,
    o: Origin,
    net: str,
    dest: Dest,
    nets: Sequence[Net],
    port: int,
    *,
    endpoint: Resource | None = None,
) -> list[OutPath]:
    """Route walk, NACL out and back, security group egress, for each piece of ``nets``."""
    assert o.subnet is not None
    base = OutPath(source=res.id, network=net, dest=dest.label, port=port, reach=Reach.UNKNOWN)
    table = engine.view.route_table_for(o.subnet)
    if table is None:
        return [
            replace(
                base,
                reach=Reach.UNKNOWN,
                reason=f"no route table decides subnet {local_id(o.subnet.id)}",
                missing=(o.subnet.id,),
            )
        ]
    src_hop = engine.hop(res, "source", f"{res.name or local_id(res.id)}")
    acl = engine.view.acl_for(o.subnet)
    out: list[OutPath] = []
    own = engine.vpc_of(o.subnet)

    def holder(piece: Net) -> Resource | None:
        return _vpc_holding(engine, piece, own)

    for whole in nets:
        pieces: list[tuple[Net, Walk | None]] = [(whole, None)]
        if endpoint is None:
            # each piece is walked towards the network that holds it (pieces of one
            # destination may lie in the source's VPC, a peer's, or none)
            pieces = list(engine.walk_parts(table, whole, holder))
        for piece, w in pieces:
            if w is None:
                via: tuple[str, ...] = ("private-endpoint",)
                hops: tuple[Hop, ...] = (
                    src_hop,
                    engine.hop(endpoint or res, "interface endpoint", dest.name),
                )
                route: tuple[str, ...] = ()
            else:
                w = _into_uncollected_peer(engine, w, piece, own)
                stopped = _stopped(res, o, table, replace(base, nets=(piece,)), src_hop, w)
                if stopped is not None:
                    out.append(stopped)
                    continue
                via = declared_links(w.via) or ("local",)
                hops = (src_hop, *w.hops)
                route = _route_cause(table, via, w)
            out.extend(_filtered(engine, res, o, acl, base, (piece,), via, hops, route, port))
    return out


def _stopped(
    res: Resource, o: Origin, table: Resource, base: OutPath, src_hop: Hop, w: Walk
) -> OutPath | None:
    """The outcome of a walk that does not get out (``base`` holds its piece): dropped or
    undecided on the way, or at an internet gateway with no public address to answer;
    None when it gets out."""
    if w.reach is not Reach.YES:
        h = next((x for x in w.hops if x.reach is not Reach.YES), None)
        return replace(
            base,
            reach=w.reach,
            hops=(src_hop, *w.hops),
            reason=w.reason,
            # the hop that drops it is what must change (a route table, a peering,
            # a TGW route table or attachment, a NAT gateway)
            blocker=h.node if h is not None else table.id,
            unmodelled=h.unmodelled if h else "",
            missing=w.missing,
        )
    via = declared_links(w.via) or ("local",)
    if w.fate != "internet" or "nat" in via or o.public is True:
        return None
    return replace(
        base,
        reach=Reach.UNKNOWN if o.public is None else Reach.NO,
        via=via,
        hops=(src_hop, *w.hops),
        reason=f"{res.name or local_id(res.id)} has no public address for the internet "
        "gateway to answer",
        blocker=res.id,
        missing=(res.id,) if o.public is None else (),
    )


_LINK_HOPS = ("peering", "TGW attachment", "gateway endpoint")


def _route_cause(table: Resource, via: tuple[str, ...], w: Walk) -> tuple[str, ...]:
    """What chose the link: the route table for the internet or a NAT (as inbound), the
    link itself (the peering, the source's TGW attachment, the endpoint) otherwise."""
    if via == ("local",):
        return ()
    if "internet" in via or "nat" in via:
        return (table.id,)
    link = next((h.node for h in w.hops if h.what in _LINK_HOPS), "")
    return (link,) if link else (table.id,)


def _into_uncollected_peer(engine: PathEngine, w: Walk, piece: Net, own: Resource | None) -> Walk:
    """A walk dropped at an active peering only because no collected VPC holds ``piece``:
    when the peering's far side declares CIDRs holding it (a collector in a peer VPC
    outside the scan), the packet is delivered there."""
    if w.reach is not Reach.NO or w.via != ("peering",) or _vpc_holding(engine, piece, own):
        return w
    h = next((x for x in w.hops if x.what == "peering"), None)
    p = engine.graph.get(h.node) if h is not None else None
    if p is None or p.attributes.get("status") != "active":
        return w
    for side in ("requester", "accepter"):
        info = p.attributes.get(side) or {}
        if covers(nets_of(info.get("cidrs") or []), [piece]):
            hops = tuple(
                replace(x, reach=Reach.YES, detail=f"{x.detail.split(':')[0]} into {piece}")
                if x.what == "peering"
                else x
                for x in w.hops
            )
            return replace(w, reach=Reach.YES, hops=hops, reason="peering", fate="deliver")
    return w


def _vpc_holding(engine: PathEngine, n: Net, own: Resource | None) -> Resource | None:
    """The collected VPC whose CIDRs hold ``n``: the source's own when it does (VPCs
    may overlap), else the first other by id (a collector in a peered VPC), else None."""
    if own is not None and covers(nets_of(network_cidrs(engine.graph, own)), [n]):
        return own
    for v in sorted(engine.graph.of_kind(Kind.NETWORK), key=lambda v: v.id):
        if v.cloud == "aws" and covers(nets_of(network_cidrs(engine.graph, v)), [n]):
            return v
    return None


def _filtered(
    engine: PathEngine,
    res: Resource,
    o: Origin,
    acl: Resource | None,
    base: OutPath,
    routed: tuple[Net, ...],
    via: tuple[str, ...],
    hops: tuple[Hop, ...],
    route: tuple[str, ...],
    port: int,
) -> list[OutPath]:
    """The ``routed`` addresses through the subnet's NACL (request out, reply in) and the
    source's security group egress rules."""
    nets: tuple[Net, ...] = routed
    shown = ", ".join(fmt_nets(routed)[:3]) + (" ..." if len(routed) > 3 else "")
    rule: list[str] = []
    if acl is None:  # every subnet has one: not collected, so unknown, never allowing
        assert o.subnet is not None
        return [
            replace(
                base,
                reach=Reach.UNKNOWN,
                via=via,
                nets=nets,
                hops=(
                    *hops,
                    engine.hop(o.subnet, "network ACL", "not collected", Reach.UNKNOWN),
                ),
                reason=f"the network ACL of subnet {local_id(o.subnet.id)} was not collected",
                route=route,
                missing=(o.subnet.id,),
            )
        ]
    d = acl_eval(acl, egress=True, nets=nets, port=port)
    back = acl_range(acl, egress=False, nets=d.allowed).allowed if d.allowed else ()
    if not back:
        return [
            replace(
                base,
                reach=Reach.NO,
                via=via,
                nets=nets,
                hops=(*hops, engine.hop(acl, "network ACL", "drops it", Reach.NO)),
                reason=f"network ACL {local_id(acl.id)} drops tcp {port} to {shown} "
                "(request out or reply in)",
                route=route,
                blocker=acl.id,
            )
        ]
    if set(back) != set(routed):
        nets = back
        rule.append(acl.id)
    step = replace(base, via=via, nets=nets, hops=hops, route=route)
    return _sg_egress(engine, res, o, step, rule, port)


def _sg_egress(
    engine: PathEngine, res: Resource, o: Origin, step: OutPath, rule: list[str], port: int
) -> list[OutPath]:
    """``step`` (routed, past the NACL) through the source's security group egress rules:
    one outcome per group that lets something out, each a cause of what it admits."""
    nets, via, hops = step.nets, step.via, step.hops
    region = res.region
    sgs = list(o.sgs or ())
    d2 = sg_decide(
        sgs, port, egress=True, nets=nets, prefix_lists=lambda pl: engine.prefix_list(region, pl)
    )
    names = ", ".join(local_id(g.id) for g in sgs) or "its groups"
    gone = _uncollected(step, res, o, d2.unknown_prefix_lists)
    if gone is not None and not d2.nets:
        return [gone]
    if not d2.nets:
        blocker = sgs[0].id if sgs else res.id
        return [
            replace(
                step,
                reach=Reach.NO,
                hops=(
                    *hops,
                    engine.hop(
                        blocker, "security group", f"no egress rule allows tcp {port}", Reach.NO
                    ),
                ),
                reason=f"no egress rule of {names} allows tcp {port} to "
                f"{', '.join(fmt_nets(nets))}",
                blocker=blocker,
            )
        ]
    out: list[OutPath] = []
    if gone is not None:  # what those groups or lists would let out is unknown, not absent
        rest = net_subtract(nets, d2.nets)
        if rest:
            out.append(replace(gone, nets=rest))
    for sg in sgs:
        d3 = sg_decide(
            [sg],
            port,
            egress=True,
            nets=nets,
            prefix_lists=lambda pl: engine.prefix_list(region, pl),
        )
        got = net_intersect(d3.nets, nets)
        if not got:
            continue
        out.append(
            replace(
                step,
                reach=Reach.YES,
                nets=got,
                hops=(*hops, engine.hop(sg, "security group", f"egress rule allows tcp {port}")),
                reason=f"leaves over {', '.join(via)} to {', '.join(fmt_nets(got)[:3])}",
                rule=tuple(dict.fromkeys([*rule, sg.id])),
            )
        )
    return out


def _uncollected(step: OutPath, res: Resource, o: Origin, lists: Sequence[str]) -> OutPath | None:
    """``step`` UNKNOWN because security groups of ``res``, or prefix lists their rules
    name, were not collected (what they let out is unknown, not absent); None if none."""
    if not o.missing_sgs and not lists:
        return None
    parts = []
    if o.missing_sgs:
        parts.append(f"security groups {', '.join(o.missing_sgs)} of {local_id(res.id)}")
    if lists:
        parts.append(f"prefix lists {', '.join(lists)}")
    return replace(
        step,
        reach=Reach.UNKNOWN,
        reason=f"{' and '.join(parts)} were not collected",
        missing=(
            *(_sg_arn(res, g) for g in o.missing_sgs),
            *(f"arn:aws:ec2:{res.region}:{res.account}:prefix-list/{pl}" for pl in lists),
        ),
    )


def _sg_arn(res: Resource, group: str) -> str:
    return f"arn:aws:ec2:{res.region}:{res.account}:security-group/{group}"


def probe_ports(graph: BoundaryGraph, ports: Sequence[int]) -> list[int]:
    """Ports to judge egress on: ``ports`` and the first port of every egress rule that
    applies to a platform source (so a rule opening only 22 out is not missed)."""
    from auditor.analysis.network.gcp import firewalls_for

    engine = path_engine(graph)
    found = set(ports)
    for res in sources(graph):
        rules: list[object] = []
        if res.cloud == "aws":
            sgs, _ = engine.view.firewalls_of(res)
            rules = [r for g in sgs for r in g.attributes.get("egress") or []]
        elif res.cloud == "gcp":
            a = res.attributes
            fws = firewalls_for(
                graph,
                str(a.get("vpc_id") or ""),
                {str(t) for t in a.get("network_tags") or []},
                {str(s) for s in a.get("service_accounts") or []},
                "egress",
            )
            rules = [r for f in fws for r in f.attributes.get("rules") or []]
        for r in rules:
            lo = r.get("from_port") if isinstance(r, dict) else None
            if isinstance(lo, int) and lo > 0:
                found.add(lo)
    return sorted(found)
