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


def plan(loaded: Any) -> dict[str, Any]:
    """The plan of a loaded bundle (:class:`~auditor.evidence.load.LoadedBundle`) as data:
    what ``failover-plan --json`` prints and :func:`plan_lines` renders."""
    decl = loaded.declaration
    graph = build_graph(loaded.inventory, decl)
    regions = {r: (c, role) for c, r, role in declared_regions(decl)}
    verdicts = [
        v for v in loaded.verdicts if v.path is PathName.FAILURE and v.status is not Status.PASS
    ]
    takers = [r for _, r in dependent_region_keys(decl)]
    entries: list[dict[str, Any]] = []
    for region in [*takers, *(r for r in regions if r not in takers)]:
        entry: dict[str, Any] = {
            "cloud": regions[region][0],
            "region": region,
            "role": regions[region][1].value,
            "failover_target": region in takers,
        }
        entries.append(entry)
        if region not in takers:
            continue
        others = [r for r in regions if r != region]
        entry["takes_over_from"] = others
        entry["changes_first"] = (
            _runbook_steps(decl, loaded.verdicts)
            if decl.failure.runbook
            else _derived_steps(graph, decl, region)
        )
        entry["needs"] = _needs(graph, region)
        entry["missing"] = [_verdict(v) for v in verdicts if region_of(graph, v.resource) == region]
        entry["blockers"] = [
            {
                "region": source,
                "verdicts": [
                    _verdict(v) for v in verdicts if region_of(graph, v.resource) == source
                ],
            }
            for source in others
            if source not in takers
        ]
    return {
        "declaration": decl.name,
        "pattern": decl.pattern.value,
        "rpo_seconds": decl.objectives.rpo,
        "rto_seconds": decl.objectives.rto,
        "bundle": loaded.path.name,
        "regions": entries,
        "all_regions": [
            _verdict(v) for v in verdicts if region_of(graph, v.resource) not in regions
        ],
    }


def _verdict(v: Verdict) -> dict[str, str]:
    return {"status": v.status.value, "rule": v.rule, "resource": v.resource, "message": v.message}


def plan_lines(loaded: Any) -> list[str]:
    """The plan of a loaded bundle as lines."""
    doc = plan(loaded)
    out = [
        f"{doc['declaration']}: failover plan ({doc['pattern']}, RPO {doc['rpo_seconds']}s, "
        f"RTO {doc['rto_seconds']}s) from {doc['bundle']}",
    ]
    for entry in doc["regions"]:
        out.append("")
        where = f"{entry['cloud']}/{entry['region']} ({entry['role']})"
        if not entry["failover_target"]:
            out.append(f"{where} fails away; it is not a failover target")
            continue
        out.append(f"{where} takes over from {', '.join(entry['takes_over_from']) or 'nothing'}")
        out.append("  changes first:")
        out += [f"    {i}. {s}" for i, s in enumerate(entry["changes_first"], start=1)]
        out += _needs_lines(entry["needs"])
        out.append("  missing:")
        out += _verdict_lines(entry["missing"], with_resource=False)
        for blocker in entry["blockers"]:
            out.append(f"  blockers in {blocker['region']} (failed away from):")
            out += _verdict_lines(blocker["verdicts"], with_resource=True)
    if doc["all_regions"]:
        out.append("")
        out.append("all regions:")
        out += [
            f"    - {v['status']} {v['rule']} {v['resource']}: {v['message']}"
            for v in doc["all_regions"]
        ]
    return out


def _verdict_lines(verdicts: list[dict[str, str]], *, with_resource: bool) -> list[str]:
    if not verdicts:
        return ["    - nothing: every failure path verdict about it passed"]
    return [
        f"    - {v['status']} {v['rule']}"
        + (f" {v['resource']}" if with_resource else "")
        + f": {v['message']}"
        for v in verdicts
    ]


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
                else "may have been synced (its sync setting or running was not read)"
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


def _needs(graph: BoundaryGraph, region: str) -> list[dict[str, Any]]:
    """What ``region`` needs from other regions (derived ``failure.depends_on``)."""
    return [
        {
            "need": d.need,
            "from_region": d.to_region,
            "blocking": d.blocking,
            "chain": list(d.chain),
            "reason": d.reason,
        }
        for d in dependencies_from_graph(graph)
        if d.from_region == region and d.to_region != region
    ]


def _needs_lines(needs: list[dict[str, Any]]) -> list[str]:
    out = ["  needs from other regions:"]
    if not needs:
        out.append("    - nothing found")
    for d in needs:
        kind = "BLOCKING" if d["blocking"] else "non-blocking"
        out.append(f"    - {d['need']} from {d['from_region']} ({kind}): {' -> '.join(d['chain'])}")
        out.append(f"      {d['reason']}")
    return out
