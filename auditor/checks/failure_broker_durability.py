"""Broker durability: acknowledged records survive a broker failure.

``failure.broker-durability`` judges each platform MSK cluster on the collected
configuration revision its brokers run with: ``default.replication.factor`` at
least 3, ``min.insync.replicas`` at least 2 and below the replication factor (so
one broker can fail without stopping writes), ``unclean.leader.election.enable``
off. Topic-level overrides are not visible from the control plane; the broker
defaults are what every topic created without them gets.

Services that manage replication themselves (MSK Serverless, Event Hubs, GCP
Managed Kafka) have no broker configuration to judge: NOT_APPLICABLE, with the
reason. Self-managed brokers (EC2, VMs, GCE running Kafka) do have one, in their
``server.properties``, which no control-plane API exposes: the rule applies and
cannot read it, so they are INCONCLUSIVE naming "self-managed broker configuration".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.network import label
from auditor.base.edges import CONFIGURED_BY
from auditor.base.kinds.kafka import KAFKA_CONFIG
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

MIN_REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


def _config(ctx: RuleContext, cluster: Resource) -> Resource | None:
    for target in ctx.graph.targets(cluster.id, CONFIGURED_BY):
        if target.kind == KAFKA_CONFIG and not target.attributes.get("stub"):
            return target
    return None


def _int(value: JSONValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def judge_settings(
    rf: int | None, isr: int | None, unclean: bool | None, brokers: int | None
) -> tuple[list[str], list[str]]:
    """(problems, properties left unset) of one broker configuration."""
    problems: list[str] = []
    unset: list[str] = []
    if rf is None:
        unset.append("default.replication.factor")
    elif rf < MIN_REPLICATION_FACTOR:
        problems.append(
            f"default.replication.factor is {rf}: a topic survives only {rf - 1} broker loss(es)"
        )
    if isr is None:
        unset.append("min.insync.replicas")
    elif isr < MIN_INSYNC_REPLICAS:
        problems.append(
            f"min.insync.replicas is {isr}: an acknowledged write may exist on one broker only"
        )
    if rf is not None and isr is not None and isr >= rf:
        problems.append(
            f"min.insync.replicas {isr} is not below the replication factor {rf}: one broker "
            "down stops writes with acks=all"
        )
    if unclean is None:
        unset.append("unclean.leader.election.enable")
    elif unclean:
        problems.append(
            "unclean.leader.election.enable is true: an out-of-sync replica can become leader "
            "and drop acknowledged records"
        )
    if brokers is not None and brokers < MIN_REPLICATION_FACTOR:
        problems.append(f"the cluster has {brokers} broker(s), fewer than {MIN_REPLICATION_FACTOR}")
    return problems, unset


@rule(
    id="failure.broker-durability",
    path=PathName.FAILURE,
    severity=Severity.HIGH,
    title="Kafka brokers keep acknowledged records through a broker failure",
    rationale=(
        "Replication to another region does not help a record lost inside the region: with a "
        "replication factor below 3, min.insync.replicas below 2 (or not below the replication "
        "factor), or unclean leader election on, one broker failure loses acknowledged data or "
        "stops writes."
    ),
    remediation=(
        "Run the cluster with a custom configuration setting default.replication.factor=3, "
        "min.insync.replicas=2 and unclean.leader.election.enable=false, on at least 3 brokers."
    ),
    requires=("msk", "msk-config"),
)
def broker_durability(ctx: RuleContext) -> Iterator[Judgement]:
    platform = platform_resources(ctx.graph)
    clusters = [r for r in platform if r.kind == Kind.KAFKA_CLUSTER]
    brokers = [r for r in platform if r.kind in (Kind.INSTANCE, Kind.SCALING_GROUP)]
    if not clusters and not brokers:
        yield ctx.nothing_to_judge(
            scope_id("*", "*", "*"), "the platform selector matches no Kafka cluster or broker"
        )
        return
    for c in clusters:
        yield _judge_cluster(ctx, c)
    for (cloud, account, region), group in sorted(_by_scope(brokers).items()):
        j = ctx.inconclusive(
            scope_id(cloud, account, region),
            f"{len(group)} self-managed broker resource(s) ({', '.join(group[:3])}): their "
            "server.properties is on the hosts, not in any control-plane API, so whether "
            "replication factor, min.insync.replicas and unclean leader election keep "
            "acknowledged records through a broker failure cannot be read",
            account=account,
            region=region,
        )
        yield replace(j, unmodelled="self-managed broker configuration")


def _by_scope(resources: list[Resource]) -> dict[tuple[str, str, str], list[str]]:
    out: dict[tuple[str, str, str], list[str]] = {}
    for r in resources:
        out.setdefault((r.cloud, r.account, r.region), []).append(label(r))
    return out


def _judge_cluster(ctx: RuleContext, c: Resource) -> Judgement:
    a = c.attributes
    if c.cloud != "aws":
        return ctx.not_applicable(
            c.id,
            f"{label(c)} is a managed service ({a.get('managed_service') or c.cloud}) that "
            "replicates partitions itself and exposes no broker configuration",
        )
    if a.get("cluster_type") == "SERVERLESS":
        return ctx.not_applicable(
            c.id,
            f"{label(c)} is MSK Serverless: AWS fixes its replication and offers no broker "
            "configuration",
        )
    arn = a.get("configuration_arn")
    attrs: dict[str, JSONValue] = {"configuration_arn": arn, "broker_count": a.get("broker_count")}
    if not arn:
        verdict = ctx.inconclusive(
            c.id,
            f"{label(c)} runs the MSK default configuration: its replication factor, "
            "min.insync.replicas and unclean leader election depend on the zone count and "
            "storage mode and no API returns them",
            attributes=attrs,
        )
        return replace(verdict, unmodelled="MSK default broker configuration")
    config = _config(ctx, c)
    if config is None:
        what = f"{label(c)} runs configuration {arn} revision {a.get('configuration_revision')}"
        if not ctx.graph.inventory.was_collected("msk-config", c.account, c.region):
            verdict = ctx.inconclusive(
                c.id, f"{what}; MSK configurations were not collected here", attributes=attrs
            )
            return replace(verdict, unmodelled="msk-config not collected in this scan")
        # Listed completely, it is not there; a gap where it was read makes it INCONCLUSIVE.
        return ctx.nothing_to_judge(
            c.id,
            f"{what}, which the configuration listing does not hold",
            attributes=attrs,
            depends_on=[str(arn)],
        )
    return _judge_settings(ctx, c, config, attrs)


def _judge_settings(
    ctx: RuleContext, c: Resource, config: Resource, attrs: dict[str, JSONValue]
) -> Judgement:
    """``c``'s collected configuration: replication factor, ISR and unclean election."""
    a = c.attributes
    k = config.attributes
    rf = _int(k.get("default_replication_factor"))
    isr = _int(k.get("min_insync_replicas"))
    unclean = k.get("unclean_leader_election")
    problems, unset = judge_settings(
        rf, isr, unclean if isinstance(unclean, bool) else None, _int(a.get("broker_count"))
    )
    attrs.update(
        {
            "configuration": config.id,
            "default_replication_factor": rf,
            "min_insync_replicas": isr,
            "unclean_leader_election": unclean,
        }
    )
    nodes = [c.id, config.id]
    edges = [(c.id, config.id, CONFIGURED_BY)]
    if problems:
        return replace(
            ctx.failed(
                c.id,
                f"{label(c)} ({config.name}): {'; '.join(problems)}",
                nodes=nodes,
                edges=edges,
                attributes=attrs,
                definite=True,
            ),
            causes=(config.id,),
        )
    if unset:
        verdict = ctx.inconclusive(
            c.id,
            f"{label(c)} ({config.name}) does not set {', '.join(unset)}: the MSK default "
            "applies, which no API returns",
            nodes=nodes,
            edges=edges,
            attributes=attrs,
        )
        return replace(verdict, unmodelled=f"MSK default for {', '.join(unset)}")
    return ctx.passed(
        c.id,
        f"{label(c)} ({config.name}): replication factor {rf}, min.insync.replicas {isr}, "
        "unclean leader election off",
        nodes=nodes,
        edges=edges,
        attributes=attrs,
    )
