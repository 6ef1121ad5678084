"""Failure path rules driven by the declared disaster recovery pattern.

active-passive:

- ``failure.single-write-region``: one authoritative write region: clients reach the
  platform through failover routing whose PRIMARY answer is in the primary region, and
  no data or Kafka replication flows back from a secondary.
- ``failure.replication-service``: each declared Kafka replication service is judged on
  the replication collected between its regions (MSK Replicator, MirrorMaker 2 on MSK
  Connect: running, copying source -> target, syncing consumer offsets); the declaration
  names what is intended. MirrorMaker 2 on self-managed hosts is INCONCLUSIVE (its
  configuration is in no API) unless what the hosts show already fails (also for
  active-active).

active-active:

- ``failure.topic-ownership``: every topic or domain has a declared owning active region.
- ``failure.replication-loops``: replication between the regions goes both ways only with
  declared conflict handling.
- ``failure.local-resolution``: each active region's clients resolve the declared names
  to their own region.

shared-storage:

- ``failure.shared-storage-durability``: durable data is in object storage inside the
  boundary; broker volumes or instances marked as log data hold unreplicated state.
- ``failure.compute-replaceable``: each region's brokers are replaceable compute (Auto
  Scaling group or Kubernetes cluster), not hand-built instances.

Every pattern: ``failure.operations-in-each-region`` (in :mod:`failure_operations`).

A rule that does not apply to the declared pattern says so with one PASS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.boundary_scope import data_stores, inside_boundary, platform_resources
from auditor.analysis.failover import (
    answer_regions,
    cloud_of_region,
    comparison_primary,
    declared_records,
    declared_regions,
    failover_role,
    record_targets,
    region_of_key,
    service_route,
)
from auditor.analysis.kafka_replication import collected_flows
from auditor.analysis.network import label
from auditor.base.edges import REPLICATES_TO, SCALES
from auditor.boundary import Declaration, Pattern, RegionRole
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.checks._replication_service import judge_service
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Relation, Resource, Severity

ALL = scope_id("aws", "*", "*")


def _not_applicable(ctx: RuleContext, *patterns: Pattern) -> Judgement | None:
    p = ctx.declaration.pattern
    if p in patterns:
        return None
    names = " and ".join(x.value for x in patterns)
    return ctx.not_applicable(
        ALL,
        f"not required by the {p.value} pattern (applies to {names})",
        attributes={"pattern": p.value},
    )


# --- active-passive ---------------------------------------------------------------------------


@rule(
    id="failure.single-write-region",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Active-passive: one authoritative write region",
    rationale=(
        "Active-passive is safe only while one region takes writes: clients sent to the "
        "secondary, or replication flowing back, make two writers without conflict rules."
    ),
    remediation=(
        "Route the bootstrap names with failover routing whose PRIMARY answer is in the "
        "primary region, and replicate only from the primary to the secondary."
    ),
    requires=("route53", "s3", "msk-replicator", "msk-connect"),
)
def single_write_region(ctx: RuleContext) -> Iterator[Judgement]:
    """One verdict per declared primary: each cloud's primary is its own write region.

    A cloud without a primary of its own is judged against the primary it fails over from
    (``comparison_primary``); a replication service or record is judged by its source's cloud.
    Collected Kafka replication (MSK Replicator, MM2 on MSK Connect) flowing into the primary
    from another region is a second writer, declared or not.
    """
    if (na := _not_applicable(ctx, Pattern.ACTIVE_PASSIVE)) is not None:
        yield na
        return
    decl = ctx.declaration
    owners = sorted({c for c, _, _ in declared_regions(decl)} | {"aws"})
    primaries = {c: p for c in owners if (p := comparison_primary(decl, c)) is not None}
    if not primaries:
        # The loader rejects this as bad input; a declaration built otherwise (an API
        # caller, a copy with its regions replaced) still names no write region: the
        # pattern's own clause is missing, which no other rule reports.
        regions = {k: v.value for k, v in sorted(decl.regions.items())}
        listed = ", ".join(f"{k}: {v}" for k, v in regions.items()) or "none"
        yield ctx.failed(
            ALL,
            "the active-passive declaration names no primary region (no `regions` entry "
            f"is `primary`; declared: {listed}): there is no authoritative write region to "
            "judge clients and replication against",
            attributes={"pattern": decl.pattern.value, "regions": dict(regions)},
            definite=True,
        )
        return
    for owner in sorted(set(primaries.values())):
        clouds = {c for c, p in primaries.items() if p == owner}
        yield _judge_write_region(ctx, owner, clouds)


def _judge_write_region(ctx: RuleContext, owner: tuple[str, str], clouds: set[str]) -> Judgement:
    decl = ctx.declaration
    graph = ctx.graph
    problems: list[str] = []
    nodes: list[str] = []
    edges: list[tuple[str, str, str]] = []
    checked: list[str] = []
    for dns in decl.failure.dns:
        if dns.routing != "failover" and (dns.cloud or "aws") in clouds:
            problems.append(
                f"failure.dns zone {dns.zone} declares {dns.routing} routing, which sends "
                "writers to several regions"
            )
    for fqdn, records in declared_records(graph):
        for rec in records:
            if rec.cloud not in clouds:
                continue
            nodes.append(rec.id)
            routing = rec.attributes.get("routing")
            if routing not in ("failover", None):
                problems.append(
                    f"{fqdn} has a {routing} record ({rec.attributes.get('set_identifier')})"
                )
            if failover_role(rec) == "PRIMARY":
                targets = record_targets(graph, rec)
                elsewhere = [
                    t
                    for t in targets
                    if decl.region_role(t.cloud, t.region) is not RegionRole.PRIMARY
                ]
                if elsewhere:
                    problems.append(
                        f"the PRIMARY answer of {fqdn} points at "
                        f"{label(elsewhere[0])} in {elsewhere[0].region}"
                    )
                checked.append(
                    f"PRIMARY {fqdn} -> {', '.join(sorted({t.region for t in targets})) or '?'}"
                )
    for s in data_stores(graph):
        if s.cloud not in clouds or decl.region_role(s.cloud, s.region) is RegionRole.PRIMARY:
            continue
        nodes.append(s.id)
        for rel in _write_replication(graph, s):
            dest = graph.get(rel.target)
            if dest is not None and decl.region_role(dest.cloud, dest.region) is RegionRole.PRIMARY:
                problems.append(f"{label(s)} in {s.region} replicates back into {label(dest)}")
                edges.append((s.id, dest.id, REPLICATES_TO))
    problems.extend(_services_from_elsewhere(decl, owner, clouds))
    for f in collected_flows(graph):  # collected Kafka replication into the primary
        if not f.data or f.running is False or not f.source_region or not f.target_region:
            continue
        res = graph.get(f.replication)
        if res is None or res.cloud not in clouds or f.target_region != owner[1]:
            continue
        if decl.region_role(res.cloud, f.source_region) is not RegionRole.PRIMARY:
            problems.append(
                f"{f.service} {f.name} replicates {f.source_region} back into {f.target_region}"
            )
            nodes.append(f.replication)
    return _write_region_verdict(ctx, owner, problems, nodes, edges, checked)


def _services_from_elsewhere(
    decl: Declaration, owner: tuple[str, str], clouds: set[str]
) -> list[str]:
    """Declared replication services of ``clouds`` whose source is not ``owner``'s region."""
    out: list[str] = []
    for svc in decl.failure.replication:
        source, _ = service_route(decl, svc)
        source_cloud = (
            region_of_key(svc.source)[0] if svc.source else cloud_of_region(decl, source or "")
        )
        if source_cloud in clouds and source != owner[1]:
            out.append(f"replication service {svc.name} replicates from {source}")
    return out


