"""EC2 compute and block storage: instances, EBS volumes, owned EBS snapshots.

SDK calls only. A snapshot record carries its ``createVolumePermission``
list (who may restore it) under ``CreateVolumePermissions``; when that call
fails the key is absent and a gap names the snapshot.
"""

from __future__ import annotations

from auditor.collect.aws_context import AwsContext, AwsService


def collect(ctx: AwsContext) -> None:
    for reservation in ctx.pages("DescribeInstances", "Reservations", page_size=1000):
        for instance in reservation.get("Instances") or []:
            ctx.emit("ec2:instance", instance, "ec2:DescribeInstances")
    for volume in ctx.pages("DescribeVolumes", "Volumes", page_size=500):
        ctx.emit("ec2:volume", volume, "ec2:DescribeVolumes")
    for snapshot in ctx.pages("DescribeSnapshots", "Snapshots", page_size=1000, OwnerIds=["self"]):
        snapshot_id = str(snapshot["SnapshotId"])
        record = dict(snapshot)
        attribute = ctx.call(
            "DescribeSnapshotAttribute",
            resource=f"arn:aws:ec2:{ctx.region}:{ctx.account}:snapshot/{snapshot_id}",
            SnapshotId=snapshot_id,
            Attribute="createVolumePermission",
        )
        if attribute is not None:
            record["CreateVolumePermissions"] = attribute.get("CreateVolumePermissions") or []
        ctx.emit("ec2:snapshot", record, "ec2:DescribeSnapshots")


SERVICE = AwsService(
    name="ec2-compute",
    client="ec2",
    scope="regional",
    actions=(
        "ec2:DescribeInstances",
        "ec2:DescribeSnapshotAttribute",
        "ec2:DescribeSnapshots",
        "ec2:DescribeVolumes",
    ),
    collect=collect,
)
