"""Failover dependencies through private endpoints (``failure.depends_on``, need ``network``).

A store or Kafka service reached through private endpoints (an Azure private endpoint, a
GCP Private Service Connect endpoint) is reachable only from the networks those endpoints
sit in. When every private endpoint of a secondary region's resource sits in another
region's network, clients reach it only through that region: the secondary cannot serve
while that region is down. An endpoint in the resource's own region removes the dependency
(the others are extra ways in).
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.boundary_scope import data_stores, platform_resources
from auditor.analysis.derive import deriver
from auditor.analysis.failover import Dependency, dependent_region_keys
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Relation, Resource


def _endpoints_by_target(graph: BoundaryGraph) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for pe in graph.of_kind(Kind.PRIVATE_ENDPOINT):
        for target in pe.attributes.get("target_ids") or []:
            out.setdefault(str(target).lower(), []).append(pe)
    return out


def endpoint_dependencies(graph: BoundaryGraph) -> Iterator[Dependency]:
    """Each dependent region's resource whose private endpoints all sit in other regions."""
    regions = set(dependent_region_keys(graph.declaration))
    by_target = _endpoints_by_target(graph)
    holders = {r.id: r for r in [*platform_resources(graph), *data_stores(graph)]}
    for holder in sorted(holders.values(), key=lambda r: r.id):
        if (holder.cloud, holder.region) not in regions:
            continue
        pes = [p for p in by_target.get(holder.id.lower(), []) if p.region not in ("", "global")]
        if not pes or any(p.region == holder.region for p in pes):
            continue
        pe = sorted(pes, key=lambda p: (p.region, p.id))[0]
        network = str(pe.attributes.get("vpc_id") or "")
        elsewhere = sorted({p.region for p in pes})
        yield Dependency(
            source=holder.id,
            target=network or pe.id,
            need="network",
            from_region=holder.region,
            to_region=pe.region,
            blocking=True,
            reason=f"{holder.name or holder.id} is reached only through private endpoint(s) "
            f"in {', '.join(elsewhere)} ({', '.join(sorted(p.name or p.id for p in pes))}), "
            f"none in {holder.region}: its clients lose it while {pe.region} is down",
            via=(pe.id,) if network else (),
        )


@deriver("failure.depends_on.endpoints")
def derive_endpoint_dependencies(graph: BoundaryGraph) -> list[Relation]:
    return [d.relation() for d in endpoint_dependencies(graph)]
