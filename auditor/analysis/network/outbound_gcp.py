"""GCP outbound reach of one instance: routes, external IP or Cloud NAT, egress firewalls.

A packet to an address inside a subnetwork of the instance's network is
delivered locally (subnet routes). Otherwise the routes of the network that
apply to the instance (no tags, or one it carries) decide: most specific
destination first, then the lowest priority number. A route to the default
internet gateway leaves over ``internet`` when the instance has an external IP,
over ``nat`` when a Cloud NAT of its region on that network translates its
subnetwork's primary range (all subnetworks, or a listed one with its primary or
all ranges), and nowhere otherwise. Other next hops (instances, internal load
balancers, VPN tunnels, peering routes) are not modelled: UNKNOWN, named.
Then the egress firewall rules that apply to it, in priority order (deny before
allow at equal priority, the implied allow-egress at 65535): the first rule
matching the port and destination decides.

A named endpoint is a Private Service Connect forwarding rule in the network
whose name or target names it (``via private-endpoint``, to its address);
without one it is reached at public addresses (see :mod:`.outbound`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

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
from auditor.analysis.network.gcp import firewalls_for, first_matches, routes_for
from auditor.analysis.network.index import local_id
from auditor.analysis.network.outbound_model import Dest, OutPath, named_public, public_dest
from auditor.analysis.network.path_model import Hop
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

_UNMODELLED_HOP = "GCP routes to a next hop other than the default internet gateway"


def _hop(node: str, what: str, detail: str, reach: Reach = Reach.YES) -> Hop:
    return Hop(node=node, what=what, detail=detail, zone="", reach=reach)


def gcp_outbound(graph: BoundaryGraph, res: Resource, dest: Dest, port: int) -> list[OutPath]:
    """Outcomes of ``res`` towards ``dest`` on ``port``."""
    a = res.attributes
    network = str(a.get("vpc_id") or "")
    base = OutPath(
        source=res.id, network=network or res.id, dest=dest.label, port=port, reach=Reach.UNKNOWN
    )
    net_res = graph.get(network) if network else None
    if res.kind != Kind.INSTANCE or net_res is None or net_res.attributes.get("stub"):
        return [
            replace(
                base,
                reason=f"the network of {res.name or res.id} was not collected"
                if res.kind == Kind.INSTANCE
                else f"outbound traffic of a GCP {res.kind} is not modelled",
                missing=(network,) if network and res.kind == Kind.INSTANCE else (),
                unmodelled=""
                if res.kind == Kind.INSTANCE
                else f"outbound paths of GCP {res.kind} resources",
            )
        ]
    tags = {str(t) for t in a.get("network_tags") or []}
    sas = {str(s) for s in a.get("service_accounts") or []}
    fws = firewalls_for(graph, network, tags, sas, "egress")
    src = _hop(res.id, "source", res.name or local_id(res.id))
    if dest.name:
        psc = _psc(graph, network, dest.name)
        if psc is not None:
            ip = parse_net(
                str(psc.attributes.get("ip_address") or psc.attributes.get("address") or "")
            )
            nets = (ip,) if ip is not None else _subnet_nets(graph, psc)
            hop = _hop(psc.id, "private endpoint", f"Private Service Connect {psc.name}")
            return _through(base, fws, nets, ("private-endpoint",), (src, hop), (), port)
        paths = _routed(graph, res, base, fws, src, public_dest().nets, port)
        return named_public(paths, dest)
    return _routed(graph, res, base, fws, src, dest.nets, port)


def _routed(
    graph: BoundaryGraph,
    res: Resource,
    base: OutPath,
    fws: Sequence[Resource],
    src: Hop,
    nets: Sequence[Net],
    port: int,
) -> list[OutPath]:
    a = res.attributes
    network = base.network
    net_res = graph.get(network)
    local = (
        collapse(nets_of(network_cidrs(graph, net_res, secondary=True)))
        if net_res is not None
        else ()
    )
    routes = routes_for(graph, network, {str(t) for t in a.get("network_tags") or []})
    parsed = [
        (r, n) for r in routes if (n := parse_net(str(r.attributes.get("destination") or "")))
    ]
    out: list[OutPath] = []
    inside = net_intersect(nets, local)
    if inside:
        out.extend(_through(base, fws, inside, ("local",), (src,), (), port))
    rest = net_subtract(nets, local)
    # Subnet routes exchanged over an active peering win over custom routes to the
    # internet: a peer network's ranges are reached over the peering.
    for peering, peer_nets in _peered(graph, network):
        over = net_intersect(rest, peer_nets)
        if not over:
            continue
        phop = _hop(peering.id, "peering", f"{peering.name} (subnet routes)")
        out.extend(_through(base, fws, over, ("peering",), (src, phop), (peering.id,), port))
        rest = net_subtract(rest, peer_nets)
    private = net_subtract(rest, internet_space(4))
    unknown_peers = _uncollected_peers(graph, network)
    if private and unknown_peers:
        out.append(
            replace(
                base,
                reach=Reach.UNKNOWN,
                nets=private,
                hops=(src,),
                reason=f"{', '.join(fmt_nets(private)[:3])} may lie in peer network "
                f"{local_id(unknown_peers[0])}, which was not collected",
                missing=tuple(unknown_peers),
                unmodelled=f"the ranges of peer network {unknown_peers[0]}, outside the "
                "collected projects",
            )
        )
        rest = net_subtract(rest, private)
    out.extend(_by_routes(graph, res, base, fws, src, rest, parsed, port))
    return out


def _by_routes(
    graph: BoundaryGraph,
    res: Resource,
    base: OutPath,
    fws: Sequence[Resource],
    src: Hop,
    rest: Sequence[Net],
    parsed: Sequence[tuple[Resource, Net]],
    port: int,
) -> list[OutPath]:
    """``rest`` by the network's routes: longest prefix, then lowest priority; a range a
    more specific route cuts is carved and each part routed on its own."""
    network = base.network
    out: list[OutPath] = []
    todo = list(rest)
    while todo:
        d = todo.pop()
        cuts = [n for _, n in parsed if n.version == d.version and n != d and n.subnet_of(d)]  # type: ignore[arg-type]
        if cuts:
            todo.extend(carve(d, cuts))
            continue
        cover = [(r, n) for r, n in parsed if n.version == d.version and d.subnet_of(n)]  # type: ignore[arg-type]
        if not cover:
            out.append(
                replace(
                    base,
                    reach=Reach.NO,
                    nets=(d,),
                    hops=(src,),
                    reason=f"no route of {local_id(network)} applies to {d}",
                    blocker=network,
                )
            )
            continue
        best_len = max(n.prefixlen for _, n in cover)
        best = [r for r, n in cover if n.prefixlen == best_len]
        prio = min(int(r.attributes.get("priority") or 1000) for r in best)
        chosen = sorted(
            (r for r in best if int(r.attributes.get("priority") or 1000) == prio),
            key=lambda r: r.id,
        )
        out.extend(_leave(graph, res, base, fws, src, d, chosen, port))
    return out


def _leave(
    graph: BoundaryGraph,
    res: Resource,
    base: OutPath,
    fws: Sequence[Resource],
    src: Hop,
    d: Net,
    chosen: Sequence[Resource],
    port: int,
) -> list[OutPath]:
    route = next((r for r in chosen if r.attributes.get("next_hop_type") == "internet"), None)
    if route is None:
        r = chosen[0]
        return [
            replace(
                base,
                reach=Reach.UNKNOWN,
                nets=(d,),
                hops=(
                    src,
                    _hop(r.id, "route", f"next hop {r.attributes.get('next_hop')}", Reach.UNKNOWN),
                ),
                reason=f"route {r.name} sends {d} to {r.attributes.get('next_hop_type')} "
                f"{local_id(str(r.attributes.get('next_hop') or ''))}, which is not modelled",
                unmodelled=_UNMODELLED_HOP,
            )
        ]
    if not net_intersect([d], internet_space(d.version)):
        return [
            replace(
                base,
                reach=Reach.NO,
                nets=(d,),
                hops=(src, _hop(route.id, "route", "default internet gateway", Reach.NO)),
                reason=f"{d} is private: no peering brings it, and the default internet "
                "gateway does not deliver private addresses",
                blocker=route.id,
            )
        ]
    rhop = _hop(
        route.id, "route", f"{route.attributes.get('destination')} -> default internet gateway"
    )
    if res.attributes.get("has_external_access"):
        ext = _hop(res.id, "external IP", str(res.attributes.get("public_ip") or "ephemeral"))
        return _through(base, fws, (d,), ("internet",), (src, rhop, ext), (route.id, res.id), port)
    return _over_nat(graph, res, replace(base, nets=(d,)), fws, (src, rhop), route, port)


def _over_nat(
    graph: BoundaryGraph,
    res: Resource,
    base: OutPath,
    fws: Sequence[Resource],
    hops: tuple[Hop, ...],
    route: Resource,
    port: int,
) -> list[OutPath]:
    """``base`` (its range routed to the default internet gateway, no external IP) out
    through the Cloud NAT that translates ``res``'s address, if one does."""
    (d,) = base.nets
    name = res.name or local_id(res.id)
    nat, covered = _cloud_nat(graph, res, base.network)
    if nat is not None and covered is Reach.UNKNOWN:
        return [
            replace(
                base,
                reach=Reach.UNKNOWN,
                nets=(d,),
                hops=(*hops, _hop(nat.id, "NAT gateway", "subnetworks", Reach.UNKNOWN)),
                reason=f"Cloud NAT {nat.name} translates a list of subnetworks that was not "
                "recorded",
                missing=(nat.id,),
                unmodelled="the subnetwork list of a LIST_OF_SUBNETWORKS Cloud NAT",
            )
        ]
    if covered is Reach.NO:
        # a NAT that lists other subnetworks (or only secondary ranges) is what to change
        listing = f" (Cloud NAT {nat.name} does not list its primary range)" if nat else ""
        blocker = nat.id if nat is not None else route.id
        return [
            replace(
                base,
                reach=Reach.NO,
                nets=(d,),
                hops=(
                    *hops,
                    *([_hop(nat.id, "NAT gateway", "not for it", Reach.NO)] if nat else []),
                ),
                reason=f"{name} has no external IP and no Cloud NAT in {res.region} translates "
                f"its subnetwork{listing}",
                blocker=blocker,
            )
        ]
    assert nat is not None
    nhop = _hop(nat.id, "NAT gateway", f"Cloud NAT {nat.name}")
    return _through(base, fws, (d,), ("nat",), (*hops, nhop), (route.id, nat.id), port)


