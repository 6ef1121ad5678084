"""Elastic Load Balancing v2: load balancers, listeners (with rules), target groups.

SDK calls only. Records bundle per-resource detail: every record carries its
``Tags`` (DescribeTags), a listener of an application load balancer its
``Rules``, a target group its ``TargetHealthDescriptions``. A detail call that
fails leaves its key out and records a gap.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws.ec2_network import list_all
from auditor.collect.aws_context import AwsContext, AwsService

_TAG_BATCH = 20
"""DescribeTags takes at most 20 resource ARNs per call."""


def _tags(ctx: AwsContext, arns: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Tags by ARN; ARNs whose batch failed are absent (the call recorded a gap)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(arns), _TAG_BATCH):
        batch = arns[start : start + _TAG_BATCH]
        response = ctx.call(
            "DescribeTags", resource=batch[0] if len(batch) == 1 else "", ResourceArns=batch
        )
        if response is None:
            continue
        for desc in response.get("TagDescriptions") or []:
            found[str(desc.get("ResourceArn"))] = list(desc.get("Tags") or [])
    return found


def _with_tags(
    record: dict[str, Any], arn: str, tags: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    if arn in tags:
        record["Tags"] = tags[arn]
    return record


def collect(ctx: AwsContext) -> None:
    balancers = list(ctx.pages("DescribeLoadBalancers", "LoadBalancers", page_size=400))
    listeners: list[dict[str, Any]] = []
    for lb in balancers:
        for listener in ctx.pages(
            "DescribeListeners",
            "Listeners",
            page_size=400,
            resource=str(lb["LoadBalancerArn"]),
            LoadBalancerArn=lb["LoadBalancerArn"],
        ):
            record = dict(listener)
            if lb.get("Type") == "application":
                rules = list_all(
                    ctx,
                    "DescribeRules",
                    "Rules",
                    resource=str(listener["ListenerArn"]),
                    token_key="Marker",
                    next_token_key="NextMarker",
                    ListenerArn=listener["ListenerArn"],
                    PageSize=400,
                )
                if rules is not None:
                    record["Rules"] = rules
            listeners.append(record)
    groups: list[dict[str, Any]] = []
    for group in ctx.pages("DescribeTargetGroups", "TargetGroups", page_size=400):
        record = dict(group)
        health = ctx.call(
            "DescribeTargetHealth",
            resource=str(group["TargetGroupArn"]),
            TargetGroupArn=group["TargetGroupArn"],
        )
        if health is not None:
            record["TargetHealthDescriptions"] = health.get("TargetHealthDescriptions") or []
        groups.append(record)

    arns = [str(lb["LoadBalancerArn"]) for lb in balancers]
    arns += [str(li["ListenerArn"]) for li in listeners]
    arns += [str(tg["TargetGroupArn"]) for tg in groups]
    tags = _tags(ctx, arns)
    for lb in balancers:
        record = _with_tags(dict(lb), str(lb["LoadBalancerArn"]), tags)
        ctx.emit("elbv2:load_balancer", record, "elasticloadbalancing:DescribeLoadBalancers")
    for li in listeners:
        record = _with_tags(li, str(li["ListenerArn"]), tags)
        ctx.emit("elbv2:listener", record, "elasticloadbalancing:DescribeListeners")
    for tg in groups:
        record = _with_tags(tg, str(tg["TargetGroupArn"]), tags)
        ctx.emit("elbv2:target_group", record, "elasticloadbalancing:DescribeTargetGroups")


SERVICE = AwsService(
    name="elbv2",
    client="elbv2",
    scope="regional",
    actions=(
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
    ),
    collect=collect,
)
