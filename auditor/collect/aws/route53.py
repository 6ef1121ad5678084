"""Route53: hosted zones, their record sets, and health checks.

Records: ``route53:zone`` (the zone and, from ``GetHostedZone``, the VPCs a
private zone answers in), ``route53:record_set`` (all record sets of one zone
that share a name and type, bundled so that a failover pair is normalised
together), and ``route53:health_check``. A per-zone read that fails is a gap
about that zone (``resource`` = zone ARN) and leaves ``None``.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    # Route53's default page sizes are already its maxima (MaxItems is a string there).
    for zone in ctx.pages("ListHostedZones", "HostedZones"):
        zone_id = str(zone["Id"]).rsplit("/", 1)[-1]
        arn = f"arn:aws:route53:::hostedzone/{zone_id}"
        detail = ctx.call("GetHostedZone", resource=arn, Id=zone_id)
        ctx.emit(
            "route53:zone",
            {"HostedZone": zone, "VPCs": None if detail is None else detail.get("VPCs", [])},
            "route53:ListHostedZones",
        )
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for rrset in ctx.pages(
            "ListResourceRecordSets", "ResourceRecordSets", HostedZoneId=zone_id
        ):
            groups.setdefault((str(rrset["Name"]), str(rrset["Type"])), []).append(rrset)
        for rrsets in groups.values():
            ctx.emit(
                "route53:record_set",
                {"HostedZone": zone, "ResourceRecordSets": rrsets},
                "route53:ListResourceRecordSets",
            )
    for check in ctx.pages("ListHealthChecks", "HealthChecks"):
        ctx.emit("route53:health_check", {"HealthCheck": check}, "route53:ListHealthChecks")


SERVICE = AwsService(
    name="route53",
    client="route53",
    scope="global",
    actions=(
        "route53:ListHostedZones",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "route53:ListHealthChecks",
    ),
    collect=collect,
)