def _peered(graph: BoundaryGraph, network: str) -> list[tuple[Resource, tuple[Net, ...]]]:
    """Active peerings of ``network`` exchanging subnet routes, with the peer's ranges
    (primary and secondary; none when the peer network was not collected)."""
    out: list[tuple[Resource, tuple[Net, ...]]] = []
    for p in graph.of_kind(Kind.PEERING):
        a = p.attributes
        if p.cloud != "gcp" or (a.get("requester") or {}).get("vpc_id") != network:
            continue
        if a.get("status") != "active" or a.get("exchange_subnet_routes") is False:
            continue
        peer = graph.get(str((a.get("accepter") or {}).get("vpc_id") or ""))
        # subnet routes of the peer's primary and secondary ranges are exchanged
        nets = collapse(nets_of(network_cidrs(graph, peer, secondary=True))) if peer else ()
        if nets:
            out.append((p, nets))
    return sorted(out, key=lambda x: x[0].id)


def _uncollected_peers(graph: BoundaryGraph, network: str) -> list[str]:
    """Peer networks of active peerings of ``network`` that are not in the inventory."""
    out: list[str] = []
    for p in graph.of_kind(Kind.PEERING):
        a = p.attributes
        if p.cloud != "gcp" or (a.get("requester") or {}).get("vpc_id") != network:
            continue
        peer = str((a.get("accepter") or {}).get("vpc_id") or "")
        got = graph.get(peer) if peer else None
        if a.get("status") == "active" and peer and (got is None or got.attributes.get("stub")):
            out.append(peer)
    return sorted(set(out))


