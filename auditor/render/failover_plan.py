"""The failover plan of a bundle as text: per region, what changes first, what it needs,
what is missing.

For each region that would take over: the declared runbook, or the order derived
from the graph (DNS, replication, capacity, keys, consumers: from synced offsets only
when :func:`~auditor.analysis.offset_sync.offsets_synced` says so); the dependencies
on other regions (``failure.depends_on``); the failure path verdicts about it that
are not PASS; and, as blockers, those about the regions it takes over from (a
primary whose data is not replicated cannot be failed away from within the RPO).
Every declared region of every cloud is planned (``{cloud}/{region}``); a DNS step
names the service that answers the record's cloud (Route53, Traffic Manager, Cloud
DNS). Pure: the same bundle gives the same lines.
"""

from __future__ import annotations

from typing import Any

from auditor.analysis.boundary_scope import data_stores
from auditor.analysis.derive import build_graph
from auditor.analysis.failover import (
    answer_regions,
    automatic_dns_failover,
    capacity_by_region,
    cloud_of_region,
    comparison_primary,
    declared_records,
    declared_regions,
    dependencies_from_graph,
    dependent_region_keys,
    failover_role,
    health_check_of,
    keys_protecting,
    record_targets,
    service_members,
    service_route,
)
from auditor.analysis.offset_sync import offsets_synced
from auditor.base.edges import REPLICATES_TO
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import PathName, Status, Verdict


def region_of(graph: BoundaryGraph, resource: str) -> str | None:
    """The region a verdict's resource is in (a ``scope:`` id ends with it)."""
    if resource.startswith("scope:"):
        return resource.rsplit("/", 1)[-1]
    res = graph.get(resource)
    return str(res.region) if res is not None else None


def plan_lines(loaded: Any) -> list[str]:
    """The plan of a loaded bundle (:class:`~auditor.evidence.load.LoadedBundle`) as lines."""
    decl = loaded.declaration
    graph = build_graph(loaded.inventory, decl)
    regions = {r: (c, role) for c, r, role in declared_regions(decl)}
    verdicts = [
        v for v in loaded.verdicts if v.path is PathName.FAILURE and v.status is not Status.PASS
    ]
    out = [
        f"{decl.name}: failover plan ({decl.pattern.value}, RPO {decl.objectives.rpo}s, "
        f"RTO {decl.objectives.rto}s) from {loaded.path.name}",
    ]
    takers = [r for _, r in dependent_region_keys(decl)]
    for region in [*takers, *(r for r in regions if r not in takers)]:
        cloud, role = regions[region][0], regions[region][1].value
        out.append("")
        if region not in takers:
            out.append(f"{cloud}/{region} ({role}) fails away; it is not a failover target")
            continue
        others = [r for r in regions if r != region]
        out.append(f"{cloud}/{region} ({role}) takes over from {', '.join(others) or 'nothing'}")
        out.append("  changes first:")
        steps = (
            _runbook_steps(decl, loaded.verdicts)
            if decl.failure.runbook
            else _derived_steps(graph, decl, region)
        )
        out += [f"    {i}. {s}" for i, s in enumerate(steps, start=1)]
        out += _needs(graph, region)
        out += _missing(graph, verdicts, region)
        out += _blockers(graph, verdicts, [r for r in others if r not in takers])
    rest = [v for v in verdicts if region_of(graph, v.resource) not in regions]
    if rest:
        out.append("")
        out.append("all regions:")
        out += [f"    - {v.status.value} {v.rule} {v.resource}: {v.message}" for v in rest]
    return out


def _runbook_steps(decl: Declaration, verdicts: list[Verdict]) -> list[str]:
    """The declared runbook's steps, each with the statuses of its resources' verdicts."""
    steps = []
    for n, step in enumerate(decl.failure.runbook, start=1):
        names = ", ".join(f"{r.kind} {r.name}" for r in step.resources)
        status = sorted(
            {
                v.status.value
                for v in verdicts
                if v.rule == "failure.runbook-resources" and v.resource.startswith(f"runbook:{n}/")
            }
        )
        mark = f" [{', '.join(status)}]" if status else ""
        steps.append(f"{step.name}" + (f" ({names})" if names else "") + mark)
    return steps


def _derived_steps(graph: BoundaryGraph, decl: Declaration, region: str) -> list[str]:
    """Without a runbook: DNS, replication, capacity, keys, consumers, in that order."""
    return [
        *_dns_steps(graph),
        *_replication_steps(graph, decl, region),
        _capacity_step(graph, decl, region),
        _keys_step(graph, region),
        _consumers_step(graph, decl, region),
    ]


def _consumers_step(graph: BoundaryGraph, decl: Declaration, region: str) -> str:
    """Where consumer groups resume: from synced offsets only when they are synced."""
    sync = offsets_synced(graph, decl, region)
    if sync.synced:
        return f"Consumers: consumer groups resume in {region} from synced offsets ({sync.reason})"
    if sync.synced is None:
        return (
            f"Consumers: whether offsets are synced into {region} is unknown ({sync.reason}): "
            "check the replication before relying on them"
        )
    return (
        f"Consumers: offsets are NOT synced into {region} ({sync.reason}): consumer groups "
        "restart from their auto.offset.reset position (re-read or skip messages) unless "
        "reset by hand"
    )


