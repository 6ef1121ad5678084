"""Traffic-class flows to Azure and GCP listeners, network by network.

The hop-by-hop engine (:mod:`.paths`) walks AWS route tables, NACLs and
security groups. For a Kafka or management target in Azure or GCP, a flow is
built from what those clouds' models answer:

- from the **internet**: the target's exposure (:meth:`NetworkView.exposures`,
  NSGs / firewall rules, public addresses, load balancers);
- from a **network** (another region's platform network, another estate
  network, a party's network): a private path between the two networks
  (:func:`.cross_cloud.connections`: one network, peering, VPN, ExpressRoute /
  Interconnect), then the target's firewall for the source's ranges (Azure
  NSGs of the NIC and its subnet, GCP ingress firewall rules of the network);
- from a **declared CIDR** that lies behind a site link of the target's network
  (an on-premises range in a local network gateway or traffic selector).

Where a hop cannot be evaluated (the firewall of an Event Hubs namespace, AKS or
Managed Kafka cluster for private sources) the hop is UNKNOWN, so a flow is
never YES on data the model does not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.analysis.network.acl import acl_inbound, acl_range
from auditor.analysis.network.addresses import (
    Net,
    collapse,
    fmt_nets,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Connectivity, Exposure, Reach
from auditor.analysis.network.azure import scale_set_nics
from auditor.analysis.network.cross_cloud import connections, link_id, network_cidrs
from auditor.analysis.network.gcp import firewalls_for, first_matches, source_ranges
from auditor.analysis.network.index import label, local_id
from auditor.analysis.network.path_model import Hop, Path, hops_reach
from auditor.analysis.network.prefix_lists import KIND as PREFIX_LIST
from auditor.analysis.network.prefix_lists import prefix_lists, resolver
from auditor.analysis.network.security_groups import sg_decide
from auditor.analysis.network.site_links import site_links
from auditor.analysis.network.view import network_view
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource


def _hop(
    node: str, what: str, detail: str, reach: Reach = Reach.YES, *, unmodelled: str = ""
) -> Hop:
    return Hop(node=node, what=what, detail=detail, reach=reach, unmodelled=unmodelled)


def _conn_hop(node: str, c: Connectivity) -> Hop:
    """A hop of connection ``c`` at ``node``."""
    return _hop(node, c.via, c.reason, c.reach, unmodelled=c.unmodelled)


def _path(
    source: str, target: Resource, port: int, via: Sequence[str], hops: Sequence[Hop]
) -> Path:
    reach = hops_reach(hops)
    blocked = next((h for h in hops if h.reach is not Reach.YES), None)
    reason = "reachable" if blocked is None else f"{blocked.what} {blocked.detail}"
    return Path(
        source=source,
        target=target.id,
        port=port,
        reach=reach,
        via=tuple(via),
        hops=tuple(hops),
        reason=reason,
    )


def internet_path(target: Resource, e: Exposure) -> Path:
    """A path from the internet, from the target's exposure answer."""
    hops = [_hop(INTERNET_ID, "source", "the internet")]
    hops.extend(_hop(n, "hop", "on the exposure path") for n in e.path if n not in (target.id,))
    if e.reach is Reach.YES:
        # The groups / firewall rule that admit the internet: what must change to close it.
        rule = (e.firewall_rule or {}).get("firewall")
        admitting = [str(rule)] if rule else list(e.firewalls)
        hops.extend(
            _hop(n, "firewall", f"admits the internet on port {e.port}")
            for n in admitting
            if n not in (target.id, *e.path)
        )
    hops.append(_hop(target.id, "target", e.reason, e.reach, unmodelled=e.unmodelled))
    return _path(INTERNET_ID, target, e.port, ("internet",), hops)


def _tagged_ips(graph: BoundaryGraph, tags: object, accounts: object) -> list[str]:
    """Private addresses (/32) of the GCP instances with one of ``tags`` or ``accounts``."""
    want_tags = {str(t) for t in tags or []} if isinstance(tags, list) else set()
    want_sas = {str(a) for a in accounts or []} if isinstance(accounts, list) else set()
    out: list[str] = []
    for i in graph.of_kind(Kind.INSTANCE):
        a = i.attributes
        if i.cloud != "gcp" or not a.get("private_ip"):
            continue
        if want_tags & {str(t) for t in a.get("network_tags") or []} or want_sas & {
            str(x) for x in a.get("service_accounts") or []
        }:
            out.append(f"{a['private_ip']}/32")
    return out