_NAT_PRIMARY = frozenset({"ALL_IP_RANGES", "PRIMARY_IP_RANGE"})


def _cloud_nat(graph: BoundaryGraph, res: Resource, network: str) -> tuple[Resource | None, Reach]:
    """The Cloud NAT of ``res``'s region on ``network`` that translates its primary address.

    A NAT of ``ALL_SUBNETWORKS_*`` translates every subnetwork's primary range; one of
    ``LIST_OF_SUBNETWORKS`` only the listed subnetworks, and of each only the ranges
    configured (``ALL_IP_RANGES`` or ``PRIMARY_IP_RANGE`` hold the instance's address;
    ``LIST_OF_SECONDARY_IP_RANGES`` alone does not). ``(nat, YES)`` when one does,
    ``(nat, UNKNOWN)`` when a listing NAT's list was not recorded, else NO with the
    listing NAT that leaves it out (None when there is none).
    """
    subs = {str(s) for s in res.attributes.get("subnet_ids") or []}
    unknown: Resource | None = None
    other: Resource | None = None
    for g in sorted(graph.of_kind(Kind.GATEWAY), key=lambda g: g.id):
        a = g.attributes
        if g.cloud != "gcp" or a.get("gateway_type") != "nat" or g.region != res.region:
            continue
        if network not in (a.get("vpc_ids") or []):
            continue
        scope = str(a.get("source_subnetworks") or "")
        if scope.startswith("ALL_SUBNETWORKS") or not scope:
            return g, Reach.YES
        if scope != "LIST_OF_SUBNETWORKS":
            continue
        listed = a.get("nat_subnetworks")
        if not isinstance(listed, list):
            unknown = unknown or g
            continue
        for entry in listed:
            if not isinstance(entry, dict) or str(entry.get("subnet_id") or "") not in subs:
                continue
            if _NAT_PRIMARY & {str(r) for r in entry.get("ranges") or []}:
                return g, Reach.YES
        other = other or g
    if unknown is not None:
        return unknown, Reach.UNKNOWN
    return other, Reach.NO