def _write_region_verdict(
    ctx: RuleContext,
    owner: tuple[str, str],
    problems: list[str],
    nodes: list[str],
    edges: list[tuple[str, str, str]],
    checked: list[str],
) -> Judgement:
    cloud, primary = owner
    rid = scope_id(cloud, "*", primary)
    attrs: dict[str, JSONValue] = {"primary": primary, "checked": sorted(checked)}
    if problems:
        return ctx.failed(
            rid,
            f"more than one region can take writes: {'; '.join(problems)}",
            nodes=nodes,
            edges=edges,
            attributes={**attrs, "problems": problems},
            region=primary,
            definite=True,
        )
    if not nodes and not checked and not ctx.declaration.failure.replication:
        j = ctx.inconclusive(
            rid,
            f"nothing could show whether a region besides {primary} takes writes: no declared "
            "DNS record, no data store outside the primary and no replication service was found",
            attributes=attrs,
            region=primary,
        )
        return replace(
            j,
            unmodelled="which regions clients write to, with no declared DNS record, secondary "
            "data store or replication service to show it",
        )
    return ctx.passed(
        rid,
        f"{primary} is the only write region: "
        + (f"{'; '.join(sorted(checked))}, " if checked else "")
        + "no replication flows back from a secondary",
        nodes=nodes,
        attributes=attrs,
        region=primary,
    )


