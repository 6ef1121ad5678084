"""Failover dependencies through routes whose next hop is in another region.

A region whose platform traffic is routed through an appliance in another
region (a hub firewall, a NAT or routing instance) loses that traffic when
the other region fails:

- **Azure**: a route table associated with a subnet the platform sits in,
  with a ``VirtualAppliance`` route whose next hop IP is an interface or VM
  in another region (a spoke forced through the primary hub's firewall).
- **GCP**: a route of a network the platform's instances use (untagged, or
  tagged with one of their network tags) whose next hop is an instance or
  internal load balancer in another region (routes are global, hops are not).

AWS route tables only reach targets in their own region, so they add none.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.derive import deriver
from auditor.analysis.failover import Dependency, dependent_region_keys, region_anchor
from auditor.base.edges import MEMBER_OF, ROUTE_TABLE_OF
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Relation, Resource


def _by_ip(graph: BoundaryGraph) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for inst in graph.of_kind(Kind.INSTANCE):
        if inst.attributes.get("private_ip"):
            out.setdefault(str(inst.attributes["private_ip"]), inst)
    for eni in graph.of_kind(Kind.INTERFACE):
        for ip in eni.attributes.get("private_ips") or []:
            out.setdefault(str(ip), eni)
    return out


def _dependency(anchor: Resource, hop: Resource, region: str, via: str, what: str) -> Dependency:
    return Dependency(
        source=anchor.id,
        target=hop.id,
        need="network",
        from_region=region,
        to_region=hop.region,
        blocking=True,
        reason=f"{what} sends the platform's traffic through {hop.name or hop.id} in "
        f"{hop.region}; it stops when {hop.region} is down",
        via=(via,),
    )


def _azure(graph: BoundaryGraph, regions: set[tuple[str, str]]) -> Iterator[Dependency]:
    ips = _by_ip(graph)
    mine = platform_resources(graph)
    # A platform VM sits in its subnets through its interfaces.
    platform = {r.id for r in mine} | {
        str(i) for r in mine for i in r.attributes.get("interface_ids") or []
    }
    for rt in sorted(graph.of_kind(Kind.ROUTE_TABLE), key=lambda r: r.id):
        if rt.cloud != "azure" or ("azure", rt.region) not in regions:
            continue
        subnets = graph.targets(rt.id, ROUTE_TABLE_OF)
        users = [m for s in subnets for m in graph.sources(s.id, MEMBER_OF) if m.id in platform]
        if not users:
            continue
        anchor = region_anchor(graph, rt.region, "azure") or users[0]
        for route in rt.attributes.get("routes") or []:
            hop = ips.get(str(route.get("target_id")))
            if route.get("target_type") != "appliance" or hop is None:
                continue
            if hop.region in (rt.region, "global", ""):
                continue
            what = f"route {route.get('name')} ({route.get('destination')}) of {rt.name}"
            yield _dependency(anchor, hop, rt.region, rt.id, what)


def _gcp(graph: BoundaryGraph, regions: set[tuple[str, str]]) -> Iterator[Dependency]:
    instances = [r for r in platform_resources(graph) if r.kind == Kind.INSTANCE]
    for route in sorted(graph.of_kind("route"), key=lambda r: r.id):
        a = route.attributes
        if route.cloud != "gcp" or a.get("next_hop_type") not in ("instance", "ilb"):
            continue
        hop = graph.get(str(a.get("next_hop") or ""))
        if hop is None or hop.attributes.get("stub") or hop.region in ("global", ""):
            continue
        tags = set(a.get("tags") or [])
        for cloud, region in sorted(regions):
            if cloud != "gcp" or region == hop.region:
                continue
            users = [
                i
                for i in instances
                if i.region == region
                and a.get("vpc_id") in (i.attributes.get("network_ids") or [])
                and (not tags or tags & set(i.attributes.get("network_tags") or []))
            ]
            if users:
                anchor = region_anchor(graph, region, "gcp") or users[0]
                what = f"route {route.name} ({a.get('destination')})"
                yield _dependency(anchor, hop, region, route.id, what)


def route_dependencies(graph: BoundaryGraph) -> list[Dependency]:
    """Each region that routes platform traffic through a hop in another region."""
    regions = set(dependent_region_keys(graph.declaration))
    return [*_azure(graph, regions), *_gcp(graph, regions)]


@deriver("failure.depends_on.routes")
def derive_route_dependencies(graph: BoundaryGraph) -> list[Relation]:
    return [d.relation() for d in route_dependencies(graph)]
