"""Amazon MSK cluster (resource) policies. SDK calls only.

A service of its own (``msk-policy``) so that a failed policy read (moto does
not implement ``GetClusterPolicy``) is a gap only for the rules that read
cluster policies, not for every MSK rule. A cluster without a policy answers
``NotFoundException``: recorded as ``{}`` (no policy).
"""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for cluster in ctx.pages("ListClustersV2", "ClusterInfoList", page_size=100):
        arn = str(cluster["ClusterArn"])
        policy = ctx.call(
            "GetClusterPolicy", absent=("NotFoundException",), resource=arn, ClusterArn=arn
        )
        if policy is not None:
            ctx.emit(
                "msk:cluster_policy",
                {"ClusterArn": arn, "Policy": policy},
                "kafka:GetClusterPolicy",
            )


SERVICE = AwsService(
    name="msk-policy",
    client="kafka",
    scope="regional",
    actions=("kafka:ListClustersV2", "kafka:GetClusterPolicy"),
    collect=collect,
)
