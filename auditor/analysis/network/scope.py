"""Which networks are the platform's: platform VPCs and the route tables deciding them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.analysis.network.index import _local_id
from auditor.analysis.network.view import network_view
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

EXPOSABLE_KINDS = (Kind.INSTANCE, Kind.INTERFACE, Kind.LOAD_BALANCER, Kind.KAFKA_CLUSTER)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlatformNetworks:
    networks: tuple[Resource, ...]
    why: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per network id: the platform resources (or ``selected``) that put it in scope."""


def platform_networks(graph: BoundaryGraph) -> PlatformNetworks:
    """VPCs the platform selector picks, plus VPCs holding selected platform resources."""
    from auditor.analysis.boundary_scope import platform_resources

    view = network_view(graph)
    why: dict[str, set[str]] = {}
    nets: dict[str, Resource] = {}
    for res in platform_resources(graph):
        if res.kind == Kind.NETWORK:
            nets[res.id] = res
            why.setdefault(res.id, set()).add("selected")
            continue
        for vpc in view.networks_of(res):
            nets[vpc.id] = vpc
            why.setdefault(vpc.id, set()).add(res.id)
    return PlatformNetworks(
        networks=tuple(nets[k] for k in sorted(nets)),
        why={k: tuple(sorted(v)) for k, v in sorted(why.items())},
    )


def platform_tables(graph: BoundaryGraph, vpc: Resource) -> list[Resource]:
    """Route tables deciding the platform's subnets in ``vpc`` (all of the VPC's if none)."""
    from auditor.analysis.boundary_scope import platform_resources

    view = network_view(graph)
    vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
    tables: dict[str, Resource] = {}
    for res in platform_resources(graph):
        if res.region != vpc.region:
            continue
        for s in view.subnets_of(res):
            if str(s.attributes.get("vpc_id") or "") != vid:
                continue
            t = view.route_table_for(s)
            if t is not None:
                tables[t.id] = t
    if tables:
        return [tables[k] for k in sorted(tables)]
    return view.route_tables_of_vpc(vpc)
