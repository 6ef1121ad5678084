"""CloudTrail: the trails homed in each region, with logging status and selectors.

``DescribeTrails(includeShadowTrails=False)`` returns only the trails created
in the region read, so a multi-region trail is collected once, from its home
region. One ``cloudtrail:trail`` raw record per trail; a per-trail read that
fails is a gap about that trail (``resource`` = trail ARN) and leaves ``None``.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for trail in ctx.pages("DescribeTrails", "trailList", includeShadowTrails=False):
        arn = str(trail["TrailARN"])
        record: dict[str, Any] = {
            "Trail": trail,
            "Status": ctx.call("GetTrailStatus", resource=arn, Name=arn),
            "EventSelectors": ctx.call("GetEventSelectors", resource=arn, TrailName=arn),
            "Tags": ctx.call("ListTags", resource=arn, ResourceIdList=[arn]),
        }
        ctx.emit("cloudtrail:trail", record, "cloudtrail:DescribeTrails")


SERVICE = AwsService(
    name="cloudtrail",
    client="cloudtrail",
    scope="regional",
    actions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:ListTags",
    ),
    collect=collect,
)
