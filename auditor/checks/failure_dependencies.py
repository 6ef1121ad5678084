"""Failure path rule over the failover dependency graph (``failure.depends_on`` edges).

- ``failure.region-independence``: a region that must take over (each secondary in
  active-passive, every region otherwise) needs nothing from another region to come
  up: no key that exists only there, no replication job hosted only there, no DNS
  that answers only there, no control plane change made only there. Each blocking
  dependency is a FAIL whose evidence is the chain of nodes and edges; the
  dependencies that do not block (a multi-region key replica, the replication
  source) are listed with the PASS. Judged in the declared regions of every cloud:
  an Azure or GCP secondary whose data is encrypted by a Key Vault key or Cloud KMS
  key that exists only in another region (a vault's location, a key ring location
  that is neither ``global`` nor a multi-region spanning it) fails, as does a
  private DNS zone visible only in another region's networks (GCP networks are
  global, so a Cloud DNS private zone is not regional), and a route that sends the
  platform's traffic through an appliance, instance or internal load balancer in
  another region, or a store or Kafka service whose private endpoints all sit in
  another region's networks (``need`` ``network``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.failover import (
    Dependency,
    dependencies_from_graph,
    dependent_region_keys,
    region_anchor,
)
from auditor.base.edges import DEPENDS_ON
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Severity


def dependency_json(d: Dependency) -> dict[str, JSONValue]:
    return {
        "source": d.source,
        "target": d.target,
        "need": d.need,
        "from_region": d.from_region,
        "to_region": d.to_region,
        "blocking": d.blocking,
        "reason": d.reason,
        "chain": list(d.chain),
    }


@rule(
    id="failure.region-independence",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="A failover region needs nothing from the failed region to come up",
    rationale=(
        "A secondary that needs the primary's key, DNS, replication job or control plane "
        "cannot come up when the primary is the thing that failed."
    ),
    remediation=(
        "Give the region its own copy of what it needs: a multi-region key replica, a "
        "replication job running in the target region, a zone associated with its VPCs, "
        "health-checked failover records, operator roles allowed in it, private DNS zones "
        "linked to its networks, routes through appliances in the region itself, a private "
        "endpoint in the region's own network."
    ),
    requires=(
        "kms",
        "s3",
        "route53",
        "iam",
        "ec2-compute",
        "autoscaling",
        "msk",
        "cloudtrail",
        "azure-resources",
        "cloudasset",
    ),
)
def region_independence(ctx: RuleContext) -> Iterator[Judgement]:
    graph = ctx.graph
    deps = dependencies_from_graph(graph)
    regions = dependent_region_keys(ctx.declaration)
    if not regions:
        yield ctx.not_applicable(
            scope_id("aws", "*", "*"),
            "no failover region is declared, so no region must come up on its own",
        )
        return
    for cloud, region in regions:
        rid = scope_id(cloud, "*", region)
        mine = [d for d in deps if d.from_region == region and d.to_region != region]
        blocking = [d for d in mine if d.blocking]
        attrs: dict[str, JSONValue] = {
            "dependencies": [dependency_json(d) for d in mine],
        }
        nodes = [n for d in mine for n in d.chain]
        edges = [(d.source, d.target, DEPENDS_ON) for d in mine]
        if blocking:
            chains = "; ".join(f"{' -> '.join(d.chain)} ({d.need}: {d.reason})" for d in blocking)
            # what to change: each resource of the region that leans on another region
            yield replace(
                ctx.failed(
                    rid,
                    f"{region} depends on {', '.join(sorted({d.to_region for d in blocking}))} "
                    f"to come up: {chains}",
                    nodes=nodes,
                    edges=edges,
                    attributes=attrs,
                    region=region,
                    definite=True,
                ),
                causes=tuple(sorted({d.source for d in blocking})),
            )
        elif region_anchor(graph, region, cloud) is None and not mine:
            yield ctx.nothing_to_judge(
                rid,
                f"nothing of the platform was found in {region} to judge its dependencies",
                attributes=attrs,
                region=region,
            )
        else:
            needs = sorted({f"{d.need} from {d.to_region}" for d in mine})
            anchor = region_anchor(graph, region, cloud)
            nodes = nodes or ([anchor.id] if anchor is not None else [])
            yield ctx.passed(
                rid,
                f"{region} can come up on its own"
                + (f" (non-blocking: {', '.join(needs)})" if needs else ""),
                nodes=nodes,
                edges=edges,
                attributes=attrs,
                region=region,
            )
