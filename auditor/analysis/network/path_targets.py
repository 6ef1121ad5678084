"""What path queries are asked about: the platform's Kafka and management targets, and S3.

- :func:`kafka_targets`: brokers, MSK clusters, and the load balancers in
  front of them, with the ports to judge on each; an Azure VM scale set is a
  listener too (its instances' NICs are its network profile, and a uniform
  scale set's instances are no rows of their own); a KRaft controller is a
  target of role ``controller`` (no client or replication listener);
- :func:`management_targets`: SSH/RDP on platform hosts (Azure scale sets
  included), the EKS API of platform clusters;
- :func:`store_path`: how an origin reaches S3 in a region (a service, not a
  resource of the graph).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from auditor.analysis.network.addresses import fmt_nets, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.exposure import MSK_PUBLIC_PORTS
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import Endpoint, Origin, Path, _merge_via
from auditor.analysis.network.view import network_view
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

if TYPE_CHECKING:  # the engine is passed in, never imported
    from auditor.analysis.network.paths import PathEngine


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    resource: Resource
    ports: tuple[int, ...]
    role: str = "kafka"
    """``kafka``, ``controller`` (a KRaft controller: no replication source pulls from it)
    or ``management``."""
    notes: tuple[str, ...] = field(default=())


def _host(res: Resource) -> bool:
    """What runs Kafka or takes SSH: instances, NICs, and Azure VM scale sets."""
    return res.kind in (Kind.INSTANCE, Kind.INTERFACE) or (
        res.cloud == "azure" and res.kind == Kind.SCALING_GROUP
    )


def kafka_targets(graph: BoundaryGraph, ports: Iterable[int]) -> list[Target]:
    """Kafka listeners of the platform: brokers, MSK clusters, load balancers in front."""
    from auditor.analysis.boundary_scope import platform_resources
    from auditor.analysis.capacity import is_controller

    wanted = tuple(sorted(set(ports)))
    out: dict[str, Target] = {}
    view = network_view(graph)
    for res in platform_resources(graph):
        if _host(res):
            role = "controller" if is_controller(res) else "kafka"
            out[res.id] = Target(resource=res, ports=wanted, role=role)
            for lb, listener, tport in view.load_balancers_in_front(res):
                lp = listener.attributes.get("port")
                if tport in wanted and lp is not None:
                    prev = out.get(lb.id)
                    have = prev.ports if prev else ()
                    out[lb.id] = Target(resource=lb, ports=tuple(sorted({*have, int(lp)})))
        elif res.kind == Kind.KAFKA_CLUSTER:
            extra = {MSK_PUBLIC_PORTS[p] for p in wanted if p in MSK_PUBLIC_PORTS}
            out[res.id] = Target(resource=res, ports=tuple(sorted({*wanted, *extra})))
        elif res.kind == Kind.LOAD_BALANCER:
            lports = set()
            for listener, tports in view.listeners_of(res):
                lp = listener.attributes.get("port")
                if lp is not None and (int(lp) in wanted or set(tports) & set(wanted)):
                    lports.add(int(lp))
            if lports:
                prev = out.get(res.id)
                out[res.id] = Target(
                    resource=res, ports=tuple(sorted({*(prev.ports if prev else ()), *lports}))
                )
    return [out[k] for k in sorted(out)]


def management_targets(graph: BoundaryGraph, ports: Iterable[int] = (22, 3389)) -> list[Target]:
    """SSH/RDP on platform hosts and the EKS API of platform clusters."""
    from auditor.analysis.boundary_scope import platform_resources

    out: list[Target] = []
    for res in platform_resources(graph):
        if _host(res):
            out.append(Target(resource=res, ports=tuple(sorted(set(ports))), role="management"))
        elif res.kind == Kind.K8S_CLUSTER:
            out.append(Target(resource=res, ports=(443,), role="management"))
    return sorted(out, key=lambda t: t.resource.id)


def store_path(engine: PathEngine, o: Origin, bucket_region: str) -> Path:
    """How an origin reaches S3 in ``bucket_region``: endpoint, NAT, internet, or not at all."""
    g = engine.graph
    src = engine.hop(o.node, "source", ", ".join(fmt_nets(o.nets)[:3]))
    target = f"s3:{bucket_region}"
    s3 = Resource(
        id=target, cloud="aws", kind="service", account="aws", region=bucket_region, name=target
    )
    ep = Endpoint.unplaced(s3, 443, public=True, public_why="AWS service")
    if o.subnet is None:
        return engine._end(ep, o.label, 443, [src], ("internet",), "reachable", sources=o.nets)
    table = engine.view.route_table_for(o.subnet)
    if table is None:
        return engine._end(
            ep,
            o.label,
            443,
            [src, engine.hop(o.subnet, "subnet", "no route table found", Reach.UNKNOWN)],
            (),
            "",
        )
    vid = str(o.subnet.attributes.get("vpc_id") or "")
    service = f"com.amazonaws.{bucket_region}.s3"
    same = o.subnet.region == bucket_region
    for e in g.of_kind(Kind.PRIVATE_ENDPOINT):
        a = e.attributes
        if not same or e.region != o.subnet.region or str(a.get("vpc_id")) != vid:
            continue
        if a.get("service_name") != service or a.get("state") not in ("available", None):
            continue
        if a.get("endpoint_type") == "Gateway" and local_id(table.id) in (
            a.get("route_table_ids") or []
        ):
            pol = "a policy" if a.get("policy") else "no policy"
            return engine._end(
                ep,
                o.label,
                443,
                [
                    src,
                    engine.hop(table, "route table", f"prefix-list route to {local_id(e.id)}"),
                    engine.hop(e, "gateway endpoint", f"{service} ({pol})"),
                ],
                ("gateway-endpoint",),
                "reachable",
                sources=o.nets,
            )
    for e in g.of_kind(Kind.PRIVATE_ENDPOINT):
        a = e.attributes
        if not same or e.region != o.subnet.region or str(a.get("vpc_id")) != vid:
            continue
        if a.get("service_name") == service and a.get("endpoint_type") == "Interface":
            epn = engine.endpoints(e, 443)
            if epn:
                leg = engine.private_leg(o, epn[0], 443)
                return replace(leg, target=target, via=_merge_via(("interface-endpoint",), leg.via))
    probe = parse_net("52.216.0.1/32")
    assert probe is not None
    w = engine.walk(table, probe, None)
    hops = [src, *w.hops]
    if w.fate == "internet":
        if "nat" not in w.via and o.public is not True:
            hops.append(
                engine.hop(
                    o.node,
                    "source",
                    "needs a public address to use the internet gateway",
                    Reach.UNKNOWN if o.public is None else Reach.NO,
                )
            )
        return engine._end(ep, o.label, 443, hops, w.via, "reachable", sources=o.nets)
    return engine._end(ep, o.label, 443, hops, w.via, w.reason, sources=o.nets)
