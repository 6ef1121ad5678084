"""Failover dependencies through private DNS zones linked to some networks only.

An Azure private DNS zone answers only in the virtual networks linked to it
(``network.resolves_in``). When such a zone serves the platform (it is linked
to a platform network) but none of the platform networks of a region that
must come up on its own, clients there cannot resolve its names (private
endpoints of Event Hubs, storage, Key Vault): that region depends on the
regions whose networks the zone is linked to. Route53 private zones are
judged by :mod:`auditor.analysis.failover` from their VPC associations; a
Cloud DNS private zone is visible to global networks, so it is not regional.
"""

from __future__ import annotations

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.derive import deriver
from auditor.analysis.failover import Dependency, dependent_region_keys, region_anchor
from auditor.base.edges import RESOLVES_IN
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Relation, Resource


def _linked_networks(graph: BoundaryGraph, zone: Resource) -> list[Resource]:
    found = (graph.get(rel.target) for rel in graph.out_edges(zone.id, RESOLVES_IN))
    return sorted(
        (n for n in found if n is not None and not n.attributes.get("stub")), key=lambda n: n.id
    )


def zone_dependencies(graph: BoundaryGraph) -> list[Dependency]:
    """Each region that needs a private zone linked only to other regions' networks."""
    regions = dependent_region_keys(graph.declaration)
    networks = [r for r in platform_resources(graph) if r.kind == Kind.NETWORK]
    platform_ids = {n.id for n in networks}
    out: list[Dependency] = []
    for zone in sorted(graph.of_kind(Kind.DNS_ZONE), key=lambda z: z.id):
        linked = _linked_networks(graph, zone)
        if not any(n.id in platform_ids for n in linked):
            continue  # no link to the platform: the platform does not resolve through it
        where = sorted({n.region for n in linked})
        for cloud, region in regions:
            here = [n for n in networks if n.cloud == cloud and n.region == region]
            if cloud != zone.cloud or region in where or not here:
                continue
            anchor = region_anchor(graph, region, cloud) or here[0]
            target = next(n for n in linked if n.id in platform_ids)
            out.append(
                Dependency(
                    source=anchor.id,
                    target=target.id,
                    need="dns",
                    from_region=region,
                    to_region=target.region,
                    blocking=True,
                    reason=f"private DNS zone {zone.attributes.get('name')} is linked only to "
                    f"networks in {', '.join(where)}; the platform network(s) in {region} "
                    f"({', '.join(n.name or n.id for n in here)}) cannot resolve its names",
                    via=(zone.id,),
                )
            )
    return out


@deriver("failure.depends_on.private-zones")
def derive_zone_dependencies(graph: BoundaryGraph) -> list[Relation]:
    return [d.relation() for d in zone_dependencies(graph)]
