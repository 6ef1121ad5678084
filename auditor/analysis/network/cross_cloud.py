"""Network-to-network reach for Azure and GCP networks and across clouds.

Where :meth:`~.connectivity.ConnectivityMixin.connectivity` judges two AWS VPCs
route table by route table, this module answers the same question for any two
networks of the estate, at the level the collected data allows:

- **local**: one network (a GCP VPC is global: its subnet routes join its regions);
- **peering**: an active VNet peering (network access allowed) or GCP peering;
- **vpn** / **direct-connect**: a site link on each side whose far end is the
  other network's gateway (:mod:`.site_links`), up, and routing the other
  side's ranges into the link (static prefixes, or BGP from a matched gateway).

A hop the model cannot see makes the answer UNKNOWN, never YES: an Azure UDR
or a GCP route sending the far range to an appliance (NVA, instance, internal
load balancer), a link whose state is unknown, a tunnel whose other side was
not collected. Security rules (NSGs, firewall rules) are not part of this
answer: it is about routes and links, as the AWS one is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.analysis.network.addresses import cidr_within, parse_net
from auditor.analysis.network.answers import Connectivity, Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.routes import lookup
from auditor.analysis.network.scope import platform_networks, platform_tables
from auditor.analysis.network.site_links import SiteLink, site_links
from auditor.analysis.network.view import network_view
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

_APPLIANCE = frozenset({"appliance", "instance", "ip", "ilb", "eni"})


def network_cidrs(graph: BoundaryGraph, net: Resource, *, secondary: bool = False) -> list[str]:
    """A network's address space: its own ranges (AWS VPC, Azure VNet), else its subnets'
    (a GCP network has none of its own), with their secondary ranges when ``secondary``
    (GCP alias ranges, routed inside the network and exchanged over peerings).

    The one place a network's addresses are computed from its subnets.
    """
    own = [str(c) for c in net.attributes.get("cidrs") or []]
    if own:
        return sorted(set(own))
    keys = {net.id}
    if net.cloud == "aws" and net.attributes.get("vpc_id"):  # AWS subnets name the local id
        keys.add(str(net.attributes["vpc_id"]))
    out: set[str] = set()
    for s in graph.of_kind(Kind.SUBNET):
        a = s.attributes
        if str(a.get("vpc_id") or "") not in keys:
            continue
        if s.cloud == "aws" and s.region != net.region:
            continue
        extra = [*(a.get("cidrs") or []), *((a.get("secondary_cidrs") or []) if secondary else [])]
        out.update(str(c) for c in [a.get("cidr"), *extra] if c)
    return sorted(out)


LINK_SEP = "<->"


def link_id(a: str, b: str) -> str:
    """The id of the link between two networks (or network places), the same whichever
    end is named first: ``A<->B`` with the ends in sorted order. A missing link a path
    needs and the pair network.replication-private judges carry this one id."""
    first, second = sorted((a, b))
    return f"{first}{LINK_SEP}{second}"


def declared_crossings(decl: Declaration) -> set[frozenset[tuple[str, str]]]:
    """Pairs of (cloud, region) of two clouds that a declared replication service joins.

    Regions of one cloud are all judged pairwise (as AWS regions are); two clouds'
    regions only when ``failure.replication`` declares a service between them.
    """
    out: set[frozenset[tuple[str, str]]] = set()
    for svc in decl.failure.replication:
        ends = [str(e or "").split("/", 1) for e in (svc.source, svc.target)]
        if all(len(e) == 2 for e in ends) and ends[0][0] != ends[1][0]:
            out.add(frozenset({(ends[0][0], ends[0][1]), (ends[1][0], ends[1][1])}))
    return out


def places(graph: BoundaryGraph) -> dict[tuple[str, str], list[Resource]]:
    """The platform networks per (cloud, region); a GCP network is in each of its subnets'."""
    out: dict[tuple[str, str], dict[str, Resource]] = {}
    gcp_regions: dict[str, set[str]] = {}
    for s in graph.of_kind(Kind.SUBNET):
        if s.cloud == "gcp" and s.attributes.get("vpc_id"):
            gcp_regions.setdefault(str(s.attributes["vpc_id"]), set()).add(s.region)
    for n in platform_networks(graph).networks:
        regions = sorted(gcp_regions.get(n.id, ())) if n.cloud == "gcp" else [n.region]
        for r in regions:
            out.setdefault((n.cloud, r), {})[n.id] = n
    return {k: [v[i] for i in sorted(v)] for k, v in sorted(out.items())}