def _gcp_admits(
    graph: BoundaryGraph, res: Resource, port: int, nets: Sequence[Net]
) -> tuple[Reach, str, str]:
    """The network's ingress firewall rules in priority order; also the id of the rule
    that decided (empty when the implied rule or missing data did)."""
    a = res.attributes
    network = str(a.get("vpc_id") or "")
    tags = {str(t) for t in a.get("network_tags") or []}
    sas = {str(s) for s in a.get("service_accounts") or []}
    fws = firewalls_for(graph, network, tags, sas, "ingress")

    def sources(fw: Resource) -> tuple[Net, ...]:
        f = fw.attributes
        if f.get("source_tags") or f.get("source_service_accounts"):
            # sources by tag or account: the addresses of those instances
            return nets_of(
                _tagged_ips(graph, f.get("source_tags"), f.get("source_service_accounts"))
            )
        return source_ranges(fw)

    decisions, remaining = first_matches(fws, port, nets, sources)
    admitted = [n for fw, hit in decisions if fw.attributes.get("action") == "allow" for n in hit]
    first = decisions[0][0] if decisions else None
    decided = f"firewall rule {first.name} ({first.attributes.get('action')})" if first else ""
    decider = first.id if first else ""
    if admitted:
        return (
            Reach.YES,
            f"{decided} admits {', '.join(fmt_nets(collapse(admitted))[:3])}",
            decider,
        )
    if remaining and not any(fw.attributes.get("implied") for fw in fws):
        return Reach.UNKNOWN, f"the firewall rules of {local_id(network)} were not collected", ""
    return (
        Reach.NO,
        (decided or "the implied deny-all ingress rule") + f" drops port {port}",
        decider,
    )


def _dest_matches(rule: Mapping[str, Any], nic: Resource) -> bool:
    """Whether an NSG rule's destination covers the NIC (unknown addresses count as covered)."""
    if rule.get("destination_asgs"):
        asgs = {str(a) for a in nic.attributes.get("application_security_group_ids") or []}
        return bool(asgs & {str(a) for a in rule["destination_asgs"]})
    ips = nets_of(f"{i}/32" for i in nic.attributes.get("private_ips") or [])
    for p in rule.get("destination_prefixes") or []:
        if str(p).lower() in ("*", "any", "virtualnetwork"):
            return True
        n = parse_net(str(p))
        if n is not None and (not ips or net_intersect(ips, [n])):
            return True
    return False


def _nsg_private(
    nsg: Resource, nic: Resource, port: int, nets: Sequence[Net]
) -> tuple[tuple[Net, ...], str, list[str]]:
    """What of the private ``nets`` one NSG admits on TCP ``port``: (admitted, rule, tags).

    Rules by priority, first match per address. The ``VirtualNetwork`` tag covers the
    VNet, its peered VNets and the ranges behind its gateways (every private source that
    arrives over one network, peering or a site link); ``Internet`` covers no private
    address; a tag this model cannot list leaves what it would decide unknown.
    """
    remaining: tuple[Net, ...] = collapse(nets)
    admitted: list[Net] = []
    first = ""
    unknown: list[str] = []
    rules = [r for r in nsg.attributes.get("rules") or [] if r.get("direction") == "inbound"]
    for rule in sorted(rules, key=lambda r: int(r.get("priority") or 0)):
        if not remaining:
            break
        if rule.get("protocol") not in ("tcp", "-1") or not any(
            int(lo) <= port <= int(hi) for lo, hi in rule.get("ports") or []
        ):
            continue
        if not _dest_matches(rule, nic) or rule.get("source_asgs"):
            continue
        covered: list[Net] = []
        for p in rule.get("source_prefixes") or []:
            low = str(p).strip().lower()
            if low in ("*", "any", "0.0.0.0/0", "virtualnetwork"):
                covered.extend(remaining)
            elif (n := parse_net(str(p))) is not None:
                covered.append(n)
            elif low not in ("internet", "azureloadbalancer"):
                unknown.append(f"{p} (rule {rule.get('name')})")
        hit = net_intersect(remaining, covered)
        if not hit:
            continue
        if rule.get("access") == "allow":
            admitted.extend(hit)
        first = first or f"{nsg.name}: {rule.get('name')} ({rule.get('access')})"
        remaining = net_subtract(remaining, hit)
    return collapse(admitted), first, unknown


