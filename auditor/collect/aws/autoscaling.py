"""EC2 Auto Scaling: groups, their instances, subnets and target groups. SDK calls only."""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for group in ctx.pages("DescribeAutoScalingGroups", "AutoScalingGroups", page_size=100):
        ctx.emit("autoscaling:group", group, "autoscaling:DescribeAutoScalingGroups")


SERVICE = AwsService(
    name="autoscaling",
    client="autoscaling",
    scope="regional",
    actions=("autoscaling:DescribeAutoScalingGroups",),
    collect=collect,
)