def _conn(
    via: str, reach: Reach, reason: str, nodes: Sequence[str], unmodelled: str = ""
) -> Connectivity:
    ends = [n for n in nodes if n]
    return Connectivity(
        a=ends[0] if ends else "",
        b=ends[-1] if ends else "",
        via=via,
        reach=reach,
        reason=reason,
        nodes=tuple(dict.fromkeys(ends)),
        unmodelled=unmodelled if reach is Reach.UNKNOWN else "",
    )


_APPLIANCE_NAME = "routes through network virtual appliances (next hops the model cannot see past)"
_TGW_VPN_NAME = "transit gateway routing toward VPN attachments of a site link"
_STATE_NAME = "site link connection state not recorded by the provider"
_NO_RETURN_NAME = "return path of a site link whose far network has no matching link"


def _name(n: Resource) -> str:
    return n.name or local_id(n.id)


def _peerings(graph: BoundaryGraph, a: Resource, b: Resource) -> list[Connectivity]:
    view = network_view(graph)
    out: list[Connectivity] = []
    for p in view.peerings_of(a):
        sides = [p.attributes.get(s) or {} for s in ("requester", "accepter")]
        ids = {str(s.get("vpc_id") or "") for s in sides}
        if str(b.attributes.get("vpc_id") or b.id) not in ids:
            continue
        status = str(p.attributes.get("status") or "")
        what = f"peering {p.name or local_id(p.id)} ({status or 'state unknown'})"
        if status != "active":
            out.append(_conn("peering", Reach.NO, f"{what} connects nothing", [p.id]))
        elif p.attributes.get("allow_virtual_network_access") is False:
            out.append(_conn("peering", Reach.NO, f"{what} forbids virtual network access", [p.id]))
        else:
            hint = _appliance_hint(graph, a, network_cidrs(graph, b))
            if hint:
                out.append(
                    _conn("peering", Reach.UNKNOWN, f"{what}, but {hint}", [p.id], _APPLIANCE_NAME)
                )
            else:
                out.append(_conn("peering", Reach.YES, f"{what} joins them", [p.id]))
    return out


def _appliance_hint(graph: BoundaryGraph, net: Resource, far: Sequence[str]) -> str:
    """Why a route of ``net`` toward ``far`` cannot be followed (an appliance), or ''."""
    for c in far[:1]:
        if net.cloud == "gcp":
            for r in graph.of_kind("route"):
                a = r.attributes
                if a.get("vpc_id") != net.id or a.get("next_hop_type") not in _APPLIANCE:
                    continue
                dest = str(a.get("destination") or "")
                if parse_net(dest) is not None and cidr_within(c, [dest]):
                    return (
                        f"route {r.name} sends {c} to {a.get('next_hop_type')} "
                        f"{local_id(str(a.get('next_hop') or ''))}, which the model cannot see past"
                    )
        for t in platform_tables(graph, net) if net.cloud != "gcp" else []:
            hit = lookup(t, c)
            if hit is not None and hit.target_type in _APPLIANCE:
                return (
                    f"route table {t.name or local_id(t.id)} sends {c} to {hit.target_type} "
                    f"{local_id(hit.target_id)}, which the model cannot see past"
                )
    return ""