def _azure_admits(
    graph: BoundaryGraph, res: Resource, port: int, nets: Sequence[Net]
) -> tuple[Reach, str]:
    """The NSGs of each NIC (its subnet's, then its own); both must admit. A scale set's
    NICs are the IP configurations of its network profile."""
    nics = [res] if res.kind == Kind.INTERFACE else []
    if res.kind == Kind.SCALING_GROUP:
        if res.attributes.get("nic_configurations") is None:
            return Reach.UNKNOWN, f"the network profile of scale set {res.name} was not recorded"
        nics = scale_set_nics(res)
    for nid in res.attributes.get("interface_ids") or []:
        nic = graph.get(str(nid))
        if nic is None:
            return Reach.UNKNOWN, f"NIC {nid} was not collected"
        nics.append(nic)
    if not nics:
        return Reach.UNKNOWN, f"{label(res)} has no recorded NIC"
    why = f"no NSG rule admits the source on port {port}"
    for nic in nics:
        subnet = graph.get(str(nic.attributes.get("subnet_id") or ""))
        ids = [str(subnet.attributes.get("nsg_id") or "") if subnet else ""]
        ids += [str(g) for g in nic.attributes.get("security_group_ids") or []]
        allowed: tuple[Net, ...] = collapse(nets)
        rules: list[str] = []
        for gid in (g for g in ids if g):
            nsg = graph.get(gid)
            if nsg is None:
                return Reach.UNKNOWN, f"NSG {gid} was not collected"
            allowed, rule, tags = _nsg_private(nsg, nic, port, allowed)
            if not allowed and tags:
                return Reach.UNKNOWN, f"NSG {nsg.name} names service tag {tags[0]}"
            rules.append(rule or f"{nsg.name}: no rule")
            if not allowed:
                why = f"{rule or nsg.name + ': default DenyAllInBound'} drops port {port}"
                break
        if allowed:
            return Reach.YES, f"NSGs admit {', '.join(fmt_nets(allowed)[:3])} ({'; '.join(rules)})"
    return Reach.NO, why


def _aws_admits(
    graph: BoundaryGraph, res: Resource, port: int, nets: Sequence[Net]
) -> tuple[Reach, str]:
    """The target subnet's NACL (request in, reply out) and the target's security groups."""
    view = network_view(graph)
    subnets = view.subnets_of(res)
    if not subnets:
        return Reach.UNKNOWN, f"{label(res)} has no recorded subnet"
    sgs, missing = view.firewalls_of(res)
    if missing:
        return Reach.UNKNOWN, f"security group {missing[0]} was not collected"
    why = f"no NACL and security group rule admits the source on port {port}"
    for subnet in subnets:
        acl = view.acl_for(subnet)
        if acl is None:
            return Reach.UNKNOWN, f"the network ACL of {local_id(subnet.id)} was not found"
        inbound = acl_inbound(acl, nets, port).allowed
        replies = acl_range(acl, egress=True, nets=inbound).allowed if inbound else ()
        if not replies:
            why = f"network ACL {local_id(acl.id)} drops port {port} or its replies"
            continue
        lists = resolver(prefix_lists(graph.of_kind(PREFIX_LIST)), res.region)
        d = sg_decide(sgs, port, egress=False, nets=replies, prefix_lists=lists)
        if d.nets:
            return Reach.YES, (
                f"NACL {local_id(acl.id)} and security group "
                f"{(d.rule or {}).get('group', '?')} admit {', '.join(fmt_nets(d.nets)[:3])}"
            )
        if d.unknown_prefix_lists:
            pl = d.unknown_prefix_lists[0]
            return Reach.UNKNOWN, f"the entries of prefix list {pl} were not collected"
    return Reach.NO, why


