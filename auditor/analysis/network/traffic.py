"""Traffic classes: every flow found is classified, and each class is judged on its own.

Classes (from ``network`` in the declaration):

- **clients**: connections to a Kafka listener from outside the platform's
  networks (the internet, declared client CIDRs, any other estate subnet);
- **replication**: connections from a platform network in one declared region
  to a Kafka listener in a platform network of another region (a broker, not a
  KRaft controller: replication pulls from brokers);
- **operations**: connections to management endpoints (SSH/RDP on platform
  hosts, the EKS API) from anywhere;
- **support**: connections to Kafka or management endpoints from networks of a
  party other than the customer (a vendor VPC peered or attached by TGW).

A flow's **via** (``internet``, ``nat``, ``peering``, ``transit-gateway``,
``private-endpoint``) must be among the class's declared ``via``; ``local``
(inside one VPC) and ``load-balancer`` hops are not judged as links. A class
with public flows fails even if it also has private ones: a private client path
does not excuse a public replication path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.network.addresses import Net, collapse, fmt_nets, nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.delivery import DeliveryIndex
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import WORLD, Origin, Path, hops_text
from auditor.analysis.network.paths import (
    PathEngine,
    Target,
    kafka_targets,
    management_targets,
    path_engine,
)
from auditor.analysis.network.scope import platform_networks
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

CLASSES = ("clients", "replication", "operations", "support")
NOT_LINKS = frozenset({"local", "load-balancer"})
PUBLIC = frozenset({"internet", "nat"})
_AS_DECLARED = {"interface-endpoint": "private-endpoint", "gateway-endpoint": "private-endpoint"}


def links(path: Path) -> tuple[str, ...]:
    """The declared-vocabulary link kinds a path crosses."""
    out: list[str] = []
    for v in path.via:
        if v in NOT_LINKS:
            continue
        d = _AS_DECLARED.get(v, v)
        if d not in out:
            out.append(d)
    return tuple(out)


@dataclass(frozen=True, kw_only=True, slots=True)
class Flow:
    cls: str
    target: Resource
    port: int
    source: str
    """``internet``, a CIDR, or a network id."""
    paths: tuple[Path, ...]
    reach: Reach
    links: tuple[str, ...] = ()


def _group(
    engine: PathEngine, subnets: Iterable[Resource], label_: str, vpc_node: str
) -> list[Origin]:
    groups: dict[tuple[str, str], list[Resource]] = {}
    for s in subnets:
        t = engine.view.route_table_for(s)
        a = engine.view.acl_for(s)
        groups.setdefault((t.id if t else "", a.id if a else ""), []).append(s)
    out: list[Origin] = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: r.id)
        nets = collapse(n for s in members for n in nets_of([s.attributes.get("cidr")]))
        out.append(Origin(label=label_, node=members[0].id, nets=nets, subnet=members[0]))
    del vpc_node
    return out


def flow_of(
    cls: str, t: Target, port: int, source: str, paths: Sequence[Path], *, local: bool = False
) -> Flow:
    """One source's flow to a target: reached when a path reaches (unknown when one may).

    Its links are those the reaching paths use; with ``local``, a path inside one network
    (no link) counts as the link ``local`` (the Azure and GCP flows name it).
    """
    yes = [p for p in paths if p.reach is Reach.YES]
    reach = (
        Reach.YES
        if yes
        else (Reach.UNKNOWN if any(p.reach is Reach.UNKNOWN for p in paths) else Reach.NO)
    )
    kinds: list[str] = []
    for p in yes:
        for k in links(p) or (("local",) if local and "local" in p.via else ()):
            if k not in kinds:
                kinds.append(k)
    return Flow(
        cls=cls,
        target=t.resource,
        port=port,
        source=source,
        paths=tuple(paths),
        reach=reach,
        links=tuple(kinds),
    )


def class_flows(graph: BoundaryGraph) -> list[Flow]:
    """Flows of every traffic class over the graph (computed per source class, not per pair)."""
    decl = graph.declaration
    engine = path_engine(graph)
    platform_subnets, other_subnets = estate_subnets(graph)
    kafka = kafka_targets(graph, decl.network.kafka_ports)
    mgmt = management_targets(graph)
    return [
        *_client_flows(graph, engine, kafka, other_subnets),
        *replication_flows(engine, kafka, platform_subnets),
        *_operations_flows(graph, engine, mgmt),
        *_support_flows(graph, engine, [*kafka, *mgmt]),
    ]


def estate_subnets(graph: BoundaryGraph) -> tuple[dict[str, list[Resource]], list[Resource]]:
    """The AWS subnets of the estate: the platform's, per region, and every other one."""
    nets = platform_networks(graph).networks
    platform_vpc_keys = {
        (v.region, str(v.attributes.get("vpc_id") or local_id(v.id))) for v in nets
    }
    platform_subnets: dict[str, list[Resource]] = {}
    other_subnets: list[Resource] = []
    for s in graph.of_kind(Kind.SUBNET):
        if s.cloud != "aws":
            # The hop-by-hop engine models AWS networks; another cloud's subnets reach
            # AWS listeners only over links it does not model (VPN, interconnect).
            continue
        key = (s.region, str(s.attributes.get("vpc_id") or ""))
        if key in platform_vpc_keys:
            platform_subnets.setdefault(s.region, []).append(s)
        else:
            other_subnets.append(s)
    return platform_subnets, other_subnets


