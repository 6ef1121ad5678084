"""Auto Scaling groups, and the instances they keep running."""

from __future__ import annotations

from typing import Any

from auditor.base.edges import SCALES
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, name_of


def _launch_template(d: Any) -> dict[str, Any] | None:
    spec = d.get("LaunchTemplate") or (
        ((d.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get(
            "LaunchTemplateSpecification"
        )
    )
    if not spec:
        return None
    return {
        "id": spec.get("LaunchTemplateId"),
        "name": spec.get("LaunchTemplateName"),
        "version": spec.get("Version"),
    }


@normalizes("aws", "autoscaling:group")
def scaling_group(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    name = str(d["AutoScalingGroupName"])
    arn = str(d["AutoScalingGroupARN"])
    subnet_ids = sorted(
        {s.strip() for s in str(d.get("VPCZoneIdentifier") or "").split(",") if s.strip()}
    )
    instance_ids = sorted(
        {str(i["InstanceId"]) for i in d.get("Instances") or [] if i.get("InstanceId")}
    )
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.SCALING_GROUP,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, name),
        tags=tags,
        attributes={
            "name": name,
            "min_size": d.get("MinSize"),
            "max_size": d.get("MaxSize"),
            "desired_capacity": d.get("DesiredCapacity"),
            "subnet_ids": subnet_ids,
            "instance_ids": instance_ids,
            "launch_template": _launch_template(d),
            "target_group_arns": sorted(str(a) for a in d.get("TargetGroupARNs") or []),
        },
        source="autoscaling:DescribeAutoScalingGroups",
    )
    for instance_id in instance_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, instance_id, "instance"),
            SCALES,
            f"auto scaling group {name} runs {instance_id}",
        )