def admission_unmodelled(res: Resource) -> str:
    """The named feature when the model does not evaluate ``res``'s firewall for private
    sources (:func:`admits` answers UNKNOWN for it); empty when it does."""
    evaluated = {
        "gcp": (Kind.INSTANCE,),
        "azure": (Kind.INSTANCE, Kind.INTERFACE, Kind.SCALING_GROUP),
        "aws": (Kind.INSTANCE, Kind.INTERFACE, Kind.KAFKA_CLUSTER),
    }
    if res.kind in evaluated.get(res.cloud, ()):
        return ""
    if res.cloud == "gcp" and res.kind == Kind.KAFKA_CLUSTER:
        return (
            "admission of private sources at a GCP Managed Kafka cluster's Private Service "
            "Connect endpoints (endpoint reach across peering or site links, consumer egress "
            "firewall rules)"
        )
    return f"firewall admission of private sources at a {res.cloud} {res.kind}"


def admits(
    graph: BoundaryGraph, res: Resource, port: int, nets: Sequence[Net]
) -> tuple[Reach, str, str]:
    """Whether the target's firewall admits ``nets`` on TCP ``port`` (UNKNOWN: not modelled),
    why, and the id of the firewall rule that decided when one rule did (GCP)."""
    if res.cloud == "gcp" and res.kind == Kind.INSTANCE:
        return _gcp_admits(graph, res, port, nets)
    if res.cloud == "azure" and res.kind in (Kind.INSTANCE, Kind.INTERFACE, Kind.SCALING_GROUP):
        return (*_azure_admits(graph, res, port, nets), "")
    if res.cloud == "aws" and res.kind in (Kind.INSTANCE, Kind.INTERFACE, Kind.KAFKA_CLUSTER):
        return (*_aws_admits(graph, res, port, nets), "")
    return (
        Reach.UNKNOWN,
        f"the network rules of a {res.cloud} {res.kind} are not evaluated for private sources",
        "",
    )


def network_path(
    graph: BoundaryGraph, source: str, src: Resource, target: Resource, port: int, c: Connectivity
) -> Path:
    """From a source network over one candidate connection, then through the target's firewall."""
    nets = nets_of(network_cidrs(graph, src))
    hops = [_hop(src.id, "source", ", ".join(fmt_nets(nets)[:3]) or "no recorded ranges")]
    hops.extend(_conn_hop(n, c) for n in c.nodes if n not in (src.id,))
    if c.reach is not Reach.NO:
        r, why, rule = admits(graph, target, port, nets or nets_of(["0.0.0.0/0"]))
        hops.append(_firewall_hop(target, why, r, rule))
    hops.append(_hop(target.id, "target", f"{label(target)} port {port}"))
    return _path(source, target, port, (c.via,), hops)


def _firewall_hop(target: Resource, why: str, r: Reach, rule: str = "") -> Hop:
    """The target's firewall hop, at the rule that decided when one did; an UNKNOWN from an
    unevaluated kind names it unmodelled."""
    gap = admission_unmodelled(target) if r is Reach.UNKNOWN else ""
    return _hop(rule or target.id, "firewall", why, r, unmodelled=gap)


def behind_links(graph: BoundaryGraph, net: Resource, cidr: str) -> list[Connectivity]:
    """Site links of ``net`` whose remote prefixes hold ``cidr`` (an address range behind them)."""
    from auditor.analysis.network.addresses import cidr_within

    out: list[Connectivity] = []
    for s in site_links(graph).of_network(net):
        if s.remote_prefixes and cidr_within(cidr, list(s.remote_prefixes)):
            out.append(
                Connectivity(
                    a=cidr,
                    b=net.id,
                    reach=Reach.NO if s.up is Reach.NO else s.up,
                    via=s.via,
                    reason=f"{s.link_type} {s.link.name} ({s.status or 'state unknown'}) "
                    f"carries {', '.join(s.remote_prefixes)}",
                    nodes=tuple(s.nodes()),
                    unmodelled=(
                        "site link connection state not recorded by the provider"
                        if s.up is Reach.UNKNOWN
                        else ""
                    ),
                )
            )
    return out