@rule(
    id="failure.replication-service",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="The Kafka replication service runs in the target region and syncs offsets",
    rationale=(
        "Replicating topics is not enough: consumers resume only where offsets were synced, "
        "and a replicator hosted in the primary stops (and loses its checkpoints) with it."
    ),
    remediation=(
        "Replicate with MSK Replicator (SynchroniseConsumerGroupOffsets on) or MirrorMaker 2 on "
        "MSK Connect (a checkpoint connector with sync.group.offsets.enabled) in the region it "
        "replicates to, and declare it in failure.replication with a selector that picks it."
    ),
    requires=("ec2-compute", "autoscaling", "msk", "eks", "msk-replicator", "msk-connect"),
)
def replication_service(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.ACTIVE_PASSIVE, Pattern.ACTIVE_ACTIVE)) is not None:
        yield na
        return
    decl = ctx.declaration
    graph = ctx.graph
    if not decl.failure.replication:
        brokers = [
            r
            for r in platform_resources(graph)
            if r.kind in (Kind.KAFKA_CLUSTER, Kind.SCALING_GROUP, Kind.INSTANCE)
        ]
        if brokers:
            yield ctx.failed(
                ALL,
                "the platform runs Kafka brokers but the declaration names no Kafka "
                "replication service (failure.replication): topics and consumer offsets "
                "are not shown to reach the other region",
                nodes=[b.id for b in brokers[:5]],
                definite=True,
            )
        else:
            j = ctx.inconclusive(ALL, "no Kafka brokers and no replication service found to judge")
            yield replace(
                j,
                unmodelled="the platform's Kafka brokers: the platform selector matches no "
                "collected Kafka cluster, scaling group or instance",
            )
        return
    for svc in decl.failure.replication:
        yield judge_service(ctx, svc.name)


@rule(
    id="failure.topic-ownership",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Active-active: every topic or domain has a declared owning region",
    rationale=(
        "Kafka orders records within a partition, not across regional writers: without a "
        "declared owner per topic or domain, two regions write the same stream."
    ),
    remediation=(
        "Declare failure.ownership: topic or domain globs, each owned by one active region."
    ),
)
def topic_ownership(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.ACTIVE_ACTIVE)) is not None:
        yield na
        return
    decl = ctx.declaration
    owners = decl.failure.ownership
    actives = {k for k, role in decl.regions.items() if role is RegionRole.ACTIVE}
    if not owners:
        yield ctx.failed(
            ALL,
            "no topic or domain has a declared owning region (failure.ownership is empty)",
            definite=True,
        )
        return
    for topic, owner in sorted(owners.items()):
        rid = f"topic:{topic}"
        if owner not in actives:
            yield ctx.failed(
                rid,
                f"{topic} is owned by {owner}, which is not a declared active region "
                f"({', '.join(sorted(actives))})",
                attributes={"owner": owner},
                definite=True,
            )
        else:
            yield ctx.passed(rid, f"{topic} is owned by {owner}", attributes={"owner": owner})
    unowned = sorted(actives - set(owners.values()))
    if unowned:
        yield ctx.passed(
            ALL,
            f"{', '.join(unowned)} owns no topic: it serves reads and replicas only",
            attributes={"regions_without_topics": unowned},
        )


def _write_replication(graph: BoundaryGraph, store: Resource) -> list[Relation]:
    """A store's replication that carries writes: a geo-redundant copy (GRS) is read-only."""
    return [
        rel
        for rel in graph.out_edges(store.id, REPLICATES_TO)
        if not rel.attributes.get("read_only")
    ]


def _replication_flows(ctx: RuleContext) -> dict[tuple[str, str], list[str]]:
    """Region -> region data and Kafka replication (declared and collected), and what carries it."""
    graph = ctx.graph
    flows: dict[tuple[str, str], list[str]] = {}
    for s in data_stores(graph):
        for rel in graph.out_edges(s.id, REPLICATES_TO):
            dest = graph.get(rel.target)
            if dest is not None and dest.region != s.region and not dest.attributes.get("stub"):
                flows.setdefault((s.region, dest.region), []).append(f"{label(s)} -> {label(dest)}")
    for svc in ctx.declaration.failure.replication:
        source, targets = service_route(ctx.declaration, svc)
        for t in targets:
            if source:
                flows.setdefault((source, t), []).append(f"service {svc.name}")
    for f in collected_flows(graph):  # collected: MSK Replicator, MM2 on MSK Connect
        if not (f.data and f.running is not False and f.source_region and f.target_region):
            continue
        if f.source_region != f.target_region:
            what = f"{f.service} {f.name}"
            here = flows.setdefault((f.source_region, f.target_region), [])
            if what not in here:
                here.append(what)
    return flows


