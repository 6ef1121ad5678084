"""``auditor failover-plan BUNDLE``: per region, what changes first and what is missing.

Offline: reads a verified evidence bundle, rebuilds the graph (with its derived
``failure.depends_on`` edges), and prints for each region that would take over
the ordered changes (the declared runbook, or the derived order: DNS, replication,
capacity, keys, consumers), what it needs from other regions, and the failure
path verdicts of the bundle that are not PASS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


@click.command(name="failover-plan")
@click.argument("bundle", type=click.Path(path_type=Path))
def failover_plan(bundle: Path) -> None:
    """Print, per region, what a failover changes first and what is missing (offline)."""
    from auditor.commands._common import fail_with
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.load import load_bundle

    try:
        loaded = load_bundle(bundle)
    except BundleError as exc:
        fail_with(str(exc))
    for line in plan_lines(loaded):
        click.echo(line)


def _region_of(graph: Any, resource: str) -> str | None:
    if resource.startswith("scope:"):
        return resource.rsplit("/", 1)[-1]
    res = graph.get(resource)
    return str(res.region) if res is not None else None


def plan_lines(loaded: Any) -> list[str]:
    """The plan as text lines (pure: same bundle, same lines)."""
    from auditor.analysis.boundary_scope import data_stores
    from auditor.analysis.derive import build_graph
    from auditor.analysis.failover import (
        automatic_dns_failover,
        capacity_by_region,
        declared_aws_regions,
        declared_records,
        dependencies_from_graph,
        dependent_regions,
        failover_role,
        health_check_of,
        keys_protecting,
        primary_region,
        record_targets,
        service_members,
        service_route,
    )
    from auditor.model import PathName, Status

    decl = loaded.declaration
    graph = build_graph(loaded.inventory, decl)
    regions = declared_aws_regions(decl)
    primary = primary_region(decl)
    deps = dependencies_from_graph(graph)
    caps = capacity_by_region(graph)
    verdicts = [
        v for v in loaded.verdicts if v.path is PathName.FAILURE and v.status is not Status.PASS
    ]
    out = [
        f"{decl.name}: failover plan ({decl.pattern.value}, RPO {decl.objectives.rpo}s, "
        f"RTO {decl.objectives.rto}s) from {loaded.path.name}",
    ]
    takers = dependent_regions(decl)
    for region in [*takers, *(r for r in regions if r not in takers)]:
        role = regions[region].value
        out.append("")
        if region in takers:
            others = [r for r in regions if r != region]
            out.append(f"aws/{region} ({role}) takes over from {', '.join(others) or 'nothing'}")
        else:
            out.append(f"aws/{region} ({role}) fails away; it is not a failover target")
            continue
        out.append("  changes first:")
        steps: list[str] = []
        if decl.failure.runbook:
            for n, step in enumerate(decl.failure.runbook, start=1):
                names = ", ".join(f"{r.kind} {r.name}" for r in step.resources)
                status = sorted(
                    {
                        v.status.value
                        for v in loaded.verdicts
                        if v.rule == "failure.runbook-resources"
                        and v.resource.startswith(f"runbook:{n}/")
                    }
                )
                mark = f" [{', '.join(status)}]" if status else ""
                steps.append(f"{step.name}" + (f" ({names})" if names else "") + mark)
        else:
            for fqdn, records in declared_records(graph):
                primaries = [r for r in records if failover_role(r) == "PRIMARY"]
                secondaries = [r for r in records if failover_role(r) == "SECONDARY"]
                if primaries and secondaries:
                    hc_id, hc = health_check_of(graph, primaries[0])
                    detect = (
                        f"health check {hc_id} ({hc.attributes.get('failure_threshold')} x "
                        f"{hc.attributes.get('request_interval')}s)"
                        if hc is not None
                        else "no health check: a manual record change"
                    )
                    sec = secondaries[0]
                    where = sorted({t.region for t in record_targets(graph, sec)})
                    steps.append(
                        f"DNS: {detect} marks PRIMARY {fqdn} down; Route53 answers SECONDARY "
                        f"{sec.attributes.get('set_identifier')} (TTL {sec.attributes.get('ttl')}s"
                        f", -> {', '.join(where) or 'unresolved target'})"
                    )
                else:
                    steps.append(f"DNS: {fqdn} has no failover pair: clients must be repointed")
            if automatic_dns_failover(graph) is None:
                steps.append("DNS: no failure.dns declared: clients must be repointed")
            for s in data_stores(graph):
                for rel in graph.out_edges(s.id, "data.replicates_to"):
                    dest = graph.get(rel.target)
                    if dest is not None and dest.region == region:
                        steps.append(
                            f"Replication: {s.name or s.id} -> {dest.name or dest.id} stops; "
                            f"{dest.name or dest.id} becomes the copy in use"
                        )
            for svc in decl.failure.replication:
                source, targets = service_route(decl, svc)
                if region in targets:
                    hosts = sorted({m.region for m in service_members(graph, svc)})
                    steps.append(
                        f"Replication: {svc.name} ({svc.kind}, {source} -> {region}, runs in "
                        f"{', '.join(hosts) or 'nowhere found'}) stops; consumer offsets "
                        + ("were synced" if svc.offset_sync else "were NOT synced")
                    )
            cap = caps.get(region)
            pcap = caps.get(primary) if primary else None
            steps.append(
                f"Capacity: {cap.brokers if cap else 0} broker(s) in {region}"
                + (f" (max {cap.max_brokers})" if cap else "")
                + (f" for the primary's {pcap.brokers}" if pcap and primary != region else "")
            )
            keys = sorted(
                {
                    k.name or k.id
                    for s in data_stores(graph)
                    if s.region == region
                    for k in keys_protecting(graph, s)[0]
                }
            )
            steps.append(f"Keys: data in {region} is read with {', '.join(keys) or 'no key found'}")
            steps.append("Consumers: consumer groups resume in the region from synced offsets")
        out += [f"    {i}. {s}" for i, s in enumerate(steps, start=1)]
        mine = [d for d in deps if d.from_region == region and d.to_region != region]
        out.append("  needs from other regions:")
        if not mine:
            out.append("    - nothing found")
        for d in mine:
            kind = "BLOCKING" if d.blocking else "non-blocking"
            out.append(f"    - {d.need} from {d.to_region} ({kind}): {' -> '.join(d.chain)}")
            out.append(f"      {d.reason}")
        missing = [v for v in verdicts if _region_of(graph, v.resource) == region]
        out.append("  missing:")
        if not missing:
            out.append("    - nothing: every failure path verdict about it passed")
        for v in missing:
            out.append(f"    - {v.status.value} {v.rule}: {v.message}")
    rest = [v for v in verdicts if _region_of(graph, v.resource) not in regions]
    if rest:
        out.append("")
        out.append("all regions:")
        out += [f"    - {v.status.value} {v.rule} {v.resource}: {v.message}" for v in rest]
    return out


COMMAND = failover_plan
