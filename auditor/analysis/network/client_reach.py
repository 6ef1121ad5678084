"""Which undeclared sources a firewall rule admits can actually reach the listener.

A rule admitting ``0.0.0.0/0`` on a Kafka port is a configuration smell; whether
it lets undeclared clients in depends on the paths to the listener. This module
asks the path engine (:mod:`.paths`) about the undeclared part of each admitted
source, leaving out the platform's own networks (the brokers talk to each other
there) and the declared client and replication CIDRs:

- **AWS**: the undeclared addresses become origins (estate subnets holding
  them, the internet for their public part, VPN/Direct Connect for the rest
  when the estate has such gateways) and every path to the listener is walked
  hop by hop (routes, NACLs, security groups, the reply).
- **Azure and GCP**: the public part reaches the listener when the internet
  does (:meth:`~.view.NetworkView.exposures`: a public address, the NSG or
  firewall rules, the route); the private part when it lies in a network
  peered with the listener's; private addresses elsewhere arrive only over a
  site link (VPN, ExpressRoute, Interconnect), whose far address spaces are not
  collected (UNKNOWN when the cloud has site links, else NO).
- IPv6 sources are UNKNOWN, named: the inventory records no IPv6 addresses or
  routes.
- Sources named by membership (a security group reference, an application
  security group, a source tag or service account) and Event Hubs rules (a
  public endpoint: every IP rule is an internet address set) reach by
  construction: they are judged as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from auditor.analysis.network.addresses import (
    Net,
    collapse,
    fmt_nets,
    net_intersect,
    net_subtract,
    nets_of,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_cloud import network_cidrs
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import WORLD, Path
from auditor.analysis.network.paths import best, path_engine, verdict_of
from auditor.analysis.network.view import network_view
from auditor.base.kinds.network import SITE_LINK
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource

SITE_LINK_SPACES = "address spaces behind VPN, ExpressRoute, Interconnect or Direct Connect links"
"""The feature an UNKNOWN over a site link names (its far side is not collected)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceReach:
    """Whether the undeclared part of one admitted source reaches one listener on a port."""

    target: str
    port: int
    reach: Reach
    reaching: tuple[str, ...] = ()
    """Undeclared CIDRs that get through (YES); a membership source names itself."""
    via: tuple[str, ...] = ()
    reason: str = ""
    paths: tuple[Path, ...] = ()
    """The paths worth showing (:func:`~.paths.best`)."""
    nodes: tuple[str, ...] = ()
    """The graph nodes the answer rests on (for evidence)."""
    missing: tuple[str, ...] = ()
    unmodelled: str = ""


def internal_space(graph: BoundaryGraph, networks: Sequence[Resource]) -> tuple[Net, ...]:
    """Addresses of the platform's own networks (:func:`.cross_cloud.network_cidrs`)."""
    return nets_of(c for n in networks for c in network_cidrs(graph, n))


def undeclared_part(
    nets: Sequence[Net], allowed: Sequence[str], internal: Sequence[Net]
) -> tuple[Net, ...]:
    """``nets`` without the declared CIDRs and the platform's own networks."""
    return net_subtract(nets, [*nets_of(allowed), *internal])


