"""Traffic-class flows to the platform's Azure and GCP listeners (see :mod:`.cross_traffic`).

The classes mean what they mean for AWS (:mod:`.traffic`): **clients** from the
internet, from estate networks other than the platform's and from declared
client ranges behind site links; **replication** from the platform networks of
each other declared region of the same cloud (and of another cloud where a
replication service is declared between them) to brokers (not KRaft
controllers), over private paths, or over the internet when the listener
accepts it there; **operations** to SSH/RDP and
cluster APIs from the internet and declared operations ranges behind site
links; **support** from networks of other parties peered or linked to the
listener's network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.network.addresses import covers, internet_space, nets_of
from auditor.analysis.network.answers import Connectivity, Exposure, Reach
from auditor.analysis.network.cross_cloud import declared_crossings, network_cidrs, places
from auditor.analysis.network.cross_traffic import (
    behind_links,
    cidr_path,
    internet_path,
    network_path,
    paths_between,
    target_networks,
)
from auditor.analysis.network.path_model import Path
from auditor.analysis.network.path_targets import Target, kafka_targets, management_targets
from auditor.analysis.network.scope import platform_networks
from auditor.analysis.network.site_links import site_links
from auditor.analysis.network.traffic import Flow, flow_of
from auditor.analysis.network.view import network_view
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


def _flow(cls: str, t: Target, port: int, source: str, paths: Sequence[Path]) -> Flow:
    """An Azure or GCP target's flow: a path inside one network is the link ``local``."""
    return flow_of(cls, t, port, source, paths, local=True)


def _behind(graph: BoundaryGraph, t: Target, port: int, cidr: str) -> list[Path]:
    return [
        cidr_path(graph, cidr, c, t.resource, port)
        for tn in target_networks(graph, t.resource)
        for c in behind_links(graph, tn, cidr)
    ]


def _clients(graph: BoundaryGraph, t: Target, others: Sequence[Resource]) -> list[Flow]:
    view = network_view(graph)
    out: list[Flow] = []
    exp = {e.port: e for e in view.exposures(t.resource, t.ports)}
    for port in t.ports:
        if (e := exp.get(port)) is not None:
            out.append(_flow("clients", t, port, "internet", [internet_path(t.resource, e)]))
        for src in others:
            cidrs = network_cidrs(graph, src)
            ps = paths_between(graph, cidrs[0] if cidrs else src.id, [src], t.resource, port)
            if ps:
                out.append(_flow("clients", t, port, cidrs[0] if cidrs else src.id, ps))
        for cidr in sorted(set(graph.declaration.network.clients.cidrs)):
            if ps := _behind(graph, t, port, cidr):
                out.append(_flow("clients", t, port, cidr, ps))
    return out


def _replication_internet_path(t: Target, e: Exposure, label: str) -> Path:
    """A replicator's path over the internet to an exposed listener.

    When the listener admits only some public ranges, whether the replicators
    are among them depends on the public addresses their networks leave from
    (default outbound access, NAT), which are not collected: the path is UNKNOWN.
    """
    nets = nets_of(e.sources)
    if not nets or covers(nets, internet_space(4)):
        return internet_path(t.resource, e)
    only = ", ".join(e.sources[:3]) + (" ..." if len(e.sources) > 3 else "")
    why = (
        f"{e.reason}; it admits only {only} from the internet, and the public addresses "
        f"{label} leave from are not known"
    )
    return internet_path(
        t.resource,
        replace(
            e,
            reach=Reach.UNKNOWN,
            reason=why,
            unmodelled="public source addresses of Azure and GCP networks (default outbound "
            "access, NAT)",
        ),
    )


def _replication(
    graph: BoundaryGraph, t: Target, at: dict[tuple[str, str], list[Resource]]
) -> list[Flow]:
    decl = graph.declaration
    crossing = declared_crossings(decl)
    here = (t.resource.cloud, t.resource.region)
    exp = {e.port: e for e in network_view(graph).exposures(t.resource, t.ports)}
    out: list[Flow] = []
    for (cloud, region), nets in sorted(at.items()):
        place = (cloud, region)
        if place == here or decl.region_role(cloud, region) is None:
            continue
        if cloud != here[0] and frozenset((place, here)) not in crossing:
            continue
        label = f"platform networks in {cloud}/{region}"
        for port in t.ports:
            ps = paths_between(graph, label, nets, t.resource, port)
            e = exp.get(port)
            if e is not None and e.reach is Reach.YES:
                ps.append(_replication_internet_path(t, e, label))
            out.append(_flow("replication", t, port, label, ps))
    return out


def _operations(graph: BoundaryGraph, t: Target) -> list[Flow]:
    out: list[Flow] = []
    exp = {e.port: e for e in network_view(graph).exposures(t.resource, t.ports)}
    for port in t.ports:
        if (e := exp.get(port)) is not None:
            out.append(_flow("operations", t, port, "internet", [internet_path(t.resource, e)]))
        for cidr in sorted(set(graph.declaration.network.operations.cidrs)):
            if ps := _behind(graph, t, port, cidr):
                out.append(_flow("operations", t, port, cidr, ps))
    return out


