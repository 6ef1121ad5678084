"""MSK Replicator: which MSK clusters replicate into which, and whether offsets follow.

ListReplicators gives summaries only (no topics, no consumer-group settings),
so each replicator is described. A replicator lives in its target cluster's
region; the source region lists a *reference* to it
(``IsReplicatorReference``), which is skipped here: the replicator itself is
read in its own region. SDK calls only; failures are gaps.
"""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for summary in ctx.pages("ListReplicators", "Replicators", page_size=50):
        if summary.get("IsReplicatorReference"):
            continue
        arn = str(summary["ReplicatorArn"])
        described = ctx.call("DescribeReplicator", resource=arn, ReplicatorArn=arn)
        if described is not None:
            ctx.emit("msk:replicator", described, "kafka:DescribeReplicator")


SERVICE = AwsService(
    name="msk-replicator",
    client="kafka",
    scope="regional",
    actions=("kafka:ListReplicators", "kafka:DescribeReplicator"),
    collect=collect,
)
