"""EKS: clusters, their endpoint exposure, network placement, role and secrets key.

SDK calls only. A cluster whose DescribeCluster fails is still emitted as
``{"name": ...}`` (it was listed, so it exists) and the gap names it, so the
inventory shows a cluster whose facts are unknown rather than no cluster.
"""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for listed in ctx.pages("ListClusters", "clusters", page_size=100):
        name = str(listed)  # ListClusters answers bare names, not objects
        arn = f"arn:aws:eks:{ctx.region}:{ctx.account}:cluster/{name}"
        response = ctx.call("DescribeCluster", resource=arn, name=name)
        cluster = (response or {}).get("cluster")
        if response is not None and not cluster:
            ctx.gap("DescribeCluster", "EmptyResponse", "no cluster in the answer", arn)
        if cluster:
            ctx.emit("eks:cluster", cluster, "eks:DescribeCluster")
        else:
            ctx.emit("eks:cluster", {"name": name, "arn": arn}, "eks:ListClusters")


SERVICE = AwsService(
    name="eks",
    client="eks",
    scope="regional",
    actions=("eks:DescribeCluster", "eks:ListClusters"),
    collect=collect,
)