def _support(graph: BoundaryGraph, t: Target) -> list[Flow]:
    decl = graph.declaration
    view = network_view(graph)
    out: list[Flow] = []
    for tn in target_networks(graph, t.resource):
        for p in view.peerings_of(tn):
            far = p.attributes.get("accepter") or {}
            acct = str(far.get("account") or "")
            if p.attributes.get("status") != "active" or not acct:
                continue
            if is_customer_account(decl, p.cloud, acct):
                continue
            c = Connectivity(
                a=str(far.get("vpc_id") or ""),
                b=tn.id,
                reach=Reach.YES,
                via="peering",
                reason=f"peering {p.name} from {acct}",
                nodes=(p.id,),
            )
            src = Resource(
                id=str(far.get("vpc_id") or p.id),
                cloud=p.cloud,
                kind=Kind.NETWORK,
                account=acct,
                region=str(far.get("region") or p.region),
                name=str(far.get("vpc_id") or ""),
                attributes={"cidrs": list(far.get("cidrs") or [])},
            )
            for port in t.ports:
                path = network_path(graph, f"{acct} network", src, t.resource, port, c)
                out.append(_flow("support", t, port, f"{acct} {src.name}", [path]))
        for s in site_links(graph).of_network(tn):
            gw = s.far_gateway
            if gw is None or is_customer_account(decl, gw.cloud, gw.account):
                continue
            for port in t.ports:
                ps = paths_between(graph, f"{gw.account} network", s.far_networks, t.resource, port)
                if ps:
                    out.append(_flow("support", t, port, f"{gw.account} {s.far_label}", ps))
    return out


def _into_aws(
    graph: BoundaryGraph,
    t: Target,
    at: dict[tuple[str, str], list[Resource]],
    others: Sequence[Resource],
) -> list[Flow]:
    """Flows from other clouds' networks to an AWS listener (the AWS engine has no such
    origins): replication where a service is declared across, clients from their estate."""
    crossing = declared_crossings(graph.declaration)
    here = ("aws", t.resource.region)
    out: list[Flow] = []
    for (cloud, region), nets in sorted(at.items()):
        if cloud == "aws" or frozenset(((cloud, region), here)) not in crossing:
            continue
        label = f"platform networks in {cloud}/{region}"
        for port in t.ports:
            ps = paths_between(graph, label, nets, t.resource, port)
            out.append(_flow("replication", t, port, label, ps))
    for src in (n for n in others if n.cloud != "aws"):
        cidrs = network_cidrs(graph, src)
        for port in t.ports:
            ps = [p for p in paths_between(graph, cidrs[0], [src], t.resource, port) if p.via]
            if ps:
                out.append(_flow("clients", t, port, cidrs[0], ps))
    return out


def cloud_flows(graph: BoundaryGraph) -> list[Flow]:
    """Flows of every traffic class to the platform's Azure and GCP targets, and from Azure
    and GCP networks to its AWS targets."""
    decl = graph.declaration
    every = kafka_targets(graph, decl.network.kafka_ports)
    kafka = [t for t in every if t.resource.cloud != "aws"]
    aws_kafka = [
        t for t in every if t.resource.cloud == "aws" and t.resource.kind != Kind.LOAD_BALANCER
    ]
    mgmt = [t for t in management_targets(graph) if t.resource.cloud != "aws"]
    if not kafka and not mgmt and not (aws_kafka and site_links(graph).links):
        return []
    platform = {n.id for n in platform_networks(graph).networks}
    others = [
        n
        for n in graph.of_kind(Kind.NETWORK)
        if n.id not in platform
        and not n.attributes.get("stub")
        and nets_of(network_cidrs(graph, n))
    ]
    at = places(graph)
    out: list[Flow] = []
    for t in kafka:
        out.extend(_clients(graph, t, others))
        if t.role != "controller":  # replication pulls from brokers, never controllers
            out.extend(_replication(graph, t, at))
        out.extend(_support(graph, t))
    for t in mgmt:
        out.extend(_operations(graph, t))
    if site_links(graph).links:  # only a site link joins an AWS VPC to another cloud
        for t in aws_kafka:
            out.extend(_into_aws(graph, t, at, others))
    return out


def needs_cloud_paths(graph: BoundaryGraph, source: str, target: Resource) -> bool:
    """Whether a path query leaves the AWS engine: an Azure/GCP target or source resource."""
    src = graph.get(source)
    return target.cloud != "aws" or (src is not None and src.cloud not in ("aws", ""))


def cloud_paths(graph: BoundaryGraph, source: str, target: Resource, port: int) -> list[Path]:
    """Candidate paths from ``source`` (``internet``, a CIDR, a resource) to a target of any
    cloud, network by network (:mod:`.cross_traffic`), for ``auditor paths``."""
    from auditor.analysis.network.addresses import cidr_within
    from auditor.model import INTERNET_ID

    if source == INTERNET_ID:
        return [internet_path(target, e) for e in network_view(graph).exposures(target, [port])]
    src = graph.get(source)
    if src is not None:
        nets = target_networks(graph, src) if src.kind != Kind.NETWORK else [src]
        return paths_between(graph, source, nets, target, port)
    out: list[Path] = []
    holders = [
        n
        for n in graph.of_kind(Kind.NETWORK)
        if (cidrs := network_cidrs(graph, n)) and cidr_within(source, cidrs)
    ]
    if holders:
        out.extend(paths_between(graph, source, holders, target, port))
    t = Target(resource=target, ports=(port,))
    out.extend(_behind(graph, t, port, source))
    return out