def aws_reach(
    graph: BoundaryGraph, target: Resource, port: int, written: str, undeclared: Sequence[Net]
) -> SourceReach:
    """Every path from the ``undeclared`` addresses of the rule source ``written`` to
    ``target`` on ``port``, through the path engine."""
    eng = path_engine(graph)
    origins, public, entry = eng.origins_for_cidr(written)
    mine = []
    for o in origins:
        part = net_intersect(o.nets, undeclared)
        if part:
            mine.append(replace(o, nets=part))
    public = net_intersect(public, undeclared)
    inside = [n for o in origins for n in o.nets]
    rest = net_subtract(net_subtract(undeclared, inside), WORLD)
    entry = entry if rest else Reach.NO
    label = f"{written} (undeclared part)"
    paths = eng.from_origins(mine, public, entry, label, target, port)
    shown = best(paths)
    reach = verdict_of(paths)
    reaching = collapse(n for p in paths if p.reach is Reach.YES for n in nets_of(p.sources))
    via = tuple(dict.fromkeys(v for p in shown for v in p.via))
    nodes = tuple(dict.fromkeys(n for p in shown for n in p.nodes()))
    missing = tuple(sorted({m for p in paths if p.reach is Reach.UNKNOWN for m in p.missing}))
    unmodelled = ""
    if reach is Reach.UNKNOWN:
        unmodelled = (
            f"{', '.join(local_id(m) for m in missing[:3])} (not collected)"
            if missing
            else SITE_LINK_SPACES
        )
    if reach is Reach.NO:  # every leg was dropped: say where, internet leg first
        legs = sorted(paths, key=lambda p: (INTERNET_ID not in p.nodes(), p.source))
        reasons = list(dict.fromkeys(f"{_leg(p)}: {p.reason}" for p in legs if p.reason))
        reason = "; ".join(reasons[:3]) or (
            "no collected subnet holds these addresses, none is an internet address, and no "
            "VPN or Direct Connect gateway could bring them"
        )
    elif reach is Reach.YES:
        reason = f"{_leg(shown[0])} via {', '.join(shown[0].via) or 'the local route'}"
    else:
        reason = f"{_leg(shown[0])}: {shown[0].reason}" if shown else "no path was found"
    return SourceReach(
        target=target.id,
        port=port,
        reach=reach,
        reaching=tuple(fmt_nets(reaching)),
        via=via,
        reason=reason,
        paths=tuple(shown),
        nodes=nodes,
        missing=missing,
        unmodelled=unmodelled,
    )


def _leg(p: Path) -> str:
    """Which leg a path is, for a reason: from the internet or from an estate subnet."""
    if INTERNET_ID in p.nodes():
        return "from the internet"
    first = p.nodes()[0] if p.nodes() else p.source
    return f"from {local_id(first)}"


def _networks(graph: BoundaryGraph, target: Resource) -> set[str]:
    """The networks ``target`` sits in: its own, its NICs' (Azure VMs) or its scale set
    NIC configurations' subnets' networks."""
    view = network_view(graph)
    parts = [target]
    for nid in [str(n) for n in target.attributes.get("interface_ids") or []]:
        nic = graph.get(nid) or graph.get(nid.lower())
        if nic is not None:
            parts.append(nic)
    if target.kind == Kind.SCALING_GROUP and target.cloud == "azure":
        from auditor.analysis.network.azure import scale_set_nics

        parts.extend(scale_set_nics(target))
    out: set[str] = set()
    for r in parts:
        out.update(n.id for n in view.networks_of(r))
        out.update({str(r.attributes.get("vpc_id") or "")} - {""})
        sub = graph.get(str(r.attributes.get("subnet_id") or ""))
        if sub is not None:
            out.update({str(sub.attributes.get("vpc_id") or "")} - {""})
    return out


def _peered_space(
    graph: BoundaryGraph, network_ids: set[str]
) -> tuple[tuple[Net, ...], tuple[str, ...]]:
    """Address spaces of active peerings from any of ``network_ids`` (their far side), and
    the far networks whose space is not known (GCP records none on the peering: the far
    network's collected subnetworks stand for it)."""
    nets: list[Net] = []
    unknown: list[str] = []
    for peer in graph.of_kind(Kind.PEERING):
        req = peer.attributes.get("requester")
        acc = peer.attributes.get("accepter")
        if not isinstance(req, dict) or not isinstance(acc, dict):
            continue
        if str(peer.attributes.get("status") or "").lower() != "active":
            continue
        for near, far in ((req, acc), (acc, req)):
            if str(near.get("vpc_id") or "") not in network_ids:
                continue
            far_id = str(far.get("vpc_id") or "")
            got = nets_of(far.get("cidrs") or [])
            far_net = graph.get(far_id) if not got and far_id else None
            if far_net is not None:
                got = nets_of(network_cidrs(graph, far_net))
            if got:
                nets.extend(got)
            else:
                unknown.append(far_id or peer.id)
    return collapse(nets), tuple(sorted(set(unknown)))


