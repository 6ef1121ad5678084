"""Amazon MSK: provisioned and serverless clusters (v2 API). SDK calls only.

ListClustersV2 returns the full cluster description (the same ``Cluster``
shape DescribeClusterV2 answers), so no per-cluster call is needed.
Bootstrap broker strings are not read: nothing in the inventory needs them.
The ``msk-policy`` collector needs the same listing: it is shared, made once
per account-region for both (``share=True``).
"""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService

LISTING = "ListClustersV2"
LISTING_KEY = "ClusterInfoList"
PAGE = 100


def collect(ctx: AwsContext) -> None:
    for cluster in ctx.pages(LISTING, LISTING_KEY, page_size=PAGE, share=True):
        ctx.emit("msk:cluster", cluster, "kafka:ListClustersV2")


SERVICE = AwsService(
    name="msk",
    client="kafka",
    scope="regional",
    actions=("kafka:ListClustersV2",),
    collect=collect,
)
