"""Amazon MSK cluster (resource) policies. SDK calls only.

A service of its own (``msk-policy``) so that a failed policy read (moto does
not implement ``GetClusterPolicy``) is a gap only for the rules that read
cluster policies, not for every MSK rule. A cluster without a policy answers
``NotFoundException``: recorded as ``{}`` (no policy).

The cluster listing is the ``msk`` collector's, shared (made once per
account-region when both run; this collector makes it alone when run alone).
A failed listing is a gap of both collectors.
"""

from __future__ import annotations

from auditor.collect.aws.msk import LISTING, LISTING_KEY, PAGE
from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for cluster in ctx.pages(LISTING, LISTING_KEY, page_size=PAGE, share=True):
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