def _client_flows(
    graph: BoundaryGraph,
    engine: PathEngine,
    kafka: Sequence[Target],
    other_subnets: Sequence[Resource],
) -> list[Flow]:
    """Clients: the internet, declared client CIDRs, and every non-platform estate subnet."""
    decl = graph.declaration
    out: list[Flow] = []
    client_cidrs = sorted(set(decl.network.clients.cidrs))
    client_origins: list[tuple[str, list[Origin], tuple[Net, ...], Reach]] = [
        ("internet", [], nets_of(["0.0.0.0/0"]), Reach.NO)
    ]
    other_ids = {s.id for s in other_subnets}  # a set: one lookup per origin, not a scan
    for c in client_cidrs:
        origins, public, entry = engine.origins_for_cidr(c)
        origins = [o for o in origins if o.subnet is not None and o.subnet.id in other_ids]
        client_origins.append((c, origins, public, entry))
    declared = nets_of(client_cidrs)
    undeclared = [s for s in other_subnets if not _within(s, declared)]
    if undeclared:
        client_origins.append(
            (
                "undeclared estate subnets",
                _group(engine, undeclared, "undeclared estate subnets", ""),
                (),
                Reach.NO,
            )
        )
    # One delivery index per origin list: legs proven NO are skipped (see .delivery).
    indexes = [DeliveryIndex(engine, origins) for _, origins, _, _ in client_origins]
    for t in kafka:
        for port in t.ports:
            for (label_, origins, public, entry), index in zip(
                client_origins, indexes, strict=True
            ):
                pub = WORLD if label_ == "internet" else public
                ps = engine.from_origins(origins, pub, entry, label_, t.resource, port, index)
                out.append(flow_of("clients", t, port, label_, ps))
    return out


def replication_flows(
    engine: PathEngine, kafka: Sequence[Target], platform_subnets: Mapping[str, list[Resource]]
) -> list[Flow]:
    """Replication: platform networks of one region to Kafka listeners of another."""
    out: list[Flow] = []
    regions = sorted(platform_subnets)
    by_region = {
        r: _group(engine, platform_subnets[r], f"platform networks in {r}", "") for r in regions
    }
    region_index = {r: DeliveryIndex(engine, by_region[r]) for r in regions}
    for t in kafka:
        if t.role == "controller":  # replication pulls from brokers, never controllers
            continue
        for r in regions:
            if r == t.resource.region:
                continue
            origins = by_region[r]
            for port in t.ports:
                ps = engine.from_origins(
                    origins,
                    (),
                    Reach.NO,
                    f"platform networks in {r}",
                    t.resource,
                    port,
                    region_index[r],
                )
                out.append(flow_of("replication", t, port, f"platform networks in {r}", ps))
    return out


def _operations_flows(
    graph: BoundaryGraph, engine: PathEngine, mgmt: Sequence[Target]
) -> list[Flow]:
    """Operations: management endpoints from the internet and declared operations CIDRs."""
    out: list[Flow] = []
    ops_sources = ["internet", *sorted(set(graph.declaration.network.operations.cidrs))]
    for t in mgmt:
        for port in t.ports:
            for src in ops_sources:
                ps = engine.paths(src, t.resource, port)
                out.append(flow_of("operations", t, port, src, ps))
    return out


def _support_flows(
    graph: BoundaryGraph, engine: PathEngine, targets: Sequence[Target]
) -> list[Flow]:
    """Support: networks of other parties joined by peering to a platform network."""
    decl = graph.declaration
    out: list[Flow] = []
    for p in graph.of_kind(Kind.PEERING):
        if p.attributes.get("status") != "active":
            continue
        for side in ("requester", "accepter"):
            info = p.attributes.get(side) or {}
            acct = str(info.get("account") or "")
            if not acct or is_customer_account(decl, "aws", acct):
                continue
            far = ", ".join(str(c) for c in info.get("cidrs") or [])
            for t in targets:
                for port in t.ports:
                    ps = engine.external_via_peering(p, side, t.resource, port)
                    if ps:
                        out.append(flow_of("support", t, port, f"{acct} {far}", ps))
    return out


def _within(s: Resource, declared: Sequence[Net]) -> bool:
    sn = nets_of([s.attributes.get("cidr")])
    return bool(sn) and all(
        any(n.subnet_of(d) for d in declared if d.version == n.version)  # type: ignore[arg-type]
        for n in sn
    )


def judge(flow: Flow, allowed: Iterable[str]) -> tuple[bool, list[str]]:
    """Whether a flow's links are all declared for its class; the undeclared ones."""
    ok = set(allowed)
    bad = [k for k in flow.links if k not in ok]
    return not bad, bad


def summary(paths: Sequence[Path]) -> str:
    yes = [p for p in paths if p.reach is Reach.YES]
    if yes:
        p = yes[0]
        return hops_text((h for h in p.hops if h.what != "network ACL"), local_id)
    return ""


__all__ = ["CLASSES", "Flow", "class_flows", "fmt_nets", "judge", "links", "summary"]