def _side(
    graph: BoundaryGraph, s: SiteLink, net: Resource, far: Resource
) -> tuple[Reach, str, str]:
    """Whether ``s`` (on ``net``'s side) carries traffic to ``far``, why, and (for an
    UNKNOWN) the unmodelled feature."""
    what = f"{s.link.cloud} {s.link_type} {s.link.name or local_id(s.link.id)}"
    if s.up is Reach.NO:
        return Reach.NO, f"{what} is {s.status}", ""
    far_cidrs = network_cidrs(graph, far)
    prefixes = list(s.remote_prefixes or ())
    if prefixes and far_cidrs and not all(cidr_within(c, prefixes) for c in far_cidrs):
        return (
            Reach.NO,
            f"{what} sends only {', '.join(prefixes)} into the link, not all of "
            f"{_name(far)}'s {', '.join(far_cidrs)}",
            "",
        )
    hint = _appliance_hint(graph, net, far_cidrs)
    if hint:
        return Reach.UNKNOWN, f"{what}: {hint}", _APPLIANCE_NAME
    if net.cloud == "aws":
        return _aws_routes(graph, s, net, far_cidrs, what)
    if net.cloud == "gcp" and s.routing == "static" and far_cidrs:
        routed = [
            r
            for r in graph.of_kind("route")
            if r.attributes.get("vpc_id") == net.id
            and r.attributes.get("next_hop") == s.link.id
            and cidr_within(far_cidrs[0], [str(r.attributes.get("destination") or "")])
        ]
        if not routed:
            return Reach.NO, f"no route of {_name(net)} sends {far_cidrs[0]} into {what}", ""
    if net.cloud == "azure":
        for t in platform_tables(graph, net):
            hit = lookup(t, far_cidrs[0]) if far_cidrs else None
            if t.attributes.get("disable_bgp_route_propagation") and (
                hit is None or hit.target_type != "vpn"
            ):
                return (
                    Reach.NO,
                    f"route table {t.name} of {_name(net)} disables gateway route propagation "
                    f"and has no route to {far_cidrs[0]} via the gateway ({what})",
                    "",
                )
    if s.up is Reach.UNKNOWN:
        return Reach.UNKNOWN, f"{what} state is {s.status or 'not recorded'}", _STATE_NAME
    how = "its prefixes" if s.remote_prefixes else "BGP from the matched gateway"
    return Reach.YES, f"{what} ({s.status}) routes {_name(far)} by {how}", ""


def _aws_routes(
    graph: BoundaryGraph, s: SiteLink, net: Resource, far: Sequence[str], what: str
) -> tuple[Reach, str, str]:
    gw = local_id(s.local_gateway.id) if s.local_gateway is not None else ""
    if s.local_gateway is not None and s.local_gateway.kind == Kind.TRANSIT_GATEWAY:
        return (
            Reach.UNKNOWN,
            f"{what} ends on transit gateway {gw}, whose route tables toward the VPN "
            "attachment are not walked",
            _TGW_VPN_NAME,
        )
    for t in platform_tables(graph, net):
        for c in far[:1]:
            r = lookup(t, c)
            tname = t.name or local_id(t.id)
            if r is None:
                return Reach.NO, f"route table {tname} has no route to {c} ({what})", ""
            if r.target_id != gw or not r.active:
                return (
                    Reach.NO,
                    f"route table {tname} sends {c} to {r.target_type} {r.target_id}, "
                    f"not to {gw} ({what})",
                    "",
                )
    if s.up is Reach.UNKNOWN:
        return Reach.UNKNOWN, f"{what} state is {s.status or 'not recorded'}", _STATE_NAME
    return Reach.YES, f"{what} ({s.status}); the route tables send {', '.join(far)} to {gw}", ""


def _links(graph: BoundaryGraph, a: Resource, b: Resource) -> list[Connectivity]:
    links = site_links(graph)
    ours, theirs = links.between(a, b), links.between(b, a)
    out: list[Connectivity] = []
    for s in ours or theirs:
        back = [t for t in (theirs if ours else ours) if t.via == s.via]
        nodes = [*s.nodes(), *(n for t in back for n in t.nodes())]
        near, far = (a, b) if ours else (b, a)
        r1, why1, n1 = _side(graph, s, near, far)
        if not back:
            out.append(
                _conn(
                    s.via,
                    Reach.NO if r1 is Reach.NO else Reach.UNKNOWN,
                    f"{why1}; no link of {_name(far)} back to {_name(near)} was found",
                    nodes,
                    n1 or _NO_RETURN_NAME,
                )
            )
            continue
        r2, why2, n2 = _side(graph, back[0], far, near)
        reach = (
            Reach.NO
            if Reach.NO in (r1, r2)
            else (Reach.YES if r1 is r2 is Reach.YES else Reach.UNKNOWN)
        )
        out.append(_conn(s.via, reach, f"{why1}; back: {why2}", nodes, n1 or n2))
    return out


def connections(graph: BoundaryGraph, a: Resource, b: Resource) -> list[Connectivity]:
    """Candidate private paths between two networks of any clouds (empty: none at all)."""
    if a.id == b.id:
        return [
            replace(
                _conn(
                    "local",
                    Reach.YES,
                    f"{_name(a)} spans both regions: its subnet routes join them",
                    [a.id],
                ),
                a=a.id,
                b=b.id,
            )
        ]
    found = [*_peerings(graph, a, b), *_links(graph, a, b)]
    return [replace(c, a=a.id, b=b.id) for c in found]