@rule(
    id="failure.replication-loops",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Active-active: replication both ways only with declared conflict handling",
    rationale=(
        "Replication in both directions re-delivers records to the region that wrote them "
        "and lets concurrent writes collide unless loops and conflicts are handled."
    ),
    remediation=(
        "Declare failure.conflict_handling (region-owned topics with prefixed remote topics, "
        "idempotent consumers, ...) or replicate one way per topic."
    ),
    requires=("s3",),
)
def replication_loops(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.ACTIVE_ACTIVE)) is not None:
        yield na
        return
    flows = _replication_flows(ctx)
    loops = sorted({tuple(sorted(k)) for k in flows if (k[1], k[0]) in flows})
    handling = ctx.declaration.failure.conflict_handling
    attrs: dict[str, JSONValue] = {
        "flows": {f"{a} -> {b}": sorted(v) for (a, b), v in sorted(flows.items())},
        "conflict_handling": handling.strategy if handling else None,
    }
    if not loops:
        yield ctx.passed(
            ALL,
            "no replication loop: "
            + (", ".join(f"{a} -> {b}" for a, b in sorted(flows)) or "no replication found"),
            attributes=attrs,
        )
        return
    for a, b in loops:
        what = sorted(flows[(a, b)] + flows[(b, a)])
        if handling is None:
            yield ctx.failed(
                f"loop:{a}<->{b}",
                f"{a} and {b} replicate to each other ({'; '.join(what)}) and no conflict "
                "handling is declared (failure.conflict_handling)",
                attributes=attrs,
                definite=True,
            )
        else:
            yield ctx.passed(
                f"loop:{a}<->{b}",
                f"{a} and {b} replicate to each other, handled by {handling.strategy}",
                attributes=attrs,
            )


@rule(
    id="failure.local-resolution",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Active-active: clients resolve the bootstrap names to their own region",
    rationale=(
        "Active-active exists for regional locality; clients resolving to one region send "
        "every write across regions and lose the point of the pattern."
    ),
    remediation=(
        "Use latency or geolocation records (or a private zone per region) whose answers "
        "point at each region's own brokers."
    ),
    requires=("route53", "elbv2", "ec2-compute", "azure-resources", "cloudasset"),
)
def local_resolution(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.ACTIVE_ACTIVE)) is not None:
        yield na
        return
    decl = ctx.declaration
    graph = ctx.graph
    if not decl.failure.dns:
        yield ctx.inconclusive(
            ALL, "failure.dns is not declared, so client resolution cannot be judged"
        )
        return
    actives = sorted(r for _, r, role in declared_regions(decl) if role is RegionRole.ACTIVE)
    for fqdn, records in declared_records(graph):
        rid = f"dns:{fqdn}"
        by_region: dict[str, list[str]] = {}
        unresolved: list[str] = []
        for rec in records:
            # Targets' regions; a Traffic Manager endpoint's location; LB regions (GCP).
            answers = answer_regions(graph, rec)
            if not answers:
                unresolved.append(rec.id)
            for where in answers:
                by_region.setdefault(where, []).append(rec.id)
        local = [r for r in actives if r in by_region]
        attrs: dict[str, JSONValue] = {
            "answers_by_region": {k: sorted(set(v)) for k, v in sorted(by_region.items())},
            "unresolved_records": unresolved,
            "routing": sorted({str(r.attributes.get("routing")) for r in records}),
        }
        nodes = [r.id for r in records]
        per_region = {str(r.attributes.get("routing")) for r in records} & {
            "latency",
            "geolocation",
            "geoproximity",
            "ip-based",
        }
        if not records:
            yield ctx.failed(rid, f"{fqdn} has no record", attributes=attrs, region="global")
        elif len(local) == len(actives) and per_region:
            yield ctx.passed(
                rid,
                f"{fqdn} answers each active region with its own brokers "
                f"({', '.join(local)}, {', '.join(sorted(per_region))} routing)",
                nodes=nodes,
                attributes=attrs,
                region="global",
            )
        elif unresolved and len(local) < len(actives):
            yield ctx.inconclusive(
                rid,
                f"{fqdn} has answers that match no collected load balancer or broker, so the "
                "region they lead to is unknown",
                nodes=nodes,
                attributes=attrs,
                region="global",
            )
        else:
            missing = [r for r in actives if r not in by_region]
            why = (
                f"no answer leads to {', '.join(missing)}"
                if missing
                else "its routing does not pick the client's region"
            )
            yield ctx.failed(
                rid,
                f"clients do not resolve {fqdn} to their own region: {why}",
                nodes=nodes,
                attributes=attrs,
                region="global",
            )