def _psc(graph: BoundaryGraph, network: str, name: str) -> Resource | None:
    for r in graph.of_kind(Kind.PRIVATE_ENDPOINT, Kind.LOAD_BALANCER):
        a = r.attributes
        if r.cloud != "gcp" or a.get("vpc_id") != network:
            continue
        target = str(a.get("service_name") or a.get("target") or "")
        if r.name == name or (target and (target.endswith(f"/{name}") or target == name)):
            return r
    return None


def _subnet_nets(graph: BoundaryGraph, r: Resource) -> tuple[Net, ...]:
    out: list[Net] = []
    for sid in r.attributes.get("subnet_ids") or []:
        s = graph.get(str(sid))
        if s is not None:
            out.extend(nets_of([s.attributes.get("cidr")]))
    return collapse(out)


def _destinations(fw: Resource) -> tuple[Net, ...]:
    """An egress rule's destination ranges (all addresses when it names none)."""
    return nets_of(fw.attributes.get("destination_ranges") or ["0.0.0.0/0"])


def _through(
    base: OutPath,
    fws: Sequence[Resource],
    nets: Sequence[Net],
    via: tuple[str, ...],
    hops: tuple[Hop, ...],
    route: tuple[str, ...],
    port: int,
) -> list[OutPath]:
    """Egress firewall rules in priority order over ``nets``: the first match decides.

    One YES outcome per allow rule (the addresses it lets out: it is their cause), an
    UNKNOWN one for addresses no collected rule decides when the implied rules are not
    in the inventory, and a NO one (on the first deny) when nothing is let out.
    """
    decisions, remaining = first_matches(fws, port, nets, _destinations)
    allowed: dict[str, list[Net]] = {}
    for fw, hit in decisions:
        if fw.attributes.get("action") == "allow":
            allowed.setdefault(fw.id, []).extend(hit)
    first_deny = next((fw for fw, _ in decisions if fw.attributes.get("action") != "allow"), None)
    common = replace(base, via=via, route=route)
    out = [
        replace(
            common,
            reach=Reach.YES,
            nets=collapse(got),
            hops=(*hops, _hop(fid, "firewall", f"allows tcp {port} out")),
            reason=f"leaves over {', '.join(via)} to {', '.join(fmt_nets(got)[:3])} "
            f"(firewall {local_id(fid)})",
            rule=(fid,),
        )
        for fid, got in allowed.items()
    ]
    if remaining and not any(f.attributes.get("implied") for f in fws):
        out.append(
            replace(
                common,
                reach=Reach.UNKNOWN,
                nets=remaining,
                hops=hops,
                reason=f"the egress firewall rules of {local_id(base.network)} were not collected",
                missing=(base.network,),
            )
        )
    if out:
        return out
    blocker = first_deny.id if first_deny is not None else base.network
    return [
        replace(
            common,
            reach=Reach.NO,
            nets=tuple(nets),
            hops=(*hops, _hop(blocker, "firewall", f"denies tcp {port} out", Reach.NO)),
            reason=f"firewall rule {local_id(blocker)} denies tcp {port} to "
            f"{', '.join(fmt_nets(nets)[:3])}",
            blocker=blocker,
        )
    ]
