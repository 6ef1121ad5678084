"""EC2 instances, EBS volumes and owned EBS snapshots.

Instance, volume and snapshot ids are ARNs in the owning account
(``arn:aws:ec2:{region}:{account}:snapshot/{id}``; AWS's own snapshot ARN
leaves the account out, but the account makes the zone readable from the id).
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import DATA_ATTACHED_TO, ENCRYPTED_BY, MEMBER_OF, PROTECTED_BY, SNAPSHOT_OF
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, name_of

_UNKNOWN_VOLUME = "vol-ffffffff"
"""The volume id AWS reports for snapshots copied or made from images."""


def kms_key_arn(value: Any, region: str, account: str) -> str | None:
    """A KMS key reference (ARN, key id, alias name) as an ARN; None when absent."""
    if not value:
        return None
    text = str(value)
    if text.startswith("arn:"):
        return text
    if text.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account}:{text}"
    return f"arn:aws:kms:{region}:{account}:key/{text}"


@normalizes("aws", "ec2:instance")
def instance(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    instance_id = str(d["InstanceId"])
    arn = ec2_arn(rec.region, rec.account, instance_id, "instance")
    interfaces = d.get("NetworkInterfaces") or []
    groups = {str(g["GroupId"]) for g in d.get("SecurityGroups") or [] if g.get("GroupId")}
    for eni in interfaces:
        groups |= {str(g["GroupId"]) for g in eni.get("Groups") or [] if g.get("GroupId")}
    subnet_id = d.get("SubnetId")
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.INSTANCE,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, instance_id),
        tags=tags,
        attributes={
            "instance_id": instance_id,
            "state": (d.get("State") or {}).get("Name"),
            "instance_type": d.get("InstanceType"),
            "vpc_id": d.get("VpcId"),
            "subnet_id": subnet_id,
            "private_ip": d.get("PrivateIpAddress"),
            "public_ip": d.get("PublicIpAddress") or None,
            "ipv6_addresses": sorted(
                str(a["Ipv6Address"])
                for e in interfaces
                for a in e.get("Ipv6Addresses") or []
                if a.get("Ipv6Address")
            )
            if "NetworkInterfaces" in d
            else None,
            "security_group_ids": sorted(groups),
            "interface_ids": sorted(
                str(e["NetworkInterfaceId"]) for e in interfaces if e.get("NetworkInterfaceId")
            ),
            "iam_instance_profile": (d.get("IamInstanceProfile") or {}).get("Arn"),
            "az": (d.get("Placement") or {}).get("AvailabilityZone"),
            "asg_name": tags.get("aws:autoscaling:groupName"),
        },
        source="ec2:DescribeInstances",
    )
    if subnet_id:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, str(subnet_id), "subnet"),
            MEMBER_OF,
            f"{instance_id} is in {subnet_id}",
        )
    for group in sorted(groups):
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, group, "security-group"),
            PROTECTED_BY,
            f"{instance_id} uses security group {group}",
        )


@normalizes("aws", "ec2:volume")
def volume(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    volume_id = str(d["VolumeId"])
    arn = ec2_arn(rec.region, rec.account, volume_id, "volume")
    key = kms_key_arn(d.get("KmsKeyId"), rec.region, rec.account)
    attached = sorted(
        {
            str(a["InstanceId"])
            for a in d.get("Attachments") or []
            if a.get("InstanceId") and a.get("State") not in ("detaching", "detached")
        }
    )
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.VOLUME,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, volume_id),
        tags=tags,
        attributes={
            "encrypted": bool(d.get("Encrypted")),
            "kms_key_id": key,
            "size_gib": d.get("Size"),
            "attached_instance_ids": attached,
            "az": d.get("AvailabilityZone"),
        },
        source="ec2:DescribeVolumes",
    )
    for instance_id in attached:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, instance_id, "instance"),
            DATA_ATTACHED_TO,
            f"{volume_id} is attached to {instance_id}",
        )
    if key:
        out.relation(arn, key, ENCRYPTED_BY, f"{volume_id} is encrypted with {key}")


@normalizes("aws", "ec2:snapshot")
def snapshot(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    snapshot_id = str(d["SnapshotId"])
    account = str(d.get("OwnerId") or rec.account)
    arn = ec2_arn(rec.region, account, snapshot_id, "snapshot")
    key = kms_key_arn(d.get("KmsKeyId"), rec.region, account)
    volume_id = d.get("VolumeId")
    public: bool | None = None
    shared_with: list[str] | None = None
    if "CreateVolumePermissions" in d:
        permissions = d["CreateVolumePermissions"]
        public = any(p.get("Group") == "all" for p in permissions)
        shared_with = sorted({str(p["UserId"]) for p in permissions if p.get("UserId")})
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.SNAPSHOT,
        account=account,
        region=rec.region,
        name=name_of(tags, snapshot_id),
        tags=tags,
        attributes={
            "encrypted": bool(d.get("Encrypted")),
            "kms_key_id": key,
            "volume_id": volume_id,
            "public": public,
            "shared_with": shared_with,
        },
        source="ec2:DescribeSnapshots",
    )
    if volume_id and volume_id != _UNKNOWN_VOLUME:
        out.relation(
            arn,
            ec2_arn(rec.region, account, str(volume_id), "volume"),
            SNAPSHOT_OF,
            f"{snapshot_id} was taken of {volume_id}",
        )
    if key:
        out.relation(arn, key, ENCRYPTED_BY, f"{snapshot_id} is encrypted with {key}")