# --- shared-storage -------------------------------------------------------------------------


@rule(
    id="failure.shared-storage-durability",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Shared-storage: durable data only in object storage inside the boundary",
    rationale=(
        "The shared-storage pattern is recoverable because brokers are stateless; a broker "
        "volume or instance store holding log data is state that dies with its region."
    ),
    remediation=(
        "Keep durable log data in buckets in customer accounts and declared regions; "
        "untag broker volumes that only cache, or replicate what they hold."
    ),
    requires=("s3", "ec2-compute", "msk"),
)
def shared_storage_durability(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.SHARED_STORAGE)) is not None:
        yield na
        return
    decl = ctx.declaration
    stores = data_stores(ctx.graph)
    if not stores:
        yield no_stores(ctx, resource=ALL, message="the data.stores selector matched nothing")
        return
    for s in stores:
        if s.kind == Kind.BUCKET:
            if inside_boundary(decl, s):
                yield ctx.passed(
                    s.id, f"{label(s)} keeps log data in object storage in {s.account}/{s.region}"
                )
            else:
                yield ctx.failed(
                    s.id,
                    f"{label(s)} keeps log data outside the boundary ({s.account}/{s.region})",
                    definite=True,
                )
        else:
            where_map: dict[str, str] = {
                Kind.VOLUME: "an EBS volume",
                Kind.INSTANCE: "a broker instance (instance store)",
                Kind.KAFKA_CLUSTER: "broker-local MSK storage",
            }
            where = where_map.get(s.kind, f"a {s.kind}")
            yield ctx.failed(
                s.id,
                f"{label(s)} is {where} marked as log data: brokers hold durable state that "
                "object storage does not replicate",
                attributes={"kind": s.kind},
                definite=True,
            )


_GROUP = {"aws": "Auto Scaling group", "azure": "VM scale set", "gcp": "managed instance group"}


@rule(
    id="failure.compute-replaceable",
    path=PathName.FAILURE,
    severity=Severity.MEDIUM,
    title="Shared-storage: broker compute is replaceable in each region",
    rationale=(
        "With data in object storage, recovery is starting brokers: that needs a scaling "
        "group (Auto Scaling group, VM scale set, managed instance group) or a Kubernetes "
        "cluster (EKS, AKS, GKE) in each region, not hand-built instances."
    ),
    remediation=(
        "Run the brokers from a scaling group or a Kubernetes cluster in every declared region."
    ),
    requires=("ec2-compute", "autoscaling", "eks", "azure-resources", "cloudasset"),
)
def compute_replaceable(ctx: RuleContext) -> Iterator[Judgement]:
    if (na := _not_applicable(ctx, Pattern.SHARED_STORAGE)) is not None:
        yield na
        return
    graph = ctx.graph
    platform = platform_resources(graph)
    for cloud, region, _ in declared_regions(ctx.declaration):
        rid = scope_id(cloud, "*", region)
        here = [r for r in platform if r.region == region and r.cloud == cloud]
        groups = [r for r in here if r.kind == Kind.SCALING_GROUP]
        clusters = [r for r in here if r.kind == Kind.K8S_CLUSTER]
        grouped = {i.id for g in groups for i in graph.targets(g.id, SCALES)}
        names = {str(g.attributes.get("name")) for g in groups}
        loose = [
            i
            for i in here
            if i.kind == Kind.INSTANCE
            and i.id not in grouped
            and str(i.attributes.get("asg_name")) not in names
            and i.attributes.get("state") != "terminated"
        ]
        nodes = [r.id for r in (*groups, *clusters, *loose)]
        attrs: dict[str, JSONValue] = {
            "scaling_groups": [g.id for g in groups],
            "k8s_clusters": [c.id for c in clusters],
            "unmanaged_instances": [i.id for i in loose],
        }
        if loose:
            yield ctx.failed(
                rid,
                f"{region} runs {len(loose)} broker instance(s) outside any {_GROUP[cloud]} "
                f"({', '.join(label(i) for i in loose[:3])}): they are not replaced on failure",
                nodes=nodes,
                attributes=attrs,
                region=region,
            )
        elif groups or clusters:
            yield ctx.passed(
                rid,
                f"{region} runs its brokers from "
                + ", ".join(label(r) for r in (*groups, *clusters)),
                nodes=nodes,
                attributes=attrs,
                region=region,
            )
        else:
            yield ctx.failed(
                rid,
                f"{region} has no replaceable broker compute (a scaling group: Auto Scaling "
                "group, VM scale set, managed instance group; or a Kubernetes cluster)",
                attributes=attrs,
                region=region,
            )