_SERVICE = {"aws": "Route53", "azure": "Traffic Manager", "gcp": "Cloud DNS"}
"""Which service answers a failover record of each cloud (Azure: a Traffic Manager
profile; Cloud DNS: a primaryBackup routing policy)."""


def _dns_steps(graph: BoundaryGraph) -> list[str]:
    """How each declared record fails over: health check and SECONDARY, or by hand."""
    steps = []
    for fqdn, records in declared_records(graph):
        primaries = [r for r in records if failover_role(r) == "PRIMARY"]
        secondaries = [r for r in records if failover_role(r) == "SECONDARY"]
        if not (primaries and secondaries):
            steps.append(f"DNS: {fqdn} has no failover pair: clients must be repointed")
            continue
        hc_id, hc = health_check_of(graph, primaries[0])
        detect = (
            f"health check {hc_id} ({hc.attributes.get('failure_threshold')} x "
            f"{hc.attributes.get('request_interval')}s)"
            if hc is not None
            else "no health check: a manual record change"
        )
        sec = secondaries[0]
        where = sorted({t.region for t in record_targets(graph, sec)} | answer_regions(graph, sec))
        steps.append(
            f"DNS: {detect} marks PRIMARY {fqdn} down; {_SERVICE.get(sec.cloud, 'DNS')} "
            "answers SECONDARY "
            f"{sec.attributes.get('set_identifier')} (TTL {sec.attributes.get('ttl')}s"
            f", -> {', '.join(where) or 'unresolved target'})"
        )
    if automatic_dns_failover(graph) is None:
        steps.append("DNS: no failure.dns declared: clients must be repointed")
    return steps


def _replication_steps(graph: BoundaryGraph, decl: Declaration, region: str) -> list[str]:
    """Store copies and declared replication services that stop when ``region`` takes over."""
    steps = []
    for s in data_stores(graph):
        for rel in graph.out_edges(s.id, REPLICATES_TO):
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
            sync = offsets_synced(graph, decl, region, source)
            synced = (
                "were synced"
                if svc.name in sync.by
                else "may have been synced (whether it runs was not recorded)"
                if svc.name in sync.unknown_by
                else "were NOT synced"
            )
            steps.append(
                f"Replication: {svc.name} ({svc.kind}, {source} -> {region}, runs in "
                f"{', '.join(hosts) or 'nowhere found'}) stops; consumer offsets {synced}"
            )
    return steps


def _capacity_step(graph: BoundaryGraph, decl: Declaration, region: str) -> str:
    cloud = cloud_of_region(decl, region)
    cap = capacity_by_region(graph, cloud).get(region)
    against = comparison_primary(decl, cloud)
    primary = against[1] if against else None
    pcap = capacity_by_region(graph, against[0]).get(against[1]) if against else None
    return (
        f"Capacity: {cap.brokers if cap else 0} broker(s) in {region}"
        + (f" (max {cap.max_brokers})" if cap else "")
        + (f" for the primary's {pcap.brokers}" if pcap and primary != region else "")
    )


def _keys_step(graph: BoundaryGraph, region: str) -> str:
    keys = sorted(
        {
            k.name or k.id
            for s in data_stores(graph)
            if s.region == region
            for k in keys_protecting(graph, s)[0]
        }
    )
    return f"Keys: data in {region} is read with {', '.join(keys) or 'no key found'}"


def _needs(graph: BoundaryGraph, region: str) -> list[str]:
    """What ``region`` needs from other regions (derived ``failure.depends_on``)."""
    mine = [
        d
        for d in dependencies_from_graph(graph)
        if d.from_region == region and d.to_region != region
    ]
    out = ["  needs from other regions:"]
    if not mine:
        out.append("    - nothing found")
    for d in mine:
        kind = "BLOCKING" if d.blocking else "non-blocking"
        out.append(f"    - {d.need} from {d.to_region} ({kind}): {' -> '.join(d.chain)}")
        out.append(f"      {d.reason}")
    return out


def _blockers(graph: BoundaryGraph, verdicts: list[Verdict], sources: list[str]) -> list[str]:
    """The failure path verdicts, not PASS, about the regions failed away from."""
    out = []
    for source in sources:
        found = [v for v in verdicts if region_of(graph, v.resource) == source]
        out.append(f"  blockers in {source} (failed away from):")
        if not found:
            out.append("    - nothing: every failure path verdict about it passed")
        out += [f"    - {v.status.value} {v.rule} {v.resource}: {v.message}" for v in found]
    return out


def _missing(graph: BoundaryGraph, verdicts: list[Verdict], region: str) -> list[str]:
    """The failure path verdicts about ``region`` that are not PASS."""
    missing = [v for v in verdicts if region_of(graph, v.resource) == region]
    out = ["  missing:"]
    if not missing:
        out.append("    - nothing: every failure path verdict about it passed")
    out += [f"    - {v.status.value} {v.rule}: {v.message}" for v in missing]
    return out