def cidr_path(
    graph: BoundaryGraph, cidr: str, c: Connectivity, target: Resource, port: int
) -> Path:
    hops = [_hop(cidr, "source", "declared range behind a site link")]
    hops.extend(_conn_hop(n, c) for n in c.nodes)
    r, why, rule = admits(graph, target, port, nets_of([cidr]))
    hops.append(_firewall_hop(target, why, r, rule))
    hops.append(_hop(target.id, "target", f"{label(target)} port {port}"))
    return _path(cidr, target, port, (c.via,), hops)


def target_networks(graph: BoundaryGraph, res: Resource) -> list[Resource]:
    """The networks a target sits in (an Azure VM's are its NICs')."""
    view = network_view(graph)
    found = {n.id: n for n in view.networks_of(res)}
    for nid in res.attributes.get("interface_ids") or []:
        nic = graph.get(str(nid))
        subnet = graph.get(str(nic.attributes.get("subnet_id") or "")) if nic else None
        net = graph.get(str(subnet.attributes.get("vpc_id") or "")) if subnet else None
        if net is not None and net.kind == Kind.NETWORK:
            found[net.id] = net
    return [found[k] for k in sorted(found)]


_LIVE_ENDPOINT = frozenset({"approved", "accepted", "available"})


def _endpoint_paths(
    graph: BoundaryGraph, source: str, srcs: Sequence[Resource], target: Resource, port: int
) -> list[Path]:
    """Paths into a service placed in no network, over private endpoints to it.

    Traffic through a private endpoint is not held to the service's public network
    rules; the endpoint's connection must be approved.
    """
    view = network_view(graph)
    out: list[Path] = []
    for pe in graph.of_kind(Kind.PRIVATE_ENDPOINT):
        if target.id not in (pe.attributes.get("target_ids") or []):
            continue
        state = str(pe.attributes.get("state") or "").lower()
        for pnet in view.networks_of(pe):
            for src in srcs:
                for c in connections(graph, src, pnet):
                    nets = nets_of(network_cidrs(graph, src))
                    hops = [_hop(src.id, "source", ", ".join(fmt_nets(nets)[:3]))]
                    hops.extend(_conn_hop(n, c) for n in c.nodes if n != src.id)
                    ok = Reach.YES if not state or state in _LIVE_ENDPOINT else Reach.NO
                    hops.append(_hop(pe.id, "private endpoint", state or "state unknown", ok))
                    hops.append(_hop(target.id, "target", f"{label(target)} port {port}"))
                    out.append(_path(source, target, port, (c.via, "private-endpoint"), hops))
    if not out:
        out.append(
            _path(
                source,
                target,
                port,
                (),
                [
                    _hop(
                        target.id,
                        "target",
                        f"{label(target)} sits in no network and no private endpoint to it "
                        "was found",
                        Reach.NO,
                    )
                ],
            )
        )
    return out


def paths_between(
    graph: BoundaryGraph, source: str, srcs: Sequence[Resource], target: Resource, port: int
) -> list[Path]:
    """Every candidate private path from the networks ``srcs`` to ``target``."""
    out: list[Path] = []
    tnets = target_networks(graph, target)
    if not tnets:
        return _endpoint_paths(graph, source, srcs, target, port)
    for tnet in tnets:
        for src in srcs:
            for c in connections(graph, src, tnet):
                out.append(network_path(graph, source, src, target, port, c))
    if not out and srcs:
        names = ", ".join(s.name or local_id(s.id) for s in srcs[:3])
        # one hop per missing link, named like network.replication-private's pairs: the
        # link to build is what must change
        missing = [
            _hop(
                link_id(s.id, t.id),
                "missing link",
                f"no peering or site link joins {s.name or local_id(s.id)} to "
                f"{t.name or local_id(t.id)}",
                Reach.NO,
            )
            for s in srcs
            for t in tnets
        ]
        hops = [_hop(srcs[0].id, "source", names), *missing]
        out.append(_path(source, target, port, (), hops))
    return out