def cloud_reach(
    graph: BoundaryGraph, target: Resource, port: int, undeclared: Sequence[Net]
) -> SourceReach:
    """Azure / GCP: the public part against the listener's internet exposure, the private
    part against peered address spaces and site links."""
    public = net_intersect(undeclared, WORLD)
    private = net_subtract(undeclared, WORLD)
    answers: list[SourceReach] = []
    if public:
        answers.append(_public_reach(graph, target, port, public))
    if private:
        answers.append(_private_reach(graph, target, port, private))
    for want in (Reach.YES, Reach.UNKNOWN, Reach.NO):
        got_ = [a for a in answers if a.reach is want]
        if got_:
            return replace(
                got_[0],
                reaching=tuple(fmt_nets(collapse(nets_of(r for a in got_ for r in a.reaching)))),
                via=tuple(dict.fromkeys(v for a in got_ for v in a.via)),
            )
    return SourceReach(target=target.id, port=port, reach=Reach.NO, reason="nothing undeclared")


def _public_reach(
    graph: BoundaryGraph, target: Resource, port: int, public: Sequence[Net]
) -> SourceReach:
    """Public sources against the listener's internet exposure (Azure / GCP)."""
    view = network_view(graph)
    exposures = view.exposures(target, [port])
    yes = [e for e in exposures if e.reach is Reach.YES]
    unknown = [e for e in exposures if e.reach is Reach.UNKNOWN]
    if yes:
        got = net_intersect(public, nets_of(s for e in yes for s in e.sources)) or public
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.YES,
            reaching=tuple(fmt_nets(got)),
            via=("internet",),
            reason=yes[0].reason,
            nodes=tuple(dict.fromkeys(n for e in yes for n in e.path)),
        )
    elif unknown:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.UNKNOWN,
            via=("internet",),
            reason=unknown[0].reason,
            nodes=unknown[0].path,
            missing=tuple(m for e in unknown for m in e.missing),
            unmodelled="" if any(e.missing for e in unknown) else unknown[0].reason,
        )
    else:
        why = exposures[0].reason if exposures else "no listener on the port"
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.NO,
            via=("internet",),
            reason=f"the internet does not reach it: {why}",
        )


def _private_reach(
    graph: BoundaryGraph, target: Resource, port: int, private: Sequence[Net]
) -> SourceReach:
    """Private sources outside the platform against peered address spaces and site links."""
    networks = _networks(graph, target)
    space, unknown_far = _peered_space(graph, networks)
    peered = net_intersect(private, space)
    links = [s for s in graph.of_kind(SITE_LINK) if s.cloud == target.cloud]
    if not networks:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.UNKNOWN,
            reason="its network was not found, so which networks peer with it is unknown",
            missing=(target.id,),
            unmodelled=f"the network of {target.id}",
        )
    elif peered:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.YES,
            reaching=tuple(fmt_nets(peered)),
            via=("peering",),
            reason=f"{', '.join(fmt_nets(peered)[:3])} lie in a peered network",
        )
    elif unknown_far:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.UNKNOWN,
            via=("peering",),
            reason=f"the address space of peered network {local_id(unknown_far[0])} "
            "was not collected",
            nodes=unknown_far,
            missing=unknown_far,
            unmodelled=f"the address space of peered network {unknown_far[0]}",
        )
    elif links:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.UNKNOWN,
            via=("vpn",),
            reason=f"private addresses outside the estate may arrive over site link "
            f"{links[0].name or links[0].id}, whose far address spaces are not collected",
            nodes=(links[0].id,),
            unmodelled=SITE_LINK_SPACES,
        )
    else:
        return SourceReach(
            target=target.id,
            port=port,
            reach=Reach.NO,
            reason="no peering or site link brings private addresses outside the "
            "platform's networks to it",
        )


IPV6 = "IPv6 paths (the inventory records no IPv6 addresses, routes or subnet ranges)"


def ipv6_unknown(target: Resource, port: int, nets: Sequence[Net]) -> SourceReach:
    """IPv6 sources: the model is IPv4-only, so whether they reach is unknown, and named."""
    return SourceReach(
        target=target.id,
        port=port,
        reach=Reach.UNKNOWN,
        reason=f"{', '.join(fmt_nets(nets)[:3])} are IPv6 addresses, which the path model "
        "does not cover",
        unmodelled=IPV6,
    )
