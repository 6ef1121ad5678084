"""CloudTrail: the trails homed in each region, with logging status and selectors.

``DescribeTrails(includeShadowTrails=True)`` also returns multi-region trails
homed elsewhere, so a trail whose home region is not scanned is still seen
(a missed trail would be a false FAIL). Such a trail is read once, from its
home region, by the first scanned region; trails homed in a scanned region
are left to that region's unit. One ``cloudtrail:trail`` raw record per trail; a per-trail read that
fails is a gap about that trail (``resource`` = trail ARN) and leaves ``None``.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    first_scanned = ctx.scan_regions[0] if ctx.scan_regions else ctx.region
    for trail in ctx.pages("DescribeTrails", "trailList", includeShadowTrails=True):
        arn = str(trail["TrailARN"])
        home = str(trail.get("HomeRegion") or ctx.region)
        if home != ctx.region and (home in ctx.scan_regions or ctx.region != first_scanned):
            continue  # another unit (the home region's, or the first region's) reads it
        record: dict[str, Any] = {
            "Trail": trail,
            "Status": ctx.call("GetTrailStatus", region=home, resource=arn, Name=arn),
            "EventSelectors": ctx.call(
                "GetEventSelectors", region=home, resource=arn, TrailName=arn
            ),
            "Tags": ctx.call("ListTags", region=home, resource=arn, ResourceIdList=[arn]),
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
